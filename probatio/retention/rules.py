"""Retention rules as pure functions: when a thing is due, and the rules seeded by default with
their legal source (docs/data-protection.md, « Retention »). No database, no clock: ``as_of``
is an argument."""

from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from probatio.core.dates import add_months
from probatio.retention.models import DURATION_MESSAGE

PARIS = ZoneInfo("Europe/Paris")

# A stop of the job leaves whole batches: each batch is one transaction.
BATCH_SIZE = 50


def duration_error(months: int | None) -> str | None:
    """The French message for a duration that cannot be a retention period (None: it can)."""
    if months is None or months < 1:
        return DURATION_MESSAGE
    return None


def cutoff(as_of: date, months: int) -> date:
    """The last day a thing may have ended on to be due ``as_of``: ``months`` calendar months
    before (clamped to the month's end, ``core.dates.add_months``)."""
    if duration_error(months):
        raise ValueError(DURATION_MESSAGE)
    return add_months(as_of, -months)


def cutoff_time(as_of: date, months: int) -> datetime:
    """The same bound as a time (the start of the day after the cutoff, Paris time): what was
    sent or journaled strictly before it is due."""
    day = cutoff(as_of, months)
    return datetime.combine(day, time.min, tzinfo=PARIS)


def due_on(ended: date, months: int) -> date:
    """The day a thing that ended on ``ended`` becomes due."""
    return add_months(ended, months)


def is_due(ended: date | None, months: int, as_of: date) -> bool:
    return ended is not None and ended <= cutoff(as_of, months)


def file_is_closed(
    *, measure_statuses: Iterable[str], in_custody: bool, appointments_to_come: int
) -> bool:
    """A file is closed when it had a measure, none is still open or to come (pending, active,
    suspended), the person is not in custody and no appointment is planned ahead. The job's
    selector (``selectors.closed_files``) asks the same of the database, file by file."""
    statuses = list(measure_statuses)
    open_statuses = {"pending", "active", "suspended"}
    return (
        bool(statuses)
        and not open_statuses & set(statuses)
        and not in_custody
        and appointments_to_come == 0
    )


def batches(items: Iterable, size: int = BATCH_SIZE) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# The rules seeded by the migration (``0002_default_rules``): (code, kind, label, months,
# counts from, action, legal source). Kept here so that a test can check them; the
# administrators change the database's rows, not this table.
APPI = (
    "Code pénitentiaire, art. R. 113-49 à R. 113-58 (traitement « APPI », issu du décret "
    "n° 2011-1447 du 7 novembre 2011 ; ancien art. R. 57-4-4 du code de procédure pénale)"
)
DEFAULT_RULES = (
    (
        "dossiers-clos",
        "files",
        "Dossiers clos : 5 ans après la fin de la dernière mesure",
        60,
        "measure_end",
        "delete",
        f"{APPI} : données conservées 5 ans à compter de la fin de la peine, de l'aménagement "
        "ou de la mesure de sûreté [article exact à vérifier]. Loi n° 78-17 du 6 janvier 1978, "
        "titre III (art. 87 et suivants, directive (UE) 2016/680) : pas au-delà de la durée "
        "nécessaire aux finalités du traitement.",
    ),
    (
        "notes-dossiers-clos",
        "notes",
        "Notes d'entretien : avec le dossier, 5 ans après la fin de la dernière mesure",
        60,
        "measure_end",
        "delete",
        f"Les notes font partie du dossier : même durée que lui ({APPI}, 5 ans après la fin de "
        "la mesure [à vérifier]). La règle existe pour pouvoir les effacer plus tôt que le reste "
        "du dossier (minimisation : loi du 6 janvier 1978, art. 4 et 87) ; par défaut elle "
        "suit le dossier, qui garde ses notes tant qu'une nouvelle condamnation peut "
        "constituer une récidive (5 ans).",
    ),
    (
        "justificatifs-dossiers-clos",
        "proof_files",
        "Justificatifs : 2 ans après la fin de la dernière mesure",
        24,
        "measure_end",
        "delete",
        "Minimisation (loi du 6 janvier 1978, art. 4 et 87 ; directive (UE) 2016/680, art. 4) : "
        "les pièces (bulletins de salaire, attestations de suivi ou de présence) servent au "
        "contrôle des obligations pendant la mesure et aux procédures qui la suivent "
        "(manquement, révocation) ; deux ans après la fin de la dernière mesure, le dossier "
        f"garde ses obligations et ses manquements, plus les pièces. Choix de Probatio dans la "
        f"limite de 5 ans du traitement APPI ({APPI}) [à vérifier].",
    ),
    (
        "messages-envoyes",
        "messages",
        "Messages envoyés : 1 an après l'envoi",
        12,
        "sent",
        "delete",
        "Minimisation (loi du 6 janvier 1978, art. 4 et 87) : un rappel ou un avis de "
        "rendez-vous ne sert plus après le rendez-vous ; sa trace (envoi, remise, échec) est "
        "gardée un an pour répondre à la contestation d'une absence (manquement, rapport au "
        "magistrat). Choix de Probatio [à vérifier].",
    ),
    (
        "journal-des-acces",
        "journal",
        "Journal des accès : 3 ans",
        36,
        "entry",
        "delete",
        "CNIL, recommandation relative aux mesures de journalisation (délibération "
        "n° 2021-122 du 14 octobre 2021) [à vérifier] : 6 mois à 1 an, jusqu'à 3 ans quand les "
        "traces servent au contrôle interne. Le journal de Probatio sert au contrôle des accès "
        "(journal des accès d'un dossier, vue des anomalies, réponse à une réclamation) : "
        "3 ans. Traçabilité du traitement APPI : " + APPI + " [durée propre à vérifier]. La "
        "purge laisse un point de reprise signé, d'où la vérification de la chaîne repart.",
    ),
)
