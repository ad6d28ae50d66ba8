import copy

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods

from probatio.access.policy import Action, allows
from probatio.accounts.models import Membership
from probatio.audit import labels as audit_labels
from probatio.core.forms import apply_errors
from probatio.core.gates import page_membership
from probatio.core.paging import paginate
from probatio.people import rules, selectors, services
from probatio.people.forms import (
    AccessLogFilterForm,
    AddressForm,
    CourtNumberForm,
    DuplicateCheckForm,
    FirstAddressForm,
    PersonForm,
    SituationForm,
)

TABS = [
    ("identity", "Identité et situation", "people:detail", Action.READ_FILE),
    ("measures", "Mesures et obligations", "measures:list", Action.READ_FILE),
    ("appointments", "Rendez-vous", "agenda:person_list", Action.READ_FILE),
    ("proofs", "Justificatifs", "compliance:proofs", Action.READ_FILE),
    ("incidents", "Manquements", "compliance:incidents", Action.READ_FILE),
    ("assessment", "Évaluation", "assessments:tab", Action.READ_INTENSITY),
    ("programmes", "Programmes", "enrolments:tab", Action.READ_FILE),
    ("reports", "Rapports", "reports:person_list", Action.READ_REPORTS),
    ("sentence", "Peine et dates", "sentences:panel", Action.READ_FILE),
    ("tig", "TIG", "community_work:tab", Action.READ_FILE),
    ("reintegration", "Insertion", "reintegration:tab", Action.READ_FILE),
    ("support", "Accompagnement", "support:tab", Action.READ_FILE),
    ("release", "Sortie", "release:tab", Action.READ_FILE),
    ("timeline", "Chronologie", "notes:timeline", Action.READ_FILE),
    ("access_log", "Journal des accès", "people:access_log", Action.READ_ACCESS_LOG),
]


def dossier_context(gated: selectors.Gated, tab: str, **extra) -> dict:
    """What every tab of the dossier shows around its own content."""
    person = gated.person
    custody = [r for r in selectors.custody_records_of(person) if r.release_date is None]
    tabs = [
        {"key": key, "label": label, "url": reverse(name, args=[person.pk]), "active": key == tab}
        for key, label, name, action in TABS
        if gated.allows(action)
    ]
    return {
        "person": person,
        "gated": gated,
        "tabs": tabs,
        "tab": tab,
        "open_custody": custody[0] if custody else None,
        "cancel_url": reverse("people:detail", args=[person.pk]),
        "title": f"{person} — {dict((k, lbl) for k, lbl, *_ in TABS)[tab]}",
        **extra,
    }


def dossier_page(
    request, items, *, param: str = "page", count: int | None = None, anchor: str = ""
) -> Page:
    """One page (``PROBATIO_PAGE_SIZE`` rows) of a list of a dossier's tab, the one asked for
    by ``?<param>=``. A tab with several lists gives each its own parameter, so that paging
    one keeps the others where they are: ``includes/pagination.html`` builds its links from
    the page's ``param``, ``query_string`` (the request's other parameters) and ``anchor``
    (the list's heading). ``count``: the number of rows when a selector already counted them
    (saves the paginator's COUNT). The rows are read only when the page is iterated."""
    paginator = Paginator(items, settings.PROBATIO_PAGE_SIZE)
    if count is not None:
        paginator.count = count  # a cached property: set, it is not computed
    page = paginator.get_page(request.GET.get(param))
    others = request.GET.copy()
    others.pop(param, None)
    page.param = param
    page.query_string = others.urlencode()
    page.anchor = anchor
    return page


