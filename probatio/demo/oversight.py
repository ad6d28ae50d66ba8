"""What the managers' anomaly view (« Contrôle des accès », docs/audit.md « Anomalies »)
shows in the demo: a day, two days ago (the latest working day by then), when the second CPIP
of the service (not cpip.demo, whose journal other parts of the demo rely on) opened 35 files
of persons never assigned to them, several after 21:00, besides a few of their own files in
the morning; and, that afternoon, a burst of twelve refusals in four minutes for the second
member of the secretariat, trying the notes of files (a page their role does not open).

The entries are written in the past through ``audit.services.record_many`` (its ``at``), so
that they are chained and hashed like any other: ``verify_audit_chain`` passes. Built last,
with its own draws: the rest of the demo is unchanged. Nothing is written when the service
has no second CPIP or secretariat member, or too few files to read.
"""

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from probatio.access.roles import Role
from probatio.audit import services as audit
from probatio.core.workdays import is_jour_ouvre
from probatio.oversight.selectors import files_never_assigned_to
from probatio.people.models import Person

UNUSUAL_FILES = 35
LATE_FILES = 8  # of which opened after 21:00
OWN_FILES = 5
DENIALS = 12
TABS = ("identite", "chronologie", "mesures", "rendez-vous")


def unusual_day(today: date) -> date:
    """Two days ago, or the working day before when that was a weekend or a holiday."""
    day = today - timedelta(days=2)
    while not is_jour_ouvre(day):
        day -= timedelta(days=1)
    return day


def _at(day: date, hour: int, minute: int, second: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute, second)))


def _read(member, person_id: int, at: datetime, rng: random.Random) -> dict:
    tab = rng.choice(TABS)
    return {
        "actor": member.user,
        "action": audit.Action.READ,
        "role": member.role,
        "object_type": "people.person",
        "object_id": person_id,
        "person_id": person_id,
        "summary": f"Consultation du dossier ({tab})",
        "context": {"tab": tab},
        "at": at,
    }


def build_oversight(*, service, staff, rng: random.Random, fake, today: date) -> None:
    cpips, secretaries = staff.get(Role.CPIP, []), staff.get(Role.SECRETARIAT, [])
    if len(cpips) < 2 or len(secretaries) < 2:
        return
    reader, denied = cpips[1], secretaries[1]
    day = unusual_day(today)
    files = files_never_assigned_to(service.pk, reader.user_id, limit=UNUSUAL_FILES)
    if len(files) < UNUSUAL_FILES:
        return
    own = list(
        Person.objects.filter(service=service, assigned_cpip=reader.user)
        .order_by("pk")
        .values_list("pk", flat=True)[:OWN_FILES]
    )
    entries = [
        _read(reader, pk, _at(day, 9, 10 + 7 * index, rng.randint(0, 59)), rng)
        for index, pk in enumerate(own)
    ]
    # The afternoon, then the evening: one file every few minutes.
    daytime = UNUSUAL_FILES - LATE_FILES
    for index, pk in enumerate(files[:daytime]):
        minutes = 14 * 60 + 10 * index + rng.randint(0, 6)
        entries.append(_read(reader, pk, _at(day, minutes // 60, minutes % 60), rng))
    for index, pk in enumerate(files[daytime:]):
        minutes = 21 * 60 + 5 + 9 * index + rng.randint(0, 5)
        entries.append(_read(reader, pk, _at(day, minutes // 60, minutes % 60), rng))
    # Twelve refusals in four minutes: the notes of files, which the secretariat does not read.
    start = _at(day, 16, 2)
    for index, pk in enumerate(files[:DENIALS]):
        path = f"/personnes/{pk}/notes/"
        entries.append(
            {
                "actor": denied.user,
                "action": audit.Action.DENIED,
                "role": denied.role,
                "object_type": "page",
                "summary": f"Accès refusé : GET {path}",
                "context": {
                    "method": "GET",
                    "path": path,
                    "reason": "Votre rôle ne permet pas de lire les notes d'entretien.",
                },
                "at": start + timedelta(seconds=20 * index + rng.randint(0, 9)),
            }
        )
    entries.sort(key=lambda entry: entry["at"])
    audit.record_many(service_id=service.pk, entries=entries)
