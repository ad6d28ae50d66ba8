"""Release preparation: the expected release date of a person in prison, the release plan (a
checklist with owners, due dates and statuses) and what it feeds into the échéancier.

The expected release date comes from the prison side (``sentences.selectors.stored_dates``:
the registry's dates laid over the estimates) through ``rules.expected_release``.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse

from probatio.access.policy import Action
from probatio.audit import services as audit
from probatio.core.dates import add_months
from probatio.core.deadlines import DueItem, Query, Severity, register
from probatio.core.errors import field_errors
from probatio.core.text import lower_first
from probatio.people.journal import Event, timeline_add
from probatio.people.journal import write as journal
from probatio.people.models import CustodyRecord, Person, TimelineEvent
from probatio.people.selectors import Gated
from probatio.people.selectors import gate as _gate
from probatio.people.selectors import own as _own
from probatio.reintegration import rules
from probatio.reintegration.models import PartnerReferral, ReleasePlan, ReleasePlanItem
from probatio.sentences import selectors as sentence_selectors
from probatio.sentences.models import OfficialDate, PenalSituation

# When each item is due by default: this many days before the expected release.
DEFAULT_LEAD_DAYS = {
    "identity_documents": 90,
    "health_insurance": 60,
    "housing": 60,
    "income": 45,
    "employment_training": 45,
    "care_continuity": 30,
    "bank_account": 45,
    "transport": 7,
    "community_appointment": 15,
}


@dataclass
class Release:
    custody: CustodyRecord | None
    expected: date | None = None
    source: str = ""
    plan: ReleasePlan | None = None
    items: list[ReleasePlanItem] = field(default_factory=list)

    @property
    def source_label(self) -> str:
        return rules.RELEASE_SOURCES.get(self.source, "")

    @property
    def housing_status(self) -> str | None:
        for item in self.items:
            if item.code == rules.HOUSING_ITEM:
                return item.status
        return None

    def housing_at_risk(self, today: date) -> bool:
        return rules.housing_at_risk(self.expected, self.housing_status, today)


def release_of(person: Person, custody: CustodyRecord | None, *, today: date) -> Release:
    """The person's expected release and plan, each item with the referrals made for a need of
    its pathway (4 queries)."""
    release = Release(custody=custody)
    if custody is None:
        return release
    rows = sentence_selectors.dates_of_persons(Person.objects.filter(pk=person.pk))
    if rows:
        release.expected, release.source = rules.expected_release(rows[0], today)
    release.plan = ReleasePlan.objects.filter(custody=custody).first()
    if release.plan is not None:
        release.items = list(release.plan.items.select_related("owner"))
        by_pathway: dict[str, list] = {}
        for referral in (
            PartnerReferral.objects.filter(person=person, need__isnull=False)
            .select_related("partner", "need")
            .order_by("-referred_on", "-pk")
        ):
            by_pathway.setdefault(referral.need.pathway, []).append(referral)
        for item in release.items:
            item.referrals = by_pathway.get(rules.RELEASE_ITEM_PATHWAYS.get(item.code, ""), [])
    return release


@transaction.atomic
def plan_create(*, gated: Gated, today: date) -> ReleasePlan:
    """Open the release plan of a person in prison, with every item of the checklist, owned by
    the person's CPIP and due ahead of the expected release."""
    membership, person = _gate(gated, Action.RECORD_REINTEGRATION)
    custody = CustodyRecord.objects.filter(person=person, release_date__isnull=True).first()
    if custody is None:
        raise field_errors(
            __all__="La personne n'est pas écrouée : un plan de sortie concerne une personne "
            "détenue."
        )
    release = release_of(person, custody, today=today)
    try:
        with transaction.atomic():
            plan = ReleasePlan.objects.create(
                custody=custody, person=person, created_by=membership.user
            )
    except IntegrityError as error:
        raise field_errors(__all__="Le plan de sortie de cet écrou existe déjà.") from error
    # Referrals already taken up by a partner move their items on from the start.
    taken_up: dict[str, str] = {}
    for referral in (
        PartnerReferral.objects.filter(person=person, need__isnull=False)
        .select_related("partner", "need")
        .order_by("status_on", "pk")
    ):
        if rules.release_item_after(rules.ITEM_TO_DO, referral.status) != rules.ITEM_TO_DO:
            taken_up[referral.need.pathway] = (
                f"Orientation vers {referral.partner.name} "
                f"{lower_first(rules.REFERRAL_STATUSES[referral.status])} le "
                f"{referral.status_on:%d/%m/%Y}."
            )
    for code in rules.RELEASE_ITEMS:
        due = None
        if release.expected is not None:
            due = max(today, release.expected - timedelta(days=DEFAULT_LEAD_DAYS[code]))
        comment = taken_up.get(rules.RELEASE_ITEM_PATHWAYS.get(code, ""), "")
        ReleasePlanItem.objects.create(
            plan=plan,
            code=code,
            owner_id=person.assigned_cpip_id,
            due_date=due,
            status=rules.ITEM_IN_PROGRESS if comment else rules.ITEM_TO_DO,
            comment=comment,
        )
    journal(
        membership,
        plan,
        person=person,
        summary="Plan de sortie établi",
        timeline=Event(
            TimelineEvent.Kind.CUSTODY,
            "Plan de sortie établi",
            detail=f"Sortie prévue le {release.expected:%d/%m/%Y} ({release.source_label})."
            if release.expected
            else "Date de sortie non connue.",
        ),
    )
    return plan


