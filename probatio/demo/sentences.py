"""The demo's prison side: sentences, remand, reductions, official dates, CAP sessions.

Two steps:

- ``prison_caseloads``, on the plans, once the caseloads are assigned: a few persons in prison at
  least (a small demo draws too few), and two of them, held in the first establishment, given to
  the first CPIP (``cpip.demo`` in the demonstration service), chosen so that an eligibility date
  of each can fall in the coming weeks (one within the échéancier's first month, one within
  three months);
- ``SentencesBuilder``, at the end of the service's build, through the application's own
  services (every write checked by the engine, journaled, and the estimates stored for the
  alerts and the CAP lists), for every person with an open committal: the sentence of the judgment that sent them to prison (and, for some, a second one
  served consecutively: a suspended sentence revoked, or another judgment), remand for about
  half of them, the reductions granted by the JAP at each year of detention (one of them partly
  withdrawn after a disciplinary sanction), a safety period on the longest sentence, the 720 III
  exclusions that follow from the offences (crime, violence on a partner) and one 720 I
  exclusion; official dates of the registry for several persons, equal to the estimates but one
  (a day or two apart, which the dossier flags); a CAP session in each establishment, the first
  one in two or three weeks, and the SPIP's opinion for some persons of its list at different
  steps (draft, submitted to the visa, transmitted to the judge).

Dates are relative to ``today``; the choices come from the service's random generator, in a
fixed order, so that a seed and a day always give the same data.
"""

import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from itertools import permutations

from django.db import connection, transaction
from django.utils import timezone
from faker import Faker

from probatio.access.roles import Role
from probatio.accounts.models import Membership
from probatio.core.dates import add_months
from probatio.demo import vocabulary as voc
from probatio.demo.gates import gate
from probatio.demo.reports import answer_day
from probatio.demo.vocabulary import of_place
from probatio.measures import services as measure_services
from probatio.measures.models import Decision, Measure
from probatio.organisation.models import Establishment
from probatio.people.models import CustodyRecord, Person, TimelineEvent
from probatio.people.selectors import person_get_for
from probatio.reports import answers
from probatio.reports import rules as report_rules
from probatio.reports import services as report_services
from probatio.reports.models import Report
from probatio.reports.selectors import report_get_for
from probatio.sentences import cap, engine, imports, rules
from probatio.sentences import services as sentence_services
from probatio.sentences.deadlines import alert_months
from probatio.sentences.models import CapSession, OfficialDate, PenalSituation, Reduction
from probatio.transitions import services as transition_services

# At least this many persons in prison in a service (a small demo draws too few).
MIN_IN_CUSTODY = 4
# The first CPIP's two persons in prison: an eligibility alert due in each window (days from
# today): the first within the échéancier's default month, the second within three months.
FIRST_CPIP_WINDOWS = ((5, 28), (30, 80))
# At least this many persons with an alert due within the next three months.
MIN_SOON = 3
SOON_DAYS = 90
# Remand and reductions are never drawn so that the release would come within this many days
# from today (the person would be about to leave: no date left to prepare).
MIN_DAYS_LEFT = 21
MAX_REMAND_DAYS = 365
# The estimates that raise an eligibility alert.
ALERT_FIELDS = (
    "lc_eligibility_date",
    "lsc_review_date",
    "lsc_information_date",
    "lsc_plein_droit_date",
    "lsc_plein_droit_information_date",
)
# Replacement plans drawn at most, while looking for persons in prison that fit.
MAX_DRAWS = 3000
EARLIEST_DECISION = date(2020, 5, 1)

DOMESTIC_OFFENCES = {o.label for o in voc.OFFENCES if o.family == "domestic"}
# The suspended sentence of the demo's revoked sursis probatoire (see planning).
REVOKED_LENGTH = engine.Length(months=8)
REDUCTION_DAYS = [30, 45, 60, 60, 75, 90, 90, 120]


# --- Dates of a plan, and the remand that brings an eligibility date into a window. ---


def _dates(data: engine.SentenceInput) -> dict:
    result = engine.compute(data)
    return {name: getattr(result, name) for name in rules.COMPUTED_FIELDS}


def _valid(data: engine.SentenceInput, today: date) -> bool:
    try:
        result = engine.check(data)
    except engine.InputError:
        return False
    return result.release_date > today + timedelta(days=MIN_DAYS_LEFT)


def _alerts_between(
    data: engine.SentenceInput, *, today: date, months: rules.AlertMonths, first: int, last: int
) -> list[rules.Alert]:
    low, high = today + timedelta(days=first), today + timedelta(days=last)
    return [
        alert
        for alert in rules.alerts(_dates(data), today=today, months=months)
        if low <= alert.due <= high
    ]


def fitting_remand(
    data: engine.SentenceInput,
    *,
    today: date,
    months: rules.AlertMonths,
    window: tuple[int, int],
    preferred: int = 0,
) -> int | None:
    """The remand (days), closest to ``preferred``, that puts an eligibility alert of this
    sentence between ``window`` days from today, the release still ahead; None if none does.
    A day of remand moves each date a day earlier (unless held by a bound): only the remands
    that bring one of them near the window are tried."""
    base = replace(data, pretrial_detention_days=0)
    if not _valid(base, today):
        return None  # remand only brings the release closer
    dates = _dates(base)
    limit = min(MAX_REMAND_DAYS, (dates["release_date"] - today).days - MIN_DAYS_LEFT - 1)
    low, high = today + timedelta(days=window[0]), today + timedelta(days=window[1])
    tried: set[int] = set()
    for name in ALERT_FIELDS:
        if dates[name] is not None:
            first, last = (dates[name] - high).days - 3, (dates[name] - low).days + 3
            tried.update(range(max(0, first), min(limit, last) + 1))
    for remand in sorted(tried, key=lambda r: (abs(r - preferred), r)):
        candidate = replace(data, pretrial_detention_days=remand)
        if _valid(candidate, today) and _alerts_between(
            candidate, today=today, months=months, first=window[0], last=window[1]
        ):
            return remand
    return None