def dossier_form_page(
    request,
    gated: selectors.Gated,
    form,
    *,
    tab: str,
    title: str,
    submit: str,
    write,
    success: str,
    redirect_to,
    cancel_url: str,
    template: str = "people/simple_form.html",
    **extra,
):
    """A form of a dossier tab: GET shows it; a valid POST calls ``write(cleaned_data)`` (a
    service) and redirects to ``redirect_to(written)`` with ``success``; a refusal of the
    service shows its French messages next to the fields, status 400, nothing stored."""
    if request.method == "POST" and form.is_valid():
        try:
            written = write(form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(redirect_to(written))
    context = dossier_context(
        gated,
        tab,
        form=form,
        form_title=title,
        submit_label=submit,
        cancel_url=cancel_url,
        **extra,
    )
    return render(request, template, context, status=400 if form.errors else 200)


def _can_create_person(membership: Membership | None) -> bool:
    return membership is not None and allows(membership.role, Action.CREATE_PERSON)


def _duplicates_to_confirm(request, membership, identity: dict, *, exclude_pk=None):
    """The possible duplicates of ``identity`` the user has not confirmed yet (none: go on).
    « Créer quand même » confirms the persons shown with the warning (their ids come back in
    ``duplicates_seen``); a person matching only since then is shown again. Showing them is
    journaled as a list read, with the persons shown."""
    found = selectors.possible_duplicates(membership, identity, exclude_pk=exclude_pk)
    if not found:
        return []
    seen = set(request.POST.getlist("duplicates_seen"))
    if request.POST.get("confirm_duplicate") and {str(d.person.pk) for d in found} <= seen:
        return []
    services.duplicates_shown(membership=membership, persons=[d.person for d in found])
    return found


@require_http_methods(["GET", "POST"])
def person_create(request):
    membership = request.membership
    if not _can_create_person(membership):
        raise PermissionDenied("Votre rôle ne permet pas d'enregistrer une personne.")
    form = PersonForm(request.POST or None)
    address_form = FirstAddressForm(request.POST or None)
    duplicates = []
    if request.method == "POST" and form.is_valid() and address_form.is_valid():
        data = form.cleaned_data
        duplicates = _duplicates_to_confirm(request, membership, data)
        if not duplicates:
            try:
                person = services.person_create(
                    membership=membership,
                    data=data,
                    address=address_form.cleaned_data
                    if address_form.cleaned_data.get("line1")
                    else None,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, f"Le dossier de {person} est créé.")
                return redirect("people:detail", person.pk)
    return render(
        request,
        "people/person_form.html",
        {
            "form": form,
            "address_form": address_form,
            "duplicates": duplicates,
            "title": "Nouvelle personne",
            "nav": "create",
        },
        status=200 if not form.errors and not address_form.errors else 400,
    )


@require_GET
def duplicates_check(request):
    """The duplicate warning for the identity being typed in the creation form (htmx, on each
    change; the form's own check on saving stands without JavaScript)."""
    membership = page_membership(
        request, Action.CREATE_PERSON, "Votre rôle ne permet pas d'enregistrer une personne."
    )
    form = DuplicateCheckForm(request.GET)
    duplicates = []
    if form.is_valid():
        duplicates = selectors.possible_duplicates(membership, form.cleaned_data)
        if duplicates:
            services.duplicates_shown(membership=membership, persons=[d.person for d in duplicates])
    # The fragment for htmx; a whole page for a plain request (a bookmark, no JavaScript).
    fragment = request.htmx and not request.htmx.history_restore_request
    template = "people/_duplicates.html" if fragment else "people/duplicates_page.html"
    response = render(
        request,
        template,
        {"duplicates": duplicates, "title": "Doublons possibles", "nav": "create"},
    )
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return response


def person_detail(request, pk: int):
    gated = selectors.person_get_for(request.membership, pk, log_read="identite")
    person = gated.person
    situation = selectors.current_situation(person)
    return render(
        request,
        "people/detail_identity.html",
        dossier_context(
            gated,
            "identity",
            addresses=selectors.addresses_of(person),
            court_numbers=selectors.court_numbers_of(person),
            custody_records=selectors.custody_records_of(person),
            situation_known=bool(situation),
            situation=[
                situation.get(d)
                for d in (
                    "housing",
                    "employment",
                    "resources",
                    "family",
                    "health",
                    "addiction",
                    "literacy",
                    "id_documents",
                )
            ],
            situation_history=selectors.situation_history(person, situation)
            if request.GET.get("historique")
            else None,
            support_staff=selectors.support_staff_of(person),
        ),
    )


def person_access_log(request, pk: int):
    gated = selectors.person_get_for(
        request.membership, pk, action=Action.READ_ACCESS_LOG, log_read="journal des accès"
    )
    service_id = request.membership.service_id
    actors = selectors.access_log_actors(gated.person, service_id)
    form = AccessLogFilterForm(request.GET or None, actors=actors)
    filters = form.filters()
    page = paginate(
        request, selectors.access_log_of(gated.person, service_id, **filters), per_page=50
    )
    entries = list(page.object_list)
    names = selectors.user_names(audit_labels.user_ids(entries))
    rows = [
        {
            "entry": entry,
            "summary": audit_labels.summary_label(entry.summary),
            "changes": audit_labels.change_lines(entry, names),
        }
        for entry in entries
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "people/detail_access_log.html",
        dossier_context(
            gated,
            "access_log",
            page=page,
            rows=rows,
            form=form,
            filtered=any(value is not None for value in filters.values()),
            query_string=query.urlencode(),
        ),
        status=400 if form.errors else 200,
    )


def _form_page(request, gated, form, template_title, action_label, status=200, **extra):
    return render(
        request,
        "people/simple_form.html",
        dossier_context(
            gated,
            "identity",
            form=form,
            form_title=template_title,
            submit_label=action_label,
            **extra,
        ),
        status=400 if form.errors else status,
    )


@require_http_methods(["GET", "POST"])
def person_edit(request, pk: int):
    gated = selectors.person_get_for(
        request.membership,
        pk,
        action=Action.EDIT_IDENTITY,
        log_read="modification de l'identité",
    )
    form = PersonForm(request.POST or None, instance=copy.copy(gated.person))
    duplicates = []
    if request.method == "POST" and form.is_valid():
        # Checked when what the check compares changes (a file already known to look like
        # another is not flagged again on every edit).
        stored = {name: getattr(gated.person, name) for name in rules.COMPARED_FIELDS}
        if rules.keys_of_identity(form.cleaned_data) != rules.keys_of_identity(stored):
            duplicates = _duplicates_to_confirm(
                request, request.membership, form.cleaned_data, exclude_pk=pk
            )
        if not duplicates:
            try:
                services.person_update(gated=gated, data=form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Identité mise à jour.")
                return redirect("people:detail", pk)
    return _form_page(
        request,
        gated,
        form,
        "Modifier l'identité",
        "Enregistrer",
        duplicates=duplicates,
        duplicate_submit="Enregistrer quand même",
    )


def _simple_write(request, pk, *, action, form, save, success, title, submit):
    gated = selectors.person_get_for(
        request.membership,
        pk,
        action=action,
        # The French name of the form, as the access log shows older entries too.
        log_read=audit_labels.read_label(f"formulaire {request.resolver_match.url_name}"),
    )
    bound = form(gated)
    if request.method == "POST" and bound.is_valid():
        try:
            save(gated, bound.cleaned_data)
        except ValidationError as error:
            apply_errors(bound, error)
        else:
            messages.success(request, success)
            return redirect("people:detail", pk)
    return _form_page(request, gated, bound, title, submit)


@require_http_methods(["GET", "POST"])
def address_add(request, pk: int):
    return _simple_write(
        request,
        pk,
        action=Action.EDIT_IDENTITY,
        form=lambda g: AddressForm(request.POST or None),
        save=lambda g, data: services.address_add(gated=g, data=data),
        success="Nouvelle adresse enregistrée ; l'ancienne est conservée dans l'historique.",
        title="Nouvelle adresse",
        submit="Enregistrer l'adresse",
    )


@require_http_methods(["GET", "POST"])
def situation_add(request, pk: int):
    def save(gated, data):
        domain, status = data["situation"].split(":", 1)
        services.situation_record(
            gated=gated,
            domain=domain,
            status=status,
            details=data["details"],
            effective_date=data["effective_date"],
        )

    return _simple_write(
        request,
        pk,
        action=Action.EDIT_IDENTITY,
        form=lambda g: SituationForm(request.POST or None),
        save=save,
        success="Situation enregistrée (l'historique est conservé).",
        title="Mettre à jour la situation",
        submit="Enregistrer",
    )


@require_http_methods(["GET", "POST"])
def court_number_add(request, pk: int):
    return _simple_write(
        request,
        pk,
        action=Action.EDIT_IDENTITY,
        form=lambda g: CourtNumberForm(request.POST or None),
        save=lambda g, d: services.court_number_add(gated=g, **d),
        success="Numéro de procédure ajouté.",
        title="Ajouter un numéro de procédure",
        submit="Ajouter",
    )
