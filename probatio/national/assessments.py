"""The structured assessments and follow-up intensities of a national service
(docs/assessments.md), written with the generator's ``COPY`` writers, in the demo's
proportions.

About half of the files followed (with a CPIP) have an assessment on the grid in use, dated
within the last year and after the file opened, and the level chosen after it, applied from
that day; a few chose another level than the proposal (with the reason); a tenth had a second
assessment that changed the level: validated by a manager mostly, some refused, and some
still waiting (one at most per person). A hundredth hold sensitive items, with their basis
and reason.

The answers come from a pool of profiles drawn once per seed over the grid's ordinary items
(never its sensitive ones), each with its proposal computed by ``rules.propose_intensity``:
a row costs a pick in the pool, not a proposal. Each write has its line in the service's
journal (no timeline line: the chronology of a generated file is its thirty lines).
"""

import functools
import random
from datetime import UTC, date, datetime, timedelta

from probatio.assessments import rules
from probatio.assessments.models import Assessment, GridVersion, IntensityDecision

MODELS = [Assessment, IntensityDecision]

ASSESSED_SHARE = 0.5
DIFFERENT_SHARE = 0.05
SECOND_SHARE = 0.1
# The fate of a second assessment's change of level: validated, refused, waiting.
CHANGE_FATES = [("applied", 70), ("refused", 10), ("pending", 20)]
SENSITIVE_SHARE = 0.01
INCIDENT_SHARE = 0.05
PROFILES = 600
LEVELS = [level.value for level in rules.Level]

DIFFERENT_REASON = "Éléments du dossier non couverts par la grille : niveau ajusté par le CPIP."
CHANGE_REASON = "Évolution de la situation depuis la dernière évaluation."
REFUSAL_COMMENT = "Trop tôt pour changer de niveau : à revoir à la prochaine évaluation."
SENSITIVE_ANSWERS = {"substance_use": "in_care"}
SENSITIVE_REASON = "Évaluation demandée par le juge de l'application des peines (soins)."
SUMMARY = (
    "Synthèse de l'évaluation : situation, antécédents et facteurs de protection examinés avec "
    "la personne ; proposition de suivi {level}."
)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=hour)


def draw_answers(definition: dict, rng: random.Random, lean: float) -> dict:
    """Ordinary answers (cleaned values), heavier options the more ``lean`` is high."""
    answers: dict = {}
    for item in rules.items(definition):
        if item.get("sensitive"):
            continue
        kind = item["type"]
        if kind == "choice":
            options = sorted(item["options"], key=lambda o: o["weight"])
            index = min(len(options) - 1, int(rng.random() ** (1 - lean) * len(options)))
            if rng.random() < 0.5:
                index = rng.randrange(len(options))
            answers[item["code"]] = options[index]["code"]
        elif kind == "yes_no":
            weight = item.get("weight", 0)
            chance = lean * 0.8 if weight > 0 else (1 - lean if weight < 0 else 0.3)
            value = rng.random() < chance
            if item.get("required") or value:
                answers[item["code"]] = value
        elif kind == "number":
            answers[item["code"]] = rng.randint(2, 6) if rng.random() < lean else rng.randint(0, 1)
    return answers


@functools.cache
def profiles(seed: int, grid_code: str, proposal_version: str, definition_key: str):
    """(answers, proposal) pairs, spread over the three levels (a third each, about)."""
    import json

    definition = json.loads(definition_key)
    rng = random.Random(f"{seed}:assessment-profiles")
    by_level: dict[str, list] = {level: [] for level in LEVELS}
    wanted = PROFILES // len(LEVELS)
    attempts = 0
    while any(len(found) < wanted for found in by_level.values()) and attempts < PROFILES * 40:
        attempts += 1
        answers = draw_answers(definition, rng, rng.random())
        proposal = rules.propose_intensity(proposal_version, definition, answers)
        found = by_level[proposal.level.value]
        if len(found) < wanted:
            found.append((answers, proposal))
    return [pair for level in LEVELS for pair in by_level[level]]


