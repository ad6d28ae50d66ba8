"""The partner directory pages: search, a partner's page with its figures, adding and editing
a partner, its sites, contacts and conventions, marking it inactive, and the managers' page
that authorises staff to manage the directory.

No service chosen: 404; a judge (no ``read_partners``): 403; a role that may not manage the
directory, on a page that changes it: 403; another service's partner: 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from probatio.access.policy import Action, allows
from probatio.audit import services as audit
from probatio.core import exports as files
from probatio.core.forms import apply_errors
from probatio.core.paging import paginate
from probatio.reintegration import exports, partners, rules, selectors
from probatio.reintegration.models import Partner, PartnerSite
from probatio.reintegration.partner_forms import (
    AgreementForm,
    ContactForm,
    EditorForm,
    OptionalContactForm,
    OptionalSiteForm,
    PartnerFilterForm,
    PartnerForm,
    PeriodForm,
    SiteForm,
)

NAV = "partners"
PER_PAGE = 25


def _partner_initial(partner: Partner) -> dict:
    return {name: getattr(partner, name) for name in partners.PARTNER_FIELDS}


def _site_initial(site: PartnerSite) -> dict:
    data = {name: getattr(site, name) for name in partners.SITE_FIELDS}
    data["areas"] = ", ".join(site.areas or [])
    return data


@require_GET
def partner_list(request):
    membership = partners.directory_membership(request.membership)
    file_format = files.requested_format(request)
    if file_format:
        files.require_export(membership)
    form = PartnerFilterForm(request.GET or None)
    filters = form.filters()
    found = partners.partner_search(membership, **filters)
    if file_format and form.is_valid():
        # Every partner found (not one page), journaled with the search.
        table = exports.partners_table(
            selectors.partners_with_sites(found), filters=files.described_filters(form)
        )
        audit.record_export(
            membership,
            object_type="reintegration.partner",
            summary="Export : annuaire des partenaires",
            context={"page": "partners", "filters": {k: v for k, v in filters.items() if v}},
            file_format=file_format,
            rows=len(table.rows),
        )
        return files.table_response(table, file_format=file_format, stem="annuaire des partenaires")
    if file_format:  # a criterion the page refuses: the page and its errors, no file
        messages.error(request, files.INVALID_FILTERS)
    page = paginate(request, found, per_page=PER_PAGE)
    rows = selectors.partners_with_sites(page.object_list)
    for partner in rows:
        partner.pathway_labels = [
            rules.PATHWAYS[p] for p in partner.pathways if p in rules.PATHWAYS
        ]
        partner.cities = sorted({site.city for site in partner.sites.all()})
    audit.record_list(
        membership,
        object_type="reintegration.partner",
        summary="Liste : annuaire des partenaires",
        context={
            "page": "partners",
            "filters": {k: v for k, v in filters.items() if v},
            "page_number": page.number,
        },
    )
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "reintegration/partner_list.html",
        {
            "title": "Annuaire des partenaires",
            "nav": NAV,
            "form": form,
            "page": page,
            "rows": rows,
            "total": page.paginator.count,
            "query_string": query.urlencode(),
            "can_manage": partners.may_manage_partners(membership),
            "can_authorise": allows(membership.role, Action.MANAGE_PARTNERS),
            "can_export": files.may_export(membership),
            "export_label": "partenaires trouvés",
        },
        status=400 if form.errors or file_format else 200,
    )


def _dispatch_errors(error: ValidationError, forms_by_prefix: dict) -> None:
    """A service's errors on the form they belong to: ``site_name`` on the site form…"""
    if not hasattr(error, "error_dict"):
        apply_errors(forms_by_prefix[""], error)
        return
    for key, errors in error.error_dict.items():
        target, field = forms_by_prefix[""], key
        for prefix, form in forms_by_prefix.items():
            if prefix and key.startswith(prefix + "_"):
                target, field = form, key[len(prefix) + 1 :]
        apply_errors(target, ValidationError({field: errors}))


