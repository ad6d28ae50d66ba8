"""Pure rules of reminders: when they go, what they say, and who may receive them. No
database, no clock."""

from collections.abc import Collection, Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from probatio.measures.catalogue import OUTSIDE_MODALITIES, OUTSIDE_UNDER_COMMITTAL

PARIS = ZoneInfo("Europe/Paris")

DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]  # fmt: skip

# Retries of a failed send: minutes to wait after attempt n (then the message is failed).
BACKOFF_MINUTES = [1, 5, 30, 120, 480]
MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1


def reminder_times(starts_at: datetime, schedule: list[dict], *, now: datetime) -> list[datetime]:
    """When the reminders of an appointment go, as aware datetimes.

    Each entry of ``schedule`` is ``{"days_before": 2, "time": "10:00"}``: that wall-clock time in
    Paris, that many calendar days before the appointment's Paris date (so a reminder across a
    clock change keeps its local time). Reminders already past, or not before the appointment,
    are dropped; duplicates are merged.
    """
    local_day = starts_at.astimezone(PARIS).date()
    result = set()
    for entry in schedule:
        hours, minutes = (int(part) for part in str(entry["time"]).split(":"))
        day = local_day - timedelta(days=int(entry["days_before"]))
        moment = datetime.combine(day, time(hours, minutes), tzinfo=PARIS)
        if now < moment < starts_at:
            result.add(moment)
    return sorted(result)


def paris_date(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


# How far ahead the next allowed moment of a notice is looked for (a service whose quiet
# hours allow no day at all sends at once rather than never).
NOTICE_SEARCH_DAYS = 15


def within_quiet_hours(
    moment: datetime,
    *,
    window_from: time,
    window_until: time,
    days: Collection[int],
    holidays: Collection[date] = (),
) -> bool:
    """May a notice go at ``moment``? Inside the service's sending hours (Paris wall-clock
    time, ``window_from`` included, ``window_until`` excluded), on one of its sending ``days``
    (ISO weekdays) and not on one of ``holidays`` (the public holidays the service keeps
    quiet; empty when it sends on them)."""
    local = moment.astimezone(PARIS)
    return (
        local.isoweekday() in days
        and local.date() not in holidays
        and window_from <= local.time().replace(tzinfo=None) < window_until
    )


def next_allowed_time(
    now: datetime,
    *,
    window_from: time,
    window_until: time,
    days: Collection[int],
    holidays: Collection[date] = (),
) -> datetime:
    """The first moment from ``now`` on when a notice may go: ``now`` itself when allowed,
    else the start of the next sending window (its wall-clock time in Paris, whatever the
    clock change in between). ``now`` when no day is allowed in the next two weeks."""
    rule = {"window_from": window_from, "window_until": window_until, "days": days}
    if within_quiet_hours(now, holidays=holidays, **rule):
        return now
    today = now.astimezone(PARIS).date()
    for offset in range(NOTICE_SEARCH_DAYS + 1):
        opening = datetime.combine(today + timedelta(days=offset), window_from, tzinfo=PARIS)
        # Through UTC and back: a window opening in the spring gap lands on a real time.
        opening = opening.astimezone(UTC).astimezone(PARIS)
        if opening > now and within_quiet_hours(opening, holidays=holidays, **rule):
            return opening
    return now


def notice_time(
    now: datetime,
    *,
    starts_at: datetime,
    window_from: time,
    window_until: time,
    days: Collection[int],
    holidays: Collection[date] = (),
) -> datetime:
    """When a cancellation or move notice goes: at once inside the service's sending hours;
    outside them, at the next allowed time, unless the appointment starts before then (the
    person must know before they set out: it goes at once)."""
    moment = next_allowed_time(
        now, window_from=window_from, window_until=window_until, days=days, holidays=holidays
    )
    return now if starts_at <= moment else moment


def held_in_cell(*, open_committal: bool, active_measures: Iterable[str]) -> bool:
    """Whether the person is held in a cell, where no SMS or email reaches them: under an open
    committal (écrou) and serving none of the measures carried out outside a cell while under
    écrou (semi-liberty, outside placement, home detention as an adjustment:
    ``catalogue.OUTSIDE_UNDER_COMMITTAL``; a release under constraint in one of those forms).
    ``active_measures``: the catalogue codes of the person's active measures, with their form
    after a slash when they have one (``LSC/DDSE``)."""
    return open_committal and not any(_outside(code) for code in active_measures)


def _outside(code: str) -> bool:
    """A measure code, with its form after a slash when it has one (``LSC/DDSE``): served
    outside a cell while under écrou?"""
    base, _, modality = code.partition("/")
    return base in OUTSIDE_UNDER_COMMITTAL or modality in OUTSIDE_MODALITIES


def retry_delay(attempts: int) -> timedelta | None:
    """Wait before the next attempt after ``attempts`` failed ones; None: give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def when_text(starts_at: datetime) -> str:
    """``lundi 27 octobre 2025 à 09h00`` (Paris time)."""
    local = starts_at.astimezone(PARIS)
    day = "1er" if local.day == 1 else str(local.day)
    return (
        f"{DAYS[local.weekday()]} {day} {MONTHS[local.month - 1]} {local.year} "
        f"à {local:%H}h{local:%M}"
    )


def compose(
    *,
    purpose: str,
    service_name: str,
    service_phone: str,
    when: str,
    place: str,
    address: str,
    group_session: bool = False,
) -> tuple[str, str]:
    """(subject, text) of a message. Every text states the date, the time and the place.
    ``group_session``: about a programme's group session (never named: a programme's name may
    say what the person was convicted of)."""
    where = f"{place}, {address}" if address else place
    contact = f" En cas d'empêchement, appelez le {service_phone}." if service_phone else ""
    if group_session:
        return _compose_session(purpose, service_name, when, where, contact)
    if purpose == "reminder":
        subject = f"Rappel : rendez-vous au SPIP le {when}"
        text = f"{service_name} : rappel de votre rendez-vous le {when}, {where}.{contact}"
    elif purpose == "cancelled":
        subject = f"Rendez-vous du {when} annulé"
        text = (
            f"{service_name} : votre rendez-vous du {when} ({where}) est annulé. "
            f"Vous recevrez une nouvelle convocation.{contact}"
        )
    else:
        subject = f"Nouveau rendez-vous le {when}"
        text = f"{service_name} : votre rendez-vous est déplacé au {when}, {where}.{contact}"
    return subject, text


def _compose_session(
    purpose: str, service_name: str, when: str, where: str, contact: str
) -> tuple[str, str]:
    if purpose == "reminder":
        subject = f"Rappel : séance collective au SPIP le {when}"
        text = f"{service_name} : rappel de votre séance collective le {when}, {where}.{contact}"
    elif purpose == "cancelled":
        subject = f"Séance collective du {when} annulée"
        text = f"{service_name} : votre séance collective du {when} ({where}) est annulée.{contact}"
    else:
        subject = f"Séance collective déplacée au {when}"
        text = f"{service_name} : votre séance collective est déplacée au {when}, {where}.{contact}"
    return subject, text
