"""Merging two files of the same person (docs/allocation.md, « Merging two files »).

One transaction: every row that points to the absorbed person is moved to the kept one, the
identity takes the values chosen group by group, the absorbed person is deleted and its id
leads to the kept file (``people.MergedFile``). Nothing is written before the manager
confirms (the pages show the result first), and a refusal writes nothing.

Every relation to ``Person`` — found by ``person_relations``, hidden ones included (drafts,
the support staff's table) — has a declared way of moving in ``HOW``; a relation added later
without one stops every merge (and ``tests/services/test_merges.py`` fails) rather than being
forgotten, or deleted with the absorbed person.
"""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from probatio.access.policy import Action
from probatio.assessments.loads import refresh_loads
from probatio.audit import services as audit
from probatio.core.errors import field_errors
from probatio.measures.followed import refresh_followed
from probatio.merges import rules
from probatio.merges.models import Merge
from probatio.messaging.models import Message
from probatio.notes.models import NoteDraft
from probatio.people import journal
from probatio.people import services as people_services
from probatio.people.models import (
    Address,
    AwaitingReason,
    CourtFileNumber,
    CustodyRecord,
    MergedFile,
    Person,
    TimelineEvent,
)
from probatio.people.selectors import Gated, require, same_actor
from probatio.people.selectors import gate as _gate
from probatio.programmes.models import ACTIVE, Enrolment
from probatio.sentences import services as sentences
from probatio.sentences.models import PenalSituation

REFUSAL = "Seul l'encadrement du service peut fusionner deux dossiers."


def person_relations() -> dict[str, models.ForeignObjectRel]:
    """Every foreign key (or one-to-one) to ``Person``, hidden ones included, by
    ``"app.Model.field"``. A many-to-many is moved through the foreign key of its table."""
    return {
        f"{rel.related_model._meta.label}.{rel.field.name}": rel
        for rel in Person._meta.get_fields(include_hidden=True)
        if rel.auto_created and not rel.concrete and rel.is_relation and not rel.many_to_many
    }


# --- How each relation moves ----------------------------------------------------------------


def _move(rel, kept: Person, absorbed: Person) -> int:
    """The rows of the absorbed person now belong to the kept one, as they are."""
    name = rel.field.name
    return rel.related_model._base_manager.filter(**{name: absorbed}).update(**{name: kept})


def _computed_again(rel, kept: Person, absorbed: Person) -> int:
    """Rows derived from the file (the échéancier's stored items and their state): dropped for
    both files, so that the next read computes the merged file from what it now holds."""
    name = rel.field.name
    return rel.related_model._base_manager.filter(**{f"{name}__in": [kept, absorbed]}).delete()[0]


def _state_again(rel, kept: Person, absorbed: Person) -> int:
    """The échéancier's state of the two files: the absorbed one's dropped, the kept one's
    stale (every file has its state: ``deadlines.signals``), so that the next read computes
    the merged file."""
    model = rel.related_model
    dropped = model._base_manager.filter(person=absorbed).delete()[0]
    model._base_manager.filter(person=kept).update(stale=True)
    return dropped


def _move_one_to_one(rel, kept: Person, absorbed: Person) -> int:
    """A row a person has at most once: moved when the kept file has none, else refused."""
    manager, name = rel.related_model._base_manager, rel.field.name
    if manager.filter(**{name: absorbed}).exists() and manager.filter(**{name: kept}).exists():
        raise field_errors(
            __all__=f"Les deux dossiers ont chacun un(e) « {rel.related_model._meta.verbose_name} »"
            " : il ne peut y en avoir qu'un. La fusion n'a pas été faite."
        )
    return _move(rel, kept, absorbed)


def _union(rel, kept: Person, absorbed: Person) -> int:
    """A many-to-many's table (the other professionals who follow the person): the union of
    both; a professional on both files is listed once."""
    model, name = rel.related_model, rel.field.name
    other = next(
        f.attname
        for f in model._meta.concrete_fields
        if f.is_relation and f.name != name and not f.primary_key
    )
    on_kept = model._base_manager.filter(**{name: kept}).values(other)
    model._base_manager.filter(**{name: absorbed}, **{f"{other}__in": on_kept}).delete()
    return _move(rel, kept, absorbed)


