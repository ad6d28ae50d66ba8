"""Sentence dates: the estimates of a prison sentence's dates, as pure Python (no database, no
clock). The convention is documented in docs/sentence-dates.md; every date comes with its
explanation (the rule, its legal basis, the arithmetic in French).

The prison registry computes the official dates; these are estimates for alerts and planning,
which may differ from the registry's by a day or two.
"""

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.easter import easter

from probatio.core.dates import add_months
from probatio.core.text import count

# The longest parole waiting time (CPP 729): the half-point is never later than the start + 15
# years, or + 20 years for a legal recidivist.
CAP_YEARS = 15
CAP_YEARS_RECIDIVIST = 20


@dataclass(frozen=True)
class Length:
    years: int = 0
    months: int = 0
    days: int = 0

    @property
    def total_months(self) -> int:
        return 12 * self.years + self.months

    def text(self) -> str:
        parts = []
        if self.years:
            parts.append(f"{self.years} an{'s' if self.years > 1 else ''}")
        if self.months:
            parts.append(f"{self.months} mois")
        if self.days:
            parts.append(f"{self.days} jour{'s' if self.days > 1 else ''}")
        return " ".join(parts) or "0 jour"


@dataclass(frozen=True)
class SentenceInput:
    sentences: tuple[Length, ...]
    committal_date: date
    pretrial_detention_days: int = 0
    reductions_granted_days: int = 0
    reductions_withdrawn_days: int = 0
    safety_period: Length | None = None
    birth_date: date | None = None
    lsc_excluded: bool = False
    lsc_plein_droit_excluded: bool = False
    # Legal recidivism: the parole waiting time is capped at 20 years instead of 15 (CPP 729).
    legal_recidivist: bool = False


@dataclass(frozen=True)
class Explanation:
    field: str
    rule: str
    text: str


@dataclass(frozen=True)
class SentenceDates:
    start_date: date
    end_date: date
    release_date: date
    lc_eligibility_date: date
    lsc_review_date: date | None
    lsc_information_date: date | None
    lsc_plein_droit_date: date | None
    lsc_plein_droit_information_date: date | None
    jap_adjustment_date: date
    explanations: list[Explanation] = field(default_factory=list)


