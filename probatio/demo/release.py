"""The demo's release preparation: a release plan, through the services, for the persons in
prison whose expected release is within the service's horizon; items in every state, and, on
purpose, one person leaving within a month without housing secured (the flag managers see).

Then one release under constraint: a person of another CPIP leaves prison today, through the
judge's grant and the release transition (the LSC measure open, followed in the community by the
first CPIP, ``cpip.demo``, first interview booked within the 5 jours ouvrables): the file goes on
with its whole history."""

import random
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from probatio.access.roles import Role
from probatio.accounts.models import Membership
from probatio.core.dates import add_months
from probatio.core.workdays import add_jours_ouvrables
from probatio.demo.gates import gate
from probatio.measures.models import Measure
from probatio.people.models import CustodyRecord, Person
from probatio.people.selectors import person_get_for
from probatio.reintegration import release, rules
from probatio.reintegration.models import ReleasePlanItem
from probatio.reports import answers
from probatio.reports import rules as report_rules
from probatio.reports import services as report_services
from probatio.reports.models import Report
from probatio.reports.selectors import report_get_for
from probatio.sentences import selectors as sentence_selectors
from probatio.sentences import services as sentence_services
from probatio.sentences.models import PenalSituation
from probatio.transitions import rules as transition_rules
from probatio.transitions import services as transition_services


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
        plan = release.plan_create(gated=gate(actor, person), today=today)
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
                        gated=gate(actor, person),
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
    """Release one person of another CPIP than the first under constraint (LSC), today: the
    SPIP's opinion on the release under constraint, visé and transmitted, the judge's grant (as
    a parole), then the release recorded by the manager: the LSC measure open, the first
    interview booked with the first CPIP (``cpip.demo``) within the 5 jours ouvrables, the prison
    history kept. The person fits the release under constraint (total sentence of 5 years at
    most, no safety period nor exclusion, the remainder within the measure's 20 months); one
    with a plan first (its housing secured when it was not); never one left without housing on
    purpose."""
    first_cpip = staff[Role.CPIP][0]
    site = service.sites.filter(kind="community").order_by("pk").first()
    if site is None:
        return
    held = [
        p
        for p in Person.objects.filter(
            Exists(CustodyRecord.objects.filter(person_id=OuterRef("pk"), release_date=None)),
            service=service,
            legal_status=Person.LegalStatus.CONDAMNE,
        )
        .exclude(assigned_cpip=first_cpip.user)
        .exclude(pk__in=flagged)
        # Nobody whose opinion is still on its way to the judge: it would outlive the release.
        .exclude(
            Exists(
                Report.objects.filter(person_id=OuterRef("pk"), kind=report_rules.OPINION).exclude(
                    status=report_rules.ANSWERED
                )
            )
        )
        # Nor anybody already granted another way out and waiting for it (a parole answered
        # on the judge's side): recording this release would void it.
        .exclude(
            Exists(
                Measure.objects.filter(
                    person_id=OuterRef("pk"),
                    status=Measure.Status.PENDING,
                    measure_type_id__in=sorted(transition_rules.RELEASE_MEASURES),
                )
            )
        )
        .order_by("pk")
    ]
    planned_ids = [p.pk for p in planned]
    held.sort(key=lambda p: (p.pk not in planned_ids, p.pk))
    person = next((p for p in held if _fits_lsc(p, today)), None)
    if person is None:
        return
    manager = staff[Role.MANAGER][0]
    if not ReleasePlanItem.objects.filter(
        plan__person=person, plan__custody__release_date__isnull=True
    ).exists():
        release.plan_create(gated=gate(manager, person), today=today)
    housing = ReleasePlanItem.objects.filter(
        plan__person=person, plan__custody__release_date__isnull=True, code=rules.HOUSING_ITEM
    ).first()
    if housing is not None and housing.status != rules.ITEM_DONE:
        release.item_update(
            gated=gate(manager, person),
            item=housing,
            data={"status": rules.ITEM_DONE, "comment": COMMENTS[rules.HOUSING_ITEM]},
        )
    _grant_lsc(person, staff=staff, today=today)
    # The first interview within the 5 jours ouvrables of the release (D. 147-17-5).
    day = add_jours_ouvrables(today, 3, alsace_moselle=service.alsace_moselle)
    starts = timezone.make_aware(datetime.combine(day, time(10, 0)))
    transition_services.release_record(
        membership=manager,
        gated=person_get_for(manager, person.pk),
        data=transition_services.ReleaseData(
            kind=transition_rules.LSC,
            release_date=today,
            cpip=first_cpip.user,
            appointment={"site": site, "starts_at": starts,
                         "ends_at": starts + timedelta(minutes=45)},
            housing="shelter",
            housing_details="Place en CHRS confirmée par le SIAO",
            confirmed=True,
        ),
        today=today,
        now=timezone.make_aware(datetime.combine(today, time(8, 0))),
    )  # fmt: skip