def _court_numbers(rel, kept: Person, absorbed: Person) -> int:
    """A court file number is unique per person, kind and number: one on both files is kept
    once (the kept file's)."""
    on_kept = set(CourtFileNumber.objects.filter(person=kept).values_list("kind", "number"))
    twice = [
        pk
        for pk, kind, number in CourtFileNumber.objects.filter(person=absorbed).values_list(
            "pk", "kind", "number"
        )
        if (kind, number) in on_kept
    ]
    CourtFileNumber.objects.filter(pk__in=twice).delete()
    return _move(rel, kept, absorbed)


def _drafts(rel, kept: Person, absorbed: Person) -> int:
    """Drafts stay their author's. The person's own note form is keyed by the person's id
    (``place_id``): it becomes the kept file's; when the author had begun a note on both,
    the two texts are put together in the kept file's draft (none is lost)."""
    moved = 0
    for draft in NoteDraft.objects.filter(person=absorbed).order_by("pk"):
        place_id = draft.place_id
        if draft.place_kind == NoteDraft.Place.NOTE and place_id == str(absorbed.pk):
            place_id = str(kept.pk)
        same = NoteDraft.objects.filter(
            person=kept, author_id=draft.author_id, place_kind=draft.place_kind, place_id=place_id
        ).first()
        if same is None:
            NoteDraft.objects.filter(pk=draft.pk).update(person=kept, place_id=place_id)
        else:
            same.subject = same.subject or draft.subject
            same.body = _joined(same.body, draft.body)
            same.reasons = _joined(same.reasons, draft.reasons)
            same.save(update_fields=["subject", "body", "reasons", "updated_at"])
            draft.delete()
        moved += 1
    return moved


def _joined(first: str, second: str) -> str:
    if not second or second == first:
        return first
    if not first:
        return second
    return f"{first}\n\n{second}"[:20000]


def _messages(rel, kept: Person, absorbed: Person) -> int:
    """Messages move; those still to send go to the contact the merged file keeps (the
    sending checks its consent, as for any message)."""
    moved = _move(rel, kept, absorbed)
    kept.refresh_from_db(fields=["phone", "email"])
    pending = Message.objects.filter(person=kept, status=Message.Status.PENDING)
    if kept.phone:
        pending.filter(channel=Message.Channel.SMS).update(recipient=kept.phone)
    if kept.email:
        pending.filter(channel=Message.Channel.EMAIL).update(recipient=kept.email)
    return moved


def _transfers(rel, kept: Person, absorbed: Person) -> int:
    """A transfer still waiting for its answer was proposed for one file as it stood: merging
    it away would hand another service a file it has not seen. Refused until it is withdrawn
    or answered; closed transfers move with the history."""
    pending = rel.related_model._base_manager.filter(
        **{f"{rel.field.name}__in": [kept, absorbed]}, status="pending"
    )
    if pending.exists():
        raise field_errors(
            __all__="Une demande de transfert de l'un des deux dossiers attend sa réponse : "
            "retirez-la ou attendez la réponse avant de fusionner. Rien n'a été modifié."
        )
    return _move(rel, kept, absorbed)


def _enrolments(rel, kept: Person, absorbed: Person) -> int:
    """One active enrolment per person and programme (a constraint on the person and the
    programme, which ``once_per_person_conflicts`` does not see): both files referred to the
    same programme and still active is refused, with the constraint's message."""
    on_kept = Enrolment.objects.filter(ACTIVE, person=kept).values("programme_id")
    if Enrolment.objects.filter(ACTIVE, person=absorbed, programme_id__in=on_kept).exists():
        constraint = next(
            c for c in Enrolment._meta.constraints if isinstance(c, models.UniqueConstraint)
        )
        raise field_errors(
            __all__=f"{constraint.violation_error_message} (les deux dossiers ont chacun une "
            "orientation en cours vers le même programme). La fusion n'a pas été faite."
        )
    return _move(rel, kept, absorbed)