# --- Step 1: on the plans (see builder.ServiceBuilder.build). ---


def _open_custody(plan):
    return next((c for c in plan.custody if c.release is None), None)


def _plain_input(plan) -> engine.SentenceInput:
    """A person's sentence(s) from their plan, as the builder below will record them, without
    remand nor reductions."""
    custody = _open_custody(plan)
    lengths = [_length(plan.main.months or 0, plan.main.days or 0)]
    revoked = any(
        m.code == "SURSIS_PROBATOIRE" and m.status == "revoked" and d.date < custody.committal
        for d in plan.decisions
        for m in d.measures
    )
    if revoked:
        lengths.insert(0, REVOKED_LENGTH)
    offences = next(d.offences for d in plan.decisions if plan.main in d.measures)
    return engine.SentenceInput(
        sentences=tuple(lengths),
        committal_date=custody.committal,
        birth_date=plan.identity["birth_date"],
        lsc_plein_droit_excluded=any(
            o.qualification == "crime" or o.family == "domestic" for o in offences
        ),
    )


def prison_caseloads(
    plans: list,
    *,
    planner,
    today: date,
    months: rules.AlertMonths,
    prison_cpips: list[int],
    first_cpip: int,
) -> None:
    """After the caseloads are assigned (indices among the service's CPIPs): at least
    ``MIN_IN_CUSTODY`` persons in prison, one held for more than a year, two in the first
    establishment whose dates can fall in ``FIRST_CPIP_WINDOWS`` (given to the first CPIP) and
    a third whose dates can fall within ``SOON_DAYS``. When the plans lack them, the last plans
    outside prison (none of the first CPIP's) are replaced by persons in prison drawn by the
    planner: nothing is drawn when the plans have them."""
    first_establishment = planner.establishments[0].pk
    slots = [(window, True) for window in FIRST_CPIP_WINDOWS] + [((7, SOON_DAYS - 5), False)]
    # (id of the plan, window) -> (the plan, kept alive so that its id is not reused; fits)
    fitting: dict[tuple[int, tuple[int, int]], tuple[object, bool]] = {}

    def fits(plan, slot) -> bool:
        window, in_first = slot
        custody = _open_custody(plan)
        if custody is None or (in_first and custody.establishment.pk != first_establishment):
            return False
        key = (id(plan), window)
        if key not in fitting:
            remand = fitting_remand(_plain_input(plan), today=today, months=months, window=window)
            fitting[key] = (plan, remand is not None)
        return fitting[key][1]

    def long_held(plan) -> bool:
        """Held for more than a year (a reduction granted, and withdrawn in part, before
        today), with time still to serve."""
        custody = _open_custody(plan)
        if custody is None or custody.committal > today - timedelta(days=430):
            return False
        return _valid(replace(_plain_input(plan), reductions_granted_days=120), today)

    def short(plan) -> bool:
        """A sentence of five years at most (its LSC review is due, unless excluded)."""
        return _open_custody(plan) is not None and (plan.main.months or 0) <= 60

    chosen: dict[int, object] = {}  # slot index -> plan

    def choose() -> None:
        chosen.clear()
        for index, slot in enumerate(slots):
            taken = list(chosen.values())
            found = next((p for p in plans if p not in taken and fits(p, slot)), None)
            if found is not None:
                chosen[index] = found

    def for_first_cpip() -> list:
        return [plan for index, plan in chosen.items() if slots[index][1]]

    def missing() -> set[str]:
        wanted = set()
        if sum(p.in_custody for p in plans) < MIN_IN_CUSTODY:
            wanted.add("count")
        # Held for more than a year, and not one of the first CPIP's (whose dates are fitted
        # to the windows): the reductions granted each year, one of them withdrawn.
        if not any(long_held(p) and p not in for_first_cpip() for p in plans):
            wanted.add("long")
        if not any(short(p) and p not in for_first_cpip() for p in plans):
            wanted.add("short")
        if len(chosen) < len(slots):
            wanted.add("window")
        return wanted

    choose()
    replaceable = [
        i for i, p in enumerate(plans) if not p.in_custody and p.cpip_index != first_cpip
    ]
    draws = 0
    while (wanted := missing()) and replaceable and draws < MAX_DRAWS:
        draws += 1
        drawn = planner.plan_person()
        if not drawn.in_custody:
            continue
        useful = (
            "count" in wanted
            or ("long" in wanted and long_held(drawn))
            or ("short" in wanted and short(drawn))
            or ("window" in wanted and any(fits(drawn, slot) for slot in slots))
        )
        if not useful:
            continue
        position = replaceable.pop()
        drawn.cpip_index = prison_cpips[position % len(prison_cpips)]
        plans[position] = drawn
        choose()
    for plan in for_first_cpip():
        plan.cpip_index = first_cpip


# --- Step 2: the prison side of each person in prison (see builder.ServiceBuilder.build). ---


@dataclass
class SentencesReport:
    persons: int = 0
    sentences: int = 0
    reductions: int = 0
    official_dates: int = 0
    cap_sessions: int = 0
    opinions: int = 0
    answers: int = 0


@dataclass
class Line:
    """One sentence: its decision (or the judgment to record first) and its length."""

    length: engine.Length
    description: str
    decision: Decision | None = None
    new_judgment: dict | None = None
    offences: list[dict] = field(default_factory=list)


@dataclass
class Grant:
    day: date
    kind: str
    days: int
    summary: str


