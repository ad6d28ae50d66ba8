"""Reads of a service's staff for its managers' pages: memberships with their account, antenne
and absences; staff absences as the agenda and the allocation read them."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Q
from django.http import Http404

from probatio.access.roles import Role
from probatio.accounts import rules
from probatio.accounts.models import Absence, Membership, User


@dataclass
class StaffRow:
    membership: Membership
    shared: bool  # the account also belongs to another service
    current: Absence | None
    next: Absence | None

    @property
    def user(self) -> User:
        return self.membership.user


def staff_of(service_id: int, *, today: date) -> list[StaffRow]:
    """Every membership of the service (active ones first), with its account, antenne, whether
    the account is shared with another service, and its absence running today or the next one
    (two queries, whatever the number of staff)."""
    memberships = (
        Membership.objects.filter(service_id=service_id)
        .select_related("user", "site")
        .annotate(
            elsewhere=Count(
                "user__memberships",
                filter=~Q(user__memberships__service_id=service_id),
            )
        )
        .prefetch_related(
            Prefetch(
                "absences",
                queryset=Absence.objects.filter(end_date__gte=today).order_by("start_date"),
                to_attr="absences_ahead",
            )
        )
        .order_by("-is_active", "user__last_name", "user__first_name", "role", "pk")
    )
    rows = []
    for membership in memberships:
        ahead = membership.absences_ahead
        current = next((a for a in ahead if a.start_date <= today), None)
        upcoming = next((a for a in ahead if a.start_date > today), None)
        rows.append(StaffRow(membership, membership.elsewhere > 0, current, upcoming))
    return rows


def staff_membership_get(service_id: int, pk: int) -> Membership:
    """A membership of the service a manager keeps (any role but a judge's); else a 404."""
    membership = (
        Membership.objects.filter(pk=pk, service_id=service_id)
        .exclude(role=Role.JUDGE)
        .select_related("user", "site", "service")
        .first()
    )
    if membership is None:
        raise Http404("Rattachement introuvable dans votre service.")
    return membership


def other_memberships(membership: Membership) -> list[Membership]:
    """The account's memberships other than this one, with their service."""
    return list(
        Membership.objects.filter(user_id=membership.user_id)
        .exclude(pk=membership.pk)
        .select_related("service")
        .order_by("service__name", "role")
    )


def absences_of(membership: Membership, *, today: date) -> list[Absence]:
    """The membership's absences not over yet, soonest first."""
    return list(membership.absences.filter(end_date__gte=today).order_by("start_date", "pk"))


def absence_get(service_id: int, pk: int) -> Absence:
    absence = (
        Absence.objects.filter(pk=pk, membership__service_id=service_id)
        .select_related("membership")
        .first()
    )
    if absence is None:
        raise Http404("Absence introuvable dans votre service.")
    return absence


def away(absence: Absence) -> rules.Away:
    return rules.Away(
        start=absence.start_date,
        end=absence.end_date,
        kind=absence.kind,
        label=absence.get_kind_display(),
    )


def absences_between(
    service_id: int, first: date, last: date, *, user_ids=None, site_id: int | None = None
) -> dict[int, list[rules.Away]]:
    """User id → their absences in the service meeting ``first``…``last`` (one query); only
    ``user_ids``'s, or only the staff of antenne ``site_id``, when given."""
    found = Absence.objects.filter(
        membership__service_id=service_id, start_date__lte=last, end_date__gte=first
    ).select_related("membership")
    if user_ids is not None:
        found = found.filter(membership__user_id__in=list(user_ids))
    if site_id is not None:
        found = found.filter(membership__site_id=site_id)
    by_user: dict[int, list[rules.Away]] = {}
    for absence in found:
        by_user.setdefault(absence.membership.user_id, []).append(away(absence))
    return by_user
