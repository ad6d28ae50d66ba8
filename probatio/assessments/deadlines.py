"""What the follow-up intensity feeds into the échéancier (docs/deadlines.md, « Intensité du
suivi »): for each person with a level in force and at least one open measure, the rule of
their level under the kinds of their open measures (the service's ``IntensityRule`` rows, the
shipped defaults elsewhere) compared with the contacts held:

- ``interview_due``: « Prochain entretien à tenir avant le … », one interval after the last
  interview held since the level applies; info, an alert once overdue. **Dropped** when an
  interview (an appointment of a kind in ``rules.INTERVIEW_KINDS``) is already planned on or
  before that day: the appointment is in the échéancier itself (``appointment``). One planned
  after the day keeps the item, its detail naming the appointment (state ``late_booking``);
- ``contacts_below``: « Contacts en dessous du niveau », due today, an alert, the detail saying
  what is missing (once the level has applied for a whole period);
- ``assessment_review``: « Évaluation à réexaminer », due ``rules.review_due`` of the latest
  assessment (of the level's own day when no assessment preceded it); info, an alert once
  overdue.

Persons in custody: the rule applies (prison interviews count as interviews,
``rules.INTERVIEW_KINDS``), but no home visit is expected of them.

Three providers (one per kind, for the échéancier's filter) sharing one computation per
``Query`` (``_computed``). Registered in ``AssessmentsConfig.ready``, not on the caseload's
« next due item » column (the caseload shows the level in a column of its own, and its query
count stays where it was). Four queries whatever the number of persons (three when the caller
loaded the open measures; one when no person has a level): the persons with their level, its day, their latest assessment, their next
planned interview and whether they are held (one query); their open measures; the service's
rules; the contacts held.
"""

from dataclasses import replace
from datetime import timedelta

from django.db.models import Exists, Max, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from probatio.agenda.models import Appointment
from probatio.assessments import rules, selectors
from probatio.assessments.models import Assessment, IntensityDecision
from probatio.core.dates import on_day
from probatio.core.deadlines import DueItem, Query, Severity, register
from probatio.measures.models import Measure
from probatio.people.models import CustodyRecord, Person

# The contacts held are read this far back at most (a level older than that: the interviews
# before do not move the next one's day, which is then long past anyway).
HELD_WINDOW_DAYS = 730
KINDS = ("interview_due", "contacts_below", "assessment_review")


def _persons(query: Query):
    applied = IntensityDecision.objects.filter(
        person_id=OuterRef("pk"), status=IntensityDecision.Status.APPLIED
    ).order_by("-applies_from", "-pk")
    planned = Appointment.objects.filter(
        person_id=OuterRef("pk"),
        status=Appointment.Status.PLANNED,
        kind__in=rules.INTERVIEW_KINDS,
        starts_at__gte=on_day(query.today, 0),
    ).order_by("starts_at", "pk")
    latest = (
        Assessment.objects.filter(person_id=OuterRef("pk"))
        .order_by()
        .values("person_id")
        .annotate(last=Max("assessed_on"))
        .values("last")
    )
    return (
        Person.objects.filter(pk__in=query.persons.order_by().values("pk"))
        .annotate(
            level=Subquery(applied.values("chosen_level")[:1]),
            level_since=Subquery(applied.values("applies_from")[:1]),
            assessed_on=Subquery(latest),
            planned_at=Subquery(planned.values("starts_at")[:1]),
            planned_pk=Subquery(planned.values("pk")[:1]),
            held=Exists(
                CustodyRecord.objects.filter(person_id=OuterRef("pk"), release_date__isnull=True)
            ),
        )
        .filter(level__isnull=False)
        .order_by()
        .values(
            "pk",
            "assigned_cpip_id",
            "level",
            "level_since",
            "assessed_on",
            "planned_at",
            "planned_pk",
            "held",
        )
    )


def _measure_kinds(query: Query, ids: list[int]) -> dict[int, set[str]]:
    kinds: dict[int, set[str]] = {}
    if query.open_measures is not None:  # already loaded by the caller: no query
        rows = [
            (m.person_id, m.measure_type_id)
            for m in query.open_measures
            if m.status in Measure.OPEN_STATUSES
        ]
    else:
        rows = Measure.objects.filter(
            person_id__in=ids, status__in=Measure.OPEN_STATUSES
        ).values_list("person_id", "measure_type_id")
    for person_id, code in rows:
        kinds.setdefault(person_id, set()).add(code)
    return kinds


