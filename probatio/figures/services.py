"""The figures' only write: storing the figures of a closed period (``FigureSnapshot``), by
the service's system actor (``Action.STORE_FIGURES``), journaled. Run each night by
``periodic.run``; the page never writes (it reads a snapshot, or computes)."""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from probatio.access.policy import Action, allows
from probatio.accounts.models import Membership
from probatio.accounts.system import SystemActor
from probatio.audit import services as audit
from probatio.figures import definitions, rules, selectors
from probatio.figures.models import FigureSnapshot
from probatio.figures.rules import Period
from probatio.organisation.models import Service

REASON = "Chiffres d'activité des périodes closes"


@transaction.atomic
def store_period(
    *,
    actor: SystemActor,
    period: Period,
    today: date,
    now: datetime | None = None,
    with_cpips: bool = True,
    journal=audit.record,
) -> int:
    """Compute and store every figure of a closed ``period`` for the actor's service and for
    each of its active CPIPs' caseloads (``with_cpips``), unless stored already with the
    current definitions version. Returns the number of snapshots written; one journal line
    for them (``journal``: ``audit.record``, or what takes its arguments in its place — the
    national generator's journal of the service being written)."""
    if not getattr(actor, "is_system", False) or not allows(actor.role, Action.STORE_FIGURES):
        raise PermissionDenied("Seul le traitement automatique du service enregistre les chiffres.")
    if not period.closed(today):
        raise PermissionDenied("Seuls les chiffres d'une période close sont enregistrés.")
    now = now or timezone.now()
    codes = [d.code for d in definitions.DEFINITIONS]
    cpips = Membership.objects.filter(
        service_id=actor.service_id, role__in=_cpip_roles(), is_active=True
    ).values_list("pk", "user_id")
    scopes = [selectors.Scope(actor.service_id)] + [
        selectors.Scope(actor.service_id, user_id, pk) for pk, user_id in cpips if with_cpips
    ]
    written = 0
    for scope in scopes:
        present = set(selectors.stored(scope, period, codes))
        for code in codes:
            if code in present:
                continue
            figure = selectors.COMPUTE[code](scope, period, today=today)
            FigureSnapshot.objects.update_or_create(
                service_id=actor.service_id,
                membership_id=scope.membership_id,
                period_start=period.start,
                period_end=period.end,
                code=code,
                defaults={
                    "version": rules.DEFINITIONS_VERSION,
                    "data": figure.to_data(),
                    "computed_at": now,
                },
            )
            written += 1
    if written:
        journal(
            actor=actor,
            action=audit.Action.CREATE,
            service_id=actor.service_id,
            role=actor.role,
            object_type="figures.figuresnapshot",
            summary=f"Chiffres d'activité enregistrés : {period.label}",
            context={
                "reason": actor.reason,
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "snapshots": written,
                "version": rules.DEFINITIONS_VERSION,
            },
        )
    return written


def _cpip_roles():
    from probatio.access.policy import REFERENT_ROLES

    return [str(role) for role in REFERENT_ROLES]


def run_periodic(*, now: datetime) -> dict[str, int]:
    """Every service: the last closed month, quarter and year, as its system actor."""
    today = timezone.localdate(now)
    written = 0
    for service_id in Service.objects.order_by("pk").values_list("pk", flat=True):
        actor = SystemActor(service_id=service_id, reason=REASON)
        for period in rules.closed_periods(today):
            written += store_period(actor=actor, period=period, today=today, now=now)
    return {"snapshots": written}
