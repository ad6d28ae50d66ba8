"""Writes on appointments. Keyword-only arguments, the acting membership, one transaction, the
journal entry and the timeline event inside it, and the reminders created or cancelled in it.

Booking *warns* (double-booked staff or room, outside the site's opening hours): the caller
shows the warnings and books only when the user confirms (``confirmed=True``).
"""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from probatio.access.policy import IMPLIED, Action, allows
from probatio.accounts import rules as staff_rules
from probatio.accounts import selectors as staff_selectors
from probatio.accounts.models import Membership, User
from probatio.agenda import calendar, entries, rules
from probatio.agenda.models import Appointment, CalendarFeed, Summons
from probatio.agenda.selectors import staff_of_service
from probatio.audit import services as audit
from probatio.core.errors import field_errors
from probatio.messaging import services as messaging
from probatio.messaging.models import Message
from probatio.notes import services as note_services
from probatio.organisation import rules as site_rules
from probatio.organisation import selectors as site_selectors
from probatio.organisation.models import Establishment, Room, Site
from probatio.people.journal import Event
from probatio.people.journal import before as journal_before
from probatio.people.journal import write as journal
from probatio.people.models import TimelineEvent
from probatio.people.selectors import Gated, gate, own, require, require_gated

FIELDS = [
    "kind",
    "place_kind",
    "site",
    "room",
    "establishment",
    "place_detail",
    "starts_at",
    "ends_at",
    "measure",
    "to_bring",
]


class NeedsConfirmation(Exception):
    """The booking is valid but raises warnings the user must confirm."""

    def __init__(self, warnings: list[str]):
        super().__init__("; ".join(warnings))
        self.warnings = warnings


@dataclass
class OutcomeResult:
    appointment: Appointment
    no_shows_on_measure: int = 0
    propose_incident: bool = False


def _when(moment: datetime) -> str:
    return f"{rules.paris(moment):%d/%m/%Y à %H:%M}"


def _may(gated: Gated, action: Action) -> None:
    """First step of every appointment service: the gated person (a raw one is refused), and
    a role that does ``action`` at all (the appointment's staff decide the rest)."""
    require_gated(gated)
    if not allows(gated.role, action) and action not in IMPLIED.get(gated.under, ()):
        raise PermissionDenied("Votre rôle ne permet pas cette action sur les rendez-vous.")


REFUSALS = {
    Action.BOOK_APPOINTMENT: "Votre rôle ne permet de fixer des rendez-vous que dans votre propre "
    "agenda ou pour les personnes que vous suivez.",
    Action.RECORD_OUTCOME: "Votre rôle ne permet pas de saisir l'issue de ce rendez-vous.",
}


def _require(gated: Gated, action: Action, staff_ids: set[int]) -> tuple:
    """The dossier gate's ``require``, with the « own agenda » fact of an appointment whose
    staff are ``staff_ids`` (the user is one of them). Returns the acting membership and the
    person."""
    require_gated(gated)
    own_agenda = replace(gated.facts, is_own=gated.membership.user_id in staff_ids)
    gated = require(replace(gated, facts=own_agenda), action, REFUSALS[action])
    return gated.membership, gated.person


def _check_place(appointment: Appointment, service_id: int) -> None:
    kind = appointment.place_kind
    P = Appointment.PlaceKind
    errors = {}
    if kind == P.SITE:
        if appointment.site_id is None:
            errors["site"] = "Choisissez l'antenne du rendez-vous."
        elif not Site.objects.filter(pk=appointment.site_id, service_id=service_id).exists():
            errors["site"] = "Cette antenne n'appartient pas à votre service."
        if (
            appointment.room_id is not None
            and not Room.objects.filter(
                pk=appointment.room_id, site_id=appointment.site_id, is_active=True
            ).exists()
        ):
            errors["room"] = "Ce bureau n'existe pas sur l'antenne choisie."
    elif kind == P.PRISON:
        if appointment.establishment_id is None:
            errors["establishment"] = "Choisissez l'établissement pénitentiaire."
        elif not Establishment.objects.filter(
            pk=appointment.establishment_id, service_id=service_id
        ).exists():
            errors["establishment"] = "Cet établissement ne relève pas de votre service."
    elif kind == P.HOME:
        if not appointment.person.addresses.filter(valid_to__isnull=True).exists():
            errors["place_kind"] = (
                "La personne n'a pas d'adresse actuelle : saisissez-la avant une visite à domicile."
            )
    elif kind == P.VIDEO:
        if not appointment.place_detail.startswith("https://"):
            errors["place_detail"] = (
                "Indiquez le lien de la visioconférence (adresse commençant par https://)."
            )
    elif kind == P.OTHER:
        if len(appointment.place_detail.strip()) < 5:
            errors["place_detail"] = "Indiquez l'adresse du lieu du rendez-vous."
    else:
        errors["place_kind"] = "Lieu inconnu : choisissez un lieu dans la liste."
    if kind != P.SITE:
        appointment.site = None
        appointment.room = None
    if kind != P.PRISON:
        appointment.establishment = None
    if (
        appointment.measure_id is not None
        and appointment.measure.person_id != appointment.person_id
    ):
        errors["measure"] = "Cette mesure n'est pas celle de la personne."
    if errors:
        raise ValidationError(errors)


