"""The retention pages: « Conservation des données » for the service's managers (the rules in
force with their sources, the legal holds, what the job would take today and within a year),
and the legal hold of one file, reached from its identity tab."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from probatio.access.policy import Action
from probatio.audit import services as audit
from probatio.core.forms import apply_errors
from probatio.core.gates import page_membership
from probatio.core.paging import paginate
from probatio.people.selectors import person_get_for
from probatio.people.views import dossier_context
from probatio.retention import selectors, services
from probatio.retention.forms import HoldForm

FILES_PER_PAGE = 25


@require_GET
def overview(request):
    membership = page_membership(
        request,
        Action.READ_RETENTION,
        "La conservation des données du service est réservée à l'encadrement.",
    )
    now = timezone.now()
    outlook = selectors.outlook(membership.service_id, today=timezone.localdate(now), now=now)
    files = paginate(request, outlook.files, FILES_PER_PAGE)
    holds = selectors.service_holds(membership.service_id)
    # The page names persons (the files due, the files held): journaled like a list page.
    audit.record_list(
        membership,
        object_type="people.person",
        summary="Liste : Conservation des données",
        context={
            "page": "retention",
            "page_number": files.number,
            "shown": [f.person_id for f in files] + [h.person_id for h in holds],
        },
    )
    return render(
        request,
        "retention/overview.html",
        {
            "title": "Conservation des données",
            "nav": "service",
            "section": "retention",
            "outlook": outlook,
            "holds": holds,
            "files": files,
        },
    )


@require_http_methods(["GET", "POST"])
def hold(request, pk: int):
    """The file's legal hold: set it (with its reason) or lift it."""
    gated = person_get_for(
        request.membership, pk, action=Action.MANAGE_LEGAL_HOLD, log_read="conservation"
    )
    current = selectors.hold_in_force(gated.person)
    form = HoldForm(request.POST if request.method == "POST" and current is None else None)
    if request.method == "POST":
        try:
            if current is not None:
                services.hold_lift(gated=gated)
                messages.success(
                    request,
                    "Le gel est levé : les règles de conservation s'appliquent de nouveau à ce dossier.",
                )
                return redirect("retention:hold", pk)
            if form.is_valid():
                services.hold_set(gated=gated, reason=form.cleaned_data["reason"])
                messages.success(
                    request,
                    "Le dossier est gelé : aucune règle de conservation ne s'y applique tant que le gel n'est pas levé.",
                )
                return redirect("retention:hold", pk)
        except ValidationError as error:
            apply_errors(form, error)
    return render(
        request,
        "retention/hold.html",
        {
            **dossier_context(gated, "identity"),
            "title": f"{gated.person} — Gel de la conservation",
            "current": current,
            "holds": selectors.holds_of(gated.person),
            "form": form,
        },
        status=400 if form.errors else 200,
    )
