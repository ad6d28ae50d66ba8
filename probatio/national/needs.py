"""The reintegration needs and referrals (orientations) of a national service, written with the
generator's ``COPY`` writers, in the demo's proportions (``demo/referrals.py``), as
``reintegration.services`` would have written them.

About a third of the files followed (``NEED_SHARE``) have one or two needs along the
reintegration pathways (``rules.PATHWAYS`` codes, never two open ones of the same pathway),
identified by the person's CPIP (a manager for a file without one) after the file opened.
Seven needs in ten have a referral to a partner of the service whose kind serves the need's
pathway (``activity.KIND_PATHWAYS``, the partners written by ``activity._partners``; no
referral for a pathway no generated partner serves, the family), at a status drawn as the demo
does (each status of ``rules.REFERRAL_STATUSES``, or « sent long ago and still without
answer »), reached through the moves ``rules.REFERRAL_MOVES`` allows, each move dated (never in
the future, never before the previous one) and kept as a ``ReferralStep``; the need follows
its referral (``rules.need_status_after``), each change kept as a ``NeedChange``; the partner's
answer is entered once the referral is accepted, in progress, completed or refused. Some needs
without referral are met or refused by the person.

Each write has its journal entry, as the services journal it (the need's creation and changes,
the referral's creation, moves and outcome); no timeline line (the chronology of a generated
file is its thirty lines). Its own draws (``seed:service:n``): the rest of the service is the
same with or without them.
"""

import random
from datetime import UTC, date, datetime, timedelta

from probatio.core.text import lower_first
from probatio.national.activity import KIND_PATHWAYS
from probatio.organisation.models import Service
from probatio.reintegration import rules
from probatio.reintegration.models import Need, NeedChange, PartnerReferral, ReferralStep

MODELS = [Need, NeedChange, PartnerReferral, ReferralStep]

NEED_SHARE = 0.35
NEEDS_PER_FILE = (1, 1, 2)
WITHOUT_REFERRAL_SHARE = 0.3
CLOSED_WITHOUT_REFERRAL_SHARE = 0.3
LATE = "late"  # sent more than the service's delay ago, still without answer
# The kinds of partner that serve each pathway (the inverse of ``KIND_PATHWAYS``).
PATHWAY_KINDS = {
    pathway: tuple(kind for kind, served in KIND_PATHWAYS.items() if pathway in served)
    for pathway in rules.PATHWAYS
}
# The statuses a referral goes through to reach each status (demo/referrals.py).
PATHS = {
    rules.PROPOSED: [rules.PROPOSED],
    rules.SENT: [rules.SENT],
    rules.ACCEPTED: [rules.SENT, rules.ACCEPTED],
    rules.IN_PROGRESS: [rules.SENT, rules.ACCEPTED, rules.IN_PROGRESS],
    rules.COMPLETED: [rules.SENT, rules.ACCEPTED, rules.IN_PROGRESS, rules.COMPLETED],
    rules.REFUSED: [rules.SENT, rules.REFUSED],
    rules.ABANDONED: [rules.PROPOSED, rules.ABANDONED],
}
TARGETS = [*rules.REFERRAL_STATUSES, LATE]
DETAILS = {
    "housing": "Hébergé chez un ami, sans solution au-delà du mois.",
    "employment": "Recherche d'emploi, pas inscrit à France Travail.",
    "health": "Orientation vers un suivi en addictologie souhaitée.",
    "finances": "Ressources interrompues, dossier RSA à refaire.",
    "rights": "Carte d'identité expirée, pas de carte Vitale.",
    "family": "Souhaite renouer le contact avec ses enfants (médiation familiale).",
    "education": "Difficultés de lecture et d'écriture, accepte un atelier.",
}
PURPOSES = {
    "housing": "Demande d'hébergement (place en CHRS ou en résidence sociale).",
    "employment": "Inscription et accompagnement vers l'emploi ou la formation.",
    "health": "Premier rendez-vous de consultation et mise en place d'un suivi.",
    "finances": "Aide à l'ouverture des droits et au budget.",
    "rights": "Renouvellement des papiers d'identité et ouverture des droits.",
    "family": "Entretien de médiation familiale.",
    "education": "Évaluation des savoirs de base et inscription à un atelier.",
}
OUTCOMES = {
    rules.ACCEPTED: "Le partenaire reçoit la personne en entretien d'accueil la semaine prochaine.",
    rules.IN_PROGRESS: "Accompagnement en cours : la personne vient aux rendez-vous fixés.",
    rules.COMPLETED: "Démarche aboutie : le partenaire confirme que la demande est satisfaite.",
    rules.REFUSED: "Pas de place disponible ; le partenaire conseille de renouveler la demande "
    "dans un mois.",
}
COMMENTS = {
    rules.ACCEPTED: "Accord du partenaire par téléphone.",
    rules.IN_PROGRESS: "Premier rendez-vous honoré.",
    rules.COMPLETED: "Fin de l'accompagnement.",
    rules.REFUSED: "Refus du partenaire (capacité).",
    rules.ABANDONED: "La personne ne souhaite plus donner suite.",
}
CLOSING_COMMENTS = {
    rules.NEED_MET: "Démarche faite par la personne elle-même.",
    rules.NEED_REFUSED: "La personne ne souhaite pas d'accompagnement.",
}


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=hour)