def conflicts(
    *,
    service_id: int,
    starts_at: datetime,
    ends_at: datetime,
    staff_ids: set[int],
    room_id: int | None,
    exclude_id: int | None = None,
) -> list[str]:
    """Warnings for double bookings of staff or room: planned appointments, and the other
    entries of the agenda (``entries``: a group session the staff facilitate, or in the
    room)."""
    clashing = (
        Appointment.objects.filter(
            service_id=service_id,
            status=Appointment.Status.PLANNED,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        )
        .filter(Q(staff__in=staff_ids) | Q(room_id=room_id) if room_id else Q(staff__in=staff_ids))
        .exclude(pk=exclude_id)
        .select_related("room")
        .prefetch_related("staff")
        .distinct()
    )
    warnings = []
    for other in clashing:
        busy = [u for u in other.staff.all() if u.pk in staff_ids]
        for user in busy:
            warnings.append(
                f"{user.get_full_name()} a déjà un rendez-vous de {_when(other.starts_at)} "
                f"à {rules.paris(other.ends_at):%H:%M}."
            )
        if room_id and other.room_id == room_id:
            warnings.append(
                f"{other.room.name} est déjà réservé de {_when(other.starts_at)} "
                f"à {rules.paris(other.ends_at):%H:%M}."
            )
    if staff_ids or room_id:
        overlapping = entries.between(
            entries.EntryQuery(
                service_id=service_id,
                start=starts_at,
                end=ends_at,
                staff_ids=tuple(sorted(staff_ids)),
                room_id=room_id,
            )
        )
        names = {}
        if any(entry.staff_ids & set(staff_ids) for entry in overlapping):
            names = {u.pk: u.get_full_name() for u in User.objects.filter(pk__in=staff_ids)}
        for entry in overlapping:
            what = f"{entry.label.lower()} ({entry.title})"
            for pk in sorted(entry.staff_ids & set(staff_ids)):
                warnings.append(
                    f"{names.get(pk, '')} anime une {what} de {_when(entry.starts_at)} "
                    f"à {rules.paris(entry.ends_at):%H:%M}."
                )
            if room_id and entry.room_id == room_id:
                warnings.append(
                    f"{entry.room_name} est déjà réservé pour une {what} de "
                    f"{_when(entry.starts_at)} à {rules.paris(entry.ends_at):%H:%M}."
                )
    return warnings


def warnings_for(
    appointment: Appointment, staff_ids: set[int], *, exclude_id: int | None = None
) -> list[str]:
    warnings = conflicts(
        service_id=appointment.service_id,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        staff_ids=staff_ids,
        room_id=appointment.room_id,
        exclude_id=exclude_id or appointment.pk,
    )
    holiday = rules.holiday_warning(
        appointment.starts_at, alsace_moselle=appointment.service.alsace_moselle
    )
    if holiday:
        warnings.append(holiday)
    at_site = appointment.place_kind == Appointment.PlaceKind.SITE and appointment.site is not None
    if at_site and not rules.within_opening_hours(
        appointment.site.opening_hours, appointment.starts_at, appointment.ends_at
    ):
        warnings.append(
            f"Le rendez-vous est en dehors des horaires d'ouverture de « {appointment.site.name} »."
        )
    return warnings