ITEM_FIELDS = ["owner", "due_date", "status", "comment"]


@transaction.atomic
def item_update(*, gated: Gated, item: ReleasePlanItem, data: dict[str, Any]) -> ReleasePlanItem:
    membership, person = _gate(gated, Action.RECORD_REINTEGRATION)
    _own(person, item.plan.person_id)
    if item.plan.person_id != person.pk:
        raise field_errors(__all__="Cet élément n'appartient pas au plan de cette personne.")
    owner = data.get("owner")
    if (
        owner is not None
        and not owner.memberships.filter(service_id=membership.service_id, is_active=True).exists()
    ):
        raise field_errors(owner="Choisissez un membre du service.")
    if data.get("status") not in rules.ITEM_STATUSES:
        raise field_errors(status="Statut inconnu.")
    before = audit.snapshot(item, ITEM_FIELDS)
    for name in ITEM_FIELDS:
        if name in data:
            setattr(item, name, data[name])
    item.full_clean()
    item.save()
    changes = audit.diff(before, audit.snapshot(item, ITEM_FIELDS))
    if changes:
        journal(
            membership,
            item,
            person=person,
            summary=f"Plan de sortie : {item.get_code_display()}",
            changes=changes,
        )
        if "status" in changes and item.status == rules.ITEM_DONE:
            timeline_add(
                person=person,
                kind=TimelineEvent.Kind.CUSTODY,
                title=f"Plan de sortie : {lower_first(item.get_code_display())} — fait",
                detail=item.comment,
                actor=membership.user,
                instance=item,
            )
    return item


# --- The échéancier ------------------------------------------------------------------------


