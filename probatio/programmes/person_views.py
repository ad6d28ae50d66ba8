"""The dossier's « Programmes » tab: the person's referrals and enrolments, the sessions to come
of their groups, their attendance and, for each enrolment ended, its end-of-programme summary;
the referral form, the enrolment's page with its history and its move form, the completion
attestation (PDF).

Every view goes through the dossier gate (``person_get_for``): another service's person is a
404, a role without the right a 403, every read journaled. Reading is the file's
(``read_file``); referring and moving an enrolment is ``refer_programme`` (the caseload's CPIP,
managers); the attestation is issued by those who record attendance (``record_attendance``:
the caseload's CPIP, managers, the secretariat), never by a judge.
"""

from collections import Counter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from probatio.access.policy import Action
from probatio.core.forms import apply_errors
from probatio.people.selectors import log_person_read, person_get_for
from probatio.people.views import dossier_context, dossier_form_page
from probatio.programmes import documents, rules, services
from probatio.programmes import person_selectors as selectors
from probatio.programmes import selectors as programme_selectors
from probatio.programmes.person_forms import MoveForm, ReferForm
from probatio.programmes.summaries import ENDED, summaries_for

TAB = "programmes"

# The DSFR badge of each status.
BADGES = {
    "proposed": "info",
    "suitable": "info",
    "not_suitable": "",
    "waiting": "warning",
    "enrolled": "new",
    "completed": "success",
    "withdrawn": "error",
    "excluded": "error",
}


def _tab_url(pk: int) -> str:
    return reverse("enrolments:tab", args=[pk])


def _detail_url(pk: int, enrolment_id: int) -> str:
    return reverse("enrolments:detail", args=[pk, enrolment_id])


def _counts(attendances) -> dict[str, int]:
    found = Counter(a.status for a in attendances)
    return {status: found[status] for status in rules.ATTENDANCE_STATUSES}


@require_GET
def tab(request, pk: int):
    gated = person_get_for(request.membership, pk, log_read="programmes")
    person = gated.person
    now = timezone.now()
    enrolments = list(selectors.enrolments_in_file(person))
    attendances = list(selectors.attendances_in_file(person))
    # The sessions of every group the person joined: for the summaries, and those to come
    # of the groups they are enrolled in now.
    sessions = selectors.sessions_of_groups({e.group_id for e in enrolments if e.group_id})
    enrolled_in = {e.group_id for e in enrolments if e.status == "enrolled"}
    summaries = summaries_for(
        [e for e in enrolments if e.status in ENDED],
        now=now,
        sessions=sessions,
        attendances=attendances,
    )
    context = dossier_context(
        gated,
        TAB,
        rows=[{"enrolment": e, "badge": BADGES[e.status]} for e in enrolments],
        ended=[(e, summaries[e.pk]) for e in enrolments if e.pk in summaries],
        upcoming=[
            s
            for s in sessions
            if s.group_id in enrolled_in and not s.cancelled and s.starts_at >= now
        ],
        attendances=attendances,
        counts=_counts(attendances),
        can_refer=gated.allows(Action.REFER_PROGRAMME),
        can_attest=gated.allows(Action.RECORD_ATTENDANCE),
    )
    return render(request, "programmes/person_tab.html", context)


@require_http_methods(["GET", "POST"])
def propose(request, pk: int):
    gated = person_get_for(
        request.membership, pk, action=Action.REFER_PROGRAMME, log_read="programmes : orienter"
    )
    programmes = list(programme_selectors.programmes_of(gated.person.service_id, active_only=True))
    form = ReferForm(request.POST if request.method == "POST" else None, programmes=programmes)
    return dossier_form_page(
        request,
        gated,
        form,
        tab=TAB,
        title="Orienter vers un programme",
        submit="Orienter",
        write=lambda d: services.enrolment_propose(
            gated=gated,
            programme=d["programme"],
            compulsory=d["compulsory"],
            reason=d["reason"],
        ),
        success="Orientation enregistrée : elle est proposée.",
        redirect_to=lambda enrolment: _detail_url(pk, enrolment.pk),
        cancel_url=_tab_url(pk),
        template="programmes/person_refer.html",
        programmes=programmes,
    )


