"""Pure rules of the prison side: the 720 I / 720 III exclusion checklists, the kinds of official
dates and the computed date each one faces, the eligibility alerts, and the CAP items. No
database, no clock: callers pass ``today`` and plain values. Codes, never labels, drive the rules.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from probatio.core.dates import add_months
from probatio.core.text import count
from probatio.reports import rules as report_rules

# --- Exclusions (checklists of their legal cases) -------------------------------------------

# CPP 720 I: the compulsory review of release under constraint does not apply.
LSC_EXCLUSIONS = {
    "lsc_refused": "La personne a refusé la libération sous contrainte",
    "adjustment_pending": "Une demande d'aménagement de peine est en cours d'examen",
}

# CPP 720 III: release under constraint as of right does not apply.
LSC_PLEIN_DROIT_EXCLUSIONS = {
    "crime": "Au moins une peine est prononcée pour un crime",
    "terrorism": "Au moins une peine est prononcée pour terrorisme (CP 421-1 à 421-6)",
    "person_minor_or_authority": (
        "Atteinte aux personnes (CP livre II titre II) sur un mineur de 15 ans ou sur une personne "
        "dépositaire de l'autorité publique"
    ),
    "partner_violence": (
        "Infraction aggravée car commise par le conjoint, concubin ou partenaire, actuel ou ancien "
        "(CP 132-80)"
    ),
    "discipline_violence": (
        "Sanction disciplinaire pour violences contre le personnel, un visiteur ou un codétenu"
    ),
    "discipline_resistance": "Sanction disciplinaire pour rébellion violente envers le personnel",
    "discipline_collective": (
        "Sanction disciplinaire pour action collective compromettant la sécurité"
    ),
}


def unknown_codes(codes, allowed: dict) -> list[str]:
    return sorted(set(codes) - set(allowed))


# --- Official dates ---------------------------------------------------------------------------

FIN_PEINE = "fin_peine"
LIBERATION = "liberation"
LC = "lc"
LSC = "lsc"
LSC_PLEIN_DROIT = "lsc_plein_droit"

OFFICIAL_KINDS = {
    FIN_PEINE: "Fin de peine",
    LIBERATION: "Date de libération",
    LC: "Libération conditionnelle possible (mi-peine)",
    LSC: "Examen de la libération sous contrainte",
    LSC_PLEIN_DROIT: "Libération sous contrainte de plein droit",
}

# The computed field each official date is compared with.
OFFICIAL_TO_COMPUTED = {
    FIN_PEINE: "end_date",
    LIBERATION: "release_date",
    LC: "lc_eligibility_date",
    LSC: "lsc_review_date",
    LSC_PLEIN_DROIT: "lsc_plein_droit_date",
}

# The computed dates, in the order the dossier shows them.
COMPUTED_LABELS = {
    "start_date": "Début de la peine",
    "lc_eligibility_date": "Libération conditionnelle possible à partir du",
    "jap_adjustment_date": "Aménagement par le JAP possible à partir du",
    "lsc_information_date": "Information sur la libération sous contrainte avant le",
    "lsc_review_date": "Examen de la libération sous contrainte",
    "lsc_plein_droit_information_date": "Information sur la LSC de plein droit avant le",
    "lsc_plein_droit_date": "Libération sous contrainte de plein droit",
    "end_date": "Fin de peine",
    "release_date": "Date de libération (jour ouvré)",
}
COMPUTED_FIELDS = tuple(COMPUTED_LABELS)


@dataclass(frozen=True)
class Difference:
    kind: str
    official: date
    computed: date | None
    days: int | None  # official − computed, in days; None when nothing was computed

    @property
    def text(self) -> str:
        if self.computed is None:
            return "aucune date estimée en regard"
        if self.days == 0:
            return "identique à l'estimation"
        sign = "après" if self.days > 0 else "avant"
        return f"{count(abs(self.days), 'jour')} {sign} l'estimation"

    @property
    def differs(self) -> bool:
        return self.computed is None or self.days != 0


def difference(kind: str, official: date, computed: dict) -> Difference:
    other = computed.get(OFFICIAL_TO_COMPUTED[kind])
    return Difference(kind, official, other, None if other is None else (official - other).days)


# --- Eligibility alerts -------------------------------------------------------------------------

ALERT_LC = "lc"
ALERT_LSC_REVIEW = "lsc_review"
ALERT_INFORMATION = "information"
ALERT_LSC_PLEIN_DROIT = "lsc_plein_droit"

# How long an eligibility date stays in the échéancier once passed (the person is still held).
PASSED_DAYS = 30


@dataclass(frozen=True)
class Alert:
    code: str
    due: date
    label: str
    urgent: bool  # shown as an alert (date passed or within 15 days) rather than information


@dataclass(frozen=True)
class AlertMonths:
    """How many months ahead each kind of alert appears (service settings)."""

    lc: int = 6
    lsc: int = 4
    information: int = 2
    lsc_plein_droit: int = 4


def alerts(dates: dict, *, today: date, months: AlertMonths) -> list[Alert]:
    """The eligibility alerts due for one person in prison, from their stored estimates (or
    official dates where known: the caller merges them). Each appears ``months`` ahead and
    stays ``PASSED_DAYS`` after its date."""
    found: list[Alert] = []
    release = dates.get("release_date")

    def add(code: str, due: date | None, ahead: int, label: str) -> None:
        if due is None or (release is not None and due > release):
            return
        if add_months(today, ahead) < due or due < today - timedelta(days=PASSED_DAYS):
            return
        found.append(Alert(code, due, label, urgent=due <= today + timedelta(days=15)))

    lc = dates.get("lc_eligibility_date")
    if lc:
        since = "depuis le" if lc <= today else "à partir du"
        add(ALERT_LC, lc, months.lc, f"LC possible {since} {lc:%d/%m/%Y}")
    review = dates.get("lsc_review_date")
    if review:
        add(ALERT_LSC_REVIEW, review, months.lsc, f"Examen de la LSC le {review:%d/%m/%Y}")
    for field, what in (
        ("lsc_information_date", "la libération sous contrainte"),
        ("lsc_plein_droit_information_date", "la LSC de plein droit"),
    ):
        info = dates.get(field)
        if info:
            add(
                ALERT_INFORMATION,
                info,
                months.information,
                f"Informer la personne avant le {info:%d/%m/%Y} ({what})",
            )
    plein_droit = dates.get("lsc_plein_droit_date")
    if plein_droit:
        add(
            ALERT_LSC_PLEIN_DROIT,
            plein_droit,
            months.lsc_plein_droit,
            f"LSC de plein droit le {plein_droit:%d/%m/%Y} — hébergement à sécuriser",
        )
    return found


# --- The CAP (commission d'application des peines) ---------------------------------------------

CAP_REDUCTION = "reduction"
CAP_LSC_REVIEW = "lsc_review"
CAP_INFORMATION = "information"
CAP_LC = "lc"

CAP_LABELS = {
    CAP_REDUCTION: "Examen annuel des réductions de peine",
    CAP_LSC_REVIEW: "Examen de la libération sous contrainte",
    CAP_INFORMATION: "Information due",
    CAP_LC: "Libération conditionnelle possible",
}


@dataclass(frozen=True)
class CapItem:
    code: str
    due: date
    label: str


def anniversaries(start: date, first: date, last: date) -> list[date]:
    """Each anniversary of ``start`` (calendar years, 29 February → 28 February) within
    ``first``..``last``; the start itself is not an anniversary."""
    found = []
    years = max(1, first.year - start.year - 1)
    while True:
        day = add_months(start, 12 * years)
        if day > last:
            return found
        if day >= first:
            found.append(day)
        years += 1


def cap_items(dates: dict, *, session: date, horizon_end: date) -> list[CapItem]:
    """What the CAP must examine for one person, for a session on ``session`` looking ahead to
    ``horizon_end``: the yearly reduction examinations (anniversaries of the start), the LSC
    review and the information due in the window, and LC eligibility reached by its end."""
    items: list[CapItem] = []
    start, end = dates.get("start_date"), dates.get("end_date")
    if start is None or end is None:
        return items
    # An anniversary on the day of release examines nothing: strictly before the end.
    for day in anniversaries(start, session, min(horizon_end, end - timedelta(days=1))):
        items.append(CapItem(CAP_REDUCTION, day, f"Examen annuel des réductions ({day:%d/%m/%Y})"))
    review = dates.get("lsc_review_date")
    if review and session <= review <= horizon_end:
        items.append(CapItem(CAP_LSC_REVIEW, review, f"Examen de la LSC le {review:%d/%m/%Y}"))
    for field, what in (
        ("lsc_information_date", "LSC"),
        ("lsc_plein_droit_information_date", "LSC de plein droit"),
    ):
        info = dates.get(field)
        if info and session <= info <= horizon_end:
            items.append(
                CapItem(CAP_INFORMATION, info, f"Information ({what}) avant le {info:%d/%m/%Y}")
            )
    lc = dates.get("lc_eligibility_date")
    if lc and lc <= horizon_end and lc < end:
        since = "depuis le" if lc <= session else "à partir du"
        items.append(CapItem(CAP_LC, lc, f"LC possible {since} {lc:%d/%m/%Y}"))
    items.sort(key=lambda item: item.due)
    return items


# The state of the SPIP's opinion for the CAP, from the person's latest opinion report.
OPINION_NOT_STARTED = "not_started"
OPINION_DRAFT = "draft"
OPINION_VISA = "visa"
OPINION_TRANSMITTED = "transmitted"

OPINION_LABELS = {
    OPINION_NOT_STARTED: "Non commencé",
    OPINION_DRAFT: "Brouillon",
    OPINION_VISA: "Au visa",
    OPINION_TRANSMITTED: "Transmis",
}


# Each report workflow step (reports.rules codes): a report sent back is with its author again,
# a report visé but not yet transmitted is still at the visa stage.
OPINION_BY_REPORT_STATUS = {
    report_rules.DRAFT: OPINION_DRAFT,
    report_rules.RETURNED: OPINION_DRAFT,
    report_rules.SUBMITTED: OPINION_VISA,
    report_rules.APPROVED: OPINION_VISA,
    report_rules.TRANSMITTED: OPINION_TRANSMITTED,
    report_rules.ANSWERED: OPINION_TRANSMITTED,
}


def opinion_state(report_status: str | None) -> str:
    """Report workflow step (reports.rules codes) → opinion state for the CAP list. An unknown
    step is an error, never silently shown as transmitted."""
    if report_status is None:
        return OPINION_NOT_STARTED
    try:
        return OPINION_BY_REPORT_STATUS[report_status]
    except KeyError:
        raise ValueError(f"Unknown report status: {report_status!r}") from None


# --- Reduction caps (CPP 721, 721-1-1, 721-1-2) ----------------------------------------------

# Persons committed since this day are under the 2021 law (no automatic credits; reductions
# granted by the JAP within the caps below). Those committed before and held continuously
# since keep the earlier regime.
REDUCTIONS_REFORM = date(2023, 1, 1)

ORDINARY, TERRORISM, AUTHORITY = "ordinary", "terrorism", "authority"
CRIME, DELIT = "crime", "delit"


@dataclass(frozen=True)
class CapRate:
    """At most ``months_per_year`` months per year of imprisonment (``first_year_months`` the
    first year when set) and ``days_per_month`` days per month for a period under a year."""

    months_per_year: int
    days_per_month: int
    basis: str
    first_year_months: int | None = None
    # For a sentence over a year, the days per month of the part under a year never exceed
    # this many months in all (the regime before 2023).
    days_part_max_months: int | None = None


CAP_RATES = {
    ORDINARY: CapRate(6, 14, "CPP 721"),
    TERRORISM: CapRate(3, 7, "CPP 721-1-1"),
    (AUTHORITY, CRIME): CapRate(3, 7, "CPP 721-1-2"),
    (AUTHORITY, DELIT): CapRate(4, 9, "CPP 721-1-2"),
}
# [à vérifier] The regime kept by persons held continuously since before 2023: 3 months the
# first year, 2 months the following years, 7 days per month under a year — and, for a sentence
# over a year, no more than two months for those days per month (former CPP 721, D. 115-2).
CAP_RATE_BEFORE_2023 = CapRate(
    2,
    7,
    "CPP 721 (rédaction antérieure à 2023)",
    first_year_months=3,
    days_part_max_months=2,
)


@dataclass(frozen=True)
class SentenceLength:
    """A sentence as the caps read it: its length and its offence category."""

    years: int = 0
    months: int = 0
    days: int = 0
    category: str = ORDINARY
    qualification: str = DELIT


def cap_rate(sentence: SentenceLength, *, committal_date: date) -> CapRate:
    if committal_date < REDUCTIONS_REFORM:
        return CAP_RATE_BEFORE_2023
    if sentence.category == AUTHORITY:
        return CAP_RATES[(AUTHORITY, sentence.qualification)]
    return CAP_RATES.get(sentence.category, CAP_RATES[ORDINARY])


def reduction_cap_days(
    sentences: list[SentenceLength], *, start: date, committal_date: date
) -> int:
    """The most reduction days the JAP may grant over the sentences served, in days: for each
    sentence, its rate's months per whole year of imprisonment (calendar months counted from
    the start of the sentence ``start``, like the rest of the convention) plus its days per
    whole month of the part under a year."""
    total = 0
    for sentence in sentences:
        rate = cap_rate(sentence, committal_date=committal_date)
        months = 12 * sentence.years + sentence.months
        years, rest = divmod(months, 12)
        cap_months = rate.months_per_year * years
        if rate.first_year_months is not None and years:
            cap_months += rate.first_year_months - rate.months_per_year
        days_part = rate.days_per_month * rest
        if rate.days_part_max_months is not None and years:
            days_part = min(days_part, (add_months(start, rate.days_part_max_months) - start).days)
        total += (add_months(start, cap_months) - start).days + days_part
    return total


def withdrawable_days(reductions: list[tuple[str, date, int]], *, on: date) -> int:
    """Days of reductions that a withdrawal decided on ``on`` may take back: those granted
    within the year before it (CPP 721, al. 3), less the withdrawals made since the earliest of
    them, never more than the reductions still standing. ``reductions``: (kind, date, days),
    kind "granted" or "withdrawn"."""
    since = add_months(on, -12)
    recent = [(d, n) for kind, d, n in reductions if kind == "granted" and since <= d <= on]
    if not recent:
        return 0
    first = min(d for d, _ in recent)
    withdrawn_since = sum(n for kind, d, n in reductions if kind == "withdrawn" and d >= first)
    granted = sum(n for kind, _, n in reductions if kind == "granted")
    withdrawn = sum(n for kind, _, n in reductions if kind == "withdrawn")
    return max(0, min(sum(n for _, n in recent) - withdrawn_since, granted - withdrawn))