def _validate(appointment: Appointment, staff: list[User], *, now: datetime) -> None:
    errors = rules.check_times(
        appointment.starts_at, appointment.ends_at, now=now, planned=appointment.is_planned
    )
    if not staff:
        errors["staff"] = "Choisissez au moins un·e professionnel·le."
    elif staff_of_service(appointment.service_id).filter(
        pk__in=[u.pk for u in staff]
    ).count() != len({u.pk for u in staff}):
        errors["staff"] = "Les professionnel·les choisi·es doivent appartenir à votre service."
    if errors:
        raise ValidationError(errors)
    _check_place(appointment, appointment.service_id)
    _check_open_and_present(appointment, staff)
    appointment.full_clean(exclude=["created_by", "service", "person"])


def _check_open_and_present(appointment: Appointment, staff: list[User]) -> None:
    """Refused, not warned: an appointment at a site closed that day (a closed day of the
    site or of the whole service, on top of public holidays), or with a staff member absent
    that day (staff absences kept by the managers). Two queries."""
    day = rules.paris(appointment.starts_at).date()
    errors = {}
    if appointment.place_kind == Appointment.PlaceKind.SITE and appointment.site_id:
        closure = site_rules.closure_on(
            day,
            appointment.site_id,
            site_selectors.closures_between(appointment.service_id, day, day),
        )
        if closure is not None:
            errors["starts_at"] = site_rules.closed_site_message(
                closure, appointment.site.name, day
            )
    away = staff_selectors.absences_between(
        appointment.service_id, day, day, user_ids=[u.pk for u in staff]
    )
    absent = [
        staff_rules.absent_message(user.get_full_name() or user.username, found, day)
        for user in staff
        if (found := staff_rules.absence_on(day, away.get(user.pk, [])))
    ]
    if absent:
        errors["staff"] = " ".join(absent)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def appointment_book(
    *,
    gated: Gated,
    data: dict[str, Any],
    staff: list[User],
    confirmed: bool = False,
    now: datetime | None = None,
) -> Appointment:
    _may(gated, Action.BOOK_APPOINTMENT)
    now = now or timezone.now()
    staff_ids = {u.pk for u in staff}
    membership, person = _require(gated, Action.BOOK_APPOINTMENT, staff_ids)
    appointment = Appointment(
        service_id=membership.service_id,
        person=person,
        created_by=membership.user,
        **{k: v for k, v in data.items() if k in FIELDS},
    )
    _validate(appointment, staff, now=now)
    warnings = warnings_for(appointment, staff_ids)
    if warnings and not confirmed:
        raise NeedsConfirmation(warnings)
    appointment.save()
    appointment.staff.set(staff)
    journal(
        membership,
        appointment,
        person=person,
        summary=f"Rendez-vous fixé ({appointment.get_kind_display()})",
        timeline=Event(
            TimelineEvent.Kind.APPOINTMENT,
            f"Rendez-vous fixé : {appointment.get_kind_display().lower()} le "
            f"{_when(appointment.starts_at)}",
            detail=appointment.place_label()
            + (f" — avertissements acceptés : {' '.join(warnings)}" if warnings else ""),
        ),
    )
    messaging.schedule_reminders(appointment, now=now)
    return appointment


def no_show_count(measure_id: int) -> int:
    return Appointment.objects.filter(
        measure_id=measure_id, status=Appointment.Status.NO_SHOW
    ).count()


OUTCOME_TITLES = {
    Appointment.Status.HONOURED: "Rendez-vous honoré",
    Appointment.Status.EXCUSED: "Absence excusée",
    Appointment.Status.NO_SHOW: "Absence non excusée",
    Appointment.Status.CANCELLED: "Rendez-vous annulé",
}


