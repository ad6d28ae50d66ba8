"""The "Détention et CAP" pages of a service: its establishments and their CAP sessions,
scheduling a session, and each session's list (page and PDF).

No service chosen: 404; a role without ``read_cap`` (or ``prepare_cap`` to schedule): 403; a
session of another service's establishment: 404. The lists name persons: each read is
journaled once, with the session it shows.
"""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from probatio.access.policy import Action, Scope, allows, scope_for
from probatio.audit import services as audit
from probatio.core import exports as files
from probatio.core import printing
from probatio.core.forms import BaseForm, DateInput, apply_errors
from probatio.sentences import cap, exports
from probatio.sentences.models import CapSession

# Past sessions shown on the index page, per establishment.
RECENT_SESSIONS = 5
RECENT_DAYS = 365


class CapSessionForm(BaseForm):
    establishment = forms.ModelChoiceField(
        label="Établissement",
        queryset=None,  # the service's, set by __init__
        empty_label="Choisir un établissement",
    )
    date = forms.DateField(label="Date de la séance", widget=DateInput)
    horizon_months = forms.IntegerField(
        label="Horizon examiné (en mois)",
        min_value=cap.HORIZON_MIN,
        max_value=cap.HORIZON_MAX,
        initial=3,
        help_text="La liste reprend ce qui arrive entre la séance et ce nombre de mois après "
        "(de 1 à 12 mois).",
    )
    judge = forms.ModelChoiceField(
        label="Juge de l'application des peines qui préside",
        queryset=None,  # the service's judges, set by __init__
        required=False,
        empty_label="Non connu à ce jour",
        help_text="Le juge lit la liste de la séance et les avis qui lui sont transmis.",
    )
    notes = forms.CharField(
        label="Remarques",
        max_length=300,
        required=False,
        help_text="Par exemple : salle, composition, dossiers à apporter.",
    )

    def __init__(self, *args, service_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["establishment"].queryset = cap.establishment_choices(service_id)
        self.fields["judge"].queryset = cap.judge_choices(service_id)
        self.fields["judge"].label_from_instance = lambda user: user.get_full_name()


def _as_chair(membership) -> bool:
    """The CAP seen as the judge who chairs it (the list and the opinions transmitted to them,
    never a draft's state), as the policy's scope of the reading says."""
    return scope_for(membership.role, Action.READ_CAP) is Scope.CHAIRED


def _membership(request, action: Action):
    membership = request.membership
    if membership is None:
        raise Http404("Aucun service choisi.")
    if not allows(membership.role, action):
        if action is Action.PREPARE_CAP:
            raise PermissionDenied(
                "La programmation des séances de CAP revient à l'encadrement et au secrétariat."
            )
        raise PermissionDenied("Les listes de CAP sont réservées aux équipes du SPIP.")
    return membership


def _session(membership, session_id: int) -> CapSession:
    session = cap.session_get_for(membership, session_id)
    if session is None:
        raise Http404("Séance de CAP introuvable.")
    return session


@require_GET
def index(request):
    """The service's establishments with their upcoming and recent CAP sessions."""
    membership = _membership(request, Action.READ_CAP)
    today = timezone.localdate()
    establishments = cap.establishments_of(membership)
    sessions = cap.recent_sessions_of(membership, since=today - timedelta(days=RECENT_DAYS))
    is_judge = _as_chair(membership)
    upcoming = [s for s in sessions if s.date >= today]
    counts = cap.persons_to_examine(upcoming, membership.service_id)
    for session in upcoming:
        session.persons_count = counts.get(session.pk, 0)
    blocks = []
    for establishment in establishments:
        own = [s for s in sessions if s.establishment_id == establishment.pk]
        if is_judge and not own:
            continue  # a judge sees the establishments of the sessions they chair
        past = [s for s in own if s.date < today]
        past.reverse()
        blocks.append(
            {
                "establishment": establishment,
                "upcoming": [s for s in own if s.date >= today],
                "recent": past[:RECENT_SESSIONS],
            }
        )
    return render(
        request,
        "sentences/cap_index.html",
        {
            "title": "Séances de CAP que vous présidez" if is_judge else "Détention et CAP",
            "is_judge": is_judge,
            "nav": "detention",
            "blocks": blocks,
            "today": today,
            "can_prepare": allows(membership.role, Action.PREPARE_CAP),
            "can_import": allows(membership.role, Action.IMPORT_OFFICIAL_DATES),
            "can_read_figures": allows(membership.role, Action.READ_SERVICE_FIGURES),
        },
    )


@require_http_methods(["GET", "POST"])
def session_new(request):
    membership = _membership(request, Action.PREPARE_CAP)
    initial = {"horizon_months": 3}
    chosen = request.GET.get("etablissement", "")
    if chosen.isdigit():
        initial["establishment"] = int(chosen)
    form = CapSessionForm(request.POST or None, initial=initial, service_id=membership.service_id)
    if request.method == "POST" and form.is_valid():
        try:
            session = cap.cap_session_create(membership=membership, data=form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Séance de CAP programmée le {session.date:%d/%m/%Y} : "
                "voici les personnes dont la situation doit être examinée.",
            )
            return redirect("detention:cap_detail", session_id=session.pk)
    return render(
        request,
        "sentences/cap_session_form.html",
        {
            "title": "Programmer une séance de CAP",
            "nav": "detention",
            "form": form,
            "has_establishments": cap.has_establishments(membership.service_id),
        },
        status=400 if form.errors else 200,
    )


@require_GET
def session_detail(request, session_id: int):
    membership = _membership(request, Action.READ_CAP)
    session = _session(membership, session_id)
    file_format = files.requested_format(request)
    if file_format:  # the chairing judge reads the list, the staff who prepare it export it
        files.require_export(membership)
    data = cap.cap_list(session, membership=membership)
    if file_format:
        table = exports.cap_table(data)
        audit.record_export(
            membership,
            object_type="people.person",
            summary=f"Export : {exports.cap_title(session)}",
            context={
                "page": "cap",
                "session": session.pk,
                "filters": {
                    "establishment": session.establishment_id,
                    "date": session.date.isoformat(),
                    "horizon_months": session.horizon_months,
                },
            },
            file_format=file_format,
            rows=len(table.rows),
        )
        return files.table_response(
            table, file_format=file_format, stem=f"cap {session.date:%Y-%m-%d} {session.pk}"
        )
    cap.journal_list_read(membership, session, "", data)
    return render(
        request,
        "sentences/cap_session.html",
        {
            "title": f"CAP du {session.date:%d/%m/%Y} — {session.establishment.name}",
            "nav": "detention",
            "session": session,
            "cap": data,
            "counts": [
                {"code": code, "label": label, "number": number, "badge": cap.OPINION_BADGES[code]}
                for code, label, number in data.counts
            ],
            "today": timezone.localdate(),
            "is_judge": _as_chair(membership),
            "can_export": files.may_export(membership),
            "export_label": "liste de la séance",
        },
    )


@require_GET
def session_pdf(request, session_id: int):
    """The list as a PDF (WeasyPrint), built on the fly and not stored."""

    membership = _membership(request, Action.READ_CAP)
    session = _session(membership, session_id)
    data = cap.cap_list(session, membership=membership)
    cap.journal_list_read(membership, session, " (PDF)", data, document=True)
    service = session.establishment.service
    content = printing.render_pdf(
        "sentences/cap_pdf.html",
        {
            "session": session,
            "cap": data,
            "service_name": service.name,
            "service_address": service.address,
            "printed_on": timezone.localdate(),
            "is_judge": _as_chair(membership),
            "footer": f"CAP du {session.date:%d/%m/%Y} — {session.establishment.name}",
        },
    )
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"cap-{session.date:%Y-%m-%d}-{session.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
