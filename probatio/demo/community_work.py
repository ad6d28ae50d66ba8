"""The demo's community work (TIG), written through the services (journaled, in the chronology):

- host organisations: partners of the kind "structure d'accueil TIG" in the directory (a town
  hall's technical services, Emmaüs, the Red Cross, a food bank, a social action centre, a
  recycling workshop), approved by the court (one approval expired), each with supervisors and
  one to three placements with their schedules, capacity, skills and transport;
- a TIG order for every open TIG measure of the service, and placements and sessions so that
  every stage shows: no placement yet (recent, and one without placement more than two months
  after the decision: an alert), on pace, late (a placement offering too few hours a week for
  what remains), completed (attestation and end-of-measure report to prepare). The first CPIP
  (``cpip.demo``) gets one of each stage when their caseload allows it; sessions follow the
  placement's schedule with a few absences, an incident and the hosts' remarks.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from probatio.access.roles import Role
from probatio.community_work import rules, selectors, services
from probatio.community_work.models import Placement
from probatio.core.dates import add_months
from probatio.demo import vocabulary as voc
from probatio.demo.gates import gate
from probatio.measures import services as measure_services
from probatio.measures.models import Measure
from probatio.reintegration import partners

HOSTS = [
    (
        "Mairie {of} — services techniques",
        "public_body",
        [
            (
                "Entretien des espaces verts",
                "mon 8:30-12:00 ; wed 8:30-12:00 ; fri 8:30-12:00",
                3,
                "",
                "Travail en extérieur, tenue fournie.",
            ),
            (
                "Peinture et petits travaux dans les écoles",
                "tue 9:00-12:00 ; thu 9:00-16:00",
                2,
                "",
                "Chaussures de sécurité fournies.",
            ),
        ],
    ),
    (
        "Communauté Emmaüs {of}",
        "association",
        [
            (
                "Tri et mise en rayon à la boutique solidaire",
                "tue 9:00-12:30 ; sat 9:00-12:30",
                2,
                "",
                "",
            ),
            (
                "Collecte et livraison de meubles",
                "wed 8:00-12:00",
                1,
                "permis B",
                "Port de charges.",
            ),
        ],
    ),
    (
        "Croix-Rouge française — unité locale {of}",
        "association",
        [
            ("Préparation des colis alimentaires", "mon 14:00-17:00 ; thu 14:00-17:00", 2, "", ""),
        ],
    ),
    (
        "Restos du cœur — centre {of}",
        "association",
        [
            ("Accueil et distribution", "tue 13:30-17:00 ; fri 13:30-17:00", 2, "", ""),
            ("Aide en cuisine", "wed 9:00-13:00", 1, "hygiène alimentaire", ""),
        ],
    ),
    (
        "Centre communal d'action sociale {of}",
        "public_body",
        [
            ("Entretien des locaux", "mon 7:00-10:00", 1, "", "Horaires matinaux."),
        ],
    ),
    (
        "Ressourcerie {of}",
        "association",
        [
            ("Réparation de vélos", "thu 9:00-12:00 ; sat 9:00-12:00", 1, "", ""),
            (
                "Valorisation des objets",
                "mon 9:00-12:00 ; tue 9:00-12:00 ; wed 9:00-12:00",
                2,
                "",
                "",
            ),
        ],
    ),
]
DAY_CODES = {"mon": "lundi", "tue": "mardi", "wed": "mercredi", "thu": "jeudi", "fri": "vendredi",
             "sat": "samedi", "sun": "dimanche"}  # fmt: skip
SUPERVISOR_FUNCTIONS = ["Agent de maîtrise", "Responsable de la boutique", "Bénévole référent",
                        "Coordinatrice", "Chef d'équipe"]  # fmt: skip
REMARKS = ["Ponctuel et volontaire.", "Travail soigné.", "Bonne intégration dans l'équipe.",
           "A besoin d'être relancé pour les consignes.", ""]  # fmt: skip
STAGES = ["completed", "late", "on_pace", "no_placement"]
RESERVED_PLACES = 3


def _schedule(text: str) -> list[rules.Slot]:
    for code, name in DAY_CODES.items():
        text = text.replace(code, name)
    slots, error = rules.parse_schedule_text(text)
    assert error is None, error
    return slots


def _phone(rng) -> str:
    return "03 " + " ".join(str(rng.randint(10, 99)) for _ in range(4))


def build_community_work(*, service, staff, rng: random.Random, fake, today: date) -> None:
    manager = staff[Role.MANAGER][0]
    department = next(
        (d for d in voc.DEPARTMENTS if d.code == service.department_code), voc.DEPARTMENTS[0]
    )
    placements = _hosts(manager, department, rng, fake, today)
    if not placements:
        return
    cpips = {m.user_id: m for m in staff[Role.CPIP]}
    measures = list(
        Measure.objects.filter(
            person__service=service, measure_type_id="TIG", status__in=Measure.OPEN_STATUSES
        )
        .select_related("decision", "person")
        .order_by("pk")
    )
    first = staff[Role.CPIP][0].user_id
    obligation_order = _tig_obligation(staff[Role.CPIP][0], rng, today)
    mine = [m for m in measures if m.person.assigned_cpip_id == first]
    others = [m for m in measures if m.person.assigned_cpip_id != first]
    writer = Writer(manager, cpips, placements, rng, today)
    if obligation_order is not None:  # placed first: the places left are few
        deadline = selectors.progress_of([obligation_order], today=today)[0].deadline.day
        writer._stage(obligation_order, "on_pace", deadline)
    writer.write(mine, others)


def _tig_obligation(cpip, rng, today):
    """A TIG ordered as an obligation of a sursis probatoire of the first CPIP (a person
    without TIG), with its order."""
    measure = (
        Measure.objects.filter(
            person__assigned_cpip_id=cpip.user_id,
            measure_type_id="SURSIS_PROBATOIRE",
            status="active",
            start_date__lte=today - timedelta(days=30),
            start_date__gte=today - timedelta(days=450),
        )
        .exclude(person__measures__measure_type_id="TIG")
        .select_related("decision", "person")
        .order_by("-start_date", "pk")
        .first()
    )
    if measure is None:
        return None
    obligation = measure_services.obligation_create(
        gated=gate(cpip, measure.person),
        measure=measure,
        decision=measure.decision,
        obligation_type_code="TIG",
        data={"start_date": measure.start_date, "details": "105 heures dans un délai de 18 mois"},
    )
    return services.order_open(
        gated=gate(cpip, measure.person),
        data={
            "obligation": obligation.pk,
            "hours_ordered": 105,
            "period_months": 18,
            "counted_from": measure.decision.enforceable_date or measure.start_date,
            "available_days": [0, 2, 4],
        },
        today=today,
    )


def _hosts(manager, department, rng, fake, today) -> list[Placement]:
    # One commune per town (the département's list holds a town's several postcodes).
    communes = []
    for town, postcode in department.communes:
        if all(town != seen for seen, _ in communes):
            communes.append((town, postcode))
    found = []
    sites = [(number, host, town) for number, host in enumerate(HOSTS) for town in (0, 1)]
    for number, (template, legal_form, posts), town_index in sites:
        if town_index and legal_form == "public_body" and number:
            continue  # one social action centre, in the main town
        town, postcode = communes[(number + town_index * 3) % len(communes)]
        name = template.format(of=voc.of_place(town))
        partner = partners.partner_create(
            membership=manager,
            data={
                "name": name,
                "kind": "tig_host",
                "pathways": ["employment"],
                "services_offered": "Accueil de personnes condamnées à un travail d'intérêt "
                "général.",
                "description": "Structure d'accueil habilitée pour le travail d'intérêt général.",
                "postcode": postcode,
                "phone": _phone(rng),
                "email": "",
                "website": "",
            },
            site={
                "name": "Siège",
                "address": fake.street_address(),
                "postcode": postcode,
                "city": town,
                "areas": [postcode],
                "opening_hours": "",
            },
        )
        approved = add_months(today, -rng.randint(24, 60))
        expired = number == len(HOSTS) - 1 and town_index  # one approval ran out
        host = services.host_save(
            membership=manager,
            partner=partner,
            data={
                "legal_form": legal_form,
                "approval_court": f"Tribunal judiciaire {voc.of_place(communes[0][0])}",
                "approval_date": approved,
                "approval_end_date": today - timedelta(days=20)
                if expired
                else add_months(approved, 60),
                "approval_reference": f"TIG-{approved:%Y}-{rng.randint(10, 99)}",
            },
        )
        supervisors = [
            services.supervisor_save(
                membership=manager,
                host=host,
                data={
                    "name": f"{fake.first_name()} {fake.last_name()}",
                    "function": rng.choice(SUPERVISOR_FUNCTIONS),
                    "phone": _phone(rng),
                    "email": "",
                },
            )
            for _ in range(rng.randint(1, 2))
        ]
        for activity, schedule, capacity, skills, constraints in posts:
            placement = services.placement_save(
                membership=manager,
                host=host,
                data={
                    "activity": activity,
                    "description": "",
                    "address": fake.street_address(),
                    "postcode": postcode,
                    "city": town,
                    "capacity": capacity,
                    "skills": skills,
                    "constraints": constraints,
                    "public_transport": rng.random() < 0.8,
                    "is_active": True,
                    "schedule": _schedule(schedule),
                    "supervisor": rng.choice(supervisors),
                },
            )
            if not expired:
                found.append(placement)
    return found


class Writer:
    def __init__(self, manager, cpips, placements, rng, today):
        self.manager = manager
        self.cpips = cpips
        self.placements = sorted(placements, key=lambda p: p.weekly_hours)
        self.rng = rng
        self.today = today
        # A few places left free, on placements with no skill required at distinct hosts, so
        # that "Trouver un poste" has something to suggest.
        reserved, hosts = [], set()
        for placement in sorted(placements, key=lambda p: p.pk):
            if not placement.skills and placement.host_id not in hosts:
                reserved.append(placement.pk)
                hosts.add(placement.host_id)
            if len(reserved) == RESERVED_PLACES:
                break
        self.taken: dict[int, int] = {pk: 1 for pk in reserved}

    def write(self, mine: list[Measure], others: list[Measure]) -> None:
        orders = [self._open(m) for m in mine + others]
        progress = {p.order.pk: p for p in selectors.progress_of(orders, today=self.today)}
        # One of each stage for the first CPIP when their dates allow it, then the stages
        # still missing in the rest of the service; the others at random.
        stages = self._showcase(orders[: len(mine)], progress, set(STAGES))
        missing = set(STAGES) - set(stages.values())
        stages |= self._showcase(orders[len(mine) :], progress, missing)
        # The stages that need a place first (a completed TIG frees its place at the end).
        for stage in ("completed", "late", "on_pace"):
            for order in orders:
                if stages.get(order.pk) == stage:
                    self._stage(order, stage, progress[order.pk].deadline.day)

    def _showcase(self, orders, progress, wanted: set[str]) -> dict[int, str]:
        """One order of each ``wanted`` stage when their dates allow it; the others at
        random."""
        stages: dict[int, str] = {}
        left = list(orders)

        def elapsed(order) -> int:
            return (self.today - order.counted_from).days

        def weeks(order) -> float:
            return max(1.0, (progress[order.pk].deadline.day - self.today).days / 7)

        def take(stage, candidates, key):
            if stage in wanted and candidates:
                chosen = max(candidates, key=key)
                stages[chosen.pk] = stage
                left.remove(chosen)

        # Late: most hours per week left, with more than a short slot can give.
        take(
            "late",
            [o for o in left if elapsed(o) >= 60 and (o.hours_ordered - 12) / weeks(o) > 4],
            key=lambda o: o.hours_ordered / weeks(o),
        )
        # Completed: an old order with few hours.
        take("completed", [o for o in left if elapsed(o) >= 150], key=lambda o: -o.hours_ordered)
        # Still without placement more than two months after the decision: an alert.
        take("no_placement", [o for o in left if elapsed(o) >= 62], key=elapsed)
        # On pace: the fewest hours per week left.
        take(
            "on_pace",
            [o for o in left if elapsed(o) >= 30],
            key=lambda o: -o.hours_ordered / weeks(o),
        )
        for order in left:
            stages[order.pk] = self._random_stage(elapsed(order))
        return stages

    def _member(self, order):
        return self.cpips.get(order.person.assigned_cpip_id, self.manager)

    def _open(self, measure: Measure):
        start = measure.decision.enforceable_date or measure.start_date
        return services.order_open(
            gated=gate(
                self.cpips.get(measure.person.assigned_cpip_id, self.manager), measure.person
            ),
            data={
                "measure": measure.pk,
                "hours_ordered": max(rules.MIN_HOURS, min(rules.MAX_HOURS, measure.hours or 70)),
                "period_months": min(rules.MAX_PERIOD_MONTHS, measure.duration_months or 18),
                "counted_from": min(start, self.today),
                "available_days": sorted(self.rng.sample(range(6), self.rng.randint(2, 4))),
                "skills": self.rng.choice(["", "", "permis B", "hygiène alimentaire"]),
                "needs_public_transport": self.rng.random() < 0.4,
            },
            today=self.today,
        )

    def _random_stage(self, elapsed: int) -> str:
        if elapsed < 30:
            return "no_placement"
        if elapsed < 60:
            return self.rng.choice(["no_placement", "on_pace", "on_pace"])
        return self.rng.choices(["on_pace", "late", "completed", "no_placement"], [50, 10, 25, 15])[
            0
        ]

    def _free(self, *, few_hours: bool) -> Placement | None:
        pool = self.placements if few_hours else list(reversed(self.placements))
        for placement in pool:
            if self.taken.get(placement.pk, 0) < placement.capacity:
                return placement
        return None

    def _stage(self, order, stage: str, deadline: date) -> None:
        if stage == "no_placement":
            return
        placement = self._free(few_hours=stage == "late")
        if placement is None:
            return  # every place taken: this one waits for a placement
        member = self._member(order)
        if stage == "late":
            # Six weeks ago, on one short slot a week: too few hours for what remains.
            start = self.today - timedelta(days=42)
            schedule = placement.slots[:1]
        else:
            start = order.counted_from + timedelta(days=15 if stage == "completed" else 20)
            schedule = placement.slots
        start = max(order.counted_from, min(start, self.today - timedelta(days=7)))
        if start > deadline:
            return
        assignment = services.assign(
            gated=gate(member, order.person),
            order=order,
            data={"placement": placement.pk, "start_date": start, "schedule": schedule},
            today=self.today,
        )
        self.taken[placement.pk] = self.taken.get(placement.pk, 0) + 1
        last = self._sessions(member, order, assignment, stage, deadline)
        if (
            stage == "completed"
            and last is not None
            and services.done_hours(order) >= order.hours_ordered
        ):
            services.assignment_end(
                gated=gate(member, order.person),
                assignment=assignment,
                end_date=last,
                reason="Toutes les heures sont effectuées.",
                today=self.today,
            )
            self.taken[placement.pk] -= 1

    def _sessions(self, member, order, assignment, stage: str, deadline: date) -> date | None:
        """Sessions on the schedule's days from the start to yesterday (never past the
        deadline); a late TIG comes one week in two; absences now and then; stops when the
        hours are done, or, on pace, at about the share of the period already gone (so that
        it stays on pace rather than finishing early)."""
        rng = self.rng
        slots = {s.day: s for s in assignment.slots}
        remaining = Decimal(order.hours_ordered)
        if stage == "on_pace":
            period = max(1, (deadline - order.counted_from).days)
            gone = (self.today - order.counted_from).days / period
            share = Decimal(str(round(min(0.9, gone + 0.1), 2)))
            remaining = Decimal(int(remaining * share * 4)) / 4  # whole quarters of an hour
        day, last, count, incident = assignment.start_date, None, 0, False
        while day < self.today and day <= deadline and remaining > 0:
            slot = slots.get(day.weekday())
            skip_week = False
            if slot is not None and not skip_week:
                count += 1
                roll = rng.random()
                kind, hours = rules.WORK, min(slot.hours, remaining)
                if roll < 0.05:
                    kind, hours = "absence_unexcused", None
                elif roll < 0.1:
                    kind, hours = "absence_excused", None
                elif stage == "late" and not incident and count > 3:
                    kind, hours, incident = "incident", None, True
                services.session_record(
                    gated=gate(member, order.person),
                    assignment=assignment,
                    data={
                        "on": day,
                        "kind": kind,
                        "hours": hours,
                        "signed_by": assignment.supervisor,
                        "remarks": "Retard d'une heure et tenue inadaptée, recadré par le tuteur."
                        if kind == "incident"
                        else (rng.choice(REMARKS) if kind == rules.WORK and count % 6 == 0 else ""),
                    },
                    today=self.today,
                )
                if kind == rules.WORK:
                    remaining -= hours
                    last = day
            day += timedelta(days=1)
        return last
