"""The managers' pages of the service's staff (« Paramètres » → « Personnel »): the list with
absences, a new account, an account of another service joining this one, a membership's page
(role, antenne, working time, identity, activation, absences, the sign-in link). Every page asks
``Action.MANAGE_SERVICE``; a membership of another service, or a judge's, is a 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from probatio.access.policy import Action
from probatio.accounts import rules, selectors, services, throttling
from probatio.accounts.forms import (
    AbsenceForm,
    IdentityForm,
    MembershipForm,
    StaffAddForm,
    StaffCreateForm,
)
from probatio.core.forms import apply_errors
from probatio.core.gates import page_membership
from probatio.organisation.selectors import sites_of

REFUSAL = "Le personnel du service est tenu par l'encadrement."


def _manager(request):
    return page_membership(request, Action.MANAGE_SERVICE, REFUSAL)


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


def _send_link(request, membership, target) -> None:
    """Mail the sign-in link; a mail that could not go is said, the rest stays done."""
    try:
        services.staff_password_link_send(
            membership=membership, target=target, base_url=_base_url(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Lien pour choisir le mot de passe envoyé à {target.user.email}.",
        )


@require_GET
def staff(request):
    membership = _manager(request)
    today = timezone.localdate()
    return render(
        request,
        "accounts/staff.html",
        {
            "title": "Personnel du service",
            "nav": "settings",
            "rows": selectors.staff_of(membership.service_id, today=today),
            "today": today,
        },
    )


@require_http_methods(["GET", "POST"])
def staff_new(request):
    membership = _manager(request)
    form = StaffCreateForm(request.POST or None, sites=sites_of(membership.service_id))
    if request.method == "POST" and form.is_valid():
        try:
            created = services.staff_account_create(
                membership=membership, data=form.data_for_service()
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Compte de {created.user} créé ({created.role_label}).")
            _send_link(request, membership, created)
            return redirect("accounts:staff_member", created.pk)
    return render(
        request,
        "accounts/staff_form.html",
        {"title": "Nouveau compte", "nav": "settings", "form": form, "kind": "new"},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def staff_add(request):
    membership = _manager(request)
    form = StaffAddForm(request.POST or None, sites=sites_of(membership.service_id))
    if request.method == "POST" and form.is_valid():
        data = form.data_for_service()
        try:
            added = services.staff_membership_add(
                membership=membership, username=data.pop("username"), data=data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, f"{added.user} est rattaché·e à votre service ({added.role_label})."
            )
            return redirect("accounts:staff_member", added.pk)
    return render(
        request,
        "accounts/staff_form.html",
        {"title": "Ajouter un compte existant", "nav": "settings", "form": form, "kind": "add"},
        status=400 if form.errors else 200,
    )


def _member_page(request, membership, target, *, forms=None, status=200):
    today = timezone.localdate()
    sites = sites_of(membership.service_id)
    others = selectors.other_memberships(target)
    editable = rules.identity_editable(membership.service_id, [m.service_id for m in others])
    user = target.user
    forms = forms or {}
    context = {
        "title": f"{user.get_full_name() or user.username} — {target.role_label}",
        "nav": "settings",
        "target": target,
        "others": others,
        "identity_editable": editable,
        "membership_form": forms.get("membership")
        or MembershipForm(
            initial={
                "role": target.role,
                "site": str(target.site_id or ""),
                "working_time": target.working_time,
            },
            sites=sites,
        ),
        "identity_form": forms.get("identity")
        or IdentityForm(initial={f: getattr(user, f) for f in services.IDENTITY_FIELDS}),
        "absence_form": forms.get("absence") or AbsenceForm(),
        "absences": selectors.absences_of(target, today=today),
        "is_self": target.pk == membership.pk,
        "sign_in_suspended": throttling.is_locked_out(user.username),
    }
    return render(request, "accounts/staff_member.html", context, status=status)


@require_http_methods(["GET", "POST"])
def staff_member(request, membership_id: int):
    membership = _manager(request)
    target = selectors.staff_membership_get(membership.service_id, membership_id)
    if request.method == "POST":
        form = MembershipForm(request.POST, sites=sites_of(membership.service_id))
        if form.is_valid():
            try:
                services.staff_membership_update(
                    membership=membership, target=target, data=form.data_for_service()
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Rattachement enregistré.")
                return redirect("accounts:staff_member", target.pk)
        return _member_page(request, membership, target, forms={"membership": form}, status=400)
    return _member_page(request, membership, target)


@require_POST
def staff_identity(request, membership_id: int):
    membership = _manager(request)
    target = selectors.staff_membership_get(membership.service_id, membership_id)
    form = IdentityForm(request.POST)
    if form.is_valid():
        try:
            services.staff_identity_update(
                membership=membership, target=target, data=form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Identité du compte enregistrée.")
            return redirect("accounts:staff_member", target.pk)
    return _member_page(request, membership, target, forms={"identity": form}, status=400)


@require_POST
def staff_active(request, membership_id: int):
    membership = _manager(request)
    target = selectors.staff_membership_get(membership.service_id, membership_id)
    active = request.POST.get("active") == "1"
    try:
        services.staff_membership_set_active(membership=membership, target=target, active=active)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Rattachement réactivé." if active else "Rattachement désactivé.")
    return redirect("accounts:staff_member", target.pk)


@require_POST
def staff_link(request, membership_id: int):
    membership = _manager(request)
    target = selectors.staff_membership_get(membership.service_id, membership_id)
    _send_link(request, membership, target)
    return redirect("accounts:staff_member", target.pk)


@require_POST
def staff_absence_new(request, membership_id: int):
    membership = _manager(request)
    target = selectors.staff_membership_get(membership.service_id, membership_id)
    form = AbsenceForm(request.POST)
    if form.is_valid():
        try:
            absence = services.staff_absence_create(
                membership=membership, target=target, data=form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Absence enregistrée : {absence}.")
            return redirect("accounts:staff_member", target.pk)
    return _member_page(request, membership, target, forms={"absence": form}, status=400)


@require_POST
def staff_absence_delete(request, absence_id: int):
    membership = _manager(request)
    absence = selectors.absence_get(membership.service_id, absence_id)
    services.staff_absence_delete(membership=membership, absence=absence)
    messages.success(request, f"Absence supprimée : {absence}.")
    return redirect("accounts:staff_member", absence.membership_id)


@require_POST
def staff_unlock(request, membership_id: int):
    """Lift a member's sign-in suspension (too many failed attempts)."""
    membership = _manager(request)
    target = selectors.staff_membership_get(membership.service_id, membership_id)
    if services.staff_unlock(membership=membership, target=target):
        messages.success(request, f"La connexion de {target.user} est de nouveau possible.")
    else:
        messages.info(request, f"La connexion de {target.user} n'était pas suspendue.")
    return redirect("accounts:staff_member", target.pk)


@require_POST
def staff_second_factor_reset(request, membership_id: int):
    """Reset a member's second factor (a lost phone): set up again at the next sign-in."""
    membership = _manager(request)
    target = selectors.staff_membership_get(membership.service_id, membership_id)
    services.staff_second_factor_reset(membership=membership, target=target)
    messages.success(
        request,
        f"La double authentification de {target.user} est réinitialisée : elle sera de nouveau "
        "activée à sa prochaine connexion.",
    )
    return redirect("accounts:staff_member", target.pk)
