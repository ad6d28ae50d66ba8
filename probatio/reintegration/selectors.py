"""Reads of a person's needs and referrals, of the referrals waiting for an answer (for the
échéancier), and of the partner directory's pages. Each read is a fixed number of queries,
whatever the amount of data."""

from datetime import date, timedelta

from django.db.models import Prefetch, QuerySet

from probatio.people.models import Person
from probatio.reintegration import rules
from probatio.reintegration.models import (
    Need,
    NeedChange,
    Partner,
    PartnerAgreement,
    PartnerContact,
    PartnerReferral,
    PartnerSite,
    ReferralStep,
)

# The parts of a partner's record, by the name the pages use.
PARTNER_PARTS = {"site": PartnerSite, "contact": PartnerContact, "agreement": PartnerAgreement}


def needs_of(person: Person) -> list[Need]:
    """The person's needs, open ones first, each with its history (two queries)."""
    needs = list(
        Need.objects.filter(person=person).prefetch_related(
            Prefetch(
                "changes",
                queryset=NeedChange.objects.select_related("changed_by").order_by(
                    "changed_on", "pk"
                ),
            )
        )
    )
    needs.sort(key=lambda n: (n.status not in rules.OPEN_NEED_STATUSES, n.pathway))
    return needs


def referrals_of(person: Person) -> list[PartnerReferral]:
    """The person's referrals, latest first, with partner, need and dated steps (two queries)."""
    return list(
        PartnerReferral.objects.filter(person=person)
        .select_related("partner", "need", "created_by")
        .prefetch_related(
            Prefetch(
                "steps", queryset=ReferralStep.objects.select_related("by").order_by("on", "pk")
            )
        )
    )


def active_partners(service_id: int) -> QuerySet[Partner]:
    return Partner.objects.filter(service_id=service_id, is_active=True).order_by("name", "pk")


def referrals_awaiting_answer(persons: QuerySet[Person], *, today: date, delay_days: int):
    """Referrals of ``persons`` sent at least ``delay_days`` ago and still without answer, as
    plain rows (one query)."""
    return (
        PartnerReferral.objects.filter(
            person__in=persons.order_by().values("pk"),
            status__in=rules.AWAITING_ANSWER,
            status_on__lte=today - timedelta(days=delay_days),
        )
        .order_by("status_on", "pk")
        .values(
            "pk",
            "person_id",
            "status",
            "status_on",
            "partner__name",
            "need__pathway",
            "created_by_id",
            "person__assigned_cpip_id",
        )
    )


# --- The partner directory ---


def partners_with_sites(partners: QuerySet[Partner]) -> list[Partner]:
    """``partners`` (a page of the search) with their sites (two queries)."""
    return list(partners.prefetch_related("sites"))


def partner_sites(partner: Partner) -> list[PartnerSite]:
    return list(partner.sites.all())


def partner_contacts(partner: Partner) -> list[PartnerContact]:
    return list(partner.contacts.all())


def partner_agreements(partner: Partner) -> list[PartnerAgreement]:
    return list(partner.agreements.all())


def partner_part_get(partner: Partner, part: str, pk: int):
    """One site, contact or agreement (``part``) of the partner; None when it is not theirs."""
    return PARTNER_PARTS[part].objects.filter(partner=partner, pk=pk).first()
