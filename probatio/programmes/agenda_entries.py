"""Group sessions in the facilitators' agenda (``agenda.entries``, registered from
``ProgrammesConfig.ready``): the week and day views show them beside the appointments, and
they are busy time for the free slots and the double-booking warnings of a booking (the
facilitators and the room)."""

from django.db.models import Q, QuerySet
from django.urls import reverse

from probatio.agenda import entries
from probatio.programmes.models import GroupSession

LABEL = "Séance collective"


def _sessions(query: entries.EntryQuery) -> QuerySet[GroupSession]:
    """The sessions (not cancelled) of the service's groups overlapping the window, of the
    query's facilitators or room, at its site."""
    rows = GroupSession.objects.filter(
        group__programme__service_id=query.service_id,
        cancelled=False,
        starts_at__lt=query.end,
        ends_at__gt=query.start,
    )
    if query.staff_ids or query.room_id is not None:
        who = Q(pk__in=[])
        if query.staff_ids:
            who |= Q(
                pk__in=GroupSession.objects.filter(group__facilitators__in=query.staff_ids).values(
                    "pk"
                )
            )
        if query.room_id is not None:
            who |= Q(room_id=query.room_id)
        rows = rows.filter(who)
    if query.site_id is not None:
        rows = rows.filter(group__site_id=query.site_id)
    return rows


@entries.register_busy("group_session")
def busy_sessions(query: entries.EntryQuery) -> QuerySet:
    """The (start, end) of those sessions, not evaluated (read in the agenda's UNION)."""
    return _sessions(query).order_by().values_list("starts_at", "ends_at")


@entries.register("group_session")
def group_sessions(query: entries.EntryQuery) -> list[entries.Entry]:
    """Those sessions as agenda entries. One query: a row per session and facilitator."""
    found: dict[int, dict] = {}
    for row in (
        _sessions(query)
        .order_by("starts_at", "pk")
        .values(
            "pk",
            "number",
            "starts_at",
            "ends_at",
            "room_id",
            "room__name",
            "group__site__name",
            "group__programme__name",
            "group__programme__session_count",
            "group__facilitators__id",
            "group__facilitators__first_name",
            "group__facilitators__last_name",
        )
    ):
        item = found.setdefault(row["pk"], {"row": row, "staff": {}})
        if row["group__facilitators__id"] is not None:
            item["staff"][row["group__facilitators__id"]] = (
                f"{row['group__facilitators__first_name']} "
                f"{row['group__facilitators__last_name']}".strip()
            )
    result = []
    for pk, item in found.items():
        row = item["row"]
        place = row["group__site__name"] or ""
        if row["room__name"]:
            place = f"{place}, {row['room__name']}" if place else row["room__name"]
        result.append(
            entries.Entry(
                kind="group_session",
                label=LABEL,
                title=f"{row['group__programme__name']} — séance {row['number']} sur "
                f"{row['group__programme__session_count']}",
                starts_at=row["starts_at"],
                ends_at=row["ends_at"],
                url=reverse("programmes:session_detail", args=[pk]),
                place=place,
                room_id=row["room_id"],
                room_name=row["room__name"] or "",
                staff_ids=frozenset(item["staff"]),
                staff_names=tuple(sorted(item["staff"].values())),
            )
        )
    return result