@require_http_methods(["GET", "POST"])
def partner_create(request):
    membership = partners.directory_membership(request.membership, manage=True)
    data = request.POST or None
    form = PartnerForm(data)
    site_form = OptionalSiteForm(data, prefix="site")
    contact_form = OptionalContactForm(data, prefix="contact")
    duplicates = []
    if request.method == "POST":
        valid = [f.is_valid() for f in (form, site_form, contact_form)]
        if all(valid):
            duplicates = partners.duplicates_of(
                service_id=membership.service_id,
                name=form.cleaned_data["name"],
                postcode=form.cleaned_data["postcode"],
            )
            if not duplicates or request.POST.get("confirm_duplicate"):
                try:
                    partner = partners.partner_create(
                        membership=membership,
                        data=form.cleaned_data,
                        site=site_form.cleaned_data if site_form.is_filled() else None,
                        contact=contact_form.cleaned_data if contact_form.is_filled() else None,
                    )
                except ValidationError as error:
                    _dispatch_errors(error, {"": form, "site": site_form, "contact": contact_form})
                else:
                    messages.success(request, f"{partner.name} est ajouté à l'annuaire.")
                    return redirect("partners:detail", partner_id=partner.pk)
    invalid = any(f.errors for f in (form, site_form, contact_form))
    return render(
        request,
        "reintegration/partner_form.html",
        {
            "title": "Nouveau partenaire",
            "nav": NAV,
            "form": form,
            "site_form": site_form,
            "contact_form": contact_form,
            "duplicates": duplicates,
            "sub_errors": invalid and not form.errors,
            "cancel_url": "partners:list",
        },
        status=400 if invalid or duplicates else 200,
    )


