"""Writes on persons. Each function: keyword-only arguments, the acting membership, one
transaction, the audit entry and the timeline event inside it. Models are validated with
``full_clean`` so that a bad value raises a ValidationError (in French) and nothing is saved."""

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from probatio.access.policy import Action, allows, follows_new_persons
from probatio.accounts.models import Membership, User
from probatio.audit import services as audit
from probatio.core import phones
from probatio.core.dates import on_day
from probatio.core.errors import field_errors
from probatio.core.text import fold
from probatio.people import rules
from probatio.people.journal import Event
from probatio.people.journal import before as journal_before
from probatio.people.journal import write as journal
from probatio.people.models import (
    Address,
    AwaitingReason,
    CourtFileNumber,
    CustodyRecord,
    Person,
    SituationEntry,
    TimelineEvent,
)
from probatio.people.selectors import Gated, person_get_for
from probatio.people.selectors import gate as _gate
from probatio.people.situation import is_valid_status

IDENTITY_FIELDS = [
    "surname",
    "birth_surname",
    "first_names",
    "aliases",
    "sex",
    "birth_date",
    "birth_place",
    "birth_country",
    "nationality",
    "phone",
    "email",
    "sms_consent",
    "email_consent",
    "languages",
    "interpreter_needed",
    "legal_status",
]


def _search_text(person: Person) -> str:
    return fold(
        " ".join(
            [
                person.surname,
                person.birth_surname,
                person.first_names,
                person.aliases.replace(",", " "),
            ]
        )
    )[:700]


def _set_keys(person: Person) -> None:
    """The search text and the duplicate check's keys (``people.rules``), from the identity."""
    person.search_text = _search_text(person)
    keys = {
        "surname_key": rules.name_key(person.surname),
        "birth_surname_key": rules.name_key(person.birth_surname),
        "first_names_key": rules.name_key(person.first_names),
        "email_key": rules.email_key(person.email),
    }
    for field, key in keys.items():
        # Derived, never typed: cut to the column so that only the typed field's own length
        # error reaches the user.
        setattr(person, field, key[: Person._meta.get_field(field).max_length])


def _check_birth_date(birth_date: date, today: date) -> None:
    if birth_date > today:
        raise field_errors(birth_date="La date de naissance ne peut pas être dans le futur.")
    if birth_date < date(today.year - 120, 1, 1):
        raise field_errors(birth_date="La date de naissance est trop ancienne.")


def _check_contact(person: Person, before: Person | None) -> None:
    """Normalise the phone number; consent to reminders needs the means to send them."""
    try:
        person.phone = phones.normalise(person.phone)
    except phones.InvalidPhone as exc:
        raise field_errors(phone=str(exc)) from exc
    if person.sms_consent and not person.phone:
        raise field_errors(sms_consent="Pour les rappels par SMS, saisissez un numéro de mobile.")
    if person.sms_consent and not phones.is_mobile(person.phone):
        raise field_errors(
            sms_consent="Ce numéro n'est pas un mobile : il ne peut pas recevoir de SMS."
        )
    if person.email_consent and not person.email:
        raise field_errors(email_consent="Pour les rappels par courriel, saisissez une adresse.")
    if before is None or (before.sms_consent, before.email_consent) != (
        person.sms_consent,
        person.email_consent,
    ):
        person.consent_updated_at = timezone.now()


@transaction.atomic
def person_create(
    *,
    membership: Membership,
    data: dict[str, Any],
    address: dict[str, Any] | None = None,
    assigned_cpip: User | None = None,
    today: date | None = None,
) -> Person:
    if not allows(membership.role, Action.CREATE_PERSON):
        raise PermissionDenied("Votre rôle ne permet pas d'ouvrir un dossier.")
    today = today or timezone.localdate()
    _check_birth_date(data["birth_date"], today)
    person = Person(
        service_id=membership.service_id, **{k: v for k, v in data.items() if k in IDENTITY_FIELDS}
    )
    if assigned_cpip is None and follows_new_persons(membership.role):
        assigned_cpip = membership.user
    queue_state(person, assigned_cpip, reason=AwaitingReason.NEW, now=timezone.now())
    _check_contact(person, None)
    _set_keys(person)
    person.full_clean()
    person.save()
    journal(
        membership,
        person,
        person=person,
        summary="Création du dossier",
        timeline=Event(TimelineEvent.Kind.PERSON, "Ouverture du dossier"),
    )
    if address and address.get("line1"):
        # The new file, gated for its creator (a CPIP's new person is in their caseload).
        gated = person_get_for(membership, person.pk, action=Action.EDIT_IDENTITY)
        address_add(gated=gated, data=address)
    return person


