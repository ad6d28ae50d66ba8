"""The demo's release preparation: a release plan, through the services, for the persons in
prison whose expected release is within the service's horizon; items in every state, and, on
purpose, one person leaving within a month without housing secured (the flag managers see).

Then one release: the person of another CPIP leaving soonest with housing secured leaves prison
today, through the release service (levée d'écrou, followed in the community by the first CPIP,
``cpip.demo``, first appointment booked in six days): the file goes on with its whole history."""

import random
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from probatio.access.roles import Role
from probatio.accounts.models import Membership
from probatio.core.dates import add_months
from probatio.people.models import CustodyRecord, Person
from probatio.reintegration import release, rules
from probatio.reintegration.models import ReleasePlanItem
from probatio.sentences import selectors as sentence_selectors
from probatio.sentences.models import PenalSituation


def build_release_plans(*, service, staff, rng: random.Random, fake, today: date) -> None:
    horizon = add_months(today, service.release_plan_horizon_months)
    rows = sentence_selectors.dates_of_persons(Person.objects.filter(service=service))
    leaving = []
    for row in rows:
        day, _ = rules.expected_release(row, today)
        if day is not None and today <= day <= horizon:
            leaving.append((day, row["custody__person_id"]))
    leaving.sort()
    persons = Person.objects.in_bulk([pk for _, pk in leaving])
    memberships = {
        m.user_id: m
        for m in Membership.objects.filter(service=service, is_active=True).select_related("user")
    }
    manager = staff[Role.MANAGER][0]
    flagged_id = None
    planned = []
    for number, (day, pk) in enumerate(leaving):
        person = persons[pk]
        actor = memberships.get(person.assigned_cpip_id, manager)
        if number % 5 == 4:
            continue  # a few still without plan: the échéancier asks for one
        plan = release.plan_create(membership=actor, person=person, today=today)
        planned.append(person)
        items = {item.code: item for item in plan.items.all()}
        soon = (day - today).days < rules.HOUSING_FLAG_DAYS
        for code, item in items.items():
            if code == rules.HOUSING_ITEM and soon and flagged_id is None:
                flagged_id = pk  # the one left without housing, on purpose
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

    # Never the person who refused the release under constraint: that alert stays in the demo.
    refused = set(
        PenalSituation.objects.filter(custody__person__service=service, custody__release_date=None)
        .exclude(lsc_exclusions=[])
        .values_list("custody__person_id", flat=True)
    )
    _release_one(
        service=service,
        staff=staff,
        planned=planned,
        flagged=({flagged_id} - {None}) | refused,
        today=today,
    )


def _release_one(*, service, staff, planned: list[Person], flagged: set[int], today) -> None:
    """Release one person of another CPIP than the first: one with a plan (its housing
    secured first when it was not), else any; never one left without housing on purpose."""
    first_cpip = staff[Role.CPIP][0]
    site = service.sites.order_by("pk").first()
    others = [
        p for p in planned if p.assigned_cpip_id != first_cpip.user_id and p.pk not in flagged
    ]
    if not others:
        others = list(
            Person.objects.filter(
                Exists(CustodyRecord.objects.filter(person_id=OuterRef("pk"), release_date=None)),
                service=service,
                legal_status=Person.LegalStatus.CONDAMNE,
            )
            .exclude(assigned_cpip=first_cpip.user)
            .exclude(pk__in=flagged)
            .order_by("pk")[:1]
        )
    if not others or site is None:
        return
    person = others[0]
    manager = staff[Role.MANAGER][0]
    if not ReleasePlanItem.objects.filter(
        plan__person=person, plan__custody__release_date__isnull=True
    ).exists():
        release.plan_create(membership=manager, person=person, today=today)
    housing = ReleasePlanItem.objects.filter(
        plan__person=person, plan__custody__release_date__isnull=True, code=rules.HOUSING_ITEM
    ).first()
    if housing is not None and housing.status != rules.ITEM_DONE:
        release.item_update(
            membership=manager,
            person=person,
            item=housing,
            data={"status": rules.ITEM_DONE, "comment": COMMENTS[rules.HOUSING_ITEM]},
        )
    starts = timezone.make_aware(datetime.combine(today + timedelta(days=6), time(10, 0)))
    release.release_record(
        membership=manager,
        person=person,
        release_date=today,
        cpip=first_cpip.user,
        appointment={"site": site, "starts_at": starts, "ends_at": starts + timedelta(minutes=45)},
        confirmed=True,
        today=today,
        now=timezone.make_aware(datetime.combine(today, time(8, 0))),
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