@register("release_plan", "Préparation à la sortie", on_caseload=False)
def release_items(query: Query) -> list[DueItem]:
    """Per person in prison whose expected release is within the service's horizon: the plan to
    open when there is none; the plan's open items by their due date; and, as an alert, a
    release less than a month away without housing secured. Two queries."""
    service = query.service_settings()
    horizon = add_months(query.today, service.release_plan_horizon_months)
    rows = (
        query.custody_dates
        if query.custody_dates is not None
        else sentence_selectors.dates_of_persons(query.persons)
    )
    expected = {}
    for row in rows:
        day, source = rules.expected_release(row, query.today)
        if day is not None and day <= horizon:
            expected[row["custody__person_id"]] = (day, row)
    if not expected:
        return []
    items_by_person: dict[int, list] = {}
    for item in ReleasePlanItem.objects.filter(
        plan__person_id__in=list(expected), plan__custody__release_date__isnull=True
    ).values("plan__person_id", "code", "status", "due_date", "owner_id"):
        items_by_person.setdefault(item["plan__person_id"], []).append(item)
    found = []
    for person_id, (release, row) in expected.items():
        url = reverse("release:tab", args=[person_id])
        cpip = row["custody__person__assigned_cpip_id"]
        staff = frozenset([cpip] if cpip else [])
        items = items_by_person.get(person_id)
        if items is None:
            found.append(
                DueItem(
                    person_id=person_id,
                    due=max(query.today, release - timedelta(days=90)),
                    kind="release_plan",
                    label=f"Sortie prévue le {release:%d/%m/%Y} : plan de sortie à établir",
                    severity=Severity.ALERT if (release - query.today).days < 60 else Severity.INFO,
                    url=url,
                    staff_ids=staff,
                )
            )
            housing = None
        else:
            housing = next((i["status"] for i in items if i["code"] == rules.HOUSING_ITEM), None)
            for item in items:
                if item["status"] in rules.OPEN_ITEM_STATUSES and item["due_date"]:
                    if item["due_date"] > query.until:
                        continue
                    found.append(
                        DueItem(
                            person_id=person_id,
                            due=item["due_date"],
                            kind="release_plan",
                            label=f"Plan de sortie : {lower_first(rules.RELEASE_ITEMS[item['code']])}",
                            detail=f"Sortie prévue le {release:%d/%m/%Y}",
                            url=url,
                            staff_ids=frozenset([item["owner_id"]]) if item["owner_id"] else staff,
                        )
                    )
        if rules.housing_at_risk(release, housing, query.today):
            found.append(
                DueItem(
                    person_id=person_id,
                    due=release,
                    kind="release_plan",
                    label=f"Sortie le {release:%d/%m/%Y} sans hébergement assuré",
                    severity=Severity.ALERT,
                    url=url,
                    staff_ids=staff,
                )
            )
    return found


@dataclass(frozen=True)
class HousingAlert:
    person_id: int
    expected: date
    source: str
    name: str  # "SURNAME First names"
    cpip: str  # the CPIP's full name, empty when none


def housing_alerts(persons, *, today: date) -> list[HousingAlert]:
    """Persons of ``persons`` leaving prison within ``rules.HOUSING_FLAG_DAYS`` without housing
    secured in their release plan, with their name and CPIP, soonest first (one query). The committals are narrowed in
    SQL to those with an estimated or official date within the window (a superset of those
    whose expected release falls in it), then the exact rule of ``rules.expected_release``
    applies."""
    until = today + timedelta(days=rules.HOUSING_FLAG_DAYS)
    soon = (
        Q(release_date__lte=until)
        | Q(lsc_plein_droit_date__lte=until)
        | Exists(
            OfficialDate.objects.filter(
                custody_id=OuterRef("custody_id"), is_current=True, date__lte=until
            )
        )
    )
    person = "custody__person__"
    housing = ReleasePlanItem.objects.filter(
        plan__person_id=OuterRef("custody__person_id"),
        plan__custody__release_date__isnull=True,
        code=rules.HOUSING_ITEM,
    ).values("status")[:1]
    rows = sentence_selectors.stored_dates(
        PenalSituation.objects.filter(
            soon, custody__person_id__in=persons.order_by().values("pk")
        ).annotate(housing=Subquery(housing)),
        f"{person}surname",
        f"{person}first_names",
        f"{person}assigned_cpip__first_name",
        f"{person}assigned_cpip__last_name",
        "housing",
    )
    found = {}  # by person
    for row in rows:
        day, source = rules.expected_release(row, today)
        if day is not None and rules.housing_at_risk(day, row["housing"], today):
            cpip = f"{row[person + 'assigned_cpip__first_name'] or ''} "
            cpip += row[person + "assigned_cpip__last_name"] or ""
            name = f"{row[person + 'surname'].upper()} {row[person + 'first_names']}"
            person_id = row["custody__person_id"]
            found[person_id] = HousingAlert(person_id, day, source, name, cpip.strip())
    alerts = list(found.values())
    return sorted(alerts, key=lambda a: (a.expected, a.person_id))