def duplicates_shown(*, membership: Membership, persons: list[Person]) -> None:
    """Journal the persons named by a duplicate warning (a read of their existence, like a
    list page), in one entry."""
    audit.record_list(
        membership,
        object_type="people.person",
        summary="Liste : doublons possibles",
        context={"page": "duplicates", "persons": [person.pk for person in persons]},
    )


@transaction.atomic
def person_update(*, gated: Gated, data: dict[str, Any], today: date | None = None) -> Person:
    membership, person = _gate(gated, Action.EDIT_IDENTITY)
    today = today or timezone.localdate()
    if "birth_date" in data:
        _check_birth_date(data["birth_date"], today)
    # From the database: the caller's instance may already carry the new values.
    stored = Person.objects.get(pk=person.pk)
    before = audit.snapshot(stored, IDENTITY_FIELDS)
    for field in IDENTITY_FIELDS:
        if field in data:
            setattr(person, field, data[field])
    _check_contact(person, stored)
    _set_keys(person)
    person.full_clean()
    person.save()
    changes = audit.diff(before, audit.snapshot(person, IDENTITY_FIELDS))
    detail = "Champs modifiés : " + ", ".join(
        str(Person._meta.get_field(f).verbose_name) for f in changes
    )
    journal(
        membership,
        person,
        person=person,
        summary="Modification de l'identité",
        before=before,
        timeline=Event(TimelineEvent.Kind.PERSON, "Identité modifiée", detail=detail),
    )
    return person


@transaction.atomic
def address_add(*, gated: Gated, data: dict[str, Any]) -> Address:
    """Record a new address; the current one is closed the day before (history is kept)."""
    membership, person = _gate(gated, Action.EDIT_IDENTITY)
    new = Address(person=person, recorded_by=membership.user, **data)
    new.full_clean()
    current = person.addresses.filter(valid_to__isnull=True).first()
    if current is not None:
        if new.valid_from <= current.valid_from:
            raise field_errors(
                valid_from="La nouvelle adresse doit commencer après le "
                f"{current.valid_from:%d/%m/%Y} (début de l'adresse actuelle)."
            )
        before = journal_before(current)
        current.valid_to = new.valid_from - timedelta(days=1)
        current.save(update_fields=["valid_to"])
        journal(membership, current, person=person, summary="Fin d'une adresse", before=before)
    new.save()
    journal(
        membership,
        new,
        person=person,
        summary="Nouvelle adresse",
        timeline=Event(
            TimelineEvent.Kind.SITUATION, f"Nouvelle adresse : {new.postcode} {new.city}"
        ),
    )
    return new


@transaction.atomic
def situation_record(
    *,
    gated: Gated,
    domain: str,
    status: str,
    details: str,
    effective_date: date,
    today: date | None = None,
) -> SituationEntry:
    membership, person = _gate(gated, Action.EDIT_IDENTITY)
    today = today or timezone.localdate()
    if not is_valid_status(domain, status):
        raise field_errors(status="Cette situation n'existe pas pour ce domaine.")
    if effective_date > today:
        raise field_errors(effective_date="La date de la situation ne peut pas être future.")
    entry = SituationEntry(
        person=person,
        domain=domain,
        status=status,
        details=details,
        effective_date=effective_date,
        recorded_by=membership.user,
    )
    entry.full_clean()
    entry.save()
    journal(
        membership,
        entry,
        person=person,
        summary=f"Situation : {entry.get_domain_display()}",
        timeline=Event(
            TimelineEvent.Kind.SITUATION,
            f"{entry.get_domain_display().split(' (')[0]} : {entry.status_label}",
        ),
    )
    return entry


