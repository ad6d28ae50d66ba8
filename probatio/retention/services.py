"""Writes of the retention app: legal holds (a manager, on the dossier) and the retention job
(the system actor of each service): what each rule in force finds due, then its deletion or
anonymisation, in batches, each journaled without a name (docs/data-protection.md)."""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.utils import timezone

from probatio.access.policy import Action
from probatio.accounts.system import SystemActor
from probatio.audit import services as audit
from probatio.compliance.models import Proof
from probatio.core.dates import format_fr
from probatio.core.errors import field_errors
from probatio.messaging.models import Message
from probatio.notes.models import InterviewNote
from probatio.people import journal
from probatio.people.models import Person
from probatio.people.selectors import Gated, gate, persons_gated_for
from probatio.retention import rules, selectors
from probatio.retention.models import Kind, LegalHold, RetentionAction, RetentionRule

log = logging.getLogger(__name__)

REASON = "conservation des données"
HELD = (
    "Ce dossier est sous gel de la conservation (posé le {day}) : aucune règle de "
    "conservation ne s'y applique et rien n'a été supprimé. Levez le gel depuis le dossier "
    "avant toute purge."
)
NOT_DUE = (
    "Ce dossier n'est pas à supprimer au {day} selon la règle « {rule} » (une mesure, un écrou "
    "ou un rendez-vous en cours ou à venir, ou la durée de conservation n'est pas écoulée) : "
    "rien n'a été supprimé."
)


# --- Legal holds -----------------------------------------------------------------------------


@transaction.atomic
def hold_set(*, gated: Gated, reason: str, now: datetime | None = None) -> LegalHold:
    """Put a file under a legal hold: every retention rule is suspended for it until lifted."""
    membership, person = gate(gated, Action.MANAGE_LEGAL_HOLD)
    reason = (reason or "").strip()
    if not reason:
        raise field_errors(
            reason="Indiquez le motif du gel (procédure en cours, demande du juge…)."
        )
    Person.objects.select_for_update().filter(pk=person.pk).first()
    if LegalHold.objects.filter(person=person, lifted_at__isnull=True).exists():
        raise field_errors(reason="Ce dossier est déjà gelé : levez le gel en cours d'abord.")
    hold = LegalHold(
        person=person, reason=reason, set_by=membership.user, set_at=now or timezone.now()
    )
    hold.full_clean()
    hold.save()
    journal.write(
        membership,
        hold,
        person=person,
        summary="Gel de la conservation posé sur le dossier",
        timeline=journal.Event("person", "Gel de la conservation posé"),
    )
    return hold


@transaction.atomic
def hold_lift(*, gated: Gated, now: datetime | None = None) -> LegalHold:
    """Lift the hold in force on a file: its retention rules apply again."""
    membership, person = gate(gated, Action.MANAGE_LEGAL_HOLD)
    hold = (
        LegalHold.objects.select_for_update().filter(person=person, lifted_at__isnull=True).first()
    )
    if hold is None:
        raise field_errors(__all__="Ce dossier n'est pas gelé : il n'y a rien à lever.")
    before = journal.before(hold)
    hold.lifted_by, hold.lifted_at = membership.user, now or timezone.now()
    hold.full_clean()
    hold.save(update_fields=["lifted_by", "lifted_at"])
    journal.write(
        membership,
        hold,
        person=person,
        before=before,
        summary="Gel de la conservation levé",
        timeline=journal.Event("person", "Gel de la conservation levé"),
    )
    return hold


# --- Deleting a closure of rows ---------------------------------------------------------------


def _collect(model: type[models.Model], pks: set[int]) -> tuple[dict, dict]:
    """Every row that depends on the given rows, whatever its ``on_delete`` (``PROTECT``
    included: a measure protects its decision, yet both belong to the file being deleted), and
    the rows outside it that point at it with ``SET_NULL``. The database's foreign keys are
    checked at commit (Django creates them ``DEFERRABLE INITIALLY DEFERRED``), so the rows can
    go in any order inside the transaction; a row outside the file still pointing at it makes
    the commit fail: nothing is deleted."""
    collected: dict[type[models.Model], set[int]] = defaultdict(set)
    set_null: list[tuple[type[models.Model], str, type[models.Model]]] = []
    queue = [(model, set(pks))]
    while queue:
        current, new = queue.pop()
        new -= collected[current]
        if not new:
            continue
        collected[current] |= new
        for relation in current._meta.get_fields(include_hidden=True):
            if not (relation.auto_created and not relation.concrete):
                continue
            if not (relation.one_to_many or relation.one_to_one):
                continue
            related, name = relation.related_model, relation.field.name
            on_delete = relation.on_delete
            if on_delete is models.SET_NULL:
                set_null.append((related, name, current))
                continue
            if on_delete is models.DO_NOTHING:
                continue
            found = set(
                related._base_manager.filter(**{f"{name}__in": new}).values_list("pk", flat=True)
            )
            if found:
                queue.append((related, found))
    return collected, set_null