@dataclass
class PrisonPlan:
    custody: CustodyRecord
    person: Person
    measure: Measure | None
    lines: list[Line]
    offence_labels: set[str]
    crime: bool
    remand: int = 0
    reductions: list[Grant] = field(default_factory=list)
    safety: engine.Length | None = None
    lsc_exclusions: list[str] = field(default_factory=list)
    plein_droit_exclusions: list[str] = field(default_factory=list)
    first_cpip: bool = False

    @property
    def total_months(self) -> int:
        return sum(line.length.total_months for line in self.lines)

    def data(self, *, remand: int | None = None, reductions=None) -> engine.SentenceInput:
        reductions = self.reductions if reductions is None else reductions
        granted, withdrawn = sentence_services.reduction_totals(reductions)
        return engine.SentenceInput(
            sentences=tuple(line.length for line in self.lines),
            committal_date=self.custody.committal_date,
            pretrial_detention_days=self.remand if remand is None else remand,
            reductions_granted_days=granted,
            reductions_withdrawn_days=withdrawn,
            safety_period=self.safety,
            birth_date=self.person.birth_date,
            lsc_excluded=bool(self.lsc_exclusions),
            lsc_plein_droit_excluded=bool(self.plein_droit_exclusions),
        )


def parole_end(effective_on: date, sentence_end: date) -> date | None:
    """The end of the assistance and control measures of a parole granted from
    ``effective_on`` by the demo's judge: six months after the end of the sentence, within
    CPP 732 (at least to the end of the sentence, at most a year beyond it and ten years in
    all). None when no parole fits: the sentence ends on or before that day, or more than ten
    years after it."""
    latest = add_months(effective_on, 12 * answers.PAROLE_MAX_YEARS)
    if sentence_end <= effective_on or sentence_end > latest:
        return None
    return min(add_months(sentence_end, 6), latest)