def once_per_person_conflicts(kept: Person, absorbed: Person) -> list[str]:
    """The rows a person may have only once (a unique constraint on the person alone, under a
    condition: an open committal, a pending transfer) that both files have: a merge would
    break the rule, so it is refused, with the constraint's own French message."""
    found = []
    for rel in person_relations().values():
        name = rel.field.name
        for constraint in rel.related_model._meta.constraints:
            if not isinstance(constraint, models.UniqueConstraint):
                continue
            if tuple(constraint.fields) != (name,) or constraint.condition is None:
                continue
            rows = rel.related_model._base_manager.filter(
                constraint.condition, **{f"{name}__in": [kept, absorbed]}
            )
            if rows.values(name).distinct().count() == 2:
                found.append(str(constraint.violation_error_message))
    return found


# Each relation to a person and how a merge moves it. Plain ``_move`` unless the table holds a
# rule that two files could break: a unique row per person, a key made of the person's id.
HOW = {
    "people.Person_support_staff.person": _union,
    "people.Address.person": _move,  # the current one chosen: ``_addresses`` after the move
    "people.CourtFileNumber.person": _court_numbers,
    "people.CustodyRecord.person": _move,  # two open committals: refused before anything
    "people.SituationEntry.person": _move,  # dated entries: the latest of each domain is current
    "people.TimelineEvent.person": _move,
    "people.MergedFile.kept": _move,  # files the absorbed one had absorbed lead to the kept one
    "merges.Merge.kept": _move,
    "measures.Decision.person": _move,
    "measures.Measure.person": _move,
    "notes.InterviewNote.person": _move,
    "notes.NoteDraft.person": _drafts,
    "messaging.Message.person": _messages,
    "agenda.Appointment.person": _move,
    "agenda.Summons.person": _move,
    "compliance.Proof.person": _move,
    "compliance.Incident.person": _move,
    "assessments.Assessment.person": _move,  # append-only, each keeps its date and author
    # Both histories of levels: the one in force is the latest applied; a change waiting on
    # both files is refused before anything (one pending change per person).
    "assessments.IntensityDecision.person": _move,
    # What each file weighs in its caseload: dropped for both, the kept file's rewritten from
    # what it now holds once everything has moved (``refresh_loads``).
    "assessments.FileLoad.person": _computed_again,
    # Programmes: one active enrolment per person and programme (``_enrolments``); their
    # steps and attendances follow the enrolment.
    "programmes.Enrolment.person": _enrolments,
    "reports.Report.person": _move,
    "sentences.Sentence.person": _move,
    "reintegration.Need.person": _move,  # an open need of a pathway on both: both stay listed
    "reintegration.PartnerReferral.person": _move,
    "reintegration.ReleasePlan.person": _move,  # one per committal, committals are distinct
    "reintegration.ArrivalInterview.person": _move,  # idem
    "reintegration.DestitutionAssessment.person": _move,
    "reintegration.DestitutionAid.person": _move,
    "reintegration.FamilyContact.person": _move,
    "reintegration.FamilyStep.person": _move,
    "community_work.TigOrder.person": _move,
    "transfers.Transfer.person": _transfers,
    "deadlines.DueItemRecord.person": _computed_again,
    "deadlines.DueItemsState.person": _state_again,
    # A legal hold follows the file it suspends; one in force per file: two held files are
    # refused before anything (``once_per_person_conflicts``).
    "retention.LegalHold.person": _move,
}


def undeclared_relations() -> list[str]:
    """Relations to a person that ``HOW`` does not say how to move (must be none). A
    one-to-one relation is declared with ``_move_one_to_one``."""
    return sorted(set(person_relations()) - set(HOW))


# --- The merge ------------------------------------------------------------------------------


