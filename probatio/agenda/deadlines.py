"""What the agenda feeds into the échéancier: appointments to hold (and outcomes not recorded),
and first interviews with their legal deadline. Registered in ``AgendaConfig.ready``.

Each provider runs a fixed number of queries whatever the number of persons: the scoped persons
are a subquery, never a list to loop over (docs/deadlines.md).
"""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse

from probatio.agenda import rules
from probatio.agenda.models import Appointment
from probatio.core.deadlines import DueItem, Query, Severity, register
from probatio.measures import first_interview
from probatio.measures.models import Decision, Measure
from probatio.people.models import CustodyRecord

# Planned appointments whose outcome was never recorded stay listed this long.
UNRECORDED_DAYS = 90
# Only measures started within this many days get a first-interview line: older ones would
# flood the list with deadlines long past.
FIRST_INTERVIEW_WINDOW_DAYS = 365
# Measures whose first interview is still to hold.
FIRST_INTERVIEW_STATUSES = (Measure.Status.PENDING, Measure.Status.ACTIVE)


def _person_ids(query: Query):
    """The scoped persons as a subquery of primary keys (ordering and annotations dropped)."""
    return query.persons.order_by().values("pk")


def _appointment_url(pk: int) -> str:
    return reverse("agenda:detail", args=[pk])


@register("appointment", "Rendez-vous")
def appointments(query: Query) -> list[DueItem]:
    """Planned appointments from today to ``until``, and planned ones of the last
    ``UNRECORDED_DAYS`` whose outcome was never recorded (an alert, overdue). With a
    ``staff_id``, that member's own appointments are added to those of the persons."""
    first, _ = rules.day_bounds(query.today - timedelta(days=UNRECORDED_DAYS))
    _, last = rules.day_bounds(query.until)
    today_start, _ = rules.day_bounds(query.today)
    scope = Q(person_id__in=_person_ids(query))
    if query.staff_id:
        scope |= Q(
            pk__in=Appointment.staff.through.objects.filter(user_id=query.staff_id).values(
                "appointment_id"
            )
        )
    planned = Appointment.objects.filter(
        scope,
        service_id=query.service_id,
        status=Appointment.Status.PLANNED,
        starts_at__gte=first,
        starts_at__lt=last,
    ).select_related("site", "room", "establishment")
    if query.with_staff:
        planned = planned.prefetch_related("staff")
    items = []
    for appointment in planned:
        local = rules.paris(appointment.starts_at)
        staff = (
            frozenset(u.pk for u in appointment.staff.all()) if query.with_staff else frozenset()
        )
        common = {
            "person_id": appointment.person_id,
            "due": local.date(),
            "kind": "appointment",
            "url": _appointment_url(appointment.pk),
            "at": appointment.starts_at,
            "staff_ids": staff,
        }
        if appointment.starts_at < today_start:
            items.append(
                DueItem(
                    label="Issue du rendez-vous à saisir",
                    severity=Severity.ALERT,
                    detail=f"{appointment.get_kind_display()} du {local:%d/%m/%Y à %H:%M}",
                    **common,
                )
            )
        else:
            items.append(
                DueItem(
                    label=f"{appointment.get_kind_display()} à {local:%H:%M}",
                    detail=appointment.place_label(),
                    **common,
                )
            )
    return items