@require_http_methods(["GET", "POST"])
def partner_edit(request, partner_id: int):
    membership = request.membership
    partner = partners.partner_get_for(membership, partner_id, manage=True)
    form = PartnerForm(request.POST or None, initial=_partner_initial(partner))
    duplicates = []
    if request.method == "POST" and form.is_valid():
        duplicates = partners.duplicates_of(
            service_id=membership.service_id,
            name=form.cleaned_data["name"],
            postcode=form.cleaned_data["postcode"],
            exclude_pk=partner.pk,
        )
        if not duplicates or request.POST.get("confirm_duplicate"):
            try:
                partners.partner_update(
                    membership=membership, partner=partner, data=form.cleaned_data
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Les informations du partenaire sont enregistrées.")
                return redirect("partners:detail", partner_id=partner.pk)
    return render(
        request,
        "reintegration/partner_form.html",
        {
            "title": f"Modifier {partner.name}",
            "nav": NAV,
            "partner": partner,
            "form": form,
            "duplicates": duplicates,
        },
        status=400 if form.errors or duplicates else 200,
    )


@require_GET
def partner_detail(request, partner_id: int):
    membership = request.membership
    partner = partners.partner_get_for(membership, partner_id)
    period_form = PeriodForm(request.GET or None)
    months = period_form.months()
    figures = partners.partner_figures(
        partner, membership, today=timezone.localdate(), months=months
    )
    referred = partners.persons_currently_referred(partner, membership)
    if referred:
        audit.record_list(
            membership,
            object_type="people.person",
            summary=f"Liste : personnes orientées vers {partner.name}"[:300],
            context={"page": "partner", "partner": partner.pk, "persons": len(referred)},
        )
    today = timezone.localdate()
    agreements = selectors.partner_agreements(partner)
    for agreement in agreements:
        agreement.in_force = agreement.start_date <= today and (
            agreement.end_date is None or agreement.end_date >= today
        )
    return render(
        request,
        "reintegration/partner_detail.html",
        {
            "title": partner.name,
            "nav": NAV,
            "partner": partner,
            "kind_label": rules.PARTNER_KINDS.get(partner.kind, ""),
            "pathway_labels": [rules.PATHWAYS[p] for p in partner.pathways if p in rules.PATHWAYS],
            "sites": selectors.partner_sites(partner),
            "contacts": selectors.partner_contacts(partner),
            "agreements": agreements,
            "figures": figures,
            "period_form": period_form,
            "referred": referred,
            "can_manage": partners.may_manage_partners(membership),
        },
    )


@require_POST
def partner_toggle(request, partner_id: int):
    membership = request.membership
    partner = partners.partner_get_for(membership, partner_id, manage=True)
    active = request.POST.get("active") == "1"
    partners.partner_set_active(membership=membership, partner=partner, active=active)
    if active:
        messages.success(request, f"{partner.name} est de nouveau actif dans l'annuaire.")
    else:
        messages.success(
            request,
            f"{partner.name} est marqué inactif : il n'apparaît plus dans les recherches "
            "(sauf en incluant les partenaires inactifs).",
        )
    return redirect("partners:detail", partner_id=partner.pk)


# --- Sites, contacts, conventions ---------------------------------------------------------------

PARTS = {
    "site": {
        "form": SiteForm,
        "save": partners.site_save,
        "arg": "site",
        "new": "Ajouter un site",
        "edit": "Modifier le site",
        "saved": "Le site est enregistré.",
        "missing": "Site introuvable.",
    },
    "contact": {
        "form": ContactForm,
        "save": partners.contact_save,
        "arg": "contact",
        "new": "Ajouter un contact",
        "edit": "Modifier le contact",
        "saved": "Le contact est enregistré.",
        "missing": "Contact introuvable.",
    },
    "agreement": {
        "form": AgreementForm,
        "save": partners.agreement_save,
        "arg": "agreement",
        "new": "Ajouter une convention",
        "edit": "Modifier la convention",
        "saved": "La convention est enregistrée.",
        "missing": "Convention introuvable.",
    },
}


def _part_page(request, partner_id: int, part: str, item_id: int | None):
    membership = request.membership
    partner = partners.partner_get_for(membership, partner_id, manage=True)
    spec = PARTS[part]
    item = None
    initial = None
    if item_id is not None:
        item = selectors.partner_part_get(partner, part, item_id)
        if item is None:
            raise Http404(spec["missing"])
        if part == "site":
            initial = _site_initial(item)
        else:
            fields = partners.CONTACT_FIELDS if part == "contact" else partners.AGREEMENT_FIELDS
            initial = {name: getattr(item, name) for name in fields}
    form = spec["form"](request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            spec["save"](
                membership=membership,
                partner=partner,
                data=form.cleaned_data,
                **{spec["arg"]: item},
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, spec["saved"])
            return redirect("partners:detail", partner_id=partner.pk)
    title = spec["edit"] if item is not None else spec["new"]
    return render(
        request,
        "reintegration/partner_part_form.html",
        {
            "title": f"{title} — {partner.name}",
            "heading": title,
            "nav": NAV,
            "partner": partner,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def site_new(request, partner_id: int):
    return _part_page(request, partner_id, "site", None)


@require_http_methods(["GET", "POST"])
def site_edit(request, partner_id: int, site_id: int):
    return _part_page(request, partner_id, "site", site_id)


@require_http_methods(["GET", "POST"])
def contact_new(request, partner_id: int):
    return _part_page(request, partner_id, "contact", None)


@require_http_methods(["GET", "POST"])
def contact_edit(request, partner_id: int, contact_id: int):
    return _part_page(request, partner_id, "contact", contact_id)


@require_http_methods(["GET", "POST"])
def agreement_new(request, partner_id: int):
    return _part_page(request, partner_id, "agreement", None)


@require_http_methods(["GET", "POST"])
def agreement_edit(request, partner_id: int, agreement_id: int):
    return _part_page(request, partner_id, "agreement", agreement_id)


# --- Editors -----------------------------------------------------------------------------------


def _manager(request):
    membership = partners.directory_membership(request.membership)
    if not allows(membership.role, Action.MANAGE_PARTNERS):
        raise PermissionDenied("Seul l'encadrement choisit qui gère l'annuaire des partenaires.")
    return membership


@require_http_methods(["GET", "POST"])
def editors(request):
    membership = _manager(request)
    candidates = partners.editor_candidates(membership)
    form = EditorForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            editor = partners.editor_grant(
                membership=membership, user_id=int(form.cleaned_data["user"])
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"{editor.user.get_full_name()} peut désormais gérer l'annuaire des partenaires.",
            )
            return redirect("partners:editors")
    return render(
        request,
        "reintegration/partner_editors.html",
        {
            "title": "Gestionnaires de l'annuaire des partenaires",
            "nav": NAV,
            "form": form,
            "editors": partners.editors_of(membership),
            "has_candidates": bool(candidates),
        },
        status=400 if form.errors else 200,
    )


@require_POST
def editor_remove(request, editor_id: int):
    membership = _manager(request)
    editor = partners.editor_revoke(membership=membership, editor_id=editor_id)
    messages.success(
        request,
        f"{editor.user.get_full_name()} ne gère plus l'annuaire des partenaires.",
    )
    return redirect("partners:editors")
