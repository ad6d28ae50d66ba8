"""What messages feed into the échéancier: a message nobody can leave as it is.

- an **uncertain** message (its send was interrupted and the provider could not confirm it):
  someone must decide, on the appointment's page, to send it again or to file it;
- a **failed** reminder or notice of an appointment (or a programme's group session) still to
  come: the person may not know of it; call them or write.

Both are alerts due on the day the message was due, until they are settled (or the
appointment has passed). One query whatever the number of persons."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from probatio.core.deadlines import DueItem, Query, Severity, register
from probatio.messaging.models import SESSION_PURPOSES, Message

PLANNED = "planned"


@register("message", "Message à vérifier", on_caseload=False)
def messages_to_check(query: Query) -> list[DueItem]:
    rows = (
        Message.objects.filter(
            Q(status=Message.Status.UNCERTAIN)
            | Q(
                status=Message.Status.FAILED,
                appointment__status=PLANNED,
                appointment__starts_at__gte=timezone.now(),
            )
            | Q(
                status=Message.Status.FAILED,
                group_session__cancelled=False,
                group_session__starts_at__gte=timezone.now(),
            ),
            service_id=query.service_id,
            person__in=query.persons,
            scheduled_at__date__lte=query.until,
        )
        .order_by("scheduled_at", "pk")
        .values(
            "pk",
            "person_id",
            "status",
            "purpose",
            "channel",
            "scheduled_at",
            "appointment_id",
            "appointment__starts_at",
            "group_session__starts_at",
            "person__assigned_cpip_id",
        )
    )
    if query.staff_id:
        rows = rows.filter(
            Q(appointment__staff=query.staff_id) | Q(person__assigned_cpip_id=query.staff_id)
        ).distinct()
    purposes = dict(Message.Purpose.choices)
    channels = dict(Message.Channel.choices)
    items = []
    for row in rows:
        purpose = (
            SESSION_PURPOSES[row["purpose"]]
            if row["group_session__starts_at"]
            else purposes[row["purpose"]]
        )
        what = f"{purpose.lower()} par {channels[row['channel']]}"
        starts = row["appointment__starts_at"]
        of = f" du rendez-vous du {timezone.localtime(starts):%d/%m/%Y à %H:%M}" if starts else ""
        if row["group_session__starts_at"]:
            session_at = timezone.localtime(row["group_session__starts_at"])
            of = f" de la séance collective du {session_at:%d/%m/%Y à %H:%M}"
        if row["status"] == Message.Status.UNCERTAIN:
            label = f"Envoi incertain ({what}{of}) : renvoyer ou classer"
        else:
            label = f"Message non remis ({what}{of}) : prévenir la personne"
        staff = {row["person__assigned_cpip_id"]} - {None}
        items.append(
            DueItem(
                person_id=row["person_id"],
                due=timezone.localtime(row["scheduled_at"]).date(),
                kind="message",
                label=label,
                severity=Severity.ALERT,
                url=reverse("agenda:detail", args=[row["appointment_id"]]) + "#messages-title"
                if row["appointment_id"]
                else reverse("agenda:person_list", args=[row["person_id"]]),
                staff_ids=frozenset(staff),
            )
        )
    return items