class ServiceNeeds:
    """One service's needs and referrals; ``person`` is called for each file."""

    def __init__(self, generator, *, staff: dict, partners: dict, rng: random.Random):
        self.g = generator
        self.w = generator.w
        self.today = generator.today
        self.rng = rng
        self.manager = (staff.get("manager") or staff["cpip"])[0]
        # The service's delay before a referral without answer is chased up (its default).
        self.delay = Service._meta.get_field("referral_reminder_days").default
        self.partners = {
            pathway: [p for kind in kinds for p in partners.get(kind, [])]
            for pathway, kinds in PATHWAY_KINDS.items()
        }

    def person(self, *, person_id: int, cpip: int | None, opened: date, active: bool) -> None:
        rng = self.rng
        if not active or rng.random() >= NEED_SHARE:
            return
        author = cpip or self.manager
        for pathway in rng.sample(list(rules.PATHWAYS), rng.choice(NEEDS_PER_FILE)):
            identified = max(opened, self.today - timedelta(days=rng.randint(60, 200)))
            need = _Need(self, person_id, author, pathway, identified)
            partners = self.partners[pathway]
            if not partners or rng.random() < WITHOUT_REFERRAL_SHARE:
                if rng.random() < CLOSED_WITHOUT_REFERRAL_SHARE:
                    status = rng.choice((rules.NEED_MET, rules.NEED_REFUSED))
                    on = max(identified, self.today - timedelta(days=rng.randint(1, 30)))
                    need.change(status, on, CLOSING_COMMENTS[status], following=False)
            else:
                self._referral(person_id, author, need, rng.choice(TARGETS), rng.choice(partners))
            need.write()

    def _referral(self, person_id, author, need: "_Need", target: str, partner) -> None:
        rng = self.rng
        partner_id, partner_name = partner
        status = rules.SENT if target == LATE else target
        path = PATHS[status]
        # Late: sent well past the delay. Sent: within the delay (not chased up yet).
        if target == LATE:
            start = self.today - timedelta(days=self.delay + rng.randint(3, 25))
        elif status == rules.SENT:
            start = self.today - timedelta(days=rng.randint(0, max(0, self.delay - 2)))
        else:
            start = self.today - timedelta(days=rng.randint(len(path) * 3, 60))
        start = max(start, need.identified)
        referral_id = self.w[PartnerReferral].next_id()
        days = [start]
        for _ in path[1:]:
            room = (self.today - days[-1]).days
            days.append(days[-1] + timedelta(days=rng.randint(0, max(0, min(room, 10)))))

        def journal(action, summary, day, hour):
            self.g.audit.add(
                user_id=author,
                action=action,
                object_type="reintegration.partnerreferral",
                object_id=referral_id,
                person_id=person_id,
                summary=summary,
                at=_at(day, hour),
            )

        for index, (step, day) in enumerate(zip(path, days, strict=True)):
            label = lower_first(rules.REFERRAL_STATUSES[step])
            hour = 10 + index
            if index == 0:  # ``referral_create``
                journal("create", f"Orientation vers {partner_name} ({label})", day, hour)
            else:  # ``referral_move``
                assert rules.can_move(path[index - 1], step)
                journal("update", f"Orientation vers {partner_name} : {label}", day, hour)
            self.w[ReferralStep].add(
                referral_id=referral_id,
                status=step,
                on=day,
                comment="" if index == 0 else COMMENTS.get(step, ""),
                by_id=author,
                created_at=_at(day, hour),
            )
            # The need follows its referral (``services._need_follows``).
            new = rules.need_status_after(step, need.status)
            if new != need.status:
                need.change(new, day, f"Orientation vers {partner_name} {label}"[:300], hour=hour)
        outcome = OUTCOMES.get(status, "")
        last_day, last_hour = days[-1], 10 + len(path)
        if outcome:  # ``referral_outcome_set``
            journal(
                "update",
                f"Retour du partenaire enregistré (orientation vers {partner_name})",
                last_day,
                last_hour,
            )
        self.w[PartnerReferral].add(
            id=referral_id,
            person_id=person_id,
            need_id=need.id,
            partner_id=partner_id,
            referred_on=start,
            purpose=PURPOSES[need.pathway],
            status=status,
            status_on=last_day,
            outcome=outcome,
            created_by_id=author,
            created_at=_at(start, 10),
            updated_at=_at(last_day, last_hour),
        )