class InputError(ValueError):
    """Bad input: ``field`` names it (with the index inside an array when there is one)."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name} : {message}")
        self.field = field_name
        self.message = message


def fr(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def _add_length(day: date, length: Length) -> date:
    """Calendar months first (clamped), then days."""
    return add_months(day, length.total_months) + timedelta(days=length.days)


def _total(sentences) -> Length:
    return Length(
        years=0,
        months=sum(s.total_months for s in sentences),
        days=sum(s.days for s in sentences),
    )


def _within(start: date, gross_end: date, months: int) -> bool:
    """``S + L ≤ S + months`` (a limit beyond the calendar is never reached)."""
    try:
        return gross_end <= add_months(start, months)
    except ValueError:
        return True


def _months_later(day: date, months: int) -> date | None:
    """``day`` + ``months`` (calendar), or None beyond the calendar (a limit never reached)."""
    try:
        return add_months(day, months)
    except ValueError:
        return None


def _gross_end(start: date, total: Length) -> date:
    if total.months == 1 and total.days == 0:
        return start + timedelta(days=30)  # exactly one month counts 30 days (CPP 716-1)
    return _add_length(start, total)


def public_holidays(year: int) -> set[date]:
    """The French national public holidays of the convention (Alsace-Moselle's extra days not
    applied): fixed days, Easter Monday, Ascension Thursday and Whit Monday — every year, even
    2005–2007 when Whit Monday was a "journée de solidarité" in some calendars."""
    easter_sunday = easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    return {date(year, m, d) for m, d in fixed} | {
        easter_sunday + timedelta(days=n) for n in (1, 39, 50)
    }


def _release_day(end: date) -> date:
    """Moved back while on a Sunday or a French national public holiday (CPP 716-3)."""
    day = end
    while day.weekday() == 6 or day in public_holidays(day.year):
        day -= timedelta(days=1)
    return day


def compute(data: SentenceInput) -> SentenceDates:
    notes: list[Explanation] = []

    def note(field_name: str, rule: str, text: str) -> None:
        notes.append(Explanation(field_name, rule, text))

    # 1 to 5. Total, start, gross end, end, net duration.
    total = _total(data.sentences)
    committal = data.committal_date
    start = committal - timedelta(days=data.pretrial_detention_days)
    gross_end = _gross_end(start, total)
    reductions = max(0, data.reductions_granted_days - data.reductions_withdrawn_days)
    end = gross_end - timedelta(days=reductions)
    net = (end - start).days
    # 11. The remand alone covers the sentence: release is due at once.
    covered = end < committal
    note(
        "start_date",
        "CPP 716-2, 716-4",
        f"Écrou le {fr(committal)} moins {count(data.pretrial_detention_days, 'jour')} de "
        f"détention provisoire = {fr(start)}.",
    )
    note(
        "end_date",
        "CPP 716-1, 721",
        f"{fr(start)} + {total.text()} (durée des peines prononcées, de quantième à quantième"
        + (", un mois comptant 30 jours" if total.months == 1 and total.days == 0 else "")
        + f") = {fr(gross_end)}, moins {count(reductions, 'jour')} de réductions de peine "
        f"(accordées {data.reductions_granted_days}, retirées {data.reductions_withdrawn_days}) "
        f"= {fr(end)}.",
    )

    # 7. LC: half of the sentence, capped at 15 years (20 for a legal recidivist); the 70th
    # birthday replaces the capped half-point when earlier.
    half_days = math.ceil(net / 2)
    half = start + timedelta(days=half_days)
    cap_years = CAP_YEARS_RECIDIVIST if data.legal_recidivist else CAP_YEARS
    cap = _months_later(start, 12 * cap_years)
    capped_half = half if cap is None or half <= cap else cap
    lc = capped_half
    lc_text = (
        f"Mi-peine : {fr(start)} + {half_days} jours (moitié de {net} jours, arrondie au jour "
        f"supérieur) = {fr(half)}."
    )
    who = " (récidive légale)" if data.legal_recidivist else ""
    if cap is None:
        lc_text += (
            f" Plafond du temps d'épreuve de {cap_years} ans{who} au-delà du calendrier : "
            "non atteint."
        )
    elif half > cap:
        lc_text += (
            f" Plafond du temps d'épreuve{who} : {fr(start)} + {cap_years} ans = {fr(cap)}, "
            f"avant la mi-peine : retenu {fr(cap)}."
        )
    else:
        lc_text += (
            f" Plafond du temps d'épreuve{who} : {fr(start)} + {cap_years} ans = {fr(cap)}, "
            "non atteint."
        )
    if data.birth_date is not None:
        seventy = add_months(data.birth_date, 70 * 12)
        if seventy < capped_half:
            lc = seventy
            lc_text += (
                f" La personne a 70 ans le {fr(seventy)}, avant le {fr(capped_half)} : cette "
                "date la remplace. Après 70 ans, la condition de délai ne s'applique pas si la "
                "réinsertion est assurée (prise en charge ou hébergement), sauf risque grave de "
                "renouvellement de l'infraction ou de trouble à l'ordre public."
            )
    # 8. LSC review: total ≤ 5 years, two thirds.
    review = None
    if _within(start, gross_end, 60) and not data.lsc_excluded:
        review = start + timedelta(days=math.ceil(2 * net / 3))
    # 9. LSC de plein droit: total ≤ 2 years, end − 3 months.
    plein_droit = None
    if _within(start, gross_end, 24) and not data.lsc_plein_droit_excluded:
        plein_droit = add_months(end, -3)
    # 10. JAP adjustment: the earlier of end − 2 years and the capped half-point − 1 year.
    jap_by_end = add_months(end, -24)
    jap_by_parole = add_months(capped_half, -12)
    jap = min(jap_by_end, jap_by_parole)

    # 11. Not before the safety period's end nor the committal; not after the end. When the
    # remand covers the sentence, every date is the committal date.
    floor = committal
    safety_end = None
    if data.safety_period is not None:
        safety_end = _add_length(start, data.safety_period)
        floor = max(floor, safety_end)

    def bounded(day: date | None) -> date | None:
        if day is None:
            return None
        if covered:
            return committal
        return min(max(day, floor), end)

    lc_final, review_final = bounded(lc), bounded(review)
    plein_final, jap_final = bounded(plein_droit), bounded(jap)
    covered_text = (
        f" La détention provisoire couvre la peine (fin de peine le {fr(end)}, avant l'écrou "
        f"du {fr(committal)}) : la libération est due aussitôt, la date est celle de l'écrou."
    )
    if covered:
        bounds_text = covered_text
    else:
        bounds_text = f" Jamais avant l'écrou ({fr(committal)})"
        if safety_end is not None:
            bounds_text += f" ni avant la fin de la période de sûreté ({fr(safety_end)})"
        bounds_text += f", jamais après la fin de peine ({fr(end)})."
    # The safety period's legal basis joins the rule of every date it bounds.
    safety_basis = " ; CP 132-23" if safety_end is not None else ""
    note(
        "lc_eligibility_date",
        "CPP 729, 729-3" + safety_basis,
        lc_text + bounds_text + f" Retenu : {fr(lc_final)}.",
    )
    if review_final is not None:
        note(
            "lsc_review_date",
            "CPP 720 I ; D. 147-17" + safety_basis,
            f"Total des peines ≤ 5 ans : examen aux deux tiers, {fr(start)} + "
            f"{math.ceil(2 * net / 3)} jours (deux tiers de {net} jours, arrondis au jour "
            f"supérieur) = {fr(review)}.{bounds_text} Retenu : {fr(review_final)}.",
        )
    if plein_final is not None:
        note(
            "lsc_plein_droit_date",
            "CPP 720 II–III ; D. 147-20" + safety_basis,
            f"Total des peines ≤ 2 ans : libération sous contrainte de plein droit 3 mois avant "
            f"la fin, {fr(end)} − 3 mois = {fr(plein_droit)}.{bounds_text} "
            f"Retenu : {fr(plein_final)}.",
        )
    note(
        "jap_adjustment_date",
        "CPP 723-1, 723-7" + safety_basis,
        "Aménagement (semi-liberté, placement extérieur, détention à domicile sous surveillance "
        "électronique) possible à la plus tôt de deux dates : reliquat de peine ≤ 2 ans, "
        f"{fr(end)} − 2 ans = {fr(jap_by_end)} ; à titre probatoire d'une libération "
        f"conditionnelle (au plus un an), mi-peine plafonnée {fr(capped_half)} − 1 an = "
        f"{fr(jap_by_parole)} (sans la règle des 70 ans). La plus tôt : {fr(jap)}."
        f"{bounds_text} Retenu : {fr(jap_final)}. Non modélisés : l'exclusion des condamnés "
        "pour terrorisme prévue à l'article 723-1, et les mesures probatoires plus longues de "
        "l'article 730-2.",
    )

    # 12. Information dates: one month before, from the committal; at the committal for a
    # sentence of 6 months or less.
    short = _within(start, gross_end, 6)
    short_text = (
        f"Total des peines ≤ 6 mois ({fr(start)} + {total.text()} = {fr(gross_end)}) : "
        "information dès l'écrou ou dès que la condamnation est définitive ; l'administration "
        "pénitentiaire informe, le SPIP vérifie que c'est fait."
    )

    def informed(day: date | None, what: str) -> tuple[date | None, str]:
        if day is None:
            return None, ""
        if covered:
            return committal, (
                f"La détention provisoire couvre la peine : information à l'écrou, le "
                f"{fr(committal)}."
            )
        if short:
            value = min(committal, day)
            text = f"{short_text} Écrou le {fr(committal)}"
            if value < committal:
                text += f", après {what} ({fr(day)}) : ramenée à {fr(day)}"
            return value, text + f". Retenu : {fr(value)}."
        value = information_date(day, committal)
        return value, (
            f"Information au moins un mois avant {what} : {fr(day)} − 1 mois = "
            f"{fr(add_months(day, -1))}, jamais avant l'écrou ({fr(committal)}) ni après "
            f"{what}. Retenu : {fr(value)}."
        )

    review_info, review_info_text = informed(review_final, "l'examen")
    plein_info, plein_info_text = informed(plein_final, "la date de plein droit")
    if review_info is not None:
        note("lsc_information_date", "D. 147-17", review_info_text)
    if plein_info is not None:
        note("lsc_plein_droit_information_date", "CPP 720 ; D. 147-20", plein_info_text)

    # 13. Release day.
    if covered:
        release = committal
        note(
            "release_date",
            "CPP 716-3, 716-4",
            f"Fin de peine le {fr(end)}, avant l'écrou du {fr(committal)} : la détention "
            f"provisoire couvre la peine, la libération est due aussitôt, le {fr(release)}.",
        )
    else:
        release = _release_day(end)
        note(
            "release_date",
            "CPP 716-3",
            f"Fin de peine le {fr(end)}"
            + (
                f", un dimanche ou un jour férié : libération la veille ouvrable, le {fr(release)}."
                if release != end
                else f" : libération le {fr(release)}."
            ),
        )
    return SentenceDates(
        start_date=start,
        end_date=end,
        release_date=release,
        lc_eligibility_date=lc_final,
        lsc_review_date=review_final,
        lsc_information_date=review_info,
        lsc_plein_droit_date=plein_final,
        lsc_plein_droit_information_date=plein_info,
        jap_adjustment_date=jap_final,
        explanations=notes,
    )


# --- Strict input (the command-line contract). ---

FIELDS = {
    "sentences",
    "committal_date",
    "pretrial_detention_days",
    "reductions_granted_days",
    "reductions_withdrawn_days",
    "safety_period",
    "birth_date",
    "lsc_excluded",
    "lsc_plein_droit_excluded",
    "legal_recidivist",
}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _int(value, name: str, *, minimum: int = 0) -> int:
    if type(value) is not int:
        raise InputError(name, "un nombre entier est attendu.")
    if value < minimum:
        raise InputError(name, f"la valeur doit être supérieure ou égale à {minimum}.")
    return value


def _date(value, name: str) -> date:
    if not isinstance(value, str) or not DATE.match(value):
        raise InputError(name, "une date de la forme AAAA-MM-JJ est attendue.")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise InputError(name, f"la date {value} n'existe pas.") from exc


def _length(value, name: str) -> Length:
    if not isinstance(value, dict):
        raise InputError(name, 'un objet {"years", "months", "days"} est attendu.')
    unknown = set(value) - {"years", "months", "days"}
    if unknown:
        raise InputError(name, f"clé inconnue : {', '.join(sorted(unknown))}.")
    return Length(**{k: _int(v, f"{name}.{k}") for k, v in value.items() if v is not None})


def _bool(value, name: str) -> bool:
    if type(value) is not bool:
        raise InputError(name, "true ou false est attendu.")
    return value


def parse(obj) -> SentenceInput:
    """One input object of the contract, strictly checked (French errors naming the field)."""
    if not isinstance(obj, dict):
        raise InputError("entrée", "un objet JSON est attendu.")
    unknown = set(obj) - FIELDS
    if unknown:
        raise InputError(sorted(unknown)[0], "champ inconnu.")
    if obj.get("sentences") is None:
        raise InputError("sentences", "la liste des peines est obligatoire.")
    if not isinstance(obj["sentences"], list) or not obj["sentences"]:
        raise InputError("sentences", "une liste non vide de peines est attendue.")
    sentences = tuple(_length(s, f"sentences[{i}]") for i, s in enumerate(obj["sentences"]))
    if obj.get("committal_date") is None:
        raise InputError("committal_date", "la date d'écrou est obligatoire.")

    def optional(name: str, convert, default):
        value = obj.get(name)
        return default if value is None else convert(value, name)

    data = SentenceInput(
        sentences=sentences,
        committal_date=_date(obj["committal_date"], "committal_date"),
        pretrial_detention_days=optional("pretrial_detention_days", _int, 0),
        reductions_granted_days=optional("reductions_granted_days", _int, 0),
        reductions_withdrawn_days=optional("reductions_withdrawn_days", _int, 0),
        safety_period=optional("safety_period", _length, None),
        birth_date=optional("birth_date", _date, None),
        lsc_excluded=optional("lsc_excluded", _bool, False),
        lsc_plein_droit_excluded=optional("lsc_plein_droit_excluded", _bool, False),
        legal_recidivist=optional("legal_recidivist", _bool, False),
    )
    check(data)
    return data


def information_date(day: date | None, committal_date: date) -> date | None:
    """One month before ``day`` (calendar), not before the committal, never after ``day``."""
    if day is None:
        return None
    return min(max(add_months(day, -1), committal_date), day)


def check(data: SentenceInput) -> SentenceDates:
    """The rules on values (not on types): a sentence of some length, reductions short of it, a
    safety period within it, and dates that stay inside the calendar. Raises ``InputError``;
    otherwise returns the dates (computed once, for the caller to use)."""
    total = _total(data.sentences)
    if total.months == 0 and total.days == 0:
        raise InputError("sentences", "la durée totale des peines ne peut pas être nulle.")
    outside = "le calcul sort du calendrier (valeur hors limites)."
    try:
        start = data.committal_date - timedelta(days=data.pretrial_detention_days)
    except OverflowError as exc:
        raise InputError("pretrial_detention_days", outside) from exc
    try:
        gross_end = _gross_end(start, total)
    except (OverflowError, ValueError) as exc:
        raise InputError("sentences", outside) from exc
    reductions = max(0, data.reductions_granted_days - data.reductions_withdrawn_days)
    if reductions >= (gross_end - start).days:
        raise InputError(
            "reductions_granted_days", "les réductions de peine atteignent ou dépassent la peine."
        )
    if data.safety_period is not None:
        try:
            _add_length(start, data.safety_period)
        except (OverflowError, ValueError) as exc:
            raise InputError("safety_period", outside) from exc
        # Lengths compared with the same counting (a one-month safety period in a one-month
        # sentence is 30 days too, and not longer than it).
        if _gross_end(start, _total([data.safety_period])) > gross_end:
            raise InputError("safety_period", "la période de sûreté dépasse la peine prononcée.")
    if data.birth_date is not None:
        try:
            add_months(data.birth_date, 70 * 12)
        except ValueError as exc:
            raise InputError("birth_date", outside) from exc
    try:
        return compute(data)
    except (OverflowError, ValueError) as exc:
        raise InputError("committal_date", outside) from exc


def to_json(result: SentenceDates) -> dict:
    def iso(day: date | None) -> str | None:
        return day.isoformat() if day else None

    return {
        "start_date": iso(result.start_date),
        "end_date": iso(result.end_date),
        "release_date": iso(result.release_date),
        "lc_eligibility_date": iso(result.lc_eligibility_date),
        "lsc_review_date": iso(result.lsc_review_date),
        "lsc_information_date": iso(result.lsc_information_date),
        "lsc_plein_droit_date": iso(result.lsc_plein_droit_date),
        "lsc_plein_droit_information_date": iso(result.lsc_plein_droit_information_date),
        "jap_adjustment_date": iso(result.jap_adjustment_date),
        "explanations": [
            {"field": e.field, "rule": e.rule, "text": e.text} for e in result.explanations
        ],
    }
