"""The demo's needs and referrals (orientations), written through the reintegration services
(journaled, in the needs' history and in the persons' chronology).

- Needs along the reintegration pathways for about a third of the service's persons (one to
  three each), by the person's CPIP (a manager for persons without one), some of them met or
  refused by the person.
- Referrals to the directory's active partners (those of the need's pathway when there are
  some): the first CPIP's caseload (``cpip.demo``) gets one at every status, two of them sent
  more than the service's delay ago and still without answer (reminders in their
  échéancier), with their referral letters; the rest of the service gets referrals at random
  statuses. Accepted, in progress, completed and refused ones carry the partner's answer.

Nothing is written when the directory has no active partner.
"""

import random
from datetime import date, timedelta

from probatio.access.roles import Role
from probatio.accounts.models import Membership
from probatio.demo.gates import gate

# The texts of the referrals, shared with the national generator (which may not import the demo).
from probatio.national.needs import COMMENTS, OUTCOMES, PURPOSES
from probatio.people.models import Person
from probatio.reintegration import rules, services
from probatio.reintegration.models import Partner

# Share of the service's persons with needs recorded.
NEED_SHARE = 0.35
# The statuses every demo CPIP's caseload shows (the first CPIP's: all of them), in order;
# "late" is a referral sent long ago and still without answer.
SHOWCASE = [
    "proposed",
    "late",
    "late",
    "sent",
    "accepted",
    "in_progress",
    "completed",
    "refused",
    "abandoned",
]
# The steps that lead to each status, after the first (proposed or sent).
PATHS = {
    rules.PROPOSED: [rules.PROPOSED],
    rules.SENT: [rules.SENT],
    rules.ACCEPTED: [rules.SENT, rules.ACCEPTED],
    rules.IN_PROGRESS: [rules.SENT, rules.ACCEPTED, rules.IN_PROGRESS],
    rules.COMPLETED: [rules.SENT, rules.ACCEPTED, rules.IN_PROGRESS, rules.COMPLETED],
    rules.REFUSED: [rules.SENT, rules.REFUSED],
    rules.ABANDONED: [rules.PROPOSED, rules.ABANDONED],
}

DETAILS = {
    "housing": [
        "Hébergé chez un ami, sans solution au-delà du mois.",
        "Sans domicile stable depuis la sortie de détention.",
        "Logement trop éloigné du lieu de travail.",
    ],
    "employment": [
        "Recherche d'emploi, pas inscrit à France Travail.",
        "Souhaite une formation qualifiante dans le bâtiment.",
    ],
    "health": [
        "Orientation vers un suivi en addictologie souhaitée.",
        "Pas de médecin traitant.",
    ],
    "finances": [
        "Ressources interrompues, dossier RSA à refaire.",
        "Dettes : un dossier de surendettement est à envisager.",
    ],
    "rights": [
        "Carte d'identité expirée, pas de carte Vitale.",
        "Droits à l'assurance maladie à rouvrir.",
    ],
    "family": ["Souhaite renouer le contact avec ses enfants (médiation familiale)."],
    "education": ["Difficultés de lecture et d'écriture, accepte un atelier."],
}


def build_referrals(*, service, staff, rng: random.Random, fake, today: date) -> None:
    partners = list(Partner.objects.filter(service=service, is_active=True).order_by("pk"))
    if not partners:
        return
    writer = _Writer(service=service, staff=staff, rng=rng, today=today, partners=partners)
    writer.build()


