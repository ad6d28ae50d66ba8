"""The import of the hour sheets hosts send (CSV, UTF-8, ``;``-separated), see
docs/community-work.md.

``parse`` reads the file with no database (``core.csvfiles``: header, columns, missing values,
dates, hours). ``import_sessions`` then matches each line on the placement's code and the
person's name among the persons placed there on that date, checks every session as a session
entered by hand would be (``services.check_session``: within the placement, not in the future,
never more hours than those still to do, the file's lines added up), and records all of them
or none. A line already recorded with the same hours is left alone: importing the same file
twice changes nothing.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from probatio.access.policy import Action
from probatio.accounts.models import Membership
from probatio.community_work import rules, selectors, services
from probatio.community_work.models import Assignment, Placement, Supervisor, WorkSession
from probatio.core import csvfiles
from probatio.core.text import fold
from probatio.people.selectors import persons_gated_for

HEADER = ("poste", "nom", "prenom", "date", "heures", "tuteur", "observations")
LABELS = {
    "poste": "code du poste",
    "nom": "nom de la personne",
    "prenom": "prénom de la personne",
    "date": "date",
    "heures": "heures",
    "tuteur": "tuteur",
    "observations": "observations",
}
OPTIONAL = frozenset({"tuteur", "observations"})
Problem = csvfiles.Problem


@dataclass(frozen=True)
class Line:
    line: int
    placement: str
    surname: str
    first_names: str
    day: date
    hours: Decimal
    supervisor: str
    remarks: str


@dataclass
class ImportResult:
    file_name: str
    created: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.problems)


_HOURS_MINUTES = re.compile(r"(\d{1,2})\s*h\s*(\d{2})?")
_DECIMAL = re.compile(r"\d{1,3}(?:[.,]\d{1,2})?")


def parse_hours(text: str) -> Decimal | None:
    """Hours written ``3,5``, ``3.5``, ``3,5 h``, ``3 h`` or ``3h30``; None when unreadable."""
    text = text.strip().lower()
    written = _HOURS_MINUTES.fullmatch(text)
    if written:
        minutes = int(written.group(2) or 0)
        if minutes >= 60:
            return None
        return Decimal(int(written.group(1))) + Decimal(minutes) / Decimal(60)
    text = text.removesuffix("h").strip()
    if not _DECIMAL.fullmatch(text):  # no sign, exponent or thousands: a plain number
        return None
    return Decimal(text.replace(",", "."))


def parse(content: bytes) -> tuple[list[Line], list[Problem]]:
    records, problems = csvfiles.read(
        content,
        header=HEADER,
        labels=LABELS,
        optional=OPTIONAL,
        empty_message="Le fichier ne contient aucune séance après l'en-tête.",
    )
    lines = []
    for record in records:
        values = record.values
        day, message = csvfiles.parse_day(values["date"])
        if message:
            problems.append(Problem(record.line, message))
        hours = parse_hours(values["heures"])
        if hours is None:
            problems.append(
                Problem(
                    record.line,
                    f"Heures « {values['heures']} » illisibles : écrivez un nombre, par exemple "
                    "3,5.",
                )
            )
        if message or hours is None:
            continue
        lines.append(
            Line(
                line=record.line,
                placement=values["poste"].upper(),
                surname=values["nom"],
                first_names=values["prenom"],
                day=day,
                hours=hours,
                supervisor=values["tuteur"],
                remarks=values["observations"],
            )
        )
    problems.sort(key=lambda p: -1 if p.line is None else p.line)
    return lines, problems


def _person_matches(assignment: Assignment, line: Line) -> bool:
    person = assignment.order.person
    return fold(person.surname) == fold(line.surname) and fold(line.first_names) in (
        fold(person.first_names),
        fold(person.first_names).split(" ")[0],
    )


@transaction.atomic
def import_sessions(
    *, membership: Membership, file_name: str, content: bytes, today: date | None = None
) -> ImportResult:
    today = today or timezone.localdate()
    file_name = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1][:255] or "sans nom"
    result = ImportResult(file_name=file_name)
    lines, problems = parse(content)
    placements = {
        p.code: p
        for p in Placement.objects.filter(
            host__partner__service_id=membership.service_id,
            code__in={line.placement for line in lines},
        ).select_related("host")
    }
    assignments: dict[int, list[Assignment]] = defaultdict(list)
    for a in Assignment.objects.filter(placement__in=placements.values()).select_related(
        "order__person", "placement"
    ):
        assignments[a.placement_id].append(a)
    supervisors = defaultdict(dict)
    for s in Supervisor.objects.filter(host__placements__in=placements.values()).distinct():
        supervisors[s.host_id][fold(s.name)] = s
    orders = {a.order_id: a.order for group in assignments.values() for a in group}
    progress = {p.order.pk: p for p in selectors.progress_of(list(orders.values()), today=today)}
    done = {order_id: p.done for order_id, p in progress.items()}
    existing = {
        (s["assignment_id"], s["on"]): s["hours"]
        for s in WorkSession.objects.filter(
            assignment__placement__in=placements.values(), kind=rules.WORK
        ).values("assignment_id", "on", "hours")
    }
    # Days the host's TIGs were already recorded as missed: a day is worked or missed.
    missed: dict[tuple[int, date], set[str]] = defaultdict(set)
    for order_id, on, kind in WorkSession.objects.filter(
        assignment__order_id__in=orders, kind__in=rules.ABSENCES
    ).values_list("assignment__order_id", "on", "kind"):
        missed[(order_id, on)].add(kind)
    in_file: dict[tuple[int, date], int] = {}  # (assignment, day): the file's line
    to_record = []
    for line in lines:
        placement = placements.get(line.placement)
        if placement is None:
            problems.append(
                Problem(
                    line.line,
                    f"Poste « {line.placement} » inconnu dans votre service : vérifiez son code "
                    "(il figure sur la fiche du poste).",
                )
            )
            continue
        matching = [
            a
            for a in assignments.get(placement.pk, [])
            if _person_matches(a, line)
            and a.status != "cancelled"
            and a.start_date <= line.day
            and (a.end_date is None or line.day <= a.end_date)
        ]
        if not matching:
            problems.append(
                Problem(
                    line.line,
                    f"Aucune personne « {line.surname} {line.first_names} » n'est affectée au "
                    f"poste {placement.code} le {line.day:%d/%m/%Y}.",
                )
            )
            continue
        if len({a.order_id for a in matching}) > 1:
            problems.append(
                Problem(
                    line.line,
                    f"Plusieurs TIG correspondent à « {line.surname} {line.first_names} » sur le "
                    f"poste {placement.code} le {line.day:%d/%m/%Y} (homonymes, ou deux TIG de "
                    "la même personne) : saisissez cette séance dans le dossier.",
                )
            )
            continue
        # The same TIG: its placement then, the current one first.
        assignment = min(matching, key=lambda a: (a.status != rules.ACTIVE, -a.pk))
        earlier = in_file.get((assignment.pk, line.day))
        if earlier is not None:
            problems.append(
                Problem(
                    line.line,
                    f"La ligne {earlier} porte déjà une séance le {line.day:%d/%m/%Y} pour cette "
                    "personne : regroupez les heures du jour sur une seule ligne.",
                )
            )
            continue
        previous = existing.get((assignment.pk, line.day))
        if previous is not None:
            if previous == line.hours:
                result.unchanged += 1
            else:
                problems.append(
                    Problem(
                        line.line,
                        f"Une séance de {rules.hours_text(previous)} est déjà enregistrée le "
                        f"{line.day:%d/%m/%Y} : corrigez-la dans le dossier plutôt que par "
                        "l'import.",
                    )
                )
            continue
        signed_by = None
        if line.supervisor:
            signed_by = supervisors[placement.host_id].get(fold(line.supervisor))
            if signed_by is None:
                problems.append(
                    Problem(line.line, f"Tuteur « {line.supervisor} » inconnu pour ce poste.")
                )
                continue
        remaining = Decimal(assignment.order.hours_ordered) - done[assignment.order_id]
        errors = services.check_session(
            assignment,
            on=line.day,
            kind=rules.WORK,
            hours=line.hours,
            remaining=remaining,
            deadline=progress[assignment.order_id].deadline.day,
            today=today,
            recorded_kinds=missed.get((assignment.order_id, line.day), set()),
        )
        if errors:
            problems.extend(Problem(line.line, message) for message in errors.values())
            continue
        done[assignment.order_id] += line.hours
        in_file[(assignment.pk, line.day)] = line.line
        to_record.append((line, assignment, signed_by))
    if problems:
        result.problems = sorted(problems, key=lambda p: -1 if p.line is None else p.line)
        return result
    gated = persons_gated_for(
        membership,
        {a.order.person_id: a.order.person for _, a, _ in to_record}.values(),
        action=Action.RECORD_WORK_HOURS,
    )
    for line, assignment, signed_by in to_record:
        services.session_record(
            gated=gated[assignment.order.person_id],
            assignment=assignment,
            data={
                "on": line.day,
                "kind": rules.WORK,
                "hours": line.hours,
                "signed_by": signed_by,
                "remarks": line.remarks,
            },
            source=WorkSession.Source.IMPORT,
            today=today,
        )
        result.created += 1
    return result
