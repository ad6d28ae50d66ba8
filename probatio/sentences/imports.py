"""The import of official dates from the prison registry's CSV file (see
docs/official-dates-import.md).

Two steps. ``parse`` reads the bytes of the file, with no database: header, number of fields,
kinds, dates, empty cells, the same date given twice with two values; each problem carries its
line number (the header is line 1) and a French message. ``import_official_dates`` then matches
every row on the establishment code and the committal number (two queries for the whole file),
and either refuses the file in full (nothing stored, every problem listed) or applies it in
full, each date through ``services.official_date_set`` (history kept, each change journaled).
A file that changes nothing leaves no trace: importing the same file twice changes nothing.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from probatio.access.policy import Action
from probatio.accounts.models import Membership
from probatio.audit import services as audit
from probatio.core import csvfiles
from probatio.core.text import count
from probatio.organisation.models import Establishment
from probatio.people.models import CustodyRecord
from probatio.people.selectors import persons_gated_for
from probatio.sentences import rules
from probatio.sentences.models import OfficialDate, OfficialDatesImport
from probatio.sentences.services import official_date_set

HEADER = ("etablissement", "numero_ecrou", "type_date", "date")
SEPARATOR = csvfiles.SEPARATOR
MAX_BYTES = csvfiles.MAX_BYTES
MAX_MEGABYTES = csvfiles.MAX_MEGABYTES
Problem = csvfiles.Problem
parse_day = csvfiles.parse_day

_COLUMN_LABELS = {
    "etablissement": "code de l'établissement",
    "numero_ecrou": "numéro d'écrou",
    "type_date": "type de date",
    "date": "date",
}


@dataclass(frozen=True)
class Row:
    """One line of the file, checked: what to record."""

    line: int
    establishment: str  # the establishment's code
    committal_number: str
    kind: str  # a key of rules.OFFICIAL_KINDS
    day: date


@dataclass
class ImportResult:
    file_name: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    batch: OfficialDatesImport | None = None  # None when refused or when nothing changed

    @property
    def refused(self) -> bool:
        return bool(self.problems)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


# --- Reading the file (pure) -------------------------------------------------------------------


def _kinds_text() -> str:
    codes = list(rules.OFFICIAL_KINDS)
    return ", ".join(codes[:-1]) + " ou " + codes[-1]


def _check_row(record: csvfiles.Record) -> tuple[Row | None, list[Problem]]:
    line, values = record.line, record.values
    problems = []
    kind = values["type_date"].lower()
    if kind not in rules.OFFICIAL_KINDS:
        problems.append(
            Problem(
                line,
                f"Type de date « {values['type_date']} » inconnu : utilisez {_kinds_text()}.",
            )
        )
    day, message = parse_day(values["date"])
    if message:
        problems.append(Problem(line, message))
    if problems:
        return None, problems
    return Row(
        line=line,
        establishment=values["etablissement"],
        committal_number=values["numero_ecrou"],
        kind=kind,
        day=day,
    ), []


def parse(content: bytes) -> tuple[list[Row], list[Problem]]:
    """Read the file: the checked rows and the problems found, in the order of the lines. The
    rows are to be recorded only when there is no problem at all."""
    records, problems = csvfiles.read(
        content,
        header=HEADER,
        labels=_COLUMN_LABELS,
        empty_message="Le fichier ne contient aucune date après l'en-tête.",
    )
    rows: list[Row] = []
    seen: dict[tuple[str, str, str], Row] = {}
    for record in records:
        row, found = _check_row(record)
        problems.extend(found)
        if row is None:
            continue
        key = (row.establishment, row.committal_number, row.kind)
        first = seen.get(key)
        if first is None:
            seen[key] = row
            rows.append(row)
        elif first.day != row.day:
            problems.append(
                Problem(
                    row.line,
                    f"La même date ({row.kind}, écrou {row.committal_number} à "
                    f"l'établissement {row.establishment}) est déjà donnée ligne "
                    f"{first.line} avec une autre valeur ({first.day:%d/%m/%Y}) : "
                    "ne gardez que la bonne.",
                )
            )
        # The same date given twice with the same value is read once.
    problems.sort(key=lambda p: -1 if p.line is None else p.line)
    return rows, problems


# --- Recording (database) ----------------------------------------------------------------------


def _match(
    membership: Membership, rows: list[Row]
) -> tuple[dict[tuple[str, str], CustodyRecord], list[Problem]]:
    """Each row's committal, among the establishments of the member's service (two queries);
    and the rows that match nothing."""
    codes = {row.establishment for row in rows}
    establishments = {
        e.code: e
        for e in Establishment.objects.select_for_update(no_key=True).filter(
            service_id=membership.service_id, code__in=codes
        )
    }
    custodies = {
        (c.establishment.code, c.committal_number): c
        for c in CustodyRecord.objects.filter(
            establishment__in=list(establishments.values()),
            committal_number__in={row.committal_number for row in rows},
            person__service_id=membership.service_id,
        ).select_related("establishment", "person")
    }
    problems = []
    for row in rows:
        establishment = establishments.get(row.establishment)
        if establishment is None:
            problems.append(
                Problem(
                    row.line,
                    f"Établissement « {row.establishment} » inconnu dans votre service : "
                    "vérifiez son code.",
                )
            )
        elif (row.establishment, row.committal_number) not in custodies:
            problems.append(
                Problem(
                    row.line,
                    f"Numéro d'écrou « {row.committal_number} » inconnu à l'établissement "
                    f"{establishment.code} ({establishment.name}) : enregistrez d'abord l'écrou "
                    "dans le dossier de la personne.",
                )
            )
    return custodies, problems


def _summary(result: ImportResult) -> str:
    return (
        f"Import de dates officielles « {result.file_name} » : "
        f"{count(result.created, 'nouvelle')}, {count(result.updated, 'modifiée')}, "
        f"{count(result.unchanged, 'inchangée')}"
    )


@transaction.atomic
def import_official_dates(
    *, membership: Membership, file_name: str, content: bytes
) -> ImportResult:
    """Check the whole file, then record all of it or nothing. The result carries the problems
    (file refused), or the counts; ``batch`` is the import recorded, None when nothing changed."""
    file_name = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1][:255] or "sans nom"
    result = ImportResult(file_name=file_name)
    rows, problems = parse(content)
    # The rows read are matched even when others are wrong, so that every problem is listed
    # at once.
    custodies, unmatched = _match(membership, rows) if rows else ({}, [])
    if problems or unmatched:
        result.problems = sorted(
            [*problems, *unmatched], key=lambda p: -1 if p.line is None else p.line
        )
        return result
    batch = OfficialDatesImport.objects.create(
        service_id=membership.service_id,
        file_name=file_name,
        sha256=hashlib.sha256(content).hexdigest(),
        imported_by=membership.user,
    )
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    gated = persons_gated_for(
        membership,
        {c.person_id: c.person for c in custodies.values()}.values(),
        action=Action.IMPORT_OFFICIAL_DATES,
    )
    for row in rows:
        custody = custodies[(row.establishment, row.committal_number)]
        outcome = official_date_set(
            gated=gated[custody.person_id],
            custody=custody,
            kind=row.kind,
            day=row.day,
            source=OfficialDate.Source.IMPORTED,
            batch=batch,
        )
        counts[outcome] += 1
    result.rows = len(rows)
    result.created, result.updated, result.unchanged = (
        counts["created"],
        counts["updated"],
        counts["unchanged"],
    )
    if not result.changed:
        # Nothing points to the batch (no date was written): leave no record of a no-op.
        batch.delete()
        return result
    batch.rows = result.rows
    batch.created, batch.updated, batch.unchanged = result.created, result.updated, result.unchanged
    batch.save(update_fields=["rows", "created", "updated", "unchanged"])
    audit.record_by(
        membership,
        audit.Action.CREATE,
        batch,
        person_id=None,
        summary=_summary(result),
        changes=audit.diff({}, audit.snapshot(batch)),
    )
    result.batch = batch
    return result
