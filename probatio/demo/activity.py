"""A year of activity behind the demo service, so that every activity figure of the last
twelve months has values to show (docs/figures.md):

- evaluation and situation reports transmitted to the judges month after month, most of them
  acknowledged, some before and some after the day they were due;
- the 723-15 referrals answered: adjustments granted (home detention, semi-liberty, outside
  placement), a few refused;
- opinions on parole and on the release under constraint refused or adjourned (the demo's one
  parole granted and one release under constraint stay the others' story);
- incidents recorded over the year, a few of them reported to the judge;
- the housing recorded on the day of each release of the year.

Everything goes through the application's services, as a user would record it. A report's
transmission is dated by the clock (``reports.services.report_transmit``): once transmitted,
its dates are moved back to the day it went out that year, as ``demo/allocation.py`` does for
the arrival of a file, so that the answer recorded afterwards (through
``transitions.services.answer_record``, never before its transmission) falls in that month.

Persons of the first CPIP (``cpip.demo``) are left out: their files tell the demo's other
stories. A small service gets a smaller share, never an error.
"""

import random
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from probatio.access.roles import Role
from probatio.accounts.models import Membership
from probatio.compliance import services as compliance_services
from probatio.core.dates import add_months
from probatio.measures.models import Measure
from probatio.people import services as people_services
from probatio.people.models import CustodyRecord, SituationEntry, TimelineEvent
from probatio.people.selectors import person_get_for
from probatio.reports import answers
from probatio.reports import rules as report_rules
from probatio.reports import services as report_services
from probatio.reports.models import Report, ReportStep
from probatio.reports.selectors import report_get_for
from probatio.transitions import services as transition_services

FOLLOW_UP_REPORTS = 24
ADJUSTMENTS = 10
RELEASE_OPINIONS = 14
INCIDENTS = 18

# A reinforced probation's assessment has the judge set the obligations: left to demo/reports.py.
FOLLOWED = ("SURSIS_PROBATOIRE", "SSJ", "DDSE", "TIG")

TEXTS = {
    "situation": "Logement stable chez un proche ; emploi en intérim depuis trois mois ; "
    "relations familiales apaisées.",
    "compliance": "Présent à tous les rendez-vous du semestre ; justificatifs produits dans les "
    "délais.",
    "analysis": "Le suivi se déroule sans difficulté ; la personne investit ses obligations et "
    "s'inscrit dans une démarche d'insertion.",
    "proposal": "Poursuite de la mesure dans les mêmes conditions.",
    "plan": "Entretien mensuel ; point d'étape au magistrat dans six mois.",
    "project": "Hébergement confirmé chez un parent ; promesse d'embauche d'un employeur du "
    "secteur ; suivi médical en place.",
    "facts": "Absences répétées aux convocations du SPIP.",
}
# The housing at release, in turn (one in five leaves without housing: the share the
# managers' alerts are about).
HOUSING_AT_RELEASE = [
    ("own_home", "Retour dans son logement"),
    ("hosted_family", "Hébergé·e par sa famille"),
    ("homeless", "Sans solution d'hébergement à la sortie"),
    ("own_home", "Retour dans son logement"),
    ("shelter", "Place en CHRS obtenue par le SIAO"),
    ("hosted_family", "Hébergé·e par sa famille"),
    ("social_housing", "Foyer de jeunes travailleurs"),
    ("homeless", "Sans solution d'hébergement à la sortie"),
    ("own_home", "Retour dans son logement"),
    ("shelter", "Place en CHRS obtenue par le SIAO"),
]
INCIDENT_KINDS = [
    ("missed_appointment", "spip", "Absent au rendez-vous de suivi sans justificatif.", 6),
    ("missing_proof", "spip", "Justificatif de recherche d'emploi non produit.", 5),
    ("new_offence", "police", "Interpellé pour des faits de vol à l'étalage.", 3),
    ("prohibition_breach", "victim", "Présence signalée dans la commune interdite.", 2),
    ("other", "partner", "Comportement inadapté signalé par la structure d'accueil.", 2),
]