def _move_form(enrolment, data=None):
    moves = rules.ENROLMENT_MOVES.get(enrolment.status)
    if not moves:
        return None
    joins = {"waiting", "enrolled"} & moves
    return MoveForm(
        data,
        current=enrolment.status,
        groups=selectors.groups_to_join(enrolment.programme_id) if joins else [],
        initial={"group": enrolment.group_id},
    )


def _detail_page(request, gated, enrolment, steps, *, form=None):
    attendances = selectors.attendances_with_notes(enrolment)
    can_move = gated.allows(Action.REFER_PROGRAMME)
    if can_move and form is None:
        form = _move_form(enrolment)
    summary = summaries_for(
        [enrolment],
        now=timezone.now(),
        sessions=selectors.sessions_of_groups({enrolment.group_id} - {None}),
        attendances=attendances,
    )[enrolment.pk]
    return render(
        request,
        "programmes/person_enrolment.html",
        dossier_context(
            gated,
            TAB,
            enrolment=enrolment,
            badge=BADGES[enrolment.status],
            steps=steps,
            attendances=attendances,
            counts=_counts(attendances),
            summary=summary,
            form=form if can_move else None,
            can_attest=gated.allows(Action.RECORD_ATTENDANCE),
            title=f"{gated.person} — Programme « {enrolment.programme.name} »",
        ),
        status=400 if form is not None and form.errors else 200,
    )


@require_GET
def detail(request, pk: int, enrolment_id: int):
    gated = person_get_for(request.membership, pk, log_read="programmes : orientation")
    enrolment, steps = selectors.enrolment_with_steps(gated.person, enrolment_id)
    return _detail_page(request, gated, enrolment, steps)


@require_POST
def move(request, pk: int, enrolment_id: int):
    gated = person_get_for(
        request.membership, pk, action=Action.REFER_PROGRAMME, log_read="programmes : orientation"
    )
    enrolment, steps = selectors.enrolment_with_steps(gated.person, enrolment_id)
    form = _move_form(enrolment, request.POST)
    if form is None:
        messages.error(
            request,
            f"Cette orientation est close ({enrolment.get_status_display().lower()}) : son état "
            "ne change plus.",
        )
        return redirect(_detail_url(pk, enrolment.pk))
    if form.is_valid():
        data = form.cleaned_data
        try:
            moved = services.enrolment_move(
                gated=gated,
                enrolment=enrolment,
                status=data["status"],
                reason=data["reason"],
                group=data.get("group"),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Orientation passée à l'état « {moved.get_status_display().lower()} ».",
            )
            return redirect(_detail_url(pk, moved.pk))
    return _detail_page(request, gated, enrolment, steps, form=form)


@require_GET
def attestation(request, pk: int, enrolment_id: int):
    # Issued and signed by the SPIP, for a programme followed to its end.
    gated = person_get_for(request.membership, pk, action=Action.RECORD_ATTENDANCE)
    enrolment = selectors.enrolment_in_file(gated.person, enrolment_id)
    log_person_read(
        request.membership, gated.person, "programmes : attestation", document=enrolment
    )
    if enrolment.status != "completed":
        messages.error(
            request,
            "L'attestation n'est délivrée que pour un programme suivi jusqu'à son terme : "
            f"cette orientation est « {enrolment.get_status_display().lower()} ».",
        )
        return redirect(_detail_url(pk, enrolment.pk))
    summary = summaries_for([enrolment])[enrolment.pk]
    content = documents.render_attestation(
        documents.attestation_for(gated.person, enrolment, summary, today=timezone.localdate())
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="attestation-programme-{enrolment.pk}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response