def _delete_rows(
    model: type[models.Model], pks: set[int], *, person_ids: set[int]
) -> dict[str, int]:
    """Delete ``pks`` of ``model`` and everything that depends on them (``_collect``), their
    private files once the transaction commits. Refuses (nothing deleted) when a row found
    belongs to another person than ``person_ids``. Returns the count per model."""
    collected, set_null = _collect(model, pks)
    for current, ids in collected.items():
        if any(f.name == "person" for f in current._meta.concrete_fields):
            others = (
                current._base_manager.filter(pk__in=ids)
                .exclude(person_id__in=person_ids)
                .values_list("pk", flat=True)[:1]
            )
            if current is not Person and list(others):
                raise RuntimeError(
                    f"Suppression arrêtée : une ligne de {current._meta.label} rattachée au "
                    "dossier appartient à une autre personne."
                )
    for related, name, target in set_null:
        related._base_manager.filter(**{f"{name}__in": collected[target]}).exclude(
            pk__in=collected.get(related, ())
        ).update(**{name: None})
    files = []
    for current, ids in collected.items():
        for file_field in [
            f for f in current._meta.concrete_fields if isinstance(f, models.FileField)
        ]:
            names = current._base_manager.filter(pk__in=ids).exclude(**{file_field.name: ""})
            files += [
                (file_field.storage, name)
                for name in names.values_list(file_field.name, flat=True)
                if name
            ]
    counts = {}
    using = router.db_for_write(model)
    for current, ids in collected.items():
        ordered = sorted(ids)
        for start in range(0, len(ordered), 500):
            current._base_manager.filter(pk__in=ordered[start : start + 500])._raw_delete(using)
        counts[current._meta.label_lower] = len(ids)

    def remove_files():
        for storage, name in files:
            try:
                storage.delete(name)
            except OSError:  # already gone: nothing left to remove
                log.warning("Conservation : fichier privé introuvable à la suppression")

    transaction.on_commit(remove_files)
    return counts


# --- The job ----------------------------------------------------------------------------------


@dataclass
class RuleResult:
    """What one rule found (dry-run) or did (run) in one service."""

    rule: RetentionRule
    service_id: int | None
    count: int = 0
    files: list[tuple[int, date]] = field(default_factory=list)  # (person id, ended)
    ids: list[int] = field(default_factory=list)  # the rows (messages…)
    detail: dict = field(default_factory=dict)  # the journal: entries per chain
    stopped: dict = field(default_factory=dict)  # the journal: chains stopped at an anomaly


@dataclass
class Report:
    as_of: date
    dry_run: bool
    results: list[RuleResult] = field(default_factory=list)


def _plan_files(rule: RetentionRule, service_id: int, *, as_of: date, now: datetime, exclude=()):
    rows = selectors.closed_files(
        service_id, before=rules.cutoff(as_of, rule.duration_months), now=now
    ).values_list("pk", "ended", "note_count", "proof_count")
    return [row for row in rows if row[0] not in exclude]


def plan_service(service_id: int, *, as_of: date, now: datetime) -> list[RuleResult]:
    """What each rule in force finds due in the service ``as_of`` (the dry-run). A file the
    file rule deletes is not counted again by the notes' or proofs' rule; the journal is
    counted over the service's chain."""
    results = []
    by_kind = {rule.kind: rule for rule in selectors.rules_in_force()}
    deleted: set[int] = set()
    if Kind.FILES in by_kind:
        rule = by_kind[Kind.FILES]
        rows = _plan_files(rule, service_id, as_of=as_of, now=now)
        deleted = {row[0] for row in rows}
        results.append(
            RuleResult(rule, service_id, count=len(rows), files=[(r[0], r[1]) for r in rows])
        )
    for kind, position in ((Kind.NOTES, 2), (Kind.PROOF_FILES, 3)):
        if kind in by_kind:
            rule = by_kind[kind]
            rows = [
                row
                for row in _plan_files(rule, service_id, as_of=as_of, now=now, exclude=deleted)
                if row[position]
            ]
            results.append(
                RuleResult(
                    rule,
                    service_id,
                    count=sum(row[position] for row in rows),
                    files=[(r[0], r[1]) for r in rows],
                )
            )
    if Kind.MESSAGES in by_kind:
        rule = by_kind[Kind.MESSAGES]
        ids = list(
            selectors.messages_due(
                service_id, before=rules.cutoff_time(as_of, rule.duration_months)
            ).values_list("pk", flat=True)
        )
        results.append(RuleResult(rule, service_id, count=len(ids), ids=ids))
    return results