@transaction.atomic
def appointment_set_status(
    *,
    gated: Gated,
    appointment: Appointment,
    status: str,
    reason: str = "",
    now: datetime | None = None,
) -> OutcomeResult:
    """Record the outcome (honoré, excusé, absent non excusé) or cancel. A no-show writes a
    timeline event and, from the service's threshold of no-shows on a measure, proposes an
    incident."""
    _may(gated, Action.RECORD_OUTCOME)
    now = now or timezone.now()
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("person", "service", "measure")
        .get(pk=appointment.pk)
    )
    staff_ids = set(appointment.staff.values_list("pk", flat=True))
    membership, person = _require(gated, Action.RECORD_OUTCOME, staff_ids)
    own(person, appointment.person_id)
    if status not in Appointment.Status.values:
        raise field_errors(status="Statut inconnu.")
    error = rules.check_transition(
        appointment.status, status, starts_at=appointment.starts_at, now=now
    )
    if error:
        raise field_errors(status=error)
    reason = reason.strip()
    if status in Appointment.REASON_STATUSES and not reason:
        raise field_errors(status_reason="Indiquez le motif.")
    before = journal_before(appointment, ["status", "status_reason"])
    was_planned = appointment.is_planned
    appointment.status = status
    appointment.status_reason = reason
    appointment.status_changed_at = now
    appointment.status_changed_by = membership.user
    appointment.save(
        update_fields=[
            "status",
            "status_reason",
            "status_changed_at",
            "status_changed_by",
            "updated_at",
        ]
    )
    label = Appointment.Status(status).label
    journal(
        membership,
        appointment,
        person=appointment.person,
        summary=f"Rendez-vous : {label.lower()}",
        before=before,
        timeline=Event(
            TimelineEvent.Kind.APPOINTMENT,
            f"{OUTCOME_TITLES[status]} : {appointment.get_kind_display().lower()} du "
            f"{_when(appointment.starts_at)}",
            detail=reason,
            occurred_at=min(now, appointment.starts_at) if status != "cancelled" else now,
        ),
    )
    if status != Appointment.Status.HONOURED:
        messaging.cancel_pending(appointment)
    if status == Appointment.Status.CANCELLED and was_planned:
        messaging.notify(appointment, Message.Purpose.CANCELLED, now=now)
    result = OutcomeResult(appointment=appointment)
    if status == Appointment.Status.NO_SHOW and appointment.measure_id:
        result.no_shows_on_measure = no_show_count(appointment.measure_id)
        result.propose_incident = (
            result.no_shows_on_measure >= appointment.service.no_show_threshold
        )
    return result


@transaction.atomic
def appointment_move(
    *,
    gated: Gated,
    appointment: Appointment,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    room: Room | None = None,
    confirmed: bool = False,
    now: datetime | None = None,
) -> Appointment:
    """Move a planned appointment: it becomes "reporté" and a new one takes its place (history
    kept); its reminders are cancelled, the new one's scheduled, and the person told."""
    _may(gated, Action.BOOK_APPOINTMENT)
    now = now or timezone.now()
    old = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("person", "service", "site", "room", "establishment")
        .get(pk=appointment.pk)
    )
    staff = list(old.staff.all())
    staff_ids = {u.pk for u in staff}
    membership, person = _require(gated, Action.BOOK_APPOINTMENT, staff_ids)
    own(person, old.person_id)
    if not old.is_planned:
        raise field_errors(starts_at="Seul un rendez-vous planifié peut être déplacé.")
    if not reason.strip():
        raise field_errors(status_reason="Indiquez le motif du report.")
    new = Appointment(
        service_id=old.service_id,
        person=old.person,
        measure_id=old.measure_id,
        kind=old.kind,
        place_kind=old.place_kind,
        site=old.site,
        room=room if room is not None else old.room,
        establishment=old.establishment,
        place_detail=old.place_detail,
        starts_at=starts_at,
        ends_at=ends_at,
        to_bring=old.to_bring,
        created_by=membership.user,
        sequence=old.sequence + 1,
    )
    new.service = old.service
    _validate(new, staff, now=now)
    # The old slot is being freed: it does not clash with its replacement.
    warnings = warnings_for(new, staff_ids, exclude_id=old.pk)
    if warnings and not confirmed:
        raise NeedsConfirmation(warnings)
    old.status = Appointment.Status.POSTPONED
    old.status_reason = reason.strip()
    old.status_changed_at = now
    old.status_changed_by = membership.user
    old.save(update_fields=["status", "status_reason", "status_changed_at", "status_changed_by"])
    messaging.cancel_pending(old)
    new.replaces = old
    new.save()
    new.staff.set(staff)
    journal(
        membership,
        old,
        person=person,
        summary="Rendez-vous reporté",
        changes={"status": ["planned", "postponed"], "starts_at": [old.starts_at, starts_at]},
    )
    journal(
        membership,
        new,
        person=person,
        summary="Rendez-vous fixé (report)",
        timeline=Event(
            TimelineEvent.Kind.APPOINTMENT,
            f"Rendez-vous du {_when(old.starts_at)} reporté au {_when(new.starts_at)}",
            detail=reason.strip(),
        ),
    )
    if _person_was_told(old):
        messaging.notify(new, Message.Purpose.MOVED, now=now)
    messaging.schedule_reminders(new, now=now)
    return new


