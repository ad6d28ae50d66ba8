"""Reading the CSV files users import (UTF-8, ``;``-separated, a header line), with no
database: every problem carries its line number (the header is line 1) and a French message.
Each import then checks its own values (``probatio/sentences/imports.py``,
``probatio/community_work/imports.py``)."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

SEPARATOR = ";"
MAX_BYTES = 2 * 1024 * 1024
MAX_MEGABYTES = MAX_BYTES // (1024 * 1024)

_FRENCH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_BOM = "\ufeff"


@dataclass(frozen=True)
class Problem:
    """Why a file is refused. ``line`` is None for the file as a whole (empty, too big)."""

    line: int | None
    message: str


@dataclass(frozen=True)
class Record:
    """One line of the file with a value for every column (stripped), none missing."""

    line: int
    values: dict[str, str]


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


def _header_problem(line: int, cells: list[str], header: tuple[str, ...]) -> Problem | None:
    found = [cell.strip().lower() for cell in cells]
    if tuple(found) == header:
        return None
    expected = SEPARATOR.join(header)
    written = SEPARATOR.join(cell.strip() for cell in cells)
    hint = ""
    if len(cells) == 1 and ("," in cells[0] or "\t" in cells[0]):
        hint = " Les colonnes doivent être séparées par des points-virgules (;)."
    return Problem(
        line,
        f"Ligne d'en-tête incorrecte : « {expected} » est attendu, « {written} » a été trouvé."
        + hint,
    )


def read(
    content: bytes,
    *,
    header: tuple[str, ...],
    labels: dict[str, str],
    optional: frozenset[str] = frozenset(),
    empty_message: str,
) -> tuple[list[Record], list[Problem]]:
    """The lines of the file after its header, in order, and the problems found: the file
    empty, too big or not UTF-8, a wrong header (nothing else is read then), a line with the
    wrong number of columns, a value missing (``labels`` names each column in French; the
    columns of ``optional`` may be empty), a line that cannot be read. ``empty_message`` is
    the problem of a file with a header and nothing after it."""
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
    reader = csv.reader(io.StringIO(text.removeprefix(_BOM), newline=""), delimiter=SEPARATOR)
    records: list[Record] = []
    problems: list[Problem] = []
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
                problem = _header_problem(start, cells, header)
                if problem:
                    # Without the right columns, the rows cannot be read.
                    return [], [problem]
                continue
            if len(cells) != len(header):
                problems.append(
                    Problem(
                        start,
                        f"{len(header)} colonnes séparées par des points-virgules sont "
                        f"attendues, {len(cells)} ont été trouvées.",
                    )
                )
                continue
            values = dict(zip(header, (cell.strip() for cell in cells), strict=True))
            missing = [
                Problem(start, f"Valeur manquante : {labels[name]}.")
                for name in header
                if not values[name] and name not in optional
            ]
            if missing:
                problems.extend(missing)
                continue
            records.append(Record(start, values))
    except csv.Error:
        problems.append(
            Problem(
                next_line,
                "Ligne illisible (guillemet non fermé ?) : vérifiez-la dans votre tableur.",
            )
        )
    if not header_seen:
        return [], [Problem(None, "Le fichier est vide.")]
    if not records and not problems:
        problems.append(Problem(None, empty_message))
    return records, problems