def _addresses(
    *, membership, kept: Person, kept_current, absorbed_current, side: str, today: date
) -> None:
    """One current address: the chosen one; the other is ended the day before the merge (its
    start at the latest), and stays in the history."""
    if kept_current is None or absorbed_current is None:
        return
    closed = kept_current if side == rules.ABSORBED else absorbed_current
    closed = Address.objects.get(pk=closed.pk)
    before = journal.before(closed, ["valid_to"])
    closed.valid_to = max(closed.valid_from, today - timedelta(days=1))
    closed.save(update_fields=["valid_to"])
    journal.write(
        membership,
        closed,
        person=kept,
        summary="Fin d'une adresse (fusion de dossiers)",
        before=before,
    )


KEYS = {"cpip": rules.CPIP.key}


def _identity_errors(error: ValidationError, prefix: str) -> ValidationError:
    """The identity service's messages, keyed by the page's groups."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {
            rules.GROUP_OF_FIELD.get(field, KEYS.get(field, "__all__")): [
                f"{prefix}{message}" for message in msgs
            ]
            for field, msgs in error.message_dict.items()
        }
    )


def snapshot_of(person: Person) -> dict:
    """What the kept file's history keeps of the absorbed one (to recognise it, no more)."""
    return {
        "surname": person.surname,
        "birth_surname": person.birth_surname,
        "first_names": person.first_names,
        "birth_date": person.birth_date.isoformat(),
        "assigned_cpip": str(person.assigned_cpip) if person.assigned_cpip_id else "",
    }