@transaction.atomic
def appointment_staff_replace(
    *,
    gated: Gated,
    appointment: Appointment,
    previous: User,
    cpip: User,
    now: datetime | None = None,
) -> Appointment:
    """A planned appointment to come, kept at its time and place, is now held by ``cpip``
    instead of ``previous`` (the file changed CPIP). The person's reminders name no officer:
    nothing is sent; the chronology says it."""
    _may(gated, Action.BOOK_APPOINTMENT)
    now = now or timezone.now()
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("person")
        .get(pk=appointment.pk)
    )
    staff_ids = set(appointment.staff.values_list("pk", flat=True))
    membership, person = _require(gated, Action.BOOK_APPOINTMENT, staff_ids)
    own(person, appointment.person_id)
    if not appointment.is_planned or appointment.starts_at <= now:
        raise field_errors(staff="Seul un rendez-vous planifié à venir peut changer d'agent.")
    if previous.pk not in staff_ids:
        raise field_errors(staff=f"{previous} ne tient pas ce rendez-vous.")
    after = sorted((staff_ids - {previous.pk}) | {cpip.pk})
    appointment.staff.remove(previous)
    appointment.staff.add(cpip)
    journal(
        membership,
        appointment,
        person=person,
        summary=f"Rendez-vous confié à {cpip}",
        changes={"staff": [sorted(staff_ids), after]},
        timeline=Event(
            TimelineEvent.Kind.APPOINTMENT,
            f"Rendez-vous du {_when(appointment.starts_at)} : reçu·e par {cpip} "
            f"au lieu de {previous}",
        ),
    )
    return appointment


def _person_was_told(appointment: Appointment) -> bool:
    """Has the person received anything about this appointment, or the ones it replaces (a
    reminder or notice sent, a summons sent)? If not, a move needs no « moved » notice: the
    new appointment's reminders and summons tell them. Two queries, plus one per earlier
    move."""
    chain, current = [appointment.pk], appointment
    while current.replaces_id is not None and current.replaces_id not in chain:
        chain.append(current.replaces_id)
        current = Appointment.objects.only("pk", "replaces_id").get(pk=current.replaces_id)
    return (
        messaging.anything_reached(chain)
        or Summons.objects.filter(appointment_id__in=chain, sent_on__isnull=False).exists()
    )


@transaction.atomic
def appointment_message_settle(
    *,
    gated: Gated,
    appointment: Appointment,
    message_id: int,
    resend: bool,
    now: datetime | None = None,
) -> Message:
    """Decide on a reminder or notice of this appointment whose send was interrupted and that
    the provider could not confirm ("uncertain"): send it again, or file it without sending.
    Whoever may book this appointment decides; journaled, with a chronology line."""
    _may(gated, Action.BOOK_APPOINTMENT)
    now = now or timezone.now()
    staff_ids = set(appointment.staff.values_list("pk", flat=True))
    membership, person = _require(gated, Action.BOOK_APPOINTMENT, staff_ids)
    own(person, appointment.person_id)
    message = (
        Message.objects.select_for_update()
        .filter(pk=message_id, appointment_id=appointment.pk)
        .first()
    )
    if message is None:
        raise field_errors(message="Ce message n'appartient pas à ce rendez-vous.")
    if (
        resend
        and message.purpose == Message.Purpose.REMINDER
        and not (appointment.is_planned and appointment.starts_at > now)
    ):
        raise field_errors(
            message="Le rendez-vous est passé, annulé ou reporté : ce rappel n'a plus d'objet. "
            "Classez-le sans renvoi."
        )
    previous = journal_before(message, ["status", "last_error"])
    try:
        messaging.uncertain_settle(message, resend=resend, by=str(membership.user), now=now)
    except messaging.NotUncertain:
        raise field_errors(
            message="Ce message n'est plus en attente de décision (traité entre-temps)."
        ) from None
    label = f"{message.get_purpose_display().lower()} par {message.get_channel_display()}"
    journal(
        membership,
        message,
        person=person,
        summary="Envoi incertain : renvoi décidé" if resend else "Envoi incertain : classé",
        before=previous,
        timeline=Event(
            TimelineEvent.Kind.MESSAGE,
            f"Envoi incertain ({label}) : " + ("renvoi décidé" if resend else "classé sans renvoi"),
        ),
    )
    return message


@transaction.atomic
def appointment_note_write(*, gated: Gated, appointment: Appointment, data: dict[str, Any]):
    """Write the interview note of this appointment and link it, in one transaction."""
    gate(gated, Action.WRITE_NOTE)
    note = note_services.note_create(gated=gated, data=data)
    appointment_link_note(gated=gated, appointment=appointment, note=note)
    return note