def _computed(query: Query, kind: str) -> list[DueItem]:
    """Every item of the three kinds for this query, whatever its ``until`` (each provider
    keeps its kind up to ``until``), shared by the three providers of one ``collect``: kept on
    the ``Query`` object with the kinds already served from it. A kind asked again means a new
    ``collect`` with the same object (the data may have changed since): computed again. A
    ``replace``d query is a new object, computed anew."""
    cached = query.__dict__.get("_intensity_items")
    if cached is None or kind in cached[1]:
        cached = (_compute(query), set())
        object.__setattr__(query, "_intensity_items", cached)
    cached[1].add(kind)
    return cached[0]


def _compute(query: Query) -> list[DueItem]:
    persons = list(_persons(query))
    if not persons:
        return []
    ids = [p["pk"] for p in persons]
    kinds = _measure_kinds(query, ids)
    persons = [p for p in persons if kinds.get(p["pk"])]
    if not persons:
        return []
    service_rules = selectors.contact_rules(query.service_id, query.today)
    since = max(
        min(p["level_since"] for p in persons),
        query.today - timedelta(days=HELD_WINDOW_DAYS),
    )
    held = selectors.held_contacts([p["pk"] for p in persons], since)
    items: list[DueItem] = []
    for person in persons:
        rule = rules.rule_for(service_rules, person["level"], kinds[person["pk"]])
        if rule is None:
            continue
        if person["held"]:
            rule = replace(rule, home_visits=0)  # no home visit while in custody
        items.extend(_items(query, person, rule, held.get(person["pk"], [])))
    return items


def _of_kind(query: Query, kind: str) -> list[DueItem]:
    return [i for i in _computed(query, kind) if i.kind == kind and i.due <= query.until]


@register("interview_due", "Prochain entretien (intensité)", on_caseload=False)
def interviews_due(query: Query) -> list[DueItem]:
    return _of_kind(query, "interview_due")


@register("contacts_below", "Contacts en dessous du niveau", on_caseload=False)
def contacts_below(query: Query) -> list[DueItem]:
    return _of_kind(query, "contacts_below")


@register("assessment_review", "Évaluation à réexaminer", on_caseload=False)
def assessment_reviews(query: Query) -> list[DueItem]:
    return _of_kind(query, "assessment_review")


def _items(query: Query, person: dict, rule: rules.ContactRule, held) -> list[DueItem]:
    pk = person["pk"]
    cpip = person["assigned_cpip_id"]
    level = rules.LEVEL_LABELS[rules.Level(person["level"])]
    common = {
        "person_id": pk,
        "staff_ids": frozenset([cpip] if cpip else []),
    }
    status = rules.contact_status(
        rule, level_since=person["level_since"], held=held, today=query.today
    )
    items = []
    due = status.next_interview_due
    planned_at = person["planned_at"]
    planned_day = timezone.localdate(planned_at) if planned_at else None
    if planned_day is None or planned_day > due:
        overdue = due < query.today
        detail = f"Intensité {level.lower()} : {_every(rule)}"
        if planned_day is not None:
            detail += f" ; entretien fixé le {planned_day:%d/%m/%Y}, après l'échéance"
        items.append(
            DueItem(
                due=due,
                kind="interview_due",
                label=f"Prochain entretien à tenir avant le {due:%d/%m/%Y}",
                severity=Severity.ALERT if overdue else Severity.INFO,
                detail=detail,
                url=reverse("agenda:book", args=[pk]),
                state="late_booking" if planned_day is not None else "unbooked",
                **common,
            )
        )
    if status.below_level:
        items.append(
            DueItem(
                due=query.today,
                kind="contacts_below",
                label="Contacts en dessous du niveau",
                severity=Severity.ALERT,
                detail=f"Intensité {level.lower()} : " + " ; ".join(status.missing),
                url=reverse("people:detail", args=[pk]),
                **common,
            )
        )
    assessed_on = person["assessed_on"] or person["level_since"]
    review = rules.review_due(assessed_on, rule)
    items.append(
        DueItem(
            due=review,
            kind="assessment_review",
            label="Évaluation à réexaminer",
            severity=Severity.ALERT if review < query.today else Severity.INFO,
            detail=(
                f"Dernière évaluation le {person['assessed_on']:%d/%m/%Y}"
                if person["assessed_on"]
                else f"Intensité fixée le {person['level_since']:%d/%m/%Y} sans évaluation"
            )
            + f", à réexaminer tous les {rule.review_days} jours",
            url=reverse("people:detail", args=[pk]),
            **common,
        )
    )
    return items


def _every(rule: rules.ContactRule) -> str:
    interviews = "1 entretien" if rule.interviews < 2 else f"{rule.interviews} entretiens"
    text = f"{interviews} en {rule.period_days} jours"
    if rule.home_visits:
        visits = (
            "1 visite à domicile"
            if rule.home_visits < 2
            else f"{rule.home_visits} visites à domicile"
        )
        text += f", dont {visits}"
    return text