def build_activity(*, service, staff, rng: random.Random, fake, today: date) -> None:
    first_cpip = staff[Role.CPIP][0].user_id
    cpips = {m.user_id: m for m in staff[Role.CPIP]}
    judges = {m.user_id: m for m in Membership.objects.filter(service=service, role=Role.JUDGE)}
    manager = staff[Role.MANAGER][0]
    year_ago = today - timedelta(days=350)
    context = {
        "service": service,
        "rng": rng,
        "today": today,
        "year_ago": year_ago,
        "cpips": cpips,
        "judges": judges,
        "manager": manager,
        "first_cpip": first_cpip,
    }
    _follow_up_reports(**context)
    _adjustments(**context)
    _release_opinions(**context)
    _incidents(**context)
    _housing_at_release(service=service, manager=manager, rng=rng, today=today, since=year_ago)


# --- Reports and the judges' answers -----------------------------------------------------------


def _no_open_report():
    return Exists(
        Report.objects.filter(person_id=OuterRef("person_id")).exclude(status=report_rules.ANSWERED)
    )


def _measures(service, first_cpip, codes, *, statuses=Measure.OPEN_STATUSES):
    return list(
        Measure.objects.filter(
            person__service=service,
            measure_type_id__in=codes,
            status__in=statuses,
            assigning_judge__isnull=False,
            person__assigned_cpip__isnull=False,
        )
        .exclude(person__assigned_cpip_id=first_cpip)
        .exclude(_no_open_report())
        .select_related("person")
        .order_by("pk")
    )