@transaction.atomic
def custody_open(
    *,
    gated: Gated,
    establishment_id: int,
    committal_number: str,
    committal_date: date,
    today: date | None = None,
) -> CustodyRecord:
    membership, person = _gate(gated, Action.CREATE_RECORD)
    today = today or timezone.localdate()
    if committal_date > today:
        raise field_errors(committal_date="La date d'écrou ne peut pas être future.")
    if person.custody_records.filter(release_date__isnull=True).exists():
        raise field_errors(
            committal_number="La personne a déjà un écrou en cours : "
            "enregistrez d'abord la levée d'écrou."
        )
    from probatio.organisation.models import Establishment

    if not Establishment.objects.filter(
        pk=establishment_id, service_id=membership.service_id
    ).exists():
        raise field_errors(establishment="Établissement inconnu pour ce service.")
    record = CustodyRecord(
        person=person,
        establishment_id=establishment_id,
        committal_number=committal_number,
        committal_date=committal_date,
    )
    record.full_clean()
    record.save()
    journal(
        membership,
        record,
        person=person,
        summary="Écrou",
        timeline=Event(
            TimelineEvent.Kind.CUSTODY,
            f"Écrou à {record.establishment.name}",
            detail=f"Numéro d'écrou {committal_number}",
            occurred_at=on_day(committal_date),
        ),
    )
    return record


@transaction.atomic
def custody_close(*, gated: Gated, release_date: date, today: date | None = None) -> CustodyRecord:
    membership, person = _gate(gated, Action.CREATE_RECORD)
    today = today or timezone.localdate()
    record = person.custody_records.filter(release_date__isnull=True).first()
    if record is None:
        raise field_errors(release_date="La personne n'a pas d'écrou en cours.")
    if release_date < record.committal_date:
        raise field_errors(
            release_date="La levée d'écrou ne peut pas précéder l'écrou "
            f"du {record.committal_date:%d/%m/%Y}."
        )
    if release_date > today:
        raise field_errors(release_date="La date de levée d'écrou ne peut pas être future.")
    before = journal_before(record)
    record.release_date = release_date
    record.save(update_fields=["release_date"])
    journal(
        membership,
        record,
        person=person,
        summary="Levée d'écrou",
        before=before,
        timeline=Event(
            TimelineEvent.Kind.CUSTODY,
            f"Levée d'écrou ({record.establishment.name})",
            occurred_at=on_day(release_date),
        ),
    )
    return record


@transaction.atomic
def court_number_add(*, gated: Gated, kind: str, number: str) -> CourtFileNumber:
    membership, person = _gate(gated, Action.EDIT_IDENTITY)
    item = CourtFileNumber(person=person, kind=kind, number=number.strip())
    item.full_clean()
    item.save()
    journal(membership, item, person=person, summary="Numéro de procédure")
    return item


@transaction.atomic
def judicial_alert_set(*, gated: Gated, alert: str) -> Person:
    """Flag the file (a warrant, a provisional incarceration): shown on every page of it."""
    membership, person = _gate(gated, Action.RECORD_ANSWER)
    before = journal_before(person, ["judicial_alert"])
    person.judicial_alert = alert[:200]
    person.save(update_fields=["judicial_alert", "updated_at"])
    journal(
        membership, person, person=person, summary="Alerte judiciaire sur le dossier", before=before
    )
    return person


def queue_state(person: Person, cpip: User | None, *, reason: str, now) -> None:
    """Give the file to ``cpip`` (since ``now``), or, without one, put it in the allocation
    queue for ``reason`` (a file already waiting keeps its date and origin)."""
    if cpip is not None:
        if cpip.pk != person.assigned_cpip_id or person.assigned_at is None:
            person.assigned_at = now
        person.assigned_cpip = cpip
        person.awaiting_since, person.awaiting_reason = None, ""
        return
    person.assigned_cpip = None
    person.assigned_at = None
    if person.awaiting_since is None:
        person.awaiting_since, person.awaiting_reason = now, reason


