"""Committal and release, as pure rules: which kinds of release exist, which one fits the
measures of the file, and what each changes. No database, no clock (``today`` is given).

A committal suspends the period of some measures (``catalogue.SUSPENDED_BY_CUSTODY``: a
sursis probatoire — CP 132-43, its bans on contact and places keep applying —, community work —
CP 131-22 —, socio-judicial follow-up); it does not suspend a parole or a DDSE, whose judge must
hear of it (an incident to report). The days held push the end of a suspended measure: while
held its end is « au plus tôt » that of a release today, fixed at the release.

A release says how the person leaves: at the end of the sentence, on parole, under constraint
(LSC, LSC de plein droit), into an adjustment served outside a cell while still under écrou
(semi-liberty, outside placement, DDSE), or at the end of remand; probation, socio-judicial
follow-up or surveillance judiciaire may follow. A release on parole, under constraint or into
an adjustment is refused while a safety period runs (CP 132-23); an end of sentence or of
remand never is.
"""

from dataclasses import dataclass
from datetime import date

from probatio.core.dates import format_fr
from probatio.measures import catalogue
from probatio.people.models import CustodyRecord

Kind = CustodyRecord.ReleaseKind  # the codes and labels, stored on the committal
END_OF_SENTENCE = Kind.END_OF_SENTENCE.value
PAROLE = Kind.PAROLE.value
LSC = Kind.LSC.value
LSC_PLEIN_DROIT = Kind.LSC_PLEIN_DROIT.value
ADJUSTMENT = Kind.ADJUSTMENT.value
END_OF_REMAND = Kind.END_OF_REMAND.value


@dataclass(frozen=True)
class ReleaseKind:
    code: str
    label: str
    basis: str
    measures: tuple[str, ...] = ()  # the measure granted it needs (one of them)
    closes_committal: bool = True  # an adjustment keeps the person under écrou
    blocked_by_safety_period: bool = False


RELEASE_KINDS: dict[str, ReleaseKind] = {
    k.code: k
    for k in (
        ReleaseKind(END_OF_SENTENCE, Kind.END_OF_SENTENCE.label, "CPP 716-3, 717"),
        ReleaseKind(PAROLE, Kind.PAROLE.label, "CPP 729 à 733", ("LC",),
                    blocked_by_safety_period=True),
        ReleaseKind(LSC, Kind.LSC.label, "CPP 720 I", ("LSC",), blocked_by_safety_period=True),
        ReleaseKind(LSC_PLEIN_DROIT, Kind.LSC_PLEIN_DROIT.label, "CPP 720 II–III",
                    ("LSC_PLEIN_DROIT",), blocked_by_safety_period=True),
        ReleaseKind(ADJUSTMENT, Kind.ADJUSTMENT.label, "CPP 723-1, 723-7",
                    catalogue.OUTSIDE_UNDER_COMMITTAL, closes_committal=False,
                    blocked_by_safety_period=True),
        ReleaseKind(END_OF_REMAND, Kind.END_OF_REMAND.label, "CPP 144 et s."),
    )
}  # fmt: skip
RELEASE_LABELS = {code: kind.label for code, kind in RELEASE_KINDS.items()}

# Measures granted to carry out a release (one kind's ``measures``): those of another kind,
# still pending when the person leaves otherwise, are void (« non avenues »).
RELEASE_MEASURES = frozenset(code for k in RELEASE_KINDS.values() for code in k.measures)

# Measures that may follow a release (opened by the judgment, pending until the release).
FOLLOW_ONS = ("SURSIS_PROBATOIRE", "SURSIS_PROBATOIRE_RENFORCE", "SSJ", "SURVEILLANCE_JUDICIAIRE")


@dataclass(frozen=True)
class ReleaseFacts:
    """What the check of a release needs to know of the file."""

    committal_date: date
    today: date
    granted: frozenset[str] = frozenset()  # open (pending or active) measures' codes
    safety_end: date | None = None
    has_sentence: bool = False  # a prison sentence is recorded on the committal


def check_release(kind: str, release_date: date | None, facts: ReleaseFacts) -> dict[str, str]:
    """French errors of a release, by form field, each naming its rule."""
    release = RELEASE_KINDS.get(kind)
    if release is None:
        return {"kind": "Choisissez la nature de la sortie."}
    errors: dict[str, str] = {}
    if release_date is None:
        errors["release_date"] = "Indiquez la date de la levée d'écrou."
    elif release_date < facts.committal_date:
        errors["release_date"] = (
            f"La levée d'écrou ne peut pas précéder l'écrou du {format_fr(facts.committal_date)}."
        )
    elif release_date > facts.today:
        errors["release_date"] = "La date de levée d'écrou ne peut pas être future."
    if release.measures and not (facts.granted & set(release.measures)):
        errors["kind"] = (
            f"Aucune mesure « {_lower_first(release.label)} » n'est enregistrée pour cette "
            "personne : enregistrez d'abord la décision du juge (réponse à l'avis du SPIP, ou "
            f"nouvelle mesure) ({release.basis})."
        )
    if (
        release.blocked_by_safety_period
        and facts.safety_end is not None
        and release_date is not None
        and release_date < facts.safety_end
    ):
        errors["kind"] = (
            f"Période de sûreté en cours jusqu'au {format_fr(facts.safety_end)} : aucune "
            "libération conditionnelle, sous contrainte ni aucun aménagement avant cette date "
            "(CP 132-23). Seules la fin de peine ou la fin de la détention provisoire sont "
            "possibles."
        )
    if kind == END_OF_REMAND and facts.has_sentence:
        errors["kind"] = (
            "Une peine d'emprisonnement est enregistrée sur cet écrou : la personne n'est pas en "
            "détention provisoire. Choisissez la nature de la sortie parmi les autres."
        )
    if kind == END_OF_SENTENCE and not facts.has_sentence:
        errors["kind"] = (
            "Aucune peine n'est enregistrée sur cet écrou (onglet « Peine et dates ») : s'il "
            "s'agit d'une détention provisoire, choisissez « fin de la détention provisoire »."
        )
    return errors


def _lower_first(label: str) -> str:
    """« Aménagement … ou DDSE » → « aménagement … ou DDSE », inside a sentence (acronyms
    stay)."""
    return label[:1].lower() + label[1:]


def suspended_by_committal(measure_type: str) -> bool:
    return measure_type in catalogue.SUSPENDED_BY_CUSTODY


def reported_on_committal(measure_type: str) -> bool:
    return measure_type in catalogue.REPORTED_ON_CUSTODY


def days_held(suspended_since: date, released_on: date) -> int:
    """The days a committal suspended a period: from the committal to the release (the day of
    release is a day out)."""
    return max(0, (released_on - suspended_since).days)


def first_appointment_warning(appointment_day: date, due: date, rule_text: str) -> str:
    """A warning, not a refusal: the first appointment after a release is later than the legal
    deadline."""
    if appointment_day <= due:
        return ""
    return (
        f"Le premier rendez-vous est fixé après le délai légal ({rule_text}) : au plus tard le "
        f"{format_fr(due)}."
    )
