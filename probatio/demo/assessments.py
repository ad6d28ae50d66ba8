"""The demo's structured assessments and follow-up intensities (docs/assessments.md).

Written through the services, as the staff would, dated from the day of each assessment:

- most persons followed by the first CPIP (``cpip.demo``), in the community and in prison,
  have an assessment (answers drawn so that the proposals spread over the three levels, a
  summary, an initial, periodic or after-incident reason) and a level, applied at once; a
  part of the other CPIPs' persons too;
- some assessments are due for review (made longer ago than their level's review interval,
  ``rules.DEFAULT_RULES``);
- one person's chosen level differs from the proposal, with the CPIP's reason;
- one change of level waits for a manager (``encadrement.demo``'s page of changes to
  validate), the previous level applying until then;
- a few changes were validated by that manager, one refused, so that the history shows;
- a few assessments hold sensitive items, with their basis and reason;
- the psychologist added a section to one assessment.

Draws from its own generator (seeded by the demo's seed and the département): the rest of the
demo is unchanged.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock

from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from probatio.access.roles import Role
from probatio.assessments import rules, selectors, services
from probatio.assessments.models import Assessment, IntensityDecision
from probatio.compliance.models import Incident
from probatio.demo.gates import gate
from probatio.measures.models import Measure
from probatio.people.models import Person, TimelineEvent

# Share of the persons followed that have an assessment: the first CPIP's, the others'.
FIRST_CPIP_SHARE = 0.85
OTHER_CPIPS_SHARE = 0.4
# Share of the assessed persons whose assessment is due for review.
DUE_SHARE = 0.3
LEVELS = [rules.Level.REINFORCED, rules.Level.STANDARD, rules.Level.LIGHT]
REVIEW_DAYS = {
    r.level: r.review_days for r in rules.DEFAULT_RULES if r.measure_kind == rules.ANY_MEASURE
}

DIFFERENT_CHOICE_REASON = (
    "Faits de violences conjugales récents et victime résidant dans la même commune : un suivi "
    "renforcé les premiers mois, malgré un score moyen, le temps de vérifier le respect de "
    "l'interdiction de contact."
)
CHANGE_REASONS = {
    rules.Level.REINFORCED: "Manquements répétés depuis la dernière évaluation : resserrer le suivi.",
    rules.Level.STANDARD: "Situation stabilisée mais encore fragile : suivi standard.",
    rules.Level.LIGHT: "Obligations respectées depuis plus de six mois, emploi stable : suivi allégé.",
}
REFUSAL_COMMENT = (
    "Trop tôt pour alléger : attendre la prochaine échéance de justificatifs de soins."
)
SENSITIVE = [
    (
        {"substance_use": "problematic", "health": "Suivi en CMP évoqué par la personne."},
        rules.SensitiveBasis.JUDGE_REQUEST,
        "Évaluation demandée par le juge de l'application des peines avant l'audience de "
        "modification des obligations (soins).",
    ),
    (
        {"substance_use": "in_care"},
        rules.SensitiveBasis.NECESSARY,
        "La consommation d'alcool est en lien direct avec les faits (conduite en état "
        "alcoolique) : nécessaire pour adapter le suivi.",
    ),
]
PSYCHOLOGIST_TEXT = (
    "Deux entretiens. Capacités d'élaboration réelles mais fragiles ; la personne évoque "
    "spontanément les faits et leurs conséquences. Orientation vers un suivi psychologique "
    "extérieur proposée et acceptée."
)
NEEDS_DETAILS = [
    "Dossier de logement social à relancer auprès du SIAO.",
    "Inscription à France Travail à faire ; pas de CV à jour.",
    "Renouvellement du titre de séjour en cours.",
    "Ouverture de droits CAF et complémentaire santé à vérifier.",
]
CONSTRAINTS = [
    "Travaille en horaires décalés : rendez-vous en fin de journée.",
    "Sans véhicule, dépend des transports en commun.",
    "Garde alternée de ses enfants une semaine sur deux.",
]


@dataclass
class Assessed:
    person: Person
    cpip: object  # Membership
    opened: date
    incident: bool


def build_assessments(*, service, staff, rng: random.Random, fake, today: date) -> None:
    writer = _Writer(service=service, staff=staff, rng=rng, today=today)
    writer.build()


class _Writer:
    def __init__(self, *, service, staff, rng, today):
        self.service = service
        self.staff = staff
        self.rng = rng
        self.today = today
        self.now = timezone.now()
        self.grid = selectors.grid_in_use(today)
        self.manager = staff[Role.MANAGER][0]
        self.dates: dict[tuple[str, int], date] = {}
        self.decision_moments: list[tuple[int, date, date | None]] = []

    # --- Who is assessed ------------------------------------------------------------------

    def _followed(self) -> list[Assessed]:
        by_user = {m.user_id: m for m in self.staff[Role.CPIP]}
        persons = (
            Person.objects.filter(service=self.service, assigned_cpip__isnull=False)
            .filter(
                Exists(Measure.objects.filter(person=OuterRef("pk"), status=Measure.Status.ACTIVE))
            )
            .annotate(
                incident=Exists(Incident.objects.filter(person=OuterRef("pk"))),
            )
            .order_by("pk")
        )
        followed = []
        for person in persons:
            cpip = by_user.get(person.assigned_cpip_id)
            if cpip is None:
                continue
            opened = timezone.localdate(person.created_at)
            followed.append(Assessed(person, cpip, opened, person.incident))
        return followed

    # --- The build ------------------------------------------------------------------------

    def build(self) -> None:
        if self.grid is None:
            return
        followed = self._followed()
        first = self.staff[Role.CPIP][0].user_id
        mine = [a for a in followed if a.cpip.user_id == first]
        others = [a for a in followed if a.cpip.user_id != first]
        chosen = [a for a in mine if self.rng.random() < FIRST_CPIP_SHARE]
        chosen += [a for a in others if self.rng.random() < OTHER_CPIPS_SHARE]

        # The special cases: on the first CPIP's persons, a change waiting for the manager
        # (a person followed long enough for a first level) and a level other than the
        # proposal (the most recent file: its initial assessment); on the others' persons
        # followed long enough, changes validated, one refused, sensitive items. The first
        # CPIP's other persons followed long enough are every other one due for review.
        def seniority(a: Assessed) -> int:
            return (self.today - a.opened).days

        special: dict[int, str] = {}
        mine_chosen = sorted(
            (a for a in chosen if a.cpip.user_id == first), key=seniority, reverse=True
        )
        senior = [a for a in mine_chosen if seniority(a) >= 60]
        if senior:
            special[senior[len(senior) // 2].person.pk] = "pending"
        rest = [a for a in mine_chosen if a.person.pk not in special]
        if rest:
            special[rest[-1].person.pk] = "different"
        seasoned_others = [a for a in chosen if a.cpip.user_id != first and seniority(a) >= 150]
        cases = ["validated", "validated", "refused", "validated", "sensitive", "sensitive"]
        for a, case in zip(seasoned_others, cases, strict=False):
            special[a.person.pk] = case
        # One assessment after an incident at least, on a person with one if any.
        plain = [a for a in chosen if a.person.pk not in special]
        after_incident = next(
            (a for a in plain if a.incident),
            next((a for a in plain if a.cpip.user_id == first), None),
        )
        mine_plain = 0
        for position, a in enumerate(chosen):
            case = special.get(a.person.pk, "")
            target = LEVELS[position % 3]
            if case in ("pending", "validated", "refused"):
                self._change(a, case, target)
            elif case == "different":
                self._different(a)
            else:
                due = False
                if a.cpip.user_id == first:
                    # Every other one of the first CPIP's (followed long enough) is due for
                    # review, the others' at random.
                    fits = [level for level in LEVELS if seniority(a) >= REVIEW_DAYS[level] + 15]
                    if fits:
                        due = mine_plain % 2 == 0
                        mine_plain += 1
                        if due and target not in fits:
                            target = fits[0]
                else:
                    due = self.rng.random() < DUE_SHARE
                self._plain(
                    a,
                    target,
                    due=due,
                    incident=a is after_incident,
                    sensitive=case == "sensitive",
                    position=position,
                )
        self._psychologist_section(chosen)
        self._backdate()

    def _plain(self, a, target, *, due: bool, incident: bool, sensitive: bool, position: int):
        assessed_on = self._day(a, target, due=due)
        reason = (
            rules.Reason.INCIDENT if incident or (a.incident and self.rng.random() < 0.5) else None
        )
        if reason is None:
            recent_start = (self.today - a.opened).days < 200
            reason = rules.Reason.INITIAL if recent_start else rules.Reason.PERIODIC
        extra = SENSITIVE[position % len(SENSITIVE)] if sensitive else None
        assessment = self._assess(a, target, assessed_on, reason, sensitive=extra)
        self._choose(a, assessment.proposed_level, assessment, assessed_on)

    def _different(self, a: Assessed):
        assessed_on = self._day(a, rules.Level.REINFORCED, due=False)
        assessment = self._assess(a, rules.Level.STANDARD, assessed_on, rules.Reason.INITIAL)
        other = (
            rules.Level.REINFORCED
            if assessment.proposed_level != rules.Level.REINFORCED
            else rules.Level.STANDARD
        )
        self._choose(a, other, assessment, assessed_on, reason=DIFFERENT_CHOICE_REASON)

    def _change(self, a: Assessed, case: str, target: rules.Level):
        """A first assessment and level, then a later one proposing another level: waiting
        for the manager, validated, or refused."""
        first_level, second_level = {
            "pending": (rules.Level.STANDARD, rules.Level.REINFORCED),
            "validated": (target, LEVELS[(LEVELS.index(target) + 1) % 3]),
            "refused": (rules.Level.STANDARD, rules.Level.LIGHT),
        }[case]
        if case == "validated" and target == rules.Level.REINFORCED:
            second_level = rules.Level.STANDARD
        earliest = a.opened + timedelta(days=10)
        first_day = max(earliest, self.today - timedelta(days=self.rng.randint(150, 300)))
        first = self._assess(a, first_level, first_day, rules.Reason.INITIAL)
        self._choose(a, first.proposed_level, first, first_day)
        if case == "pending":
            second_day = self.today - timedelta(days=self.rng.randint(2, 6))
        else:
            second_day = self.today - timedelta(days=self.rng.randint(30, 90))
        second_day = max(second_day, first_day + timedelta(days=30))
        reason = rules.Reason.INCIDENT if a.incident else rules.Reason.PERIODIC
        second = self._assess(a, second_level, second_day, reason)
        level = second.proposed_level
        if level == first.proposed_level:  # the draw missed: the CPIP asks for the change
            level = second_level if second_level != level else LEVELS[(LEVELS.index(level) + 1) % 3]
        decision = self._choose(
            a,
            level,
            second,
            second_day,
            reason="" if level == second.proposed_level else CHANGE_REASONS[rules.Level(level)],
        )
        if case == "pending":
            return
        answered = min(self.today, second_day + timedelta(days=self.rng.randint(1, 4)))
        services.intensity_answer(
            gated=gate(self.manager, a.person),
            decision=decision,
            accept=case == "validated",
            comment="" if case == "validated" else REFUSAL_COMMENT,
            today=answered,
        )
        self.decision_moments[-1] = (decision.pk, second_day, answered)

    # --- Writing --------------------------------------------------------------------------

    def _day(self, a: Assessed, level: rules.Level, *, due: bool) -> date:
        review = REVIEW_DAYS[level]
        earliest = min(self.today, a.opened + timedelta(days=10))
        if due:
            ago = min(366, review + self.rng.randint(5, 60))
        else:
            ago = self.rng.randint(3, max(4, review - 20))
        return max(earliest, self.today - timedelta(days=ago))

    def _assess(self, a, target, assessed_on, reason, *, sensitive=None) -> Assessment:
        definition = self.grid.definition
        answers = None
        for _ in range(12):  # draw until the proposal is the level aimed at (rarely more than 3)
            answers = draw_answers(definition, self.rng, target)
            proposal = rules.propose_intensity(self.grid.proposal_version, definition, answers)
            if proposal.level == target:
                break
        raw = {code: _raw(value) for code, value in answers.items()}
        basis, why = "", ""
        if sensitive is not None:
            items, basis, why = sensitive
            raw.update(items)
        assessment = services.assessment_create(
            gated=gate(a.cpip, a.person),
            grid_version=self.grid.code,
            reason=reason,
            assessed_on=assessed_on,
            answers=raw,
            summary=summary(definition, a.person, answers, proposal),
            sensitive_basis=basis,
            sensitive_reason=why,
            today=self.today,
        )
        self.dates[("assessments.assessment", assessment.pk)] = assessed_on
        return assessment

    def _choose(self, a, level, assessment, day, reason="") -> IntensityDecision:
        decision = services.intensity_choose(
            gated=gate(a.cpip, a.person),
            level=level,
            reason=reason,
            assessment=assessment,
            today=day,
        )
        self.dates[("assessments.intensitydecision", decision.pk)] = day
        self.decision_moments.append((decision.pk, day, None))
        return decision

    def _psychologist_section(self, chosen: list[Assessed]) -> None:
        psychologists = self.staff.get(Role.PSYCHOLOGIST) or []
        if not psychologists or not chosen:
            return
        psychologist = psychologists[0]
        followed = set(
            Person.objects.filter(
                pk__in=[a.person.pk for a in chosen], support_staff=psychologist.user
            ).values_list("pk", flat=True)
        )
        a = next((a for a in chosen if a.person.pk in followed), chosen[0])
        assessment = selectors.latest_assessment(a.person)
        section = services.psychologist_section_add(
            gated=gate(psychologist, a.person), assessment=assessment, text=PSYCHOLOGIST_TEXT
        )
        day = min(self.today, assessment.assessed_on + timedelta(days=7))
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {connection.ops.quote_name(section._meta.db_table)} "
                "SET created_at = %s WHERE id = %s",
                [connection.ops.adapt_datetimefield_value(self._moment(day)), section.pk],
            )

    def _moment(self, day: date) -> datetime:
        moment = timezone.make_aware(
            datetime.combine(day, clock(self.rng.randint(9, 17), self.rng.choice([0, 15, 30])))
        )
        return min(moment, self.now)

    def _backdate(self) -> None:
        """The services date what they record "now": date the chronology, the assessments'
        recording and the choices on the day they happened (the journal keeps the real
        time of writing)."""
        ops = connection.ops
        adapt = ops.adapt_datetimefield_value
        timeline = ops.quote_name(TimelineEvent._meta.db_table)
        assessments = ops.quote_name(Assessment._meta.db_table)
        decisions = ops.quote_name(IntensityDecision._meta.db_table)
        events, recorded, chosen = [], [], []
        for (object_type, pk), day in self.dates.items():
            events.append((adapt(self._moment(day)), object_type, pk))
            if object_type == "assessments.assessment":
                recorded.append((adapt(self._moment(day)), pk))
        validated = []
        for pk, day, answered in self.decision_moments:
            chosen.append((adapt(self._moment(day)), pk))
            if answered:
                validated.append((adapt(self._moment(answered)), pk))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {timeline} SET occurred_at = %s WHERE object_type = %s AND object_id = %s",
                events,
            )
            cursor.executemany(f"UPDATE {assessments} SET created_at = %s WHERE id = %s", recorded)
            cursor.executemany(f"UPDATE {decisions} SET chosen_at = %s WHERE id = %s", chosen)
            # Only the answered ones (a typed parameter on both databases, no CASE).
            cursor.executemany(
                f"UPDATE {decisions} SET validated_at = %s "
                "WHERE id = %s AND validated_at IS NOT NULL",
                validated,
            )


# --- Answers and summary (pure) -------------------------------------------------------------

# How much an answer leans towards the heavy options, per level aimed at.
LEAN = {rules.Level.REINFORCED: 0.7, rules.Level.STANDARD: 0.35, rules.Level.LIGHT: 0.08}


def draw_answers(definition: dict, rng: random.Random, target: str) -> dict:
    """Ordinary answers (never sensitive) leaning towards ``target``: cleaned values, as
    ``rules.validate`` stores them."""
    lean = LEAN[rules.Level(target)]
    answers: dict = {}
    for item in rules.items(definition):
        if item.get("sensitive"):
            continue
        kind = item["type"]
        if kind == "choice":
            options = item["options"]
            heavy = [o for o in options if o["weight"] > 0]
            light = [o for o in options if o["weight"] <= 0]
            pool = heavy if heavy and rng.random() < lean else light or heavy
            if not heavy or pool is light:
                # Protective options (negative weight) go with lighter follow-ups.
                protective = [o for o in light if o["weight"] < 0]
                if protective and rng.random() < 1 - lean:
                    pool = protective
            answers[item["code"]] = rng.choice(pool)["code"]
        elif kind == "yes_no":
            weight = item.get("weight", 0)
            if weight > 0:
                chance = lean * 0.8
            elif weight < 0:
                chance = 1 - lean
            else:
                chance = 0.3
            value = rng.random() < chance
            if item.get("required") or value:
                answers[item["code"]] = value
        elif kind == "number":
            high = rng.random() < lean
            answers[item["code"]] = rng.randint(2, 7) if high else rng.randint(0, 1)
        elif kind == "text":
            pool = NEEDS_DETAILS if item["code"] == "needs_detail" else CONSTRAINTS
            if rng.random() < 0.4:
                answers[item["code"]] = rng.choice(pool)
    return answers


def _raw(value):
    """A cleaned value as a form would send it."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value) if isinstance(value, int) else value


def summary(definition: dict, person: Person, answers: dict, proposal: rules.Proposal) -> str:
    """The CPIP's summary (French), from the answers."""
    items = rules.item_map(definition)
    name = f"{'Mme' if person.sex == 'F' else 'M.'} {person.surname.upper()}"

    def said(code: str) -> str:
        return _lower_first(rules.answer_label(items[code], answers.get(code)))

    heavy = [_lower_first(r.split(" : ")[0]) for r in proposal.reasons if "(+" in r][:3]
    support = [_lower_first(r.split(" : ")[0]) for r in proposal.reasons if "(-" in r][:2]
    parts = [
        f"{name} : logement — {said('housing_status')} ; activité — {said('work_status')} ; "
        f"ressources — {said('resources_level')}.",
        f"Rapport aux faits : {said('offence_stance')}. Motivation au changement : "
        f"{said('motivation')}.",
    ]
    if heavy:
        parts.append("Points de vigilance : " + ", ".join(heavy) + ".")
    if support:
        parts.append("Points d'appui : " + ", ".join(support) + ".")
    label = rules.LEVEL_LABELS[proposal.level].lower()
    parts.append(f"Proposition de suivi {label}, à réexaminer à l'échéance prévue.")
    return "\n".join(parts)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
