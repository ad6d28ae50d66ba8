"""Reads of a person's needs and referrals, of the referrals waiting for an answer (for the
échéancier), and of the partner directory's pages. Each read is a fixed number of queries,
whatever the amount of data."""

from datetime import date, timedelta

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from probatio.core.gates import get_or_404
from probatio.people.models import Person
from probatio.reintegration import rules
from probatio.reintegration.models import (
    FamilyContact,
    Need,
    NeedChange,
    Partner,
    PartnerAgreement,
    PartnerContact,
    PartnerReferral,
    PartnerSite,
    ReferralStep,
    ReleasePlan,
    ReleasePlanItem,
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


def referrals_of(person: Person) -> QuerySet[PartnerReferral]:
    """The person's referrals, latest first, with partner, need and dated steps (two queries
    when read, whatever the slice)."""
    return (
        PartnerReferral.objects.filter(person=person)
        .select_related("partner", "need", "created_by")
        .prefetch_related(
            Prefetch(
                "steps", queryset=ReferralStep.objects.select_related("by").order_by("on", "pk")
            )
        )
        .order_by("-referred_on", "-pk")
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


# --- One record of a person's file (the dossier's forms) -----------------------------------------


def need_get(person: Person, pk: int) -> Need:
    """One of the person's needs (404 otherwise)."""
    need = Need.objects.filter(pk=pk, person=person).first()
    if need is None:
        raise Http404("Besoin introuvable.")
    return need


def referral_get(person: Person, pk: int) -> PartnerReferral:
    """One of the person's referrals, with its partner and need (404 otherwise)."""
    referral = (
        PartnerReferral.objects.filter(pk=pk, person=person)
        .select_related("partner", "need")
        .first()
    )
    if referral is None:
        raise Http404("Orientation introuvable.")
    return referral


def last_release_plan(person: Person) -> ReleasePlan | None:
    """The release plan of the person's latest committal, with its establishment."""
    return (
        ReleasePlan.objects.filter(person=person)
        .select_related("custody__establishment")
        .order_by("-custody__committal_date")
        .first()
    )


def release_plan_items(plan: ReleasePlan) -> list[ReleasePlanItem]:
    return list(plan.items.select_related("owner"))


def release_item_get(person: Person, pk: int) -> ReleasePlanItem:
    """One item of one of the person's release plans, with its plan (404 otherwise)."""
    return get_or_404(ReleasePlanItem.objects.select_related("plan"), pk=pk, plan__person=person)


def family_contact_get(person: Person, pk: int) -> FamilyContact:
    """One of the person's relatives (404 otherwise)."""
    return get_or_404(FamilyContact.objects, pk=pk, person=person)


def family_contacts_of(person: Person) -> QuerySet[FamilyContact]:
    """The person's relatives (the choices of a family step's form)."""
    return FamilyContact.objects.filter(person=person)