class ServiceAssessments:
    """One service's assessments; ``person`` is called for each file."""

    def __init__(self, generator, *, service_id: int, staff: dict, rng: random.Random):
        self.g = generator
        self.w = generator.w
        self.today = generator.today
        self.service_id = service_id
        self.rng = rng
        self.managers = staff.get("manager") or staff["cpip"]
        grid = (
            GridVersion.objects.filter(effective_from__lte=self.today)
            .exclude(retired_on__lte=self.today)
            .order_by("-effective_from", "code")
            .values("code", "proposal_version", "definition")
            .first()
        )
        self.grid = grid
        self.pool = []
        if grid is not None:
            import json

            self.pool = profiles(
                generator.seed,
                grid["code"],
                grid["proposal_version"],
                json.dumps(grid["definition"], sort_keys=True),
            )

    def person(self, *, person_id: int, cpip: int | None, opened: date, active: bool) -> None:
        rng = self.rng
        if not active or cpip is None or not self.pool or rng.random() >= ASSESSED_SHARE:
            return
        earliest = max(opened + timedelta(days=10), self.today - timedelta(days=365))
        if earliest > self.today:
            earliest = self.today
        span = (self.today - earliest).days
        second = span >= 60 and rng.random() < SECOND_SHARE
        if not second:
            day = earliest + timedelta(days=rng.randint(0, span))
            self._assessment(person_id, cpip, day, opened, first=True)
            return
        first_day = earliest + timedelta(days=rng.randint(0, span - 45))
        second_day = first_day + timedelta(days=rng.randint(30, (self.today - first_day).days))
        level = self._assessment(person_id, cpip, first_day, opened, first=True)
        fate = rng.choices([f for f, _ in CHANGE_FATES], weights=[w for _, w in CHANGE_FATES])[0]
        self._assessment(
            person_id, cpip, second_day, opened, first=False, previous=level, fate=fate
        )

    def _assessment(
        self, person_id, cpip, day, opened, *, first, previous="", fate="applied"
    ) -> str:
        rng = self.rng
        answers, proposal = rng.choice(self.pool)
        level = proposal.level.value
        sensitive = rng.random() < SENSITIVE_SHARE
        if not first:
            reason = rules.Reason.INCIDENT if rng.random() < 0.3 else rules.Reason.PERIODIC
        elif rng.random() < INCIDENT_SHARE:
            reason = rules.Reason.INCIDENT
        else:
            reason = rules.Reason.INITIAL if (day - opened).days < 90 else rules.Reason.PERIODIC
        label = rules.LEVEL_LABELS[proposal.level].lower()
        assessment_id = self.w[Assessment].add(
            person_id=person_id,
            service_id=self.service_id,
            grid_version_id=self.grid["code"],
            reason=reason.value,
            assessed_on=day,
            answers=answers,
            sensitive_answers=SENSITIVE_ANSWERS if sensitive else {},
            has_sensitive=sensitive,
            sensitive_basis=rules.SensitiveBasis.JUDGE_REQUEST.value if sensitive else "",
            sensitive_reason=SENSITIVE_REASON if sensitive else "",
            summary=SUMMARY.format(level=label),
            proposed_level=level,
            proposal_score=proposal.score,
            proposal_version=proposal.version,
            proposal_reasons=list(proposal.reasons),
            author_id=cpip,
            author_role="cpip",
            created_at=_at(day),
        )
        self.g.audit.add(
            user_id=cpip,
            action="create",
            object_type="assessments.assessment",
            object_id=assessment_id,
            person_id=person_id,
            summary="Évaluation structurée",
            at=_at(day),
        )
        chosen, why = level, ""
        if first and rng.random() < DIFFERENT_SHARE:
            chosen = LEVELS[(LEVELS.index(level) + rng.choice([1, 2])) % 3]
            why = DIFFERENT_REASON
        if not first and chosen == previous:
            # The CPIP asks for a change all the same (the second assessment's point).
            chosen = LEVELS[(LEVELS.index(previous) + 1) % 3]
            why = CHANGE_REASON
        status = "applied" if first else fate
        answered = min(self.today, day + timedelta(days=rng.randint(1, 5)))
        manager = rng.choice(self.managers) if status != "pending" and not first else None
        decision_id = self.w[IntensityDecision].add(
            person_id=person_id,
            service_id=self.service_id,
            assessment_id=assessment_id,
            proposed_level=level,
            chosen_level=chosen,
            previous_level="" if first else previous,
            reason=why,
            status=status,
            chosen_by_id=cpip,
            chosen_at=_at(day, 11),
            validated_by_id=manager,
            validated_at=_at(answered, 15) if manager else None,
            applies_from=day if first else (answered if status == "applied" else None),
            answer_comment=REFUSAL_COMMENT if status == "refused" else "",
        )
        self.g.audit.add(
            user_id=cpip,
            action="create",
            object_type="assessments.intensitydecision",
            object_id=decision_id,
            person_id=person_id,
            summary=f"Intensité du suivi : {rules.LEVEL_LABELS[rules.Level(chosen)].lower()}",
            at=_at(day, 11),
        )
        return chosen
