"""What the agenda feeds into the échéancier: appointments to hold (and outcomes not recorded),
and first interviews with their legal deadline. Registered in ``AgendaConfig.ready``."""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q, Subquery

from probatio.agenda import rules
from probatio.agenda.models import Appointment
from probatio.core.deadlines import DueItem, Query, Severity, register
from probatio.measures import first_interview
from probatio.measures.models import Measure
from probatio.people.models import CustodyRecord

# Planned appointments whose outcome was never recorded stay listed this long.
UNRECORDED_DAYS = 90
# Only measures started within this many days get a first-interview line.
FIRST_INTERVIEW_WINDOW_DAYS = 365
# A release this close before a measure's start is the release it follows.
RELEASE_WINDOW_DAYS = 120


def _url(pk: int) -> str:
    return f"/agenda/rendez-vous/{pk}/"


@register("appointment", "Rendez-vous")
def appointments(query: Query) -> list[DueItem]:
    first, _ = rules.day_bounds(query.today - timedelta(days=UNRECORDED_DAYS))
    _, last = rules.day_bounds(query.until)
    now_start, _ = rules.day_bounds(query.today)
    scope = Q(person__in=query.persons)
    if query.staff_id:
        scope = Q(staff__id=query.staff_id)
    planned = (
        Appointment.objects.filter(
            scope,
            service_id=query.service_id,
            status=Appointment.Status.PLANNED,
            starts_at__gte=first,
            starts_at__lt=last,
        )
        .select_related("establishment")
        .distinct()
    )
    if query.with_staff:
        planned = planned.prefetch_related("staff")
    items = []
    for appointment in planned:
        local = rules.paris(appointment.starts_at)
        staff = (
            frozenset(u.pk for u in appointment.staff.all()) if query.with_staff else frozenset()
        )
        if appointment.starts_at < now_start:
            items.append(
                DueItem(
                    person_id=appointment.person_id,
                    due=local.date(),
                    kind="appointment",
                    label="Issue du rendez-vous à saisir",
                    severity=Severity.ALERT,
                    detail=f"{appointment.get_kind_display()} du {local:%d/%m/%Y à %H:%M}",
                    url=_url(appointment.pk),
                    at=appointment.starts_at,
                    staff_ids=staff,
                )
            )
        else:
            items.append(
                DueItem(
                    person_id=appointment.person_id,
                    due=local.date(),
                    kind="appointment",
                    label=f"{appointment.get_kind_display()} à {local:%H:%M}",
                    detail=appointment.place_label() if appointment.site_id is None else "",
                    url=_url(appointment.pk),
                    at=appointment.starts_at,
                    staff_ids=staff,
                )
            )
    return items


@register("first_interview", "Premier entretien")
def first_interviews(query: Query) -> list[DueItem]:
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
        starts_at__date__gte=OuterRef("decision__date"),
    )
    booked = firsts.filter(
        status__in=(Appointment.Status.PLANNED, Appointment.Status.HONOURED)
    ).order_by("starts_at")
    measures = list(
        Measure.objects.filter(
            person__in=query.persons,
            status__in=(Measure.Status.PENDING, Measure.Status.ACTIVE),
            start_date__gte=query.today - timedelta(days=FIRST_INTERVIEW_WINDOW_DAYS),
        )
        .exclude(measure_type_id__in=first_interview.NO_FIRST_INTERVIEW)
        .select_related("decision", "person")
        .annotate(
            release=Subquery(latest_release),
            first_held=Exists(firsts.filter(status=Appointment.Status.HONOURED)),
            first_pk=Subquery(booked.values("pk")[:1]),
            first_at=Subquery(booked.values("starts_at")[:1]),
        )
        .only(
            "pk",
            "person_id",
            "person__assigned_cpip_id",
            "measure_type_id",
            "start_date",
            "decision__date",
        )
    )

    best: dict[int, DueItem] = {}
    for measure in measures:
        release = measure.release
        if release is not None and (measure.start_date - release).days > RELEASE_WINDOW_DAYS:
            release = None
        if measure.measure_type_id in first_interview.RELEASE_CODES and release is None:
            release = measure.start_date if measure.measure_type_id.startswith("LSC") else None
        deadline = first_interview.first_interview_deadline(
            measure.measure_type_id,
            decision_date=measure.decision.date,
            start_date=measure.start_date,
            release_date=release,
            default_days=service.first_interview_default_days,
        )
        if deadline is None:
            continue
        if measure.first_held:
            continue  # held: nothing left to do
        staff = frozenset(
            [measure.person.assigned_cpip_id] if measure.person.assigned_cpip_id else []
        )
        detail = f"Délai légal : {deadline.delay} ({deadline.basis})"
        booked_day = rules.paris(measure.first_at).date() if measure.first_at else None
        if booked_day is not None and booked_day <= deadline.due:
            item = DueItem(
                person_id=measure.person_id,
                due=deadline.due,
                kind="first_interview",
                label=f"Premier entretien fixé le {rules.paris(measure.first_at):%d/%m/%Y à %H:%M}"
                f" (délai le {deadline.due:%d/%m/%Y})",
                detail=detail,
                url=_url(measure.first_pk),
                staff_ids=staff,
            )
        elif booked_day is not None:
            item = DueItem(
                person_id=measure.person_id,
                due=deadline.due,
                kind="first_interview",
                label=f"Premier entretien fixé après le délai légal du {deadline.due:%d/%m/%Y}",
                severity=Severity.ALERT,
                detail=detail,
                url=_url(measure.first_pk),
                staff_ids=staff,
            )
        else:
            item = DueItem(
                person_id=measure.person_id,
                due=deadline.due,
                kind="first_interview",
                label=f"Premier entretien non fixé — délai légal le {deadline.due:%d/%m/%Y}",
                severity=Severity.ALERT,
                detail=detail,
                url=f"/personnes/{measure.person_id}/rendez-vous/nouveau/",
                staff_ids=staff,
            )
        if item.due > query.until:
            continue
        current = best.get(measure.person_id)
        if current is None or item.due < current.due:
            best[measure.person_id] = item
    return list(best.values())