def _length(months: int, days: int = 0) -> engine.Length:
    return engine.Length(years=months // 12, months=months % 12, days=days)


# The SPIP's opinion for the CAP: the author's sections ({il}, {e}: the person's gender).
OPINION_TEXTS = {
    "project": [
        "{Il} envisage d'être hébergé{e} chez sa sœur à {town} (attestation d'hébergement et "
        "justificatif de domicile versés au dossier). Une promesse d'embauche comme "
        "manutentionnaire lui a été remise par une entreprise de logistique de l'agglomération ; "
        "un suivi en addictologie est prévu au CSAPA dès la sortie.",
        "{Il} prévoit de rejoindre le domicile de sa mère à {town}, qui confirme l'accueillir. "
        "Inscrit{e} à France Travail depuis la détention, {il} a obtenu un rendez-vous avec la "
        "mission locale pour une formation qualifiante dans le bâtiment.",
    ],
    "feasibility": [
        "L'adresse a été vérifiée par le SPIP (enquête de faisabilité du {day}) : elle permet une "
        "détention à domicile sous surveillance électronique, avec l'accord écrit de "
        "l'hébergeant.",
        "Hébergement confirmé par l'hébergeant lors d'un entretien téléphonique ; la couverture "
        "du réseau mobile permet la pose d'un bracelet électronique si le juge retient cette "
        "modalité.",
    ],
    "victim": [
        "La victime réside dans une autre commune ; une interdiction d'entrer en contact avec "
        "elle et de paraître à son domicile est proposée.",
        "Aucune victime identifiée ne réside à proximité de l'adresse proposée.",
    ],
    # The reasoned opinion, by the matter of the opinion.
    "analysis": {
        "lsc": "Détention sans incident depuis l'écrou du {committal}. {Il} travaille aux "
        "ateliers et s'est investi{e} dans les activités proposées. Le projet est construit et "
        "vérifié : le SPIP émet un avis favorable à une libération sous contrainte sous la forme "
        "d'une détention à domicile sous surveillance électronique.",
        "parole": "Le parcours en détention est globalement positif (formation suivie, aucune "
        "sanction disciplinaire depuis un an). Le projet de sortie reste à consolider sur le plan "
        "de l'emploi ; le SPIP émet un avis favorable à une libération conditionnelle assortie "
        "d'un suivi renforcé les premiers mois.",
        "semi_liberty": "{Il} a obtenu une promesse d'embauche à temps plein ; le reliquat de "
        "peine permet un aménagement. Le SPIP émet un avis favorable à une semi-liberté au centre "
        "de semi-liberté le plus proche du lieu de travail, pour préparer une libération "
        "conditionnelle.",
        "reductions": "Comportement en détention sans incident sur l'année écoulée ; {il} suit "
        "une formation et indemnise la partie civile par prélèvements mensuels. Le SPIP émet un "
        "avis favorable à l'octroi de réductions de peine.",
    },
    "proposal": [
        "Établir sa résidence à l'adresse indiquée ; exercer une activité professionnelle ou "
        "suivre une formation ; se soumettre à des soins en addictologie{victim}.",
        "Répondre aux convocations du SPIP ; justifier d'une recherche d'emploi ; se soumettre à "
        "des soins{victim}.",
    ],
}
VICTIM_OBLIGATION = " ; ne pas entrer en contact avec la victime ni paraître à son domicile"
# The SPIP's opinions for the first session: (step, matter). The transmitted one waits for the
# judge's answer.
OPINION_STEPS = (
    (report_rules.DRAFT, answers.LSC),
    (report_rules.TRANSMITTED, answers.PAROLE),
    (report_rules.SUBMITTED, answers.LSC),
)
CAP_NOTES = [
    "Salle de la commission, bâtiment administratif. Avis du SPIP à transmettre une semaine "
    "avant la séance.",
    "Séance ordinaire. Dossiers à déposer au greffe de l'application des peines une semaine avant.",
]


class SentencesBuilder:
    def __init__(
        self,
        *,
        service,
        staff: dict[Role, list[Membership]],
        rng: random.Random,
        fake: Faker,
        today: date,
        prison_lengths: dict[int, tuple] | None = None,
    ):
        self.service = service
        # The sentence pronounced with each prison measure: (months, days), by measure.
        self.prison_lengths = prison_lengths or {}
        self.staff = staff
        self.rng = rng
        self.fake = fake
        self.today = today
        self.secretariat = staff[Role.SECRETARIAT][0]
        self.manager = staff[Role.MANAGER][0]
        self.first_cpip = staff[Role.CPIP][0]
        self.cpips = {m.user_id: m for m in staff[Role.CPIP]}
        self.months = alert_months(service)
        self.department = next(
            (d for d in voc.DEPARTMENTS if d.code == service.department_code), voc.DEPARTMENTS[0]
        )
        self.report = SentencesReport()
        self.used: set[int] = set()  # persons with an opinion of the demo already

    def build(self) -> SentencesReport:
        plans = self._plans()
        if not plans:
            return self.report
        for plan in plans:
            self._draw(plan)
        self._withdrawal(plans)
        self._safety_period(plans)
        self._lsc_refused(plans)
        self._bring_dates_near(plans)
        for plan in plans:
            self._write(plan)
        self.report.persons = len(plans)
        self._official_dates(plans)
        sessions = self._cap_sessions()
        if sessions:
            self._opinions(sessions[0], plans)
        self._judge_decisions(plans)
        return self.report

    # --- Planning each person's sentences. ---

    def _plans(self) -> list[PrisonPlan]:
        custodies = list(
            CustodyRecord.objects.filter(person__service=self.service, release_date__isnull=True)
            .select_related("person", "establishment")
            .order_by("pk")
        )
        persons = [c.person_id for c in custodies]
        measures = (
            Measure.objects.filter(person_id__in=persons)
            .filter(measure_type_id__in=["EMPRISONNEMENT", "SURSIS_PROBATOIRE"])
            .select_related("decision", "assigning_judge")
            .prefetch_related("decision__offences")
            .order_by("pk")
        )
        prison: dict[int, Measure] = {}
        revoked: dict[int, Measure] = {}
        for measure in measures:
            if measure.measure_type_id == "EMPRISONNEMENT" and measure.is_open:
                prison.setdefault(measure.person_id, measure)
            elif measure.status == Measure.Status.REVOKED:
                revoked.setdefault(measure.person_id, measure)
        plans = []
        for custody in custodies:
            measure = prison.get(custody.person_id)
            lines, labels, crime = self._lines(custody, measure, revoked.get(custody.person_id))
            plans.append(
                PrisonPlan(
                    custody=custody,
                    person=custody.person,
                    measure=measure,
                    lines=lines,
                    offence_labels=labels,
                    crime=crime,
                    first_cpip=custody.person.assigned_cpip_id == self.first_cpip.user_id,
                )
            )
        return plans

    def _lines(self, custody, measure, revoked) -> tuple[list[Line], set[str], bool]:
        rng = self.rng
        lines = []
        if measure is not None:
            judgment = measure.decision
            months, days = self.prison_lengths.get(measure.pk, (0, 0))
            length = _length(months or 0, days or 0)
            if not length.total_months and not length.days:
                length = _length(rng.choice([6, 8, 12, 18]))
            offences = [
                {"label": o.label, "qualification": o.qualification}
                for o in judgment.offences.all()
            ]
            lines.append(Line(length, "Emprisonnement ferme", decision=judgment))
        else:
            # No judgment fits (the committal was recorded alone): record one.
            offence = self._offence()
            months = rng.choice([6, 8, 10, 12, 18, 24])
            day = max(EARLIEST_DECISION, custody.committal_date - timedelta(days=rng.randint(0, 3)))
            offences = [offence]
            lines.append(
                Line(
                    _length(months),
                    "Emprisonnement ferme",
                    new_judgment=self._judgment_data(day, months, " avec mandat de dépôt"),
                    offences=[offence],
                )
            )
        if revoked is not None and revoked.decision.date < custody.committal_date:
            # The suspended sentence of an earlier judgment, revoked: served with this one.
            lines.insert(
                0,
                Line(REVOKED_LENGTH, "Révocation du sursis probatoire", decision=revoked.decision),
            )
        elif custody.person.assigned_cpip_id != self.first_cpip.user_id and rng.random() < 0.2:
            # Another judgment, earlier, put into execution with this committal.
            months = rng.choice([4, 6, 6, 8, 10, 12])
            latest = custody.committal_date - timedelta(days=45)
            earliest = max(EARLIEST_DECISION, custody.committal_date - timedelta(days=400))
            if earliest <= latest:
                day = earliest + timedelta(days=rng.randint(0, (latest - earliest).days))
                offence = self._offence()
                lines.insert(
                    0,
                    Line(
                        _length(months),
                        "Emprisonnement ferme (peine mise à exécution)",
                        new_judgment=self._judgment_data(day, months, ""),
                        offences=[offence],
                    ),
                )
        labels = {o["label"] for o in offences}
        crime = any(o["qualification"] == "crime" for o in offences)
        return lines, labels, crime

    def _offence(self) -> dict:
        offences = [o for o in voc.OFFENCES if o.qualification == "delit"]
        chosen = self.rng.choices(offences, [o.weight for o in offences])[0]
        return {"label": chosen.label, "qualification": chosen.qualification}

    def _judgment_data(self, day: date, months: int, suffix: str) -> dict:
        court = self.rng.choice(self.department.courts)
        if self.rng.random() < 0.55:
            presiding = f"Mme {self.fake.first_name_female()} {self.fake.last_name()}"
        else:
            presiding = f"M. {self.fake.first_name_male()} {self.fake.last_name()}"
        return dict(
            kind=Decision.Kind.JUDGMENT,
            jurisdiction=f"Tribunal correctionnel {of_place(court)}",
            date=day,
            enforceable_date=day,
            judge_name=presiding,
            summary=f"{months} mois d'emprisonnement{suffix}",
            court_file_number=f"{day:%y}{self.rng.randint(1, 365):03d}"
            f"{self.rng.randint(1, 99999):06d}",
        )

    def _draw(self, plan: PrisonPlan) -> None:
        """Remand for about half, the yearly reductions, the exclusions that follow from the
        offences; none of it may bring the release closer than ``MIN_DAYS_LEFT`` days."""
        rng = self.rng
        if rng.random() < 0.6:  # some dropped below: about half keep theirs
            draw = rng.random()
            if draw < 0.35:
                plan.remand = rng.randint(2, 6)  # deferred, then tried at once
            elif draw < 0.8:
                plan.remand = rng.randint(20, 120)
            else:
                plan.remand = rng.randint(120, 300)
        if plan.crime:
            plan.plein_droit_exclusions.append("crime")
        if plan.offence_labels & DOMESTIC_OFFENCES:
            plan.plein_droit_exclusions.append("partner_violence")
        start = plan.custody.committal_date - timedelta(days=plan.remand)
        years = 1
        while True:
            anniversary = add_months(start, 12 * years)
            day = max(anniversary, plan.custody.committal_date) + timedelta(days=rng.randint(5, 35))
            if day > self.today:
                break
            plan.reductions.append(
                Grant(
                    day,
                    Reduction.Kind.GRANTED,
                    rng.choice(REDUCTION_DAYS),
                    "Examen annuel en commission de l'application des peines",
                )
            )
            years += 1
        if not _valid(plan.data(), self.today):
            plan.remand = 0
        while not _valid(plan.data(), self.today) and plan.reductions:
            plan.reductions.pop()

    def _withdrawal(self, plans: list[PrisonPlan]) -> None:
        """One reduction partly withdrawn after a disciplinary sanction for violence (which
        also excludes the LSC de plein droit), ten days at least after a grant."""
        latest = self.today - timedelta(days=10)
        candidates = [
            p for p in plans if not p.first_cpip and any(g.day <= latest for g in p.reductions)
        ]
        if not candidates:
            return
        plan = max(candidates, key=lambda p: (len(p.reductions), -p.custody.pk))
        after = max(g.day for g in plan.reductions if g.day <= latest)
        day = after + timedelta(days=self.rng.randint(10, (self.today - after).days))
        granted = sum(g.days for g in plan.reductions if g.day <= day)
        plan.reductions.append(
            Grant(
                day,
                Reduction.Kind.WITHDRAWN,
                min(granted, self.rng.randint(10, 30)),
                "Sanction disciplinaire pour violences sur un codétenu",
            )
        )
        if "discipline_violence" not in plan.plein_droit_exclusions:
            plan.plein_droit_exclusions.append("discipline_violence")

    def _safety_period(self, plans: list[PrisonPlan]) -> None:
        """Half of the longest sentence, when it is of five years or more."""
        team = [p for p in plans if not p.first_cpip]
        if not team:
            return
        longest = max(team, key=lambda p: (p.total_months, -p.custody.pk))
        if longest.total_months < 60:
            return
        longest.safety = engine.Length(years=longest.total_months // 24)
        if not _valid(longest.data(), self.today):
            longest.safety = None

    def _lsc_refused(self, plans: list[PrisonPlan]) -> None:
        """One person who refused the release under constraint (CPP 720 I): the review the
        nearest ahead (within eight months, else the nearest), a person whose parole date is
        still ahead first (that alert stays)."""
        horizon = self.today + timedelta(days=240)
        candidates = []
        for plan in plans:
            if plan.first_cpip:
                continue
            dates = _dates(plan.data())
            review = dates["lsc_review_date"]
            if review is None:
                continue
            ahead = self.today < review <= horizon
            passed = dates["lc_eligibility_date"] <= self.today
            distance = abs((review - self.today).days)
            candidates.append((not ahead, passed, distance, plan.custody.pk, plan))
        if candidates:
            min(candidates, key=lambda c: c[:4])[4].lsc_exclusions.append("lsc_refused")

    def _bring_dates_near(self, plans: list[PrisonPlan]) -> None:
        """The first CPIP's persons: an alert in each window of ``FIRST_CPIP_WINDOWS`` (the
        persons matched to the windows in the order that fits them all, if one does); then at
        least ``MIN_SOON`` persons with an alert within ``SOON_DAYS``; and some remand in a
        small demo. The remand (then, for the first CPIP's persons, the reductions dropped)
        brings the dates where they are wanted."""
        first = [p for p in plans if p.first_cpip][: len(FIRST_CPIP_WINDOWS)]
        windows = FIRST_CPIP_WINDOWS[: len(first)]
        best: list = []
        for order in permutations(first):
            fits = [self._fitting(p, w, drop=True) for p, w in zip(order, windows, strict=True)]
            fitted = [(p, f) for p, f in zip(order, fits, strict=True) if f is not None]
            if len(fitted) > len(best):
                best = fitted
        for plan, (remand, reductions) in best:
            plan.remand, plan.reductions = remand, reductions

        def soon(plan) -> bool:
            return bool(
                _alerts_between(
                    plan.data(), today=self.today, months=self.months, first=0, last=SOON_DAYS
                )
            )

        count = sum(soon(p) for p in plans)
        for plan in plans:
            if count >= MIN_SOON:
                break
            if not soon(plan) and (fit := self._fitting(plan, (7, SOON_DAYS - 5))):
                plan.remand, plan.reductions = fit
                count += 1
        if not any(p.remand for p in plans):  # a small demo: a few days of remand somewhere
            for plan in plans:
                if not plan.first_cpip and _valid(plan.data(remand=3), self.today):
                    plan.remand = 3
                    break

    def _fitting(
        self, plan: PrisonPlan, window: tuple[int, int], *, drop: bool = False
    ) -> tuple[int, list[Grant]] | None:
        """The remand (and reductions) that bring an alert in ``window``: the remand first;
        with ``drop``, if none does, without the reductions (they bring the dates closer too)."""
        for reductions in (plan.reductions, []) if drop else (plan.reductions,):
            remand = fitting_remand(
                plan.data(reductions=reductions),
                today=self.today,
                months=self.months,
                window=window,
                preferred=plan.remand,
            )
            if remand is not None:
                return remand, reductions
        return None

    # --- Writing through the services. ---

    def _write(self, plan: PrisonPlan) -> None:
        secretariat, person, custody = self.secretariat, plan.person, plan.custody
        for line in plan.lines:
            decision = line.decision
            if decision is None:
                decision = measure_services.decision_create(
                    gated=gate(secretariat, person),
                    data=line.new_judgment,
                    offences=line.offences,
                    today=self.today,
                )
            sentence_services.sentence_add(
                gated=gate(secretariat, person),
                custody=custody,
                data={
                    "decision": decision,
                    "years": line.length.years,
                    "months": line.length.months,
                    "days": line.length.days,
                    "description": line.description,
                },
            )
            self.report.sentences += 1
        terms = {}
        if plan.remand:
            terms["remand_days"] = plan.remand
        if plan.safety is not None:
            terms.update(
                safety_years=plan.safety.years,
                safety_months=plan.safety.months,
                safety_days=plan.safety.days,
            )
        if plan.lsc_exclusions:
            terms["lsc_exclusions"] = plan.lsc_exclusions
        if plan.plein_droit_exclusions:
            terms["lsc_plein_droit_exclusions"] = plan.plein_droit_exclusions
        if terms:
            sentence_services.terms_update(
                gated=gate(secretariat, person), custody=custody, data=terms
            )
        judge = plan.measure.assigning_judge if plan.measure is not None else None
        written = []
        for grant in sorted(plan.reductions, key=lambda g: g.day):
            reduction = sentence_services.reduction_add(
                gated=gate(secretariat, person),
                custody=custody,
                data={
                    "kind": grant.kind,
                    "days": grant.days,
                    "date": grant.day,
                    "jurisdiction": self._jap_jurisdiction(judge),
                    "judge_name": judge.get_full_name() if judge else "",
                    "summary": grant.summary,
                },
            )
            written.append((reduction, grant.day))
            self.report.reductions += 1
        self._backdate(person, written)

    def _jap_jurisdiction(self, judge) -> str:
        """A JAP's order names the judge's court (never the SPIP)."""
        court = (
            Membership.objects.filter(user=judge, service=self.service, role=Role.JUDGE)
            .exclude(court__isnull=True)
            .select_related("court")
            .first()
            if judge is not None
            else None
        )
        return court.court.jap_label if court else "Juge de l'application des peines"

    def _backdate(self, person: Person, written: list[tuple[Reduction, date]]) -> None:
        """The reduction's line of the chronology on the day of the JAP's order (the journal
        keeps the real time of writing), as the main builder does for the other lines."""
        if not written:
            return
        ops = connection.ops
        table = ops.quote_name(TimelineEvent._meta.db_table)
        rows = []
        for reduction, day in written:
            moment = min(timezone.now(), timezone.make_aware(datetime.combine(day, time(10))))
            rows.append((ops.adapt_datetimefield_value(moment), person.pk, reduction.pk))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET occurred_at = %s WHERE person_id = %s "
                "AND object_type = 'sentences.reduction' AND object_id = %s",
                rows,
            )

    # --- Official dates of the registry. ---

    def _official_dates(self, plans: list[PrisonPlan]) -> None:
        """The registry's dates of several persons, imported as the registry's CSV file (one
        import): equal to the estimates, but the end of sentence of one of the first CPIP's
        persons, a day or two apart. One person had an end of sentence typed in by their CPIP
        before the last reduction: the import updates it (history kept)."""
        situations = {
            s.custody_id: s
            for s in PenalSituation.objects.filter(custody_id__in=[p.custody.pk for p in plans])
        }
        differing = next((p for p in plans if p.first_cpip), plans[0])
        others = [p for p in plans if p is not differing]
        count = min(len(others), max(3, len(plans) // 4))
        chosen = sorted(self.rng.sample(others, count), key=lambda p: p.custody.pk)
        lines = [";".join(imports.HEADER)]
        for plan in sorted([differing, *chosen], key=lambda p: p.custody.pk):
            computed = situations[plan.custody.pk].computed()
            kinds = [rules.FIN_PEINE, rules.LIBERATION, rules.LC, rules.LSC, rules.LSC_PLEIN_DROIT]
            if plan is differing:
                kinds = [rules.FIN_PEINE, rules.LC]
            for kind in kinds:
                day = computed[rules.OFFICIAL_TO_COMPUTED[kind]]
                if day is None:
                    continue
                if plan is differing and kind == rules.FIN_PEINE:
                    day += timedelta(days=self.rng.choice([-2, -1, 1, 2]))
                lines.append(
                    f"{plan.custody.establishment.code};{plan.custody.committal_number};"
                    f"{kind};{day:%d/%m/%Y}"
                )
        history = next((p for p in chosen if p.reductions), None)
        if history is not None:
            last = max(
                (g for g in history.reductions if g.kind == Reduction.Kind.GRANTED),
                key=lambda g: g.day,
            )
            end = situations[history.custody.pk].end_date
            sentence_services.official_date_set(
                gated=gate(
                    self.cpips.get(history.person.assigned_cpip_id, self.secretariat),
                    history.person,
                ),
                custody=history.custody,
                kind=rules.FIN_PEINE,
                day=end + timedelta(days=last.days),
                source=OfficialDate.Source.ENTERED,
            )
            self.report.official_dates += 1
        result = imports.import_official_dates(
            membership=self.secretariat,
            file_name=f"dates-greffe-{self.today:%Y-%m-%d}.csv",
            content=("\n".join(lines) + "\n").encode(),
        )
        if result.problems:
            raise ValueError(f"Import des dates officielles refusé : {result.problems}")
        self.report.official_dates += result.created + result.updated

    # --- The CAP: a session in each establishment, the SPIP's opinions for the first. ---

    def _session_day(self, first: int, last: int) -> date:
        days = [self.today + timedelta(days=n) for n in range(first, last + 1)]
        return self.rng.choice(
            [d for d in days if d.weekday() < 5 and d not in engine.public_holidays(d.year)]
        )

    def _cap_sessions(self) -> list[CapSession]:
        """The first establishment's session in two or three weeks, the others' later; three
        months examined each time."""
        sessions = []
        establishments = Establishment.objects.filter(service=self.service).order_by("pk")
        for position, establishment in enumerate(establishments):
            day = self._session_day(14, 21) if position == 0 else self._session_day(28, 49)
            sessions.append(
                cap.cap_session_create(
                    membership=self.manager,
                    data={
                        "establishment": establishment,
                        "date": day,
                        "horizon_months": 3,
                        "notes": CAP_NOTES[position % len(CAP_NOTES)],
                        # The first judge (juge.demo) chairs the commissions.
                        "judge": self.staff[Role.JUDGE][0].user,
                    },
                )
            )
            self.report.cap_sessions += 1
        return sessions

    def _opinions(self, session: CapSession, plans: list[PrisonPlan]) -> None:
        """The SPIP's opinion for some persons of the session's list: the first CPIP's draft,
        then one transmitted to the judge and one submitted to the visa."""
        listed = {row.person.pk for row in cap.cap_list(session).rows}
        candidates = [
            p
            for p in plans
            if p.person.pk in listed
            and p.measure is not None
            and p.person.assigned_cpip_id in self.cpips
        ]
        first = [p for p in candidates if p.first_cpip]
        others = [p for p in candidates if not p.first_cpip]
        # The first CPIP's draft first, the others' next, the first CPIP's second person last.
        ordered = first[:1] + others + first[1:]
        # The transmitted opinion goes to the judge who chairs the session (juge.demo finds it
        # among the opinions to answer), failing that to another judge of the service.
        chair = session.judge_id
        for step, matter in OPINION_STEPS:
            if step == report_rules.TRANSMITTED:
                judged = [p for p in ordered if p.measure.assigning_judge_id is not None]
                chaired = [p for p in judged if p.measure.assigning_judge_id == chair]
                choice = (chaired or judged or [None])[0]
            else:
                choice = ordered[0] if ordered else None
            if choice is None:
                continue
            ordered.remove(choice)
            self._opinion(choice, step, matter, due=session.date - timedelta(days=7))
            self.used.add(choice.person.pk)

    def _opinion(self, plan: PrisonPlan, step: str, matter: str, *, due: date | None) -> Report:
        rng = self.rng
        author = self.cpips[plan.person.assigned_cpip_id]
        person = plan.person
        report = report_services.report_create(
            membership=author,
            gated=person_get_for(author, person.pk),
            kind=report_rules.OPINION,
            measure=plan.measure,
            due_date=due,
            matter=matter,
            today=self.today,
        )
        female = person.sex == Person.Sex.FEMALE
        words = {
            "Il": "Elle" if female else "Il",
            "il": "elle" if female else "il",
            "e": "e" if female else "",
            "town": rng.choice(self.department.communes)[0],
            "day": f"{self.today - timedelta(days=rng.randint(5, 20)):%d/%m/%Y}",
            "committal": f"{plan.custody.committal_date:%d/%m/%Y}",
        }
        domestic = bool(plan.offence_labels & DOMESTIC_OFFENCES)
        words["victim"] = VICTIM_OBLIGATION if domestic else ""
        texts = {}
        for section in report.sections:
            if section["text"].strip() or section["key"] not in OPINION_TEXTS:
                continue
            variants = OPINION_TEXTS[section["key"]]
            if section["key"] == "victim":
                text = variants[0] if domestic else variants[1]
            elif section["key"] == "analysis":
                text = variants[matter]
            else:
                text = rng.choice(variants)
            texts[section["key"]] = text.format(**words)
        drafting = report_get_for(author, report.pk)
        report_services.report_save(membership=author, gated_report=drafting, texts=texts)
        self.report.opinions += 1
        if step == report_rules.DRAFT:
            return report
        report_services.report_submit(membership=author, gated_report=drafting)
        if step == report_rules.SUBMITTED:
            return report
        visa = report_get_for(self.manager, report.pk)
        visa.report = report_services.report_approve(membership=self.manager, gated_report=visa)
        return report_services.report_transmit(
            membership=self.manager, gated_report=visa, today=self.today
        )

    # --- The judge's decisions on opinions (what an answer changes, in the demo). ---

    def _judge_decisions(self, plans: list[PrisonPlan]) -> None:
        """On the SPIP's opinions about persons in prison (their assigning judge the first
        judge, ``juge.demo``): an opinion on a semi-liberty waiting for the judge's answer;
        parole granted three weeks from now, the LC measure opened with its obligations; and
        reductions of sentence granted, the dates moved. Each through the transition service,
        as the judge would answer."""
        judge = self.staff[Role.JUDGE][0]
        # Not those whose registry dates were imported: the judge's reductions would put the
        # estimate apart from them (the registry would send new dates later).
        with_officials = set(
            OfficialDate.objects.filter(custody__in=[p.custody for p in plans]).values_list(
                "custody__person_id", flat=True
            )
        )
        judged = [
            p
            for p in plans
            if p.measure is not None
            and p.measure.assigning_judge_id == judge.user_id
            and p.person.assigned_cpip_id in self.cpips
        ]
        fit = [p for p in judged if p.person.pk not in with_officials and p.safety is None]
        facts = {p.person.pk: sentence_services.prison_facts(p.person) for p in judged}
        situations = {p.person.pk: facts[p.person.pk].situation for p in judged}
        chosen: set[int] = set()

        def far(p, days):  # the release at least ``days`` away
            end = facts[p.person.pk].end_date
            return end is not None and end > self.today + timedelta(days=days)

        def take(*conditions, among=fit):
            """The first person fitting the first condition that finds one: persons without an
            opinion of the demo first, then any (a small demo has few persons in prison)."""
            for fresh in (True, False):
                for condition in conditions:
                    for p in among:
                        pk = p.person.pk
                        if pk in chosen or (fresh and pk in self.used) or not condition(p):
                            continue
                        chosen.add(pk)
                        self.used.add(pk)
                        return p
            return None

        def adjustable(p):
            day = situations[p.person.pk].jap_adjustment_date
            return far(p, 120) and day is not None and day <= self.today

        def paroled(p):
            day = situations[p.person.pk].lc_eligibility_date
            return far(p, 150) and day is not None and day <= self.today + timedelta(days=21)

        parole_on = self.today + timedelta(days=21)

        def grantable(p):  # the sentence ends within the ten years a parole may last
            end = facts[p.person.pk].end_date
            return end is not None and parole_end(parole_on, end) is not None

        unsafe_free = [p for p in judged if p.safety is None and grantable(p)]
        parole = take(paroled, lambda p: far(p, 150), lambda p: far(p, 60), among=unsafe_free)
        # An opinion waits for an answer: the registry's dates do not matter.
        adjust = take(adjustable, lambda p: far(p, 60), lambda p: True, among=judged)
        # Never the first CPIP's persons: their dates were brought into the échéancier's
        # windows (the reductions would move them out), and one of them keeps the registry
        # date that differs.
        reductions_plan = take(
            lambda p: far(p, 150),
            lambda p: far(p, 60),
            among=[p for p in fit if not p.first_cpip],
        ) or take(lambda p: far(p, 90), among=[p for p in judged if not p.first_cpip])
        if adjust is not None:
            self._opinion(adjust, report_rules.TRANSMITTED, answers.SEMI_LIBERTY, due=None)
        if parole is not None:
            report = self._opinion(parole, report_rules.TRANSMITTED, answers.PAROLE, due=None)
            end = facts[parole.person.pk].end_date
            self._answer(
                judge,
                report,
                answers.GRANTED,
                effective_on=parole_on,
                end_on=parole_end(parole_on, end),
                new_obligations=("RESIDENCE", "TRAVAIL_FORMATION", "SOINS"),
                details={"SOINS": {"care_structure": "CSAPA de l'agglomération"},
                         "RESIDENCE": {"details": "Chez sa sœur, adresse vérifiée par le SPIP"}},
                text="Jugement du {on} : libération conditionnelle accordée à compter du "
                "{effect}, mesures d'assistance et de contrôle jusqu'au {end} ; obligations de résidence, de travail "
                "ou de formation et de soins en addictologie.",
            )  # fmt: skip
        if reductions_plan is not None:
            report = self._opinion(reductions_plan, report_rules.TRANSMITTED, answers.REDUCTIONS,
                                   due=None)  # fmt: skip
            self._answer(judge, report, answers.GRANTED, reduction_days=45,
                         text="Ordonnance du {on}, après avis de la commission d'application "
                         "des peines : 45 jours de réduction de peine accordés.")  # fmt: skip
            if reductions_plan.person.pk in with_officials:
                self._registry_follows(reductions_plan)

    def _registry_follows(self, plan: PrisonPlan) -> None:
        """The registry's dates of a person whose reductions were just granted, moved by the
        registry as the estimates were (its new file, imported as usual)."""
        situation = PenalSituation.objects.get(custody=plan.custody)
        computed = situation.computed()
        for official in OfficialDate.objects.filter(custody=plan.custody, is_current=True):
            day = computed[rules.OFFICIAL_TO_COMPUTED[official.kind]]
            if day is not None and day != official.date:
                with transaction.atomic():
                    sentence_services.official_date_set(
                        gated=gate(self.secretariat, plan.person),
                        custody=plan.custody,
                        kind=official.kind,
                        day=day,
                        source=OfficialDate.Source.IMPORTED,
                    )

    def _answer(self, judge, report, code, *, text, details=None, **fields) -> None:
        gated = report_get_for(judge, report.pk)
        day = answer_day(self.today, gated.report.transmitted_at)
        words = {
            "on": f"{day:%d/%m/%Y}",
            "effect": f"{fields['effective_on']:%d/%m/%Y}" if "effective_on" in fields else "",
            "end": f"{fields['end_on']:%d/%m/%Y}" if "end_on" in fields else "",
        }
        transition_services.answer_record(
            membership=judge,
            gated_report=gated,
            data=transition_services.AnswerData(
                input=answers.Input(code=code, answered_on=day, **fields),
                text=text.format(**words),
                obligation_details=details or {},
            ),
            today=day,
        )
        self.report.answers += 1
