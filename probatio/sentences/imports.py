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

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from probatio.accounts.models import Membership
from probatio.audit import services as audit
from probatio.organisation.models import Establishment
from probatio.people.models import CustodyRecord
from probatio.sentences import rules
from probatio.sentences.models import OfficialDate, OfficialDatesImport
from probatio.sentences.services import official_date_set

HEADER = ("etablissement", "numero_ecrou", "type_date", "date")
SEPARATOR = ";"
MAX_BYTES = 2 * 1024 * 1024
MAX_MEGABYTES = MAX_BYTES // (1024 * 1024)

_COLUMN_LABELS = {
    "etablissement": "code de l'établissement",
    "numero_ecrou": "numéro d'écrou",
    "type_date": "type de date",
    "date": "date",
}
_FRENCH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_BOM = "\ufeff"


@dataclass(frozen=True)
class Row:
    """One line of the file, checked: what to record."""

    line: int
    establishment: str  # the establishment's code
    committal_number: str
    kind: str  # a key of rules.OFFICIAL_KINDS
    day: date


@dataclass(frozen=True)
class Problem:
    """Why a file is refused. ``line`` is None for the file as a whole (empty, too big)."""

    line: int | None
    message: str


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


def parse_day(text: str) -> tuple[date | None, str]:
    """A date written ``JJ/MM/AAAA`` or ``AAAA-MM-JJ``: ``(date, "")``, or ``(None, message)``."""
    french = _FRENCH_DATE.fullmatch(text)
    iso = _ISO_DATE.fullmatch(text)
    if french:
        day, month, year = (int(part) for part in french.groups())
    elif iso:
        year, month, day = (int(part) for part in iso.groups())
    else:
        return None, (
            f"Date « {text} » illisible : écrivez-la JJ/MM/AAAA (par exemple 15/03/2026) "
            "ou AAAA-MM-JJ (2026-03-15)."
        )
    try:
        return date(year, month, day), ""
    except ValueError:
        return None, f"Date « {text} » impossible : ce jour n'existe pas dans le calendrier."


def _is_blank(cells: list[str]) -> bool:
    return all(not cell.strip() for cell in cells)


def _header_problem(line: int, cells: list[str]) -> Problem | None:
    found = [cell.strip().lower() for cell in cells]
    if tuple(found) == HEADER:
        return None
    expected = SEPARATOR.join(HEADER)
    written = SEPARATOR.join(cell.strip() for cell in cells)
    hint = ""
    if len(cells) == 1 and ("," in cells[0] or "\t" in cells[0]):
        hint = " Les colonnes doivent être séparées par des points-virgules (;)."
    return Problem(
        line,
        f"Ligne d'en-tête incorrecte : « {expected} » est attendu, « {written} » a été trouvé."
        + hint,
    )


def _check_row(line: int, cells: list[str]) -> tuple[Row | None, list[Problem]]:
    if len(cells) != len(HEADER):
        return None, [
            Problem(
                line,
                f"{len(HEADER)} colonnes séparées par des points-virgules sont attendues, "
                f"{len(cells)} ont été trouvées.",
            )
        ]
    values = dict(zip(HEADER, (cell.strip() for cell in cells), strict=True))
    problems = [
        Problem(line, f"Valeur manquante : {_COLUMN_LABELS[name]}.")
        for name in HEADER
        if not values[name]
    ]
    kind = values["type_date"].lower()
    if kind and kind not in rules.OFFICIAL_KINDS:
        problems.append(
            Problem(
                line,
                f"Type de date « {values['type_date']} » inconnu : utilisez {_kinds_text()}.",
            )
        )
    day = None
    if values["date"]:
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
    if not content or not content.strip():
        return [], [Problem(None, "Le fichier est vide.")]
    if len(content) > MAX_BYTES:
        return [], [Problem(None, f"Le fichier dépasse la taille maximale ({MAX_MEGABYTES} Mo).")]
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        return [], [
            Problem(
                line,
                "Le fichier n'est pas encodé en UTF-8 (caractère illisible sur cette ligne) : "
                "enregistrez-le au format « CSV UTF-8 » depuis votre tableur, puis importez-le "
                "de nouveau.",
            )
        ]
    text = text.removeprefix(_BOM)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=SEPARATOR)
    rows: list[Row] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str, str], Row] = {}
    header_seen = False
    next_line = 1
    try:
        for cells in reader:
            # A record starts on the line after the previous one ends (blank lines count; a
            # quoted cell may span lines): its first line is the one given.
            start, next_line = next_line, reader.line_num + 1
            if _is_blank(cells):
                continue
            if not header_seen:
                header_seen = True
                problem = _header_problem(start, cells)
                if problem:
                    # Without the right columns, the rows cannot be read.
                    return [], [problem]
                continue
            row, found = _check_row(start, cells)
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
                        start,
                        f"La même date ({row.kind}, écrou {row.committal_number} à "
                        f"l'établissement {row.establishment}) est déjà donnée ligne "
                        f"{first.line} avec une autre valeur ({first.day:%d/%m/%Y}) : "
                        "ne gardez que la bonne.",
                    )
                )
            # The same date given twice with the same value is read once.
    except csv.Error:
        problems.append(
            Problem(
                next_line,
                "Ligne illisible (guillemet non fermé ?) : vérifiez-la dans votre tableur.",
            )
        )
    if not header_seen:
        return [], [Problem(None, "Le fichier est vide.")]
    if not rows and not problems:
        problems.append(Problem(None, "Le fichier ne contient aucune date après l'en-tête."))
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
        f"Import de dates officielles « {result.file_name} » : {result.created} nouvelle(s), "
        f"{result.updated} modifiée(s), {result.unchanged} inchangée(s)"
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
    for row in rows:
        custody = custodies[(row.establishment, row.committal_number)]
        outcome = official_date_set(
            membership=membership,
            person=custody.person,
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