def _journal(
    actor: SystemActor,
    *,
    rule: RetentionRule,
    object_type: str,
    person_id,
    summary: str,
    context: dict,
):
    audit.record(
        actor=actor,
        action=audit.Action.DELETE,
        service_id=actor.service_id,
        role=actor.role,
        object_type=object_type,
        object_id=person_id,
        person_id=person_id,
        summary=summary,
        context={"rule": rule.code, **context},
    )


def _files_batch(
    actor: SystemActor,
    rule: RetentionRule,
    batch: list[int],
    *,
    as_of: date,
    now: datetime,
    part: str | None = None,
) -> list[int]:
    """One batch of files, in one transaction: each file still due (checked again, locked:
    a hold set meanwhile wins) is deleted whole (``part`` None), or its notes or proofs."""
    with transaction.atomic():
        persons = list(
            Person.objects.select_for_update()
            .filter(pk__in=batch, service_id=actor.service_id)
            .order_by("pk")
        )
        persons_gated_for(actor, persons, action=Action.APPLY_RETENTION)
        due = {
            pk: ended
            for pk, ended in selectors.closed_files(
                actor.service_id,
                before=rules.cutoff(as_of, rule.duration_months),
                now=now,
                person_ids=[p.pk for p in persons],
            ).values_list("pk", "ended")
        }
        done = []
        for person in persons:
            if person.pk not in due:
                continue  # held or reopened since the plan: left alone
            ended = due[person.pk]
            if part is None:
                counts = _delete_rows(Person, {person.pk}, person_ids={person.pk})
                _journal(
                    actor,
                    rule=rule,
                    object_type="people.person",
                    person_id=person.pk,
                    summary=f"Dossier {person.pk} supprimé au terme de sa conservation "
                    f"(fin de la dernière mesure le {format_fr(ended)})",
                    context={"ended": ended, "rows": sum(counts.values())},
                )
            else:
                model = InterviewNote if part == Kind.NOTES else Proof
                pks = set(model.objects.filter(person=person).values_list("pk", flat=True))
                if not pks:
                    continue
                _delete_rows(model, pks, person_ids={person.pk})
                what = "notes d'entretien" if part == Kind.NOTES else "justificatifs"
                _journal(
                    actor,
                    rule=rule,
                    object_type=model._meta.label_lower,
                    person_id=person.pk,
                    summary=f"{len(pks)} {what} du dossier {person.pk} supprimés au terme de "
                    f"leur conservation",
                    context={"ended": ended, "ids": sorted(pks)},
                )
            done.append(person.pk)
        return done


def _messages_batch(
    actor: SystemActor, rule: RetentionRule, batch: list[int], *, as_of: date
) -> list[int]:
    with transaction.atomic():
        due = selectors.messages_due(
            actor.service_id, before=rules.cutoff_time(as_of, rule.duration_months)
        ).filter(pk__in=batch)
        ids = sorted(due.values_list("pk", flat=True))
        if not ids:
            return []
        if rule.action == RetentionAction.ANONYMISE:
            Message.objects.filter(pk__in=ids).update(
                recipient="", subject="", body="", provider_id="", last_error=""
            )
            verb = "anonymisés"
        else:
            _delete_rows(
                Message,
                set(ids),
                person_ids=set(
                    Message.objects.filter(pk__in=ids).values_list("person_id", flat=True)
                ),
            )
            verb = "supprimés"
        _journal(
            actor,
            rule=rule,
            object_type="messaging.message",
            person_id=None,
            summary=f"{len(ids)} messages {verb} au terme de leur conservation",
            context={"ids": ids},
        )
        return ids


