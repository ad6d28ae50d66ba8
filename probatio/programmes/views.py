"""The service's programme pages (docs/programmes.md, « Catalogue and groups », « Sessions and
attendance »): the catalogue, a programme with its groups and waiting list, the programme and
group forms (managers), a group with its sessions and participants, a session with the
attendance of its participants and the form to move it.

Every page goes through ``core.gates.page_membership`` (``list_programmes``; the forms
``manage_programmes``); another service's programme, group or session is a 404. The
participants of a session go through the dossier gate (``selectors.session_participants``),
and the policy says, with the « groups they facilitate » fact, whose attendance the user
records (``record_attendance``) and whether they move the session (``reschedule_session``).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from probatio.access.policy import Action, PersonFacts, allows
from probatio.audit import services as audit
from probatio.core.forms import apply_errors
from probatio.core.gates import page_membership
from probatio.core.text import count
from probatio.organisation import selectors as organisation
from probatio.programmes import rules, selectors, services
from probatio.programmes.forms import (
    WEEKDAYS,
    AttendanceForm,
    GroupForm,
    ProgrammeForm,
    RescheduleForm,
)

NAV = "programmes"
LIST_REFUSAL = (
    "Les programmes sont réservés aux équipes du SPIP qui orientent, animent ou relèvent la "
    "présence."
)
MANAGE_REFUSAL = services.MANAGERS_ONLY
CLOSED = "Ce programme n'est plus proposé : il n'ouvre plus de groupe."


def _reader(request):
    return page_membership(request, Action.LIST_PROGRAMMES, LIST_REFUSAL)


def _manager(request):
    return page_membership(request, Action.MANAGE_PROGRAMMES, MANAGE_REFUSAL)


# --- The catalogue and its programmes ----------------------------------------------------------


def _journal_persons(membership, enrolments, summary: str, **context) -> None:
    """A list of persons shown (a waiting list, a group's participants): one list read."""
    if enrolments:
        audit.record_list(
            membership,
            object_type="programmes.enrolment",
            summary=summary,
            context={**context, "persons": [enrolment.person_id for enrolment in enrolments]},
        )


@require_GET
def catalogue(request):
    membership = _reader(request)
    programmes = selectors.catalogue_of(membership, now=timezone.now())
    mine = [group for programme in programmes for group in programme.group_rows if group.is_mine]
    return render(
        request,
        "programmes/catalogue.html",
        {
            "title": "Programmes",
            "nav": NAV,
            "programmes": programmes,
            "mine": mine,
            "can_manage": allows(membership.role, Action.MANAGE_PROGRAMMES),
        },
    )


def _programme_form_page(request, form, *, title, submit, cancel_url, write, success):
    if request.method == "POST" and form.is_valid():
        try:
            programme = write(form.data_for_service())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, success)
            return redirect("programmes:programme_detail", programme.pk)
    return render(
        request,
        "programmes/form.html",
        {
            "title": title,
            "nav": NAV,
            "form": form,
            "form_title": title,
            "submit_label": submit,
            "cancel_url": cancel_url,
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def programme_new(request):
    membership = _manager(request)
    form = ProgrammeForm(
        request.POST or None, initial={"mode": "group", "is_active": True, "session_minutes": 120}
    )
    return _programme_form_page(
        request,
        form,
        title="Nouveau programme",
        submit="Créer le programme",
        cancel_url=reverse("programmes:catalogue"),
        write=lambda data: services.programme_save(membership=membership, data=data),
        success="Programme ajouté au catalogue.",
    )


@require_http_methods(["GET", "POST"])
def programme_edit(request, programme_id: int):
    membership = _manager(request)
    programme = selectors.programme_get(membership, programme_id)
    form = ProgrammeForm(
        request.POST or None,
        initial={name: getattr(programme, name) for name in services.PROGRAMME_FIELDS},
    )
    return _programme_form_page(
        request,
        form,
        title=f"Modifier le programme « {programme.name} »",
        submit="Enregistrer",
        cancel_url=reverse("programmes:programme_detail", args=[programme.pk]),
        write=lambda data: services.programme_save(
            membership=membership, programme=programme, data=data
        ),
        success="Programme enregistré.",
    )


@require_GET
def programme_detail(request, programme_id: int):
    membership = _reader(request)
    programme = selectors.programme_get(membership, programme_id)
    groups = selectors.programme_groups(programme, membership.user_id, now=timezone.now())
    waiting = list(selectors.waiting_list(programme))
    _journal_persons(
        membership,
        waiting,
        f"Liste d'attente du programme « {programme.name} »",
        page="programme_waiting_list",
        programme=programme.pk,
    )
    return render(
        request,
        "programmes/programme.html",
        {
            "title": programme.name,
            "nav": NAV,
            "programme": programme,
            "modules": [line for line in programme.modules.splitlines() if line.strip()],
            "groups": groups,
            "waiting": waiting,
            "can_manage": allows(membership.role, Action.MANAGE_PROGRAMMES),
        },
    )


# --- Groups ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def group_new(request, programme_id: int):
    membership = _manager(request)
    programme = selectors.programme_get(membership, programme_id)
    sites = organisation.sites_with_rooms(membership.service_id)
    staff = selectors.facilitator_choices(membership.service_id)
    form = GroupForm(
        request.POST or None,
        sites=sites,
        facilitators=staff,
        session_minutes=programme.session_minutes,
        initial={"capacity": 10},
    )
    closed = "" if programme.is_active else CLOSED
    if request.method == "POST" and form.is_valid() and closed:
        form.add_error(None, closed)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by_site = {site.pk: site for site in sites}
        rooms = {room.pk: room for site in sites for room in site.room_list}
        users = {user.pk: user for user, _ in staff}
        try:
            group = services.group_create(
                membership=membership,
                programme=programme,
                site=by_site.get(data["site"]),
                room=rooms.get(data["room"]) if data["room"] else None,
                start_date=data["start_date"],
                slots=data["slots"],
                capacity=data["capacity"],
                facilitators=[users[pk] for pk in data["facilitators"]],
                external_facilitators=data["external_facilitators"],
            )
        except ValidationError as error:
            form.apply_service_errors(error)
        else:
            sessions = count(programme.session_count, "séance planifiée", "séances planifiées")
            messages.success(request, f"Groupe créé : {sessions}.")
            return redirect("programmes:group_detail", group.pk)
    return render(
        request,
        "programmes/group_form.html",
        {
            "title": f"Nouveau groupe — {programme.name}",
            "nav": NAV,
            "programme": programme,
            "form": form,
            "closed": closed,
        },
        status=400 if form.errors else 200,
    )


@require_GET
def group_detail(request, group_id: int):
    membership = _reader(request)
    now = timezone.now()
    group = selectors.group_page_get(membership, group_id, now=now)
    sessions = list(selectors.group_sessions(group))
    participants = list(selectors.group_participants(group))
    _journal_persons(
        membership,
        participants,
        f"Participants d'un groupe du programme « {group.programme.name} »",
        page="programme_group",
        group=group.pk,
    )
    return render(
        request,
        "programmes/group.html",
        {
            "title": f"Groupe — {group.programme.name}",
            "nav": NAV,
            "group": group,
            "programme": group.programme,
            "sessions": sessions,
            "participants": participants,
            "facilitators": selectors.group_facilitators(group),
            "external": [line for line in group.external_facilitators.splitlines() if line],
            "weekdays": _slot_labels(group.slots),
            "now": now,
        },
    )


def _slot_labels(slots) -> list[str]:
    return [
        f"{WEEKDAYS[slot['weekday']].lower()} à {slot['start'].replace(':', ' h ')} "
        f"({slot['minutes']} min)"
        for slot in slots
    ]


# --- Sessions: attendance and moves ------------------------------------------------------------


def _may_reschedule(membership, session) -> bool:
    facts = PersonFacts(is_facilitator=bool(session.is_mine))
    return allows(membership.role, Action.RESCHEDULE_SESSION, facts)


def _session_page(request, membership, session, participants, *, form=None, move=None, status=200):
    now = timezone.now()
    can_move = _may_reschedule(membership, session) and not session.cancelled
    if form is None:
        form = AttendanceForm(participants=participants)
    if move is None and can_move:
        move = RescheduleForm(
            rooms=organisation.rooms_of_site(session.group.site_id),
            initial={"day": timezone.localtime(session.starts_at).date()},
        )
    selectors.log_session_read(membership, session, participants)
    started = session.starts_at <= now
    for participant in participants:
        # An unexcused absence that the incidents tab proposes as a breach.
        participant.feeds_incident = bool(participant.attendance) and rules.absence_feeds_incident(
            status=participant.attendance.status,
            compulsory=participant.enrolment.compulsory,
            summons=session.summons,
        )
    has_attendance = any(p.attendance for p in participants)
    return render(
        request,
        "programmes/session.html",
        {
            "title": f"Séance {session.number} — {session.group.programme.name}",
            "nav": NAV,
            "session": session,
            "group": session.group,
            "programme": session.group.programme,
            "participants": participants,
            "form": form,
            "rows": form.rows(),
            "show_attendance": (started or form.errors) and bool(form.participants),
            "started": started,
            "move": move if can_move else None,
            "move_refusal": rules.reschedule_allowed(
                starts_at=session.starts_at,
                now=now,
                has_attendance=has_attendance,
            ),
            # The convocation is said before the attendance, by whoever may move the session.
            "may_set_summons": can_move and not has_attendance,
            "statuses": rules.ATTENDANCE_STATUSES,
        },
        status=status,
    )


class _Refused(Exception):
    """One participant's attendance refused: nothing of the others is kept."""


@require_http_methods(["GET", "POST"])
def session_detail(request, session_id: int):
    membership = _reader(request)
    session = selectors.session_page_get(membership, session_id)
    participants = selectors.session_participants(
        membership, session, facilitates=bool(session.is_mine)
    )
    if request.method == "GET":
        return _session_page(request, membership, session, participants)
    form = AttendanceForm(request.POST, participants=participants)
    if not form.participants:
        raise PermissionDenied("Votre rôle ne permet pas de relever la présence à cette séance.")
    if form.is_valid():
        changes = form.changes()
        if not form.errors:
            try:
                with transaction.atomic():
                    for participant, status, note in changes:
                        try:
                            services.attendance_record(
                                gated=participant.gated, session=session, status=status, note=note
                            )
                        except ValidationError as error:
                            form.error_on(participant, error)
                    if form.errors:
                        raise _Refused
            except _Refused:
                pass
            else:
                if changes:
                    recorded = count(len(changes), "présence relevée", "présences relevées")
                    messages.success(request, f"Séance {session.number} : {recorded}.")
                else:
                    messages.info(request, "Aucune présence à enregistrer : rien n'a changé.")
                return redirect("programmes:session_detail", session.pk)
    return _session_page(request, membership, session, participants, form=form, status=400)


@require_POST
def session_reschedule(request, session_id: int):
    membership = _reader(request)
    session = selectors.session_page_get(membership, session_id)
    if not _may_reschedule(membership, session):
        raise PermissionDenied(services.NOT_FACILITATOR)
    rooms = organisation.rooms_of_site(session.group.site_id)
    move = RescheduleForm(request.POST, rooms=rooms)
    if move.is_valid():
        room_id = move.cleaned_data["room"]
        try:
            moved = services.session_reschedule(
                membership=membership,
                session=session,
                starts_at=move.starts_at,
                room=next((room for room in rooms if room.pk == room_id), None),
            )
        except ValidationError as error:
            move.apply_service_errors(error)
        else:
            messages.success(
                request,
                f"Séance {moved.number} déplacée au "
                f"{timezone.localtime(moved.starts_at):%d/%m/%Y à %H:%M}.",
            )
            return redirect("programmes:session_detail", session.pk)
    participants = selectors.session_participants(
        membership, session, facilitates=bool(session.is_mine)
    )
    return _session_page(request, membership, session, participants, move=move, status=400)


@require_POST
def session_summons(request, session_id: int):
    """Say whether the participants were summoned to the session (a convocation): an
    unexcused absence from it is then proposed as a breach, whatever the enrolment."""
    membership = _reader(request)
    session = selectors.session_page_get(membership, session_id)
    if not _may_reschedule(membership, session):
        raise PermissionDenied(services.NOT_FACILITATOR)
    summons = request.POST.get("summons") == "1"
    try:
        services.session_summons_set(membership=membership, session=session, summons=summons)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Séance {session.number} : "
            + ("sur convocation." if summons else "sans convocation."),
        )
    return redirect("programmes:session_detail", session.pk)