QUEUE_FIELDS = ["assigned_cpip", "assigned_at", "awaiting_since", "awaiting_reason"]


@transaction.atomic
def cpip_assign(
    *,
    gated: Gated,
    cpip: User | None,
    reason: str = AwaitingReason.UNASSIGNED,
    summary: str = "",
    detail: str = "",
) -> Person:
    """Give the file to a CPIP of the service, or (``None``) put it back in the allocation
    queue, for ``reason`` (``AwaitingReason``). ``summary`` and ``detail``: the journal's and
    the chronology's words, when the change has a story (a caseload moved, and why)."""
    membership, person = _gate(gated, Action.ASSIGN_CPIP)
    if (
        cpip is not None
        and not cpip.memberships.filter(
            service_id=membership.service_id, role="cpip", is_active=True
        ).exists()
    ):
        raise field_errors(cpip="Cette personne n'est pas CPIP de ce service.")
    before = journal_before(person, ["assigned_cpip"])
    if cpip is not None and cpip.pk == person.assigned_cpip_id:
        return person
    queue_state(person, cpip, reason=reason, now=timezone.now())
    person.save(update_fields=[*QUEUE_FIELDS, "updated_at"])
    journal(
        membership,
        person,
        person=person,
        summary=summary or "Attribution du suivi",
        before=before,
        timeline=Event(
            TimelineEvent.Kind.ASSIGNMENT,
            f"Suivi attribué à {cpip}" if cpip else "Suivi non attribué",
            detail=detail,
        ),
    )
    return person


SUPPORT_ROLES = ("psychologist", "social_worker", "monitoring")


@transaction.atomic
def support_staff_set(*, gated: Gated, users: list[User]) -> Person:
    """Other professionals who follow the person (their "caseload" scope covers them)."""
    membership, person = _gate(gated, Action.ASSIGN_CPIP)
    allowed = set(
        User.objects.filter(
            memberships__service_id=membership.service_id,
            memberships__role__in=SUPPORT_ROLES,
            memberships__is_active=True,
        ).values_list("pk", flat=True)
    )
    wanted = {u.pk for u in users}
    if wanted - allowed:
        raise field_errors(
            support_staff="Seuls les psychologues, assistant·es de service social et agents "
            "de surveillance électronique du service peuvent être ajoutés."
        )
    before = sorted(person.support_staff.values_list("pk", flat=True))
    if sorted(wanted) == before:
        return person
    person.support_staff.set(sorted(wanted))
    names = ", ".join(str(u) for u in users) or "aucun"
    journal(
        membership,
        person,
        person=person,
        summary="Autres intervenant·es",
        changes={"support_staff": [before, sorted(wanted)]},
        timeline=Event(TimelineEvent.Kind.ASSIGNMENT, f"Autres intervenant·es : {names}"),
    )
    return person


@transaction.atomic
def sms_consent_withdraw(*, gated: Gated) -> Person:
    """Turn SMS reminders off at the person's STOP reply: done by the system actor of the
    service (its reason, « Réponse STOP au SMS », is journaled)."""
    membership, person = _gate(gated, Action.RECORD_SMS_STOP)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not person.sms_consent:
        return person
    before = journal_before(person, ["sms_consent"])
    person.sms_consent = False
    person.consent_updated_at = timezone.now()
    person.save(update_fields=["sms_consent", "consent_updated_at", "updated_at"])
    journal(
        membership,
        person,
        person=person,
        summary=membership.reason,
        before=before,
        timeline=Event(
            TimelineEvent.Kind.MESSAGE, "Rappels par SMS désactivés", detail=membership.reason
        ),
    )
    return person


@transaction.atomic
def follow_up_assign(*, gated: Gated, cpip: User | None, support: list[User]) -> Person:
    """The assign page: the referent CPIP and the other professionals, in one transaction
    (a refusal of either stores neither)."""
    cpip_assign(gated=gated, cpip=cpip)
    return support_staff_set(gated=gated, users=support)