@transaction.atomic
def merge_files(
    *,
    gated: Gated,
    absorbed: Gated,
    choices: dict[str, str],
    today: date | None = None,
) -> Merge:
    """Merge the file of ``absorbed`` into the file of ``gated`` (both gated for the same
    manager), keeping for each group of ``choices`` (``merges.rules.GROUPS`` → ``"kept"`` or
    ``"absorbed"``) the value of that side. Refused, with nothing written: the same file,
    another service's file, two open committals, a role without ``merge_files``."""
    membership, kept = _gate(gated, Action.MERGE_FILES, REFUSAL)
    same_actor(absorbed, membership)
    require(absorbed, Action.MERGE_FILES, REFUSAL)
    other = absorbed.person
    today = today or timezone.localdate()
    if other.pk == kept.pk:
        raise field_errors(
            __all__="Un dossier ne peut pas être fusionné avec lui-même : choisissez l'autre "
            "dossier de la personne."
        )
    if other.service_id != membership.service_id or kept.service_id != membership.service_id:
        raise field_errors(__all__="Seuls deux dossiers de votre service peuvent être fusionnés.")
    undeclared = undeclared_relations()
    if undeclared:  # a table added without saying how it moves: nothing is merged
        raise RuntimeError(f"merge: relations to a person not declared: {undeclared}")
    try:
        choices = rules.complete(choices)
    except ValueError as error:
        raise field_errors(**{str(error): "Choisissez l'un des deux dossiers."}) from error
    locked = {
        person.pk: person
        for person in Person.objects.select_for_update(of=("self",))
        .filter(pk__in=[kept.pk, other.pk], service_id=membership.service_id)
        .select_related("assigned_cpip")
    }
    if other.pk not in locked or kept.pk not in locked:
        raise field_errors(
            __all__="L'un des deux dossiers n'existe plus (déjà fusionné ?) : rien n'a été modifié."
        )
    absorbed_person = locked[other.pk]
    kept_stored = locked[kept.pk]
    open_custody = CustodyRecord.objects.filter(
        person_id__in=[kept.pk, other.pk], release_date__isnull=True
    ).select_related("establishment")
    if len({record.person_id for record in open_custody}) == 2:
        places = " et ".join(
            f"écrou n° {r.committal_number} à {r.establishment.name}" for r in open_custody
        )
        raise field_errors(
            __all__=f"Les deux dossiers ont un écrou en cours ({places}) : une personne n'est "
            "écrouée qu'une fois. Enregistrez d'abord la levée de l'écrou erroné, puis "
            "fusionnez. Rien n'a été modifié."
        )
    conflicts = once_per_person_conflicts(kept, other)
    if conflicts:
        raise field_errors(
            __all__="Les deux dossiers ont chacun ce qu'une personne n'a qu'une fois : "
            + " ".join(conflicts)
            + " Rien n'a été modifié."
        )
    now = timezone.now()
    kept_current = Address.objects.filter(person=kept, valid_to__isnull=True).first()
    absorbed_current = Address.objects.filter(person=other, valid_to__isnull=True).first()

    # The identity chosen, through the identity service (its checks, its journal line).
    fields = people_services.IDENTITY_FIELDS
    identity = rules.chosen_identity(
        {f: getattr(kept_stored, f) for f in fields},
        {f: getattr(absorbed_person, f) for f in fields},
        choices,
    )
    try:
        people_services.person_update(gated=gated, data=identity, today=today)
    except ValidationError as error:
        raise _identity_errors(error, "Identité retenue : ") from error

    # Every row of the absorbed file, to the kept one.
    moved = {}
    for name, rel in sorted(person_relations().items()):
        count = HOW[name](rel, kept, absorbed_person)
        if count:
            moved[rel.related_model._meta.label_lower] = count
    left = {
        name: rel.related_model._base_manager.filter(**{rel.field.name: absorbed_person}).count()
        for name, rel in person_relations().items()
    }
    if any(left.values()):  # never delete what was not moved
        raise RuntimeError(f"merge: rows left on the absorbed person: {left}")
    # Measures and committals moved by UPDATE (no signal): whether the kept file is followed.
    refresh_followed([kept.pk])
    refresh_loads([kept.pk])

    _addresses(
        membership=membership,
        kept=kept,
        kept_current=kept_current,
        absorbed_current=absorbed_current,
        side=choices[rules.ADDRESS.key],
        today=today,
    )
    cpip = (
        absorbed_person.assigned_cpip
        if choices[rules.CPIP.key] == rules.ABSORBED
        else kept_stored.assigned_cpip
    )
    if cpip is None and kept.assigned_cpip_id is None:
        pass  # already waiting in the allocation queue, for its own reason
    else:
        try:
            people_services.cpip_assign(gated=gated, cpip=cpip, reason=AwaitingReason.MERGE)
        except ValidationError as error:
            raise _identity_errors(error, "CPIP : ") from error

    merge = Merge(
        service_id=membership.service_id,
        kept=kept,
        absorbed_id=other.pk,
        absorbed_identity=snapshot_of(absorbed_person),
        choices=choices,
        moved=moved,
        merged_by=membership.user,
        merged_at=now,
    )
    merge.full_clean()
    merge.save()
    MergedFile.objects.create(absorbed_id=other.pk, kept=kept, merged_at=now)
    # Files that led to the absorbed one lead to the kept one (moved above: ``MergedFile.kept``).
    detail = (
        f"{absorbed_person} ({absorbed_person.born_word.lower()} le "
        f"{absorbed_person.birth_date:%d/%m/%Y})"
    )
    journal.write(
        membership,
        merge,
        person=kept,
        summary=f"Fusion : dossier n° {other.pk} fusionné dans ce dossier",
        timeline=journal.Event(
            TimelineEvent.Kind.PERSON,
            f"Dossier n° {other.pk} fusionné dans ce dossier",
            detail=detail,
        ),
    )
    # The absorbed file's own journal says where it went (its entries keep its id: history).
    audit.record_by(
        membership,
        audit.Action.DELETE,
        absorbed_person,
        person_id=other.pk,
        summary=f"Fusion : dossier fusionné dans le dossier n° {kept.pk}",
        changes=audit.diff(audit.snapshot(absorbed_person, list(fields)), {}),
        context={"merged_into": kept.pk, "merge": merge.pk, "moved": moved},
    )
    Person.objects.filter(pk=other.pk).delete()
    _recompute_sentence_dates(kept)
    return merge


def _recompute_sentence_dates(person: Person) -> None:
    """The open committal's estimated dates, now that the file holds both files' sentences."""
    situation = PenalSituation.objects.filter(
        custody__person=person, custody__release_date__isnull=True
    ).first()
    if situation is not None:
        sentences.recompute(situation, person)