def apply_service(
    service_id: int,
    *,
    as_of: date,
    now: datetime,
    dry_run: bool,
    batch_size: int = rules.BATCH_SIZE,
) -> list[RuleResult]:
    """The rules in force on one service, by its system actor: the plan (the dry-run), then,
    unless ``dry_run``, exactly that, batch by batch (one transaction each: a stop leaves
    whole batches, and the next run finds what is left)."""
    planned = plan_service(service_id, as_of=as_of, now=now)
    if dry_run:
        return planned
    actor = SystemActor(service_id=service_id, reason=REASON)
    done = []
    for result in planned:
        kind = result.rule.kind
        outcome = RuleResult(result.rule, service_id)
        if kind == Kind.MESSAGES:
            for batch in rules.batches(result.ids, batch_size * 10):
                outcome.ids += _messages_batch(actor, result.rule, batch, as_of=as_of)
            outcome.count = len(outcome.ids)
        else:
            part = None if kind == Kind.FILES else kind
            ended = dict(result.files)
            for batch in rules.batches([pk for pk, _ in result.files], batch_size):
                removed = _files_batch(actor, result.rule, batch, as_of=as_of, now=now, part=part)
                outcome.files += [(pk, ended[pk]) for pk in removed]
            outcome.count = len(outcome.files) if kind == Kind.FILES else result.count
        done.append(outcome)
    return done


def purge_file(
    *, gated: Gated, as_of: date | None = None, now: datetime | None = None
) -> RuleResult:
    """Delete one file the file rule finds due (``apply_retention --dossier``), by the system
    actor: refused in French, nothing deleted, when the file is under a legal hold or not due."""
    actor, person = gate(gated, Action.APPLY_RETENTION)
    now = now or timezone.now()
    as_of = as_of or timezone.localdate(now)
    rule = next((r for r in selectors.rules_in_force() if r.kind == Kind.FILES), None)
    hold = selectors.hold_in_force(person)
    if hold is not None:
        raise ValidationError(HELD.format(day=format_fr(timezone.localdate(hold.set_at))))
    if rule is None:
        raise ValidationError(
            "Aucune règle de conservation des dossiers n'est en vigueur : rien n'a été supprimé."
        )
    removed = _files_batch(actor, rule, [person.pk], as_of=as_of, now=now)
    if not removed:
        raise ValidationError(NOT_DUE.format(day=format_fr(as_of), rule=rule.label))
    return RuleResult(rule, actor.service_id, count=1, files=[(person.pk, None)])


def purge_journal(
    rule: RetentionRule, *, as_of: date, dry_run: bool, chains: list[str] | None = None
):
    """The journal's rule: ``audit.retention.purge_journal`` purges the entries older than the
    rule's bound from the start of each chain (every chain, or those named) and leaves the
    signed checkpoint the verification starts from (docs/audit.md, « Retention »)."""
    from probatio.audit.retention import purge_journal as purge

    return purge(rules.cutoff_time(as_of, rule.duration_months), dry_run=dry_run, chains=chains)


def apply(
    *,
    as_of: date | None = None,
    service_ids: list[int] | None = None,
    dry_run: bool,
    batch_size: int = rules.BATCH_SIZE,
    now: datetime | None = None,
) -> Report:
    """The retention job over the given services (all by default), each by its system actor,
    then the journal's rule over their chains (every chain, the platform's included, when no
    service is named). A real run is never ahead of time: ``as_of`` after today is for a
    dry-run only."""
    from probatio.organisation.models import Service

    now = now or timezone.now()
    as_of = as_of or timezone.localdate(now)
    if not dry_run and as_of > timezone.localdate(now):
        raise ValidationError(
            "Une date de référence future ne sert qu'à la simulation (--dry-run) : rien n'est "
            "supprimé avant son terme."
        )
    report = Report(as_of=as_of, dry_run=dry_run)
    services = Service.objects.order_by("pk")
    if service_ids is not None:
        services = services.filter(pk__in=service_ids)
    ids = list(services.values_list("pk", flat=True))
    for service_id in ids:
        report.results += apply_service(
            service_id, as_of=as_of, now=now, dry_run=dry_run, batch_size=batch_size
        )
    journal_rule = next((r for r in selectors.rules_in_force() if r.kind == Kind.JOURNAL), None)
    if journal_rule is not None:
        chains = None if service_ids is None else [f"service:{pk}" for pk in ids]
        result = RuleResult(journal_rule, None)
        if rules.cutoff_time(as_of, journal_rule.duration_months) > now:
            result.detail = {}
        else:
            purged = purge_journal(journal_rule, as_of=as_of, dry_run=dry_run, chains=chains)
            result.detail = dict(purged.per_chain)
            result.count = purged.total
            result.stopped = dict(purged.stopped)
        report.results.append(result)
    return report
