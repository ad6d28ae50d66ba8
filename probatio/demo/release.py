"""The demo's release preparation: a release plan, through the services, for the persons in
prison whose expected release is within the service's horizon; items in every state, and, on
purpose, one person leaving within a month without housing secured (the flag managers see)."""

import random
from datetime import date, timedelta

from probatio.access.roles import Role
from probatio.accounts.models import Membership
from probatio.core.dates import add_months
from probatio.people.models import Person
from probatio.reintegration import release, rules
from probatio.sentences import selectors as sentence_selectors


def build_release_plans(*, service, staff, rng: random.Random, fake, today: date) -> None:
    horizon = add_months(today, service.release_plan_horizon_months)
    rows = sentence_selectors.dates_of_persons(Person.objects.filter(service=service))
    leaving = []
    for row in rows:
        day, _ = rules.expected_release(row)
        if day is not None and today <= day <= horizon:
            leaving.append((day, row["custody__person_id"]))
    leaving.sort()
    persons = Person.objects.in_bulk([pk for _, pk in leaving])
    memberships = {
        m.user_id: m
        for m in Membership.objects.filter(service=service, is_active=True).select_related("user")
    }
    manager = staff[Role.MANAGER][0]
    flagged = False
    for number, (day, pk) in enumerate(leaving):
        person = persons[pk]
        actor = memberships.get(person.assigned_cpip_id, manager)
        if number % 5 == 4:
            continue  # a few still without plan: the échéancier asks for one
        plan = release.plan_create(membership=actor, person=person, today=today)
        items = {item.code: item for item in plan.items.all()}
        soon = (day - today).days < rules.HOUSING_FLAG_DAYS
        for code, item in items.items():
            if code == rules.HOUSING_ITEM and soon and not flagged:
                flagged = True  # the one left without housing, on purpose
                continue
            if item.due_date and item.due_date < today + timedelta(days=rng.randint(0, 40)):
                status = rng.choice(
                    [rules.ITEM_DONE, rules.ITEM_DONE, rules.ITEM_IN_PROGRESS, rules.ITEM_TO_DO]
                )
                if code == rules.HOUSING_ITEM and soon:
                    status = rules.ITEM_DONE
                if status != item.status:
                    release.item_update(
                        membership=actor,
                        person=person,
                        item=item,
                        data={
                            "status": status,
                            "owner": item.owner,
                            "due_date": item.due_date,
                            "comment": COMMENTS[code] if status == rules.ITEM_DONE else "",
                        },
                    )


COMMENTS = {
    "identity_documents": "Carte d'identité demandée en mairie (récépissé au dossier).",
    "health_insurance": "Droits CPAM ouverts, complémentaire santé solidaire en cours.",
    "housing": "Place en CHRS confirmée par le SIAO pour le jour de la sortie.",
    "income": "Dossier RSA préparé avec l'assistante sociale.",
    "employment_training": "Inscription à France Travail prévue, atelier CV suivi en détention.",
    "care_continuity": "Rendez-vous au CSAPA fixé la semaine de la sortie.",
    "bank_account": "Ouverture de compte demandée (droit au compte).",
    "transport": "Billet de train remis par le SPIP.",
    "community_appointment": "Convocation au SPIP remise, premier rendez-vous fixé.",
}