class _Writer:
    def __init__(self, *, service, staff, rng, today, partners):
        self.service = service
        self.rng = rng
        self.today = today
        self.partners = partners
        self.delay = service.referral_reminder_days
        self.cpips: dict[int, Membership] = {m.user_id: m for m in staff[Role.CPIP]}
        self.first_cpip = staff[Role.CPIP][0]
        self.manager = staff[Role.MANAGER][0]

    def build(self) -> None:
        persons = list(
            Person.objects.filter(service=self.service).select_related("service").order_by("pk")
        )
        mine = [p for p in persons if p.assigned_cpip_id == self.first_cpip.user_id]
        others = [p for p in persons if p.assigned_cpip_id != self.first_cpip.user_id]
        showcase = list(SHOWCASE)
        # The first CPIP's caseload: one referral of each status (more if persons are few).
        pathways = list(rules.PATHWAYS)
        for index, target in enumerate(showcase):
            if not mine:
                break
            self._referral(
                mine[index % len(mine)],
                target,
                need=self._need(mine[index % len(mine)], pathways[index % len(pathways)]),
                letter=target == "late",
            )
        # The rest of the service: needs for about a third, referrals for most of them.
        for person in others + mine[len(showcase) :]:
            if self.rng.random() >= NEED_SHARE:
                continue
            for pathway in self.rng.sample(list(rules.PATHWAYS), self.rng.choice((1, 1, 2, 3))):
                need = self._need(person, pathway)
                if self.rng.random() < 0.3:  # no referral (yet): some are already settled
                    if self.rng.random() < 0.3:
                        self._close_need(person, need)
                    continue
                target = self.rng.choice([*rules.REFERRAL_STATUSES, "late"])
                self._referral(person, target, need=need)

    # --- helpers ---------------------------------------------------------------------------

    def _author(self, person: Person) -> Membership:
        return self.cpips.get(person.assigned_cpip_id) or self.manager

    def _need(self, person: Person, pathway: str, *, days_ago: int | None = None):
        open_one = person.needs.filter(pathway=pathway, status__in=rules.OPEN_NEED_STATUSES).first()
        if open_one is not None:
            return open_one
        days_ago = days_ago or self.rng.randint(60, 200)
        return services.need_create(
            gated=gate(self._author(person), person),
            data={
                "pathway": pathway,
                "details": self.rng.choice(DETAILS[pathway]),
                "identified_on": self.today - timedelta(days=days_ago),
            },
            today=self.today,
        )

    def _close_need(self, person: Person, need) -> None:
        status = self.rng.choice((rules.NEED_MET, rules.NEED_REFUSED))
        services.need_status_set(
            gated=gate(self._author(person), person),
            need=need,
            status=status,
            changed_on=self.today - timedelta(days=self.rng.randint(1, 30)),
            comment="Démarche faite par la personne elle-même."
            if status == rules.NEED_MET
            else "La personne ne souhaite pas d'accompagnement.",
            today=self.today,
        )

    def _partner_for(self, pathway: str) -> Partner:
        fitting = [p for p in self.partners if pathway in (p.pathways or [])]
        return self.rng.choice(fitting or self.partners)

    def _referral(self, person: Person, target: str, *, need, letter=False) -> None:
        late = target == "late"
        status = rules.SENT if late else target
        if need.status not in rules.OPEN_NEED_STATUSES:
            return
        path = PATHS[status]
        # Late: sent well past the delay. Sent: within the delay (not chased up yet).
        if late:
            start = self.today - timedelta(days=self.delay + self.rng.randint(3, 25))
        elif status == rules.SENT:
            start = self.today - timedelta(days=self.rng.randint(0, max(0, self.delay - 2)))
        else:
            start = self.today - timedelta(days=self.rng.randint(len(path) * 3, 60))
        start = max(start, need.identified_on)
        author = self._author(person)
        partner = self._partner_for(need.pathway)
        referral = services.referral_create(
            gated=gate(author, person),
            data={
                "partner": partner,
                "need": need,
                "referred_on": start,
                "purpose": PURPOSES[need.pathway],
                "status": path[0],
            },
            today=self.today,
        )
        on = start
        for step in path[1:]:
            room = (self.today - on).days
            on = on + timedelta(days=self.rng.randint(0, max(0, min(room, 10))))
            services.referral_move(
                gated=gate(author, person),
                referral=referral,
                status=step,
                on=on,
                comment=COMMENTS.get(step, ""),
                today=self.today,
            )
        if status in OUTCOMES:
            services.referral_outcome_set(
                gated=gate(author, person), referral=referral, outcome=OUTCOMES[status]
            )
        if letter:
            services.referral_letter_create(
                gated=gate(author, person), referral=referral, today=self.today
            )
