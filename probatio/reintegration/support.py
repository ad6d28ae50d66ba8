"""Support in prison: the arrival interview (with its deadline in the échéancier), destitution
(the situation and the help granted, with figures per establishment for managers) and family
ties (close contacts, how the tie is kept, the steps taken).

Writes follow the services' rules: keyword-only arguments, the acting membership first, every
check before anything is written, one transaction with the journal entry and the chronology
line. A person's arrival interview, destitution and aids belong to a committal (écrou): they
need a person in prison. Family ties do not (they go on after release).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone

from probatio.access.policy import Action
from probatio.audit import services as audit
from probatio.core.dates import on_day
from probatio.core.deadlines import DueItem, Query, Severity, register
from probatio.core.errors import field_errors
from probatio.core.text import count, lower_first
from probatio.organisation.models import Establishment
from probatio.people.journal import Event, timeline_add
from probatio.people.journal import write as journal
from probatio.people.models import CustodyRecord, Person, TimelineEvent
from probatio.people.selectors import Gated
from probatio.people.selectors import gate as _gate
from probatio.reintegration import rules, services
from probatio.reintegration.models import (
    ArrivalInterview,
    DestitutionAid,
    DestitutionAssessment,
    FamilyContact,
    FamilyStep,
    Need,
)


def _open_custody(person: Person, field: str, what: str) -> CustodyRecord:
    custody = (
        CustodyRecord.objects.filter(person=person, release_date__isnull=True)
        .select_related("establishment")
        .first()
    )
    if custody is None:
        raise field_errors(
            **{field: f"La personne n'est pas écrouée : {what} concerne une personne détenue."}
        )
    return custody


def _check_day(field: str, day: date | None, today: date, custody: CustodyRecord | None) -> None:
    if day is None:
        raise field_errors(**{field: "Indiquez la date."})
    if day > today:
        raise field_errors(**{field: "La date ne peut pas être dans le futur."})
    if custody is not None and day < custody.committal_date:
        raise field_errors(
            **{field: f"La date ne peut pas précéder l'écrou du {custody.committal_date:%d/%m/%Y}."}
        )


# --- Reads ------------------------------------------------------------------------------------


@dataclass
class Support:
    custody: CustodyRecord | None
    interview: ArrivalInterview | None
    interview_due: date | None
    assessments: list[DestitutionAssessment]
    aids: list[DestitutionAid]
    contacts: list[FamilyContact]
    steps: list[FamilyStep]

    @property
    def destitution(self) -> DestitutionAssessment | None:
        """The current situation: the latest assessment of the open committal."""
        return self.assessments[0] if self.assessments else None

    @property
    def aid_total(self) -> Decimal:
        return sum((a.amount or Decimal(0) for a in self.aids), Decimal(0))


def support_of(person: Person, custody: CustodyRecord | None, *, delay_days: int) -> Support:
    """Everything the tab shows, in a fixed number of queries (five, two without committal)."""
    interview = assessments = aids = None
    if custody is not None:
        interview = (
            ArrivalInterview.objects.filter(custody=custody).select_related("held_by").first()
        )
        assessments = list(
            DestitutionAssessment.objects.filter(custody=custody).select_related("assessed_by")
        )
        aids = list(DestitutionAid.objects.filter(custody=custody).select_related("granted_by"))
    return Support(
        custody=custody,
        interview=interview,
        interview_due=(
            rules.arrival_interview_due(custody.committal_date, delay_days)
            if custody is not None and custody.release_date is None and interview is None
            else None
        ),
        assessments=assessments or [],
        aids=aids or [],
        contacts=list(FamilyContact.objects.filter(person=person)),
        steps=list(FamilyStep.objects.filter(person=person).select_related("contact", "by")),
    )


# --- The arrival interview --------------------------------------------------------------------

INTERVIEW_FIELDS = ["held_on", "observations", *rules.SCREENING]


@transaction.atomic
def arrival_interview_record(
    *, gated: Gated, data: dict[str, Any], today: date | None = None
) -> tuple[ArrivalInterview, list[Need]]:
    """Record the arrival interview of the open committal, and the needs its screening calls
    for (those not already open on their pathway). Returns the interview and the needs
    created."""
    membership, person = _gate(gated, Action.RECORD_REINTEGRATION)
    today = today or timezone.localdate()
    custody = _open_custody(person, "__all__", "l'entretien arrivant")
    _check_day("held_on", data.get("held_on"), today, custody)
    errors = {
        domain: message
        for domain in rules.SCREENING
        if (message := rules.screening_error(domain, data.get(domain)))
    }
    if errors:
        raise field_errors(**errors)
    interview = ArrivalInterview(
        custody=custody,
        person=person,
        held_by=membership.user,
        **{name: data.get(name) or "" for name in INTERVIEW_FIELDS},
    )
    interview.held_on = data["held_on"]
    interview.full_clean(exclude=["custody"])
    try:
        with transaction.atomic():
            interview.save()
    except IntegrityError as error:
        raise field_errors(
            __all__="L'entretien arrivant de cet écrou est déjà enregistré."
        ) from error
    journal(membership, interview, person=person, summary="Entretien arrivant")
    open_pathways = set(
        Need.objects.filter(person=person, status__in=rules.OPEN_NEED_STATUSES).values_list(
            "pathway", flat=True
        )
    )
    created = []
    for pathway, details in rules.arrival_needs({d: data[d] for d in rules.SCREENING}):
        if pathway in open_pathways:
            continue
        created.append(
            services.need_create(
                gated=gated,
                data={
                    "pathway": pathway,
                    "details": f"{details} (entretien arrivant)",
                    "identified_on": interview.held_on,
                },
                today=today,
            )
        )
    timeline_add(
        person=person,
        kind=TimelineEvent.Kind.CUSTODY,
        title=f"Entretien arrivant ({custody.establishment.name})",
        detail=(
            f"{count(len(created), 'besoin identifié', 'besoins identifiés')} au repérage."
            if created
            else "Aucun nouveau besoin identifié au repérage."
        ),
        actor=membership.user,
        instance=interview,
        occurred_at=on_day(interview.held_on),
    )
    return interview, created


@register("arrival_interview", "Entretien arrivant", on_caseload=False)
def arrival_interviews(query: Query) -> list[DueItem]:
    """Persons committed in the last ``rules.ARRIVAL_LOOKBACK_DAYS`` days, still in prison,
    whose arrival interview is not recorded: due the committal plus the service's delay, an
    alert once overdue. One query (two when the caller did not give the service)."""
    delay = query.service_settings().arrival_interview_days
    since = query.today - timedelta(days=rules.ARRIVAL_LOOKBACK_DAYS)
    rows = (
        CustodyRecord.objects.filter(
            person__in=query.persons.order_by().values("pk"),
            release_date__isnull=True,
            committal_date__gte=since,
            committal_date__lte=query.until,
        )
        .filter(~Exists(ArrivalInterview.objects.filter(custody_id=OuterRef("pk"))))
        .values("person_id", "committal_date", "person__assigned_cpip_id", "establishment__name")
    )
    items = []
    for row in rows:
        due = rules.arrival_interview_due(row["committal_date"], delay)
        if due > query.until:
            continue
        cpip = row["person__assigned_cpip_id"]
        items.append(
            DueItem(
                person_id=row["person_id"],
                due=due,
                kind="arrival_interview",
                label=f"Entretien arrivant à mener (écrou du {row['committal_date']:%d/%m/%Y})",
                detail=row["establishment__name"],
                severity=Severity.ALERT if due < query.today else Severity.INFO,
                url=reverse("support:tab", args=[row["person_id"]]),
                staff_ids=frozenset([cpip] if cpip else []),
            )
        )
    return items


# --- Destitution ------------------------------------------------------------------------------


@transaction.atomic
def destitution_assess(
    *, gated: Gated, data: dict[str, Any], today: date | None = None
) -> DestitutionAssessment:
    membership, person = _gate(gated, Action.RECORD_REINTEGRATION)
    today = today or timezone.localdate()
    custody = _open_custody(person, "__all__", "la situation d'indigence")
    _check_day("assessed_on", data.get("assessed_on"), today, custody)
    assessment = DestitutionAssessment(
        custody=custody,
        person=person,
        assessed_on=data["assessed_on"],
        is_destitute=bool(data.get("is_destitute")),
        comment=(data.get("comment") or "").strip(),
        assessed_by=membership.user,
    )
    assessment.full_clean()
    assessment.save()
    label = "reconnue indigente" if assessment.is_destitute else "non indigente"
    journal(
        membership,
        assessment,
        person=person,
        summary=f"Indigence : personne {label}",
        timeline=Event(
            TimelineEvent.Kind.CUSTODY,
            f"Situation d'indigence : personne {label}",
            occurred_at=on_day(assessment.assessed_on),
        ),
    )
    return assessment


@transaction.atomic
def aid_grant(*, gated: Gated, data: dict[str, Any], today: date | None = None) -> DestitutionAid:
    membership, person = _gate(gated, Action.RECORD_REINTEGRATION)
    today = today or timezone.localdate()
    custody = _open_custody(person, "__all__", "une aide à une personne indigente")
    kind, amount, item = data.get("kind"), data.get("amount"), (data.get("item") or "").strip()
    errors = rules.aid_error(kind, amount, item)
    if errors:
        raise field_errors(**errors)
    _check_day("granted_on", data.get("granted_on"), today, custody)
    aid = DestitutionAid(
        custody=custody,
        person=person,
        kind=kind,
        amount=amount,
        item=item,
        granted_on=data["granted_on"],
        granted_by=membership.user,
    )
    aid.full_clean()
    aid.save()
    what = f"{amount:.2f} €".replace(".", ",") if amount is not None else item
    journal(
        membership,
        aid,
        person=person,
        summary=f"Aide : {aid.get_kind_display()}",
        timeline=Event(
            TimelineEvent.Kind.CUSTODY,
            f"Aide accordée : {lower_first(aid.get_kind_display())}",
            detail=what,
            occurred_at=on_day(aid.granted_on),
        ),
    )
    return aid


@dataclass
class EstablishmentFigures:
    establishment: Establishment
    destitute: int  # persons recognised destitute at their latest assessment in the period
    assessed: int  # persons assessed in the period
    aided: int  # persons who received help in the period
    aids: int
    amount: Decimal
    by_kind: dict[str, int]


def destitution_figures(service_id: int, *, start: date, end: date) -> list[EstablishmentFigures]:
    """Per establishment of the service, over [start, end]:

    - persons **recognised destitute**: held there during the period (their committal open on
      one day of it) and whose latest assessment up to the end of the period says so;
    - persons **assessed** during the period;
    - persons **helped**, the number of **aids**, their total **amount** and the aids **by
      kind**, granted during the period.

    Four queries whatever the size of the service."""
    establishments = list(Establishment.objects.filter(service_id=service_id).order_by("name"))
    assessments = (
        DestitutionAssessment.objects.filter(
            custody__establishment__service_id=service_id,
            custody__committal_date__lte=end,
            assessed_on__lte=end,
        )
        .filter(Q(custody__release_date__isnull=True) | Q(custody__release_date__gte=start))
        .order_by("person_id", "-assessed_on", "-pk")
        .values("person_id", "custody__establishment_id", "is_destitute", "assessed_on")
    )
    latest: dict[int, tuple[int, bool]] = {}
    assessed: set[tuple[int, int]] = set()
    for row in assessments:
        establishment_id = row["custody__establishment_id"]
        latest.setdefault(row["person_id"], (establishment_id, row["is_destitute"]))
        if row["assessed_on"] >= start:
            assessed.add((establishment_id, row["person_id"]))
    aids = (
        DestitutionAid.objects.filter(
            custody__establishment__service_id=service_id,
            granted_on__gte=start,
            granted_on__lte=end,
        )
        .values("custody__establishment_id", "kind")
        .annotate(n=Count("pk"), total=Sum("amount"))
        .order_by()
    )
    aided = dict(
        DestitutionAid.objects.filter(
            custody__establishment__service_id=service_id,
            granted_on__gte=start,
            granted_on__lte=end,
        )
        .values("custody__establishment_id")
        .annotate(persons=Count("person_id", distinct=True))
        .order_by()
        .values_list("custody__establishment_id", "persons")
    )
    figures = {
        e.pk: EstablishmentFigures(e, 0, 0, aided.get(e.pk, 0), 0, Decimal(0), {})
        for e in establishments
    }
    for establishment_id, destitute in latest.values():
        figures[establishment_id].destitute += int(destitute)
    for establishment_id, _ in assessed:
        figures[establishment_id].assessed += 1
    for row in aids:
        entry = figures[row["custody__establishment_id"]]
        entry.aids += row["n"]
        entry.amount += row["total"] or Decimal(0)
        entry.by_kind[row["kind"]] = entry.by_kind.get(row["kind"], 0) + row["n"]
    return list(figures.values())


# --- Family ties ------------------------------------------------------------------------------

CONTACT_FIELDS = [
    "name",
    "relationship",
    "phone",
    "city",
    "visits",
    "phone_calls",
    "mail",
    "comment",
]


def _check_contact(data: dict[str, Any]) -> None:
    errors = {}
    if not (data.get("name") or "").strip():
        errors["name"] = "Indiquez le nom du proche."
    if data.get("relationship") not in rules.RELATIONSHIPS:
        errors["relationship"] = "Choisissez le lien avec la personne."
    for mode in rules.CONTACT_MODES:
        if data.get(mode, "none") not in rules.CONTACT_STATES:
            errors[mode] = "Choisissez une réponse."
    if errors:
        raise field_errors(**errors)


@transaction.atomic
def family_contact_save(
    *,
    gated: Gated,
    data: dict[str, Any],
    contact: FamilyContact | None = None,
) -> FamilyContact:
    membership, person = _gate(gated, Action.RECORD_REINTEGRATION)
    _check_contact(data)
    if contact is not None and contact.person_id != person.pk:
        raise field_errors(__all__="Ce proche n'est pas dans ce dossier.")
    creating = contact is None
    contact = contact or FamilyContact(person=person, created_by=membership.user)
    before = {} if creating else audit.snapshot(contact, CONTACT_FIELDS)
    for name in CONTACT_FIELDS:
        value = data.get(name)
        if value is None:
            value = "none" if name in rules.CONTACT_MODES else ""
        setattr(contact, name, value.strip() if isinstance(value, str) else value)
    contact.full_clean()
    contact.save()
    changes = audit.diff(before, audit.snapshot(contact, CONTACT_FIELDS))
    if creating:
        journal(
            membership,
            contact,
            person=person,
            summary="Liens familiaux : proche ajouté",
            timeline=Event(
                TimelineEvent.Kind.REINTEGRATION,
                f"Liens familiaux : {lower_first(contact.get_relationship_display())} ajouté·e",
            ),
        )
    elif changes:
        journal(
            membership, contact, person=person, summary="Liens familiaux : proche", changes=changes
        )
    return contact


@transaction.atomic
def family_step_record(
    *, gated: Gated, data: dict[str, Any], today: date | None = None
) -> FamilyStep:
    membership, person = _gate(gated, Action.RECORD_REINTEGRATION)
    today = today or timezone.localdate()
    if data.get("kind") not in rules.FAMILY_STEPS:
        raise field_errors(kind="Choisissez la démarche.")
    _check_day("on", data.get("on"), today, None)
    contact = data.get("contact")
    contact_id = getattr(contact, "pk", contact)
    if contact_id and not FamilyContact.objects.filter(pk=contact_id, person=person).exists():
        raise field_errors(contact="Proche introuvable dans ce dossier.")
    step = FamilyStep(
        person=person,
        contact_id=contact_id or None,
        kind=data["kind"],
        on=data["on"],
        comment=(data.get("comment") or "").strip(),
        by=membership.user,
    )
    step.full_clean()
    step.save()
    journal(
        membership,
        step,
        person=person,
        summary=f"Liens familiaux : {step}",
        timeline=Event(
            TimelineEvent.Kind.REINTEGRATION,
            f"Liens familiaux : {lower_first(step.get_kind_display())}",
            occurred_at=on_day(step.on),
        ),
    )
    return step