class _Need:
    """A need as the services build it: created « identified » (its first change), then each
    change of status kept, each journaled; written once its story is told."""

    def __init__(self, service: ServiceNeeds, person_id, author, pathway, identified: date):
        self.s = service
        self.id = service.w[Need].next_id()
        self.person_id = person_id
        self.author = author
        self.pathway = pathway
        self.identified = identified
        self.status = rules.NEED_IDENTIFIED
        self.updated = _at(identified, 9)
        self.label = lower_first(rules.PATHWAYS[pathway])
        self._change_row(rules.NEED_IDENTIFIED, identified, "", self.updated)
        self._journal(
            "create",
            f"Besoin identifié : {rules.PATHWAYS[pathway]} "
            f"({rules.NEED_STATUSES[rules.NEED_IDENTIFIED].lower()})",
            self.updated,
        )

    def change(self, status: str, on: date, comment: str, *, following=True, hour=10) -> None:
        """A new status (``need_status_set``, or following a referral)."""
        at = _at(on, hour)
        self.status = status
        self.updated = max(self.updated, at)
        self._change_row(status, on, comment, at)
        summary = f"Besoin « {self.label} » : {lower_first(rules.NEED_STATUSES[status])}"
        self._journal("update", summary + (" (suite de l'orientation)" if following else ""), at)

    def _change_row(self, status, on, comment, at) -> None:
        self.s.w[NeedChange].add(
            need_id=self.id,
            status=status,
            comment=comment,
            changed_on=on,
            changed_by_id=self.author,
            created_at=at,
        )

    def _journal(self, action, summary, at) -> None:
        self.s.g.audit.add(
            user_id=self.author,
            action=action,
            object_type="reintegration.need",
            object_id=self.id,
            person_id=self.person_id,
            summary=summary,
            at=at,
        )

    def write(self) -> None:
        self.s.w[Need].add(
            id=self.id,
            person_id=self.person_id,
            pathway=self.pathway,
            status=self.status,
            details=DETAILS[self.pathway],
            identified_on=self.identified,
            created_by_id=self.author,
            created_at=_at(self.identified, 9),
            updated_at=self.updated,
        )
