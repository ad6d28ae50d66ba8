"""iCalendar (RFC 5545) output: one appointment as .ics, and a staff member's private feed.

Events carry what a calendar on a phone may hold: the kind of appointment, the place and the
person's initials and file number only, in the feed and in the single download alike (both
leave the secured application: a downloaded file ends up in a phone's calendar too).

An appointment that did not take place (cancelled, moved, excused, or the person did not come)
is ``STATUS:CANCELLED`` (RFC 5545 §3.8.1.11: the event will not or did not occur), and its
summary starts with why (« Absence non excusée : », « Annulé : »…), since calendar apps show a cancelled
event struck through, greyed or with their own « Annulé » label, never the reason.
"""

import hashlib
import secrets
from collections.abc import Iterable

from icalendar import Calendar, Event

from probatio.agenda.models import Appointment

PRODID = "-//Probatio//Agenda SPIP//FR"


def new_token() -> tuple[str, str]:
    """A random feed token and the SHA-256 stored in its place."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _initials(person) -> str:
    letters = [part[0] for part in person.first_names.split() if part][:2]
    return f"{'.'.join(letters)}. {person.surname[:1]}." if letters else f"{person.surname[:1]}."


# Statuses of an appointment that did not (or will not) take place, with the summary's prefix.
NOT_HELD = {
    Appointment.Status.CANCELLED: "Annulé",
    Appointment.Status.POSTPONED: "Reporté",
    Appointment.Status.EXCUSED: "Absence excusée",
    Appointment.Status.NO_SHOW: "Absence non excusée",
}


def _event(appointment: Appointment) -> Event:
    event = Event()
    who = f"{_initials(appointment.person)} (n° {appointment.person_id})"
    event.add("uid", f"{appointment.uid}@probatio")
    event.add("dtstamp", appointment.updated_at)
    event.add("dtstart", appointment.starts_at)
    event.add("dtend", appointment.ends_at)
    event.add("sequence", appointment.sequence)
    prefix = NOT_HELD.get(appointment.status)
    summary = f"{appointment.get_kind_display()} — {who}"
    event.add("summary", f"{prefix} : {summary}" if prefix else summary)
    location = appointment.place_label()
    address = appointment.place_address()
    event.add("location", f"{location}, {address}" if address else location)
    if prefix:
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
    event.add("description", f"Statut : {appointment.get_status_display()}")
    return event


def to_ics(appointments: Iterable[Appointment], *, name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Paris")
    for appointment in appointments:
        cal.add_component(_event(appointment))
    return cal.to_ical()