def _days_in_year(count: int, year_ago: date, today: date, rng) -> list[date]:
    """``count`` days spread over the year, oldest first (a little before today at most)."""
    span = (today - year_ago).days - 45
    step = max(1, span // max(1, count))
    return [year_ago + timedelta(days=i * step + rng.randint(0, step - 1)) for i in range(count)]


def _transmit(report: Report, *, author, manager, texts: dict, today: date) -> Report:
    """Drafted by ``author``, visé and transmitted by ``manager``, through the services."""
    drafting = report_get_for(author, report.pk)
    report_services.report_save(membership=author, gated_report=drafting, texts=texts)
    report_services.report_submit(membership=author, gated_report=report_get_for(author, report.pk))
    visa = report_get_for(manager, report.pk)
    visa.report = report_services.report_approve(membership=manager, gated_report=visa)
    return report_services.report_transmit(membership=manager, gated_report=visa, today=today)


def _sent_on(report: Report, day: date) -> None:
    """The transmission (and the steps and chronology lines before it) moved back to ``day``:
    the services date them by the clock."""
    at = timezone.make_aware(datetime.combine(day, time(11, 0)))
    Report.objects.filter(pk=report.pk).update(
        transmitted_at=at, approved_at=at - timedelta(hours=2)
    )
    ReportStep.objects.filter(report=report).update(at=at)
    TimelineEvent.objects.filter(object_type="reports.report", object_id=report.pk).update(
        occurred_at=at
    )


def _texts(report: Report) -> dict[str, str]:
    return {
        section["key"]: TEXTS.get(section["key"], TEXTS["analysis"])
        for section in report.sections
        if section.get("required")
    }


def _follow_up_reports(*, service, rng, today, year_ago, cpips, judges, manager, first_cpip):
    """Evaluations and situation reports, one a fortnight; most acknowledged by the judge."""
    measures = _measures(service, first_cpip, FOLLOWED, statuses=(Measure.Status.ACTIVE,))
    rng.shuffle(measures)
    seen: set[int] = set()
    chosen = [m for m in measures if not (m.person_id in seen or seen.add(m.person_id))]
    chosen = [m for m in chosen if m.assigning_judge_id in judges][:FOLLOW_UP_REPORTS]
    for measure, day in zip(chosen, _days_in_year(len(chosen), year_ago, today, rng), strict=True):
        author = cpips.get(measure.person.assigned_cpip_id)
        if author is None:
            continue
        begun = day - timedelta(days=rng.randint(20, 35))
        due = day + timedelta(days=rng.choice((-6, -2, 0, 3, 7, 10, 14)))
        kind = rng.choice(
            (report_rules.EVALUATION, report_rules.EVALUATION, report_rules.SITUATION)
        )
        report = report_services.report_create(
            membership=author,
            gated=person_get_for(author, measure.person_id),
            kind=kind,
            measure=measure,
            due_date=max(due, begun),
            today=begun,
        )
        report = _transmit(report, author=author, manager=manager, texts=_texts(report), today=day)
        _sent_on(report, day)
        if rng.random() < 0.8:
            judge = judges[measure.assigning_judge_id]
            answered = min(today, day + timedelta(days=rng.randint(3, 30)))
            transition_services.answer_record(
                membership=judge,
                gated_report=report_get_for(judge, report.pk),
                data=transition_services.AnswerData(
                    input=answers.Input(code=answers.ACKNOWLEDGED, answered_on=answered),
                    text=f"Pris acte du rapport le {answered:%d/%m/%Y}.",
                ),
                today=today,
            )


def _opinion(measure, matter, *, author, manager, day, today) -> Report:
    report = report_services.report_create(
        membership=author,
        gated=person_get_for(author, measure.person_id),
        kind=report_rules.OPINION,
        measure=measure,
        matter=matter,
        today=day - timedelta(days=20),
    )
    report = _transmit(report, author=author, manager=manager, texts=_texts(report), today=day)
    _sent_on(report, day)
    return report


def _adjustments(*, service, rng, today, year_ago, cpips, judges, manager, first_cpip):
    """The 723-15 referrals answered: three in four adjustments granted, the others refused."""
    # Referrals already begun (a grant ends the referral, which cannot end before it starts).
    referrals = [
        m
        for m in _measures(service, first_cpip, ("AMENAGEMENT_723_15",))
        if m.assigning_judge_id in judges
        and m.person.assigned_cpip_id in cpips
        and m.status == Measure.Status.ACTIVE
        and m.start_date <= today - timedelta(days=60)
    ][:ADJUSTMENTS]
    days = _days_in_year(len(referrals), year_ago, today, rng)
    for index, (measure, planned) in enumerate(zip(referrals, days, strict=True)):
        day = min(max(planned, measure.start_date + timedelta(days=10)), today - timedelta(days=30))
        author = cpips[measure.person.assigned_cpip_id]
        report = _opinion(
            measure, answers.ADJUSTMENT_723_15, author=author, manager=manager, day=day,
            today=today,
        )  # fmt: skip
        judge = judges[measure.assigning_judge_id]
        answered = min(today, day + timedelta(days=rng.randint(7, 25)))
        if index % 4 == 3:
            given = answers.Input(code=answers.REFUSED, answered_on=answered)
            text = "Aménagement refusé : projet d'insertion insuffisamment étayé."
        else:
            start = min(today, answered + timedelta(days=7))
            given = answers.Input(
                code=answers.GRANTED,
                answered_on=answered,
                effective_on=start,
                end_on=add_months(start, rng.choice((4, 6, 8))),
                modality=rng.choice(("DDSE", "DDSE", "SL", "PE")),
            )
            text = f"Aménagement de la peine accordé à compter du {start:%d/%m/%Y}."
        transition_services.answer_record(
            membership=judge,
            gated_report=report_get_for(judge, report.pk),
            data=transition_services.AnswerData(input=given, text=text),
            today=today,
        )


def _release_opinions(*, service, rng, today, year_ago, cpips, judges, manager, first_cpip):
    """Opinions on parole and on the release under constraint of persons in prison, refused
    (a release under constraint by a reasoned order) or adjourned."""
    held = Exists(
        CustodyRecord.objects.filter(person_id=OuterRef("person_id"), release_date__isnull=True)
    )
    sentences = [
        m
        for m in Measure.objects.filter(
            person__service=service,
            measure_type_id="EMPRISONNEMENT",
            status=Measure.Status.ACTIVE,
            assigning_judge__isnull=False,
        )
        .filter(held)
        .exclude(person__assigned_cpip_id=first_cpip)
        .exclude(_no_open_report())
        .select_related("person")
        .order_by("pk")
        if m.assigning_judge_id in judges and m.person.assigned_cpip_id in cpips
    ]
    if not sentences:
        return
    days = _days_in_year(RELEASE_OPINIONS, year_ago, today, rng)
    for index, day in enumerate(days):
        measure = sentences[index % len(sentences)]
        matter = answers.LSC if index % 3 == 2 else answers.PAROLE
        author = cpips[measure.person.assigned_cpip_id]
        report = _opinion(measure, matter, author=author, manager=manager, day=day, today=today)
        judge = judges[measure.assigning_judge_id]
        answered = min(today, day + timedelta(days=rng.randint(10, 30)))
        if matter == answers.LSC:
            given = answers.Input(
                code=answers.REFUSED,
                answered_on=answered,
                reasons="Aucun hébergement ni aucune prise en charge à la sortie : aucune "
                "mesure n'est possible en l'état.",
            )
        elif index % 2:
            given = answers.Input(code=answers.REFUSED, answered_on=answered)
        else:
            given = answers.Input(
                code=answers.ADJOURNED,
                answered_on=answered,
                next_review_on=add_months(answered, 3),
            )
        transition_services.answer_record(
            membership=judge,
            gated_report=report_get_for(judge, report.pk),
            data=transition_services.AnswerData(
                input=given, text="Décision après débat contradictoire."
            ),
            today=today,
        )


# --- Incidents and releases --------------------------------------------------------------------


def _incidents(*, service, rng, today, year_ago, cpips, judges, manager, first_cpip):
    measures = _measures(service, first_cpip, FOLLOWED, statuses=(Measure.Status.ACTIVE,))
    if not measures:
        return
    kinds = [k for kind in INCIDENT_KINDS for k in [kind] * kind[3]]
    for day in _days_in_year(INCIDENTS, year_ago, today, rng):
        measure = rng.choice(measures)
        if measure.start_date > day:
            continue
        kind, source, description, _ = rng.choice(kinds)
        author = cpips.get(measure.person.assigned_cpip_id)
        if author is None:
            continue
        compliance_services.incident_record(
            membership=author,
            gated=person_get_for(author, measure.person_id),
            data={
                "kind": kind,
                "occurred_on": day,
                "source": source,
                "description": description,
                "measure": measure,
                "steps_taken": ["phone_call", "summons"],
            },
            today=today,
        )


def _housing_at_release(*, service, manager, rng, today, since) -> None:
    """The housing of each person released this year, recorded on the day they left (the
    releases built before the transition existed recorded none)."""
    recorded = SituationEntry.objects.filter(
        person_id=OuterRef("person_id"),
        domain=SituationEntry.Domain.HOUSING,
        effective_date=OuterRef("release_date"),
    )
    releases = (
        CustodyRecord.objects.filter(
            person__service=service, release_date__gte=since, release_date__lte=today
        )
        .exclude(Exists(recorded))
        .order_by("release_date", "pk")
    )
    for index, custody in enumerate(releases):
        status, details = HOUSING_AT_RELEASE[index % len(HOUSING_AT_RELEASE)]
        people_services.situation_record(
            gated=person_get_for(manager, custody.person_id),
            domain="housing",
            status=status,
            details=details,
            effective_date=custody.release_date,
            today=today,
        )