@register("first_interview", "Premier entretien")
def first_interviews(query: Query) -> list[DueItem]:
    """One line per person: the earliest legal deadline of a first interview still to hold
    (open measures started within the last 12 months, with no honoured first interview since
    their start). An alert when none is booked on or before the deadline."""
    service = query.service_settings()
    latest_release = (
        CustodyRecord.objects.filter(
            person_id=OuterRef("person_id"), release_date__lte=OuterRef("start_date")
        )
        .order_by("-release_date")
        .values("release_date")[:1]
    )
    firsts = Appointment.objects.filter(
        person_id=OuterRef("person_id"),
        kind=Appointment.Kind.FIRST,
        starts_at__date__gte=OuterRef("start_date"),
    )
    booked = firsts.filter(
        status__in=(Appointment.Status.PLANNED, Appointment.Status.HONOURED)
    ).order_by("starts_at", "pk")
    rows = (
        Measure.objects.filter(
            person_id__in=_person_ids(query),
            status__in=FIRST_INTERVIEW_STATUSES,
            start_date__gte=query.today - timedelta(days=FIRST_INTERVIEW_WINDOW_DAYS),
        )
        .exclude(measure_type_id__in=first_interview.NO_FIRST_INTERVIEW)
        .annotate(
            release=Subquery(latest_release),
            held=Exists(firsts.filter(status=Appointment.Status.HONOURED)),
            first_pk=Subquery(booked.values("pk")[:1]),
            first_at=Subquery(booked.values("starts_at")[:1]),
        )
        .filter(held=False)
        .values(
            "person_id",
            "person__assigned_cpip_id",
            "assigned_cpip_id",
            "measure_type_id",
            "start_date",
            "decision__date",
            "decision__kind",
            "decision__provisional_execution",
            "decision__ssj_incurred",
            "decision__ssj_on_record",
            "reinforced_follow_up",
            "release",
            "first_pk",
            "first_at",
        )
    )
    best: dict[int, DueItem] = {}
    for row in rows:
        deadline = first_interview.first_interview_deadline(
            row["measure_type_id"],
            decision_date=row["decision__date"],
            start_date=row["start_date"],
            release_date=row["release"],
            default_days=service.first_interview_default_days,
            referred_by_prosecutor=row["decision__kind"] == Decision.Kind.PROSECUTOR,
            reinforced_follow_up=row["reinforced_follow_up"],
            provisional=row["decision__provisional_execution"],
            ssj_incurred=row["decision__ssj_incurred"],
            ssj_on_record=row["decision__ssj_on_record"],
            alsace_moselle=service.alsace_moselle,
        )
        if deadline is None or deadline.due > query.until:
            continue
        current = best.get(row["person_id"])
        if current is not None and current.due <= deadline.due:
            continue
        best[row["person_id"]] = _first_interview_item(row, deadline)
    return list(best.values())


def _first_interview_item(row: dict, deadline: first_interview.Deadline) -> DueItem:
    cpip_id = row["assigned_cpip_id"] or row["person__assigned_cpip_id"]
    which = (
        "Délai du service"
        if deadline.rule.code == first_interview.SERVICE_DEFAULT
        else "Délai légal"
    )
    common = {
        "person_id": row["person_id"],
        "due": deadline.due,
        "kind": "first_interview",
        "detail": f"{which} : {deadline.delay} après "
        f"{first_interview.RUNS_FROM_LABELS[deadline.rule.runs_from]} "
        f"({deadline.label} ; {deadline.basis})",
        "staff_ids": frozenset([cpip_id] if cpip_id else []),
    }
    first_at = row["first_at"]
    if first_at is None:
        return DueItem(
            label=f"Premier entretien non fixé — {which.lower()} le {deadline.due:%d/%m/%Y}",
            severity=Severity.ALERT,
            state="unbooked",
            url=reverse("agenda:book", args=[row["person_id"]]),
            **common,
        )
    local = rules.paris(first_at)
    if local.date() <= deadline.due:
        return DueItem(
            label=f"Premier entretien fixé le {local:%d/%m/%Y à %H:%M} "
            f"(délai le {deadline.due:%d/%m/%Y})",
            url=_appointment_url(row["first_pk"]),
            **common,
        )
    return DueItem(
        label=f"Premier entretien fixé le {local:%d/%m/%Y}, après le {which.lower()} du "
        f"{deadline.due:%d/%m/%Y}",
        severity=Severity.ALERT,
        url=_appointment_url(row["first_pk"]),
        **common,
    )