def _fits_lsc(person: Person, today) -> bool:
    facts = sentence_services.prison_facts(person)
    situation = facts.situation
    if facts.end_date is None or situation is None or facts.safety_end is not None:
        return False
    if situation.lsc_exclusions or facts.total_months is None or facts.total_months > 60:
        return False
    if not (today + timedelta(days=40) <= facts.end_date <= add_months(today, 20)):
        return False
    return Measure.objects.filter(
        person=person,
        measure_type_id="EMPRISONNEMENT",
        status__in=Measure.OPEN_STATUSES,
        assigning_judge__isnull=False,
    ).exists()


LSC_OPINION = {
    "project": "Hébergement en CHRS confirmé par le SIAO pour le jour de la sortie ; inscription "
    "à France Travail faite depuis la détention ; suivi en addictologie prévu au CSAPA.",
    "analysis": "Détention sans incident ; le projet est construit et vérifié. Le SPIP émet un "
    "avis favorable à la libération sous contrainte, sous le régime de la libération "
    "conditionnelle.",
    "proposal": "Établir sa résidence au CHRS ; rechercher un emploi ou une formation ; se "
    "soumettre à des soins en addictologie.",
}


def _grant_lsc(person: Person, *, staff, today) -> None:
    """The SPIP's opinion on the release under constraint, through the visa to the judge, who
    grants it today (as a parole)."""
    manager = staff[Role.MANAGER][0]
    measure = (
        Measure.objects.filter(
            person=person, measure_type_id="EMPRISONNEMENT", status__in=Measure.OPEN_STATUSES
        )
        .select_related("assigning_judge")
        .first()
    )
    report = report_services.report_create(
        membership=manager,
        gated=person_get_for(manager, person.pk),
        kind=report_rules.OPINION,
        measure=measure,
        matter=answers.LSC,
        today=today,
    )
    gate = report_get_for(manager, report.pk)
    report_services.report_save(membership=manager, gated_report=gate, texts=LSC_OPINION)
    report_services.report_submit(membership=manager, gated_report=gate)
    report_services.report_approve(membership=manager, gated_report=gate)
    report_services.report_transmit(membership=manager, gated_report=gate, today=today)
    judge = Membership.objects.get(
        user=measure.assigning_judge, service=person.service, role=Role.JUDGE
    )
    transition_services.answer_record(
        membership=judge,
        gated_report=report_get_for(judge, report.pk),
        data=transition_services.AnswerData(
            input=answers.Input(
                code=answers.GRANTED, answered_on=today, effective_on=today, modality="LC",
                new_obligations=("RESIDENCE", "SOINS"),
            ),
            text=f"Ordonnance du {today:%d/%m/%Y} : libération sous contrainte accordée à "
            "compter de ce jour, sous le régime de la libération conditionnelle, jusqu'à la fin "
            "de la peine ; obligations de résidence et de soins.",
            obligation_details={"SOINS": {"care_structure": "CSAPA de l'agglomération"},
                                "RESIDENCE": {"details": "CHRS désigné par le SIAO"}},
        ),
        today=today,
    )  # fmt: skip


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