@transaction.atomic
def appointment_record_unplanned(
    *,
    gated: Gated,
    data: dict[str, Any],
    note: dict[str, Any],
    now: datetime | None = None,
) -> Appointment:
    """An interview that took place without an appointment (the person came unannounced, a
    call turned into an interview): recorded as held, by whom held it, with its note, in one
    transaction. Who records it must both book in their own agenda and write the note; it
    cannot be in the future (book an appointment instead). No reminder, no notice."""
    _may(gated, Action.BOOK_APPOINTMENT)
    now = now or timezone.now()
    membership, person = _require(gated, Action.BOOK_APPOINTMENT, {gated.membership.user_id})
    gate(gated, Action.WRITE_NOTE)
    appointment = Appointment(
        service_id=membership.service_id,
        person=person,
        created_by=membership.user,
        status=Appointment.Status.HONOURED,
        status_reason="Entretien non planifié",
        status_changed_at=now,
        status_changed_by=membership.user,
        **{k: v for k, v in data.items() if k in FIELDS},
    )
    errors = rules.check_unplanned_times(appointment.starts_at, appointment.ends_at, now=now)
    if errors:
        raise ValidationError(errors)
    _validate(appointment, [membership.user], now=now)
    appointment.save()
    appointment.staff.set([membership.user])
    journal(
        membership,
        appointment,
        person=person,
        summary=f"Entretien non planifié enregistré ({appointment.get_kind_display()})",
        timeline=Event(
            TimelineEvent.Kind.APPOINTMENT,
            f"Entretien non planifié : {appointment.get_kind_display().lower()} le "
            f"{_when(appointment.starts_at)}",
            detail=appointment.place_label(),
            occurred_at=appointment.starts_at,
        ),
    )
    written = note_services.note_create(
        gated=gated,
        data={**note, "interview_date": rules.paris(appointment.starts_at).date()},
        today=timezone.localdate(now),
    )
    appointment_link_note(gated=gated, appointment=appointment, note=written)
    appointment.note = written
    return appointment


@transaction.atomic
def appointment_link_note(*, gated: Gated, appointment: Appointment, note) -> None:
    """Link the interview note written for this appointment (by whom may write the note)."""
    membership, person = gate(gated, Action.WRITE_NOTE)
    own(person, appointment.person_id)
    if note.person_id != appointment.person_id:
        raise field_errors(note="Cette note ne concerne pas la personne du rendez-vous.")
    Appointment.objects.filter(pk=appointment.pk).update(note=note, updated_at=timezone.now())
    journal(
        membership,
        appointment,
        person=person,
        summary="Note d'entretien rattachée au rendez-vous",
        changes={"note": [None, note.pk]},
    )


# --- The private calendar feed ------------------------------------------------------------------


@transaction.atomic
def calendar_feed_create(*, membership: Membership) -> tuple[CalendarFeed, str]:
    """A new private feed for the membership's user, replacing the one they had (the old link
    stops working). Returns the feed and its secret token, which is stored only as a hash:
    the caller shows it once."""
    user = membership.user
    token, digest = calendar.new_token()
    CalendarFeed.objects.filter(user=user).delete()
    feed = CalendarFeed.objects.create(user=user, token_hash=digest)
    audit.record(
        actor=user,
        action=audit.Action.CREATE,
        service_id=membership.service_id,
        role=membership.role,
        instance=feed,
        summary="Flux d'agenda créé (lien secret)",
    )
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, membership: Membership, feed: CalendarFeed) -> None:
    """Revoke the user's own feed: the row goes, and its link with it."""
    if feed.user_id != membership.user_id:
        raise PermissionDenied("Seul son titulaire peut révoquer un flux d'agenda.")
    feed_id = feed.pk
    feed.delete()
    audit.record(
        actor=membership.user,
        action=audit.Action.DELETE,
        service_id=membership.service_id,
        role=membership.role,
        object_type="agenda.calendarfeed",
        object_id=feed_id,
        summary="Flux d'agenda révoqué",
    )


def calendar_feed_touch(feed: CalendarFeed, *, now: datetime | None = None) -> None:
    """Note when a calendar application last read the feed. Bookkeeping on the feed itself,
    one UPDATE of one column, not journaled: a calendar application reads every few minutes,
    and the feed's creation and revocation are journaled."""
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now or timezone.now())
