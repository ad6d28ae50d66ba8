"""Writes on the prison side of a file: sentences, remand and safety period, exclusions,
reductions (each a dated JAP decision), official dates; and the recomputation of the stored
estimates. Every write is checked against the engine *before* anything is saved (a sentence, a
reduction or a safety period that would make the dates impossible is refused with a French
message), journaled, and followed by the recomputation, all in one transaction.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from probatio.access.policy import Action, allows
from probatio.audit import services as audit
from probatio.core.dates import add_months
from probatio.core.errors import field_errors
from probatio.core.text import count
from probatio.measures.models import Decision, Measure
from probatio.measures.services import decision_create
from probatio.people.journal import timeline_add
from probatio.people.journal import write as journal
from probatio.people.models import CustodyRecord, Person, TimelineEvent
from probatio.people.selectors import Gated
from probatio.people.selectors import gate as _gate
from probatio.people.selectors import own as _own
from probatio.sentences import engine, rules
from probatio.sentences.models import OfficialDate, PenalSituation, Reduction, Sentence

# The prison sentence measure (milieu fermé follow-up), whose end is the sentence's.
PRISON_MEASURE = "EMPRISONNEMENT"

# Engine field → the form field the message is shown next to.
_ENGINE_FIELDS = {
    "sentences": "years",
    "reductions_granted_days": "days",
    "reductions_withdrawn_days": "days",
    "safety_period": "safety_years",
    "pretrial_detention_days": "remand_days",
    "birth_date": "__all__",
    "committal_date": "__all__",
}


# --- Inputs of the engine ---------------------------------------------------------------------


def reduction_totals(reductions) -> tuple[int, int]:
    """Days granted and days withdrawn, over reductions (anything with ``kind`` and ``days``)."""
    granted = sum(r.days for r in reductions if r.kind == Reduction.Kind.GRANTED)
    withdrawn = sum(r.days for r in reductions if r.kind == Reduction.Kind.WITHDRAWN)
    return granted, withdrawn


def engine_input(
    situation: PenalSituation,
    *,
    sentences: list[Sentence],
    reductions: list[Reduction],
    birth_date: date | None,
) -> engine.SentenceInput | None:
    """The engine's input for one committal; None while no sentence is recorded."""
    if not sentences:
        return None
    granted, withdrawn = reduction_totals(reductions)
    safety = (
        engine.Length(situation.safety_years, situation.safety_months, situation.safety_days)
        if situation.has_safety_period
        else None
    )
    return engine.SentenceInput(
        sentences=tuple(engine.Length(s.years, s.months, s.days) for s in sentences),
        # Legal recidivism found by a decision of a sentence served caps the parole waiting
        # time at 20 years instead of 15 (CPP 729).
        legal_recidivist=any(
            s.decision.recidivism != Decision.Recidivism.NONE for s in sentences if s.decision_id
        ),
        committal_date=situation.custody.committal_date,
        pretrial_detention_days=situation.remand_days,
        reductions_granted_days=granted,
        reductions_withdrawn_days=withdrawn,
        safety_period=safety,
        birth_date=birth_date,
        lsc_excluded=bool(situation.lsc_exclusions),
        lsc_plein_droit_excluded=bool(situation.lsc_plein_droit_exclusions),
    )


def _check(data: engine.SentenceInput | None, field_map: dict | None = None) -> None:
    if data is None:
        return
    try:
        engine.check(data)
    except engine.InputError as error:
        key = error.field.split("[")[0]
        field = (field_map or _ENGINE_FIELDS).get(key, "__all__")
        raise field_errors(**{field: _french(error)}) from error


def _french(error: engine.InputError) -> str:
    messages = {
        "reductions_granted_days": "Les réductions de peine atteindraient ou dépasseraient la "
        "peine : vérifiez le nombre de jours.",
        "safety_period": "La période de sûreté ne peut pas dépasser la peine prononcée.",
    }
    if error.field in messages and "calendrier" not in error.message:
        return messages[error.field]
    if error.field.startswith("sentences") and "nulle" in error.message:
        return "La durée de la peine ne peut pas être nulle."
    return "Les dates ne peuvent pas être calculées : une valeur sort des limites du calendrier."


def _apply(situation: PenalSituation, result: engine.SentenceDates | None) -> list[str]:
    for name in rules.COMPUTED_FIELDS:
        setattr(situation, name, getattr(result, name) if result else None)
    situation.computed_at = timezone.now()
    return [*rules.COMPUTED_FIELDS, "computed_at"]


def recompute(situation: PenalSituation, person: Person) -> engine.SentenceDates | None:
    """Compute and store the estimates of one committal (call inside the write's transaction),
    and carry the one end date onto the prison sentence's measure."""
    data = _prospective(situation, person)
    result = engine.compute(data) if data else None
    situation.save(update_fields=_apply(situation, result))
    sync_prison_measures(situation.custody, person)
    return result


def one_end_date(custody: CustodyRecord, situation: PenalSituation | None) -> tuple:
    """The end of the sentence everyone reads: the registry's (current « fin de peine ») when
    known, else Probatio's estimate; with its source (``Measure.EndSource``)."""
    official = (
        OfficialDate.objects.filter(custody=custody, kind=rules.FIN_PEINE, is_current=True)
        .values_list("date", flat=True)
        .first()
    )
    if official is not None:
        return official, Measure.EndSource.OFFICIAL
    if situation is not None and situation.end_date is not None:
        return situation.end_date, Measure.EndSource.ESTIMATE
    return None, Measure.EndSource.DURATION


def sync_prison_measures(custody: CustodyRecord, person: Person) -> int:
    """Write the one end date onto the open prison sentence measures of a person held under
    ``custody`` (their end is never typed): lists, the measure, the reports' prefill and the
    échéancier then all read the same date. Returns the number of measures changed."""
    if custody.release_date is not None:
        return 0
    situation = PenalSituation.objects.filter(custody=custody).first()
    end, source = one_end_date(custody, situation)
    changed = 0
    for measure in Measure.objects.filter(
        person=person, measure_type_id=PRISON_MEASURE, status__in=Measure.OPEN_STATUSES
    ):
        if end is not None and end < measure.start_date:
            continue
        if (measure.end_date, measure.end_source) == (end, source):
            continue
        before = audit.snapshot(measure, ["end_date", "end_source"])
        measure.end_date, measure.end_source = end, source
        measure.save(update_fields=["end_date", "end_source", "updated_at"])
        audit.record(
            actor=None,
            action=audit.Action.UPDATE,
            service_id=person.service_id,
            instance=measure,
            person_id=person.pk,
            summary="Fin de peine reportée sur la mesure (dates de la peine)",
            changes=audit.diff(before, audit.snapshot(measure, ["end_date", "end_source"])),
        )
        changed += 1
    return changed


def recompute_all(*, actor, batch_size: int = 500) -> dict[str, int]:
    """The nightly recomputation of one service, by its system actor: every open committal's
    estimates, in a fixed number of queries per batch, and the one end date carried onto the
    prison measures (journaled as the system actor's). Returns counts (computed, without
    sentence, changed, errors: inputs the engine refuses, left as they were and counted;
    measures: prison measures whose end moved)."""
    if not allows(actor.role, Action.RECOMPUTE_DATES):
        raise PermissionDenied("Le recalcul des dates de peine est un traitement du système.")
    situations = PenalSituation.objects.filter(
        custody__release_date__isnull=True, custody__person__service_id=actor.service_id
    )
    ids = list(situations.order_by("pk").values_list("pk", flat=True))
    counts = {"computed": 0, "without_sentence": 0, "changed": 0, "errors": 0, "measures": 0}
    for first in range(0, len(ids), batch_size):
        chunk = ids[first : first + batch_size]
        batch = list(
            PenalSituation.objects.filter(pk__in=chunk)
            .select_related("custody__person")
            .prefetch_related("sentences__decision", "reductions")
        )
        changed = []
        for situation in batch:
            before = situation.computed()
            data = _prospective(situation, situation.custody.person)
            if data is None:
                counts["without_sentence"] += 1
                result = None
            else:
                try:
                    result = engine.check(data)
                except engine.InputError:
                    counts["errors"] += 1
                    continue
                counts["computed"] += 1
            _apply(situation, result)
            if situation.computed() != before:
                changed.append(situation)
        with transaction.atomic():
            PenalSituation.objects.bulk_update(changed, [*rules.COMPUTED_FIELDS, "computed_at"])
            counts["measures"] += _sync_prison_measures_of(batch, actor)
        counts["changed"] += len(changed)
    return counts


def _sync_prison_measures_of(situations: list[PenalSituation], actor) -> int:
    """``sync_prison_measures`` for a batch of committals, in two queries and a bulk update:
    the open prison measures of their persons, the registry's current ends."""
    by_person = {s.custody.person_id: s for s in situations}
    officials = dict(
        OfficialDate.objects.filter(
            custody_id__in=[s.custody_id for s in situations],
            kind=rules.FIN_PEINE,
            is_current=True,
        ).values_list("custody_id", "date")
    )
    changed = []
    for measure in Measure.objects.filter(
        person_id__in=list(by_person),
        measure_type_id=PRISON_MEASURE,
        status__in=Measure.OPEN_STATUSES,
    ):
        situation = by_person[measure.person_id]
        official = officials.get(situation.custody_id)
        if official is not None:
            end, source = official, Measure.EndSource.OFFICIAL
        elif situation.end_date is not None:
            end, source = situation.end_date, Measure.EndSource.ESTIMATE
        else:
            continue
        if end < measure.start_date or (measure.end_date, measure.end_source) == (end, source):
            continue
        before = audit.snapshot(measure, ["end_date", "end_source"])
        measure.end_date, measure.end_source = end, source
        changed.append(measure)
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            service_id=actor.service_id,
            role=actor.role,
            instance=measure,
            person_id=measure.person_id,
            summary="Fin de peine reportée sur la mesure (recalcul des dates)",
            changes=audit.diff(before, audit.snapshot(measure, ["end_date", "end_source"])),
        )
    Measure.objects.bulk_update(changed, ["end_date", "end_source"])
    return len(changed)


# --- Writes --------------------------------------------------------------------------------


def situation_for(custody: CustodyRecord) -> PenalSituation:
    """The committal's penal situation, created empty the first time it is needed."""
    situation, _ = PenalSituation.objects.get_or_create(custody=custody)
    situation.custody = custody
    return situation


def _prospective(
    situation, person, *, sentences=None, reductions=None
) -> engine.SentenceInput | None:
    """The engine's input of a committal, with its recorded sentences and reductions unless
    others are given (the inputs as they would be after a change)."""
    return engine_input(
        situation,
        sentences=list(situation.sentences.all()) if sentences is None else sentences,
        reductions=list(situation.reductions.all()) if reductions is None else reductions,
        birth_date=person.birth_date,
    )


def _locked(custody: CustodyRecord) -> PenalSituation:
    situation = situation_for(custody)
    situation = PenalSituation.objects.select_for_update().get(pk=situation.pk)
    situation.custody = custody
    return situation


@transaction.atomic
def sentence_add(*, gated: Gated, custody: CustodyRecord, data: dict[str, Any]) -> Sentence:
    membership, person = _gate(gated, Action.CREATE_RECORD)
    decision = data["decision"]
    if decision.person_id != person.pk:
        raise field_errors(decision="Cette décision ne concerne pas cette personne.")
    if not (data.get("years") or data.get("months") or data.get("days")):
        raise field_errors(years="La durée de la peine ne peut pas être nulle.")
    situation = _locked(custody)
    sentence = Sentence(
        person=person,
        situation=situation,
        decision=decision,
        years=data.get("years") or 0,
        months=data.get("months") or 0,
        days=data.get("days") or 0,
        description=data.get("description", ""),
        category=data.get("category") or Sentence.Category.ORDINARY,
        qualification=data.get("qualification") or Sentence.Qualification.DELIT,
    )
    _check(_prospective(situation, person, sentences=[*situation.sentences.all(), sentence]))
    sentence.full_clean()
    sentence.save()
    journal(membership, sentence, person=person, summary="Peine d'emprisonnement ajoutée")
    recompute(situation, person)
    return sentence


@transaction.atomic
def sentence_remove(*, gated: Gated, sentence: Sentence) -> None:
    """Remove a sentence entered by mistake (the decision stays)."""
    membership, person = _gate(gated, Action.CREATE_RECORD)
    _own(person, sentence.person_id)
    situation = _locked(sentence.situation.custody)
    remaining = [s for s in situation.sentences.all() if s.pk != sentence.pk]
    if remaining:
        _check(_prospective(situation, person, sentences=remaining))
    journal(
        membership,
        sentence,
        person=person,
        summary="Peine d'emprisonnement retirée (erreur de saisie)",
        deleted=True,
    )
    sentence.delete()
    recompute(situation, person)


TERMS_FIELDS = [
    "remand_days",
    "safety_years",
    "safety_months",
    "safety_days",
    "lsc_exclusions",
    "lsc_plein_droit_exclusions",
]


@transaction.atomic
def terms_update(*, gated: Gated, custody: CustodyRecord, data: dict[str, Any]) -> PenalSituation:
    """Remand, safety period and the 720 I / 720 III checklists."""
    membership, person = _gate(gated, Action.CREATE_RECORD)
    _own(person, custody.person_id)
    for name, allowed in (
        ("lsc_exclusions", rules.LSC_EXCLUSIONS),
        ("lsc_plein_droit_exclusions", rules.LSC_PLEIN_DROIT_EXCLUSIONS),
    ):
        if name in data and rules.unknown_codes(data[name], allowed):
            raise field_errors(**{name: "Cas d'exclusion inconnu."})
    situation = _locked(custody)
    before = audit.snapshot(situation, TERMS_FIELDS)
    for name in TERMS_FIELDS:
        if name in data:
            value = data[name]
            setattr(situation, name, sorted(value) if isinstance(value, list | set) else value)
    _check(_prospective(situation, person))
    situation.full_clean()
    situation.save(update_fields=[*TERMS_FIELDS, "updated_at"])
    changes = audit.diff(before, audit.snapshot(situation, TERMS_FIELDS))
    if changes:
        journal(
            membership,
            situation,
            person=person,
            summary="Situation pénale modifiée (détention provisoire, sûreté, exclusions)",
            changes=changes,
        )
    recompute(situation, person)
    return situation


@transaction.atomic
def reduction_add(
    *,
    gated: Gated,
    custody: CustodyRecord,
    data: dict[str, Any],
    decision: Decision | None = None,
) -> Reduction:
    """A reduction granted or withdrawn: the JAP's order is recorded as a decision (journaled,
    in the timeline) and the estimates move at once. ``decision``: the order already recorded
    (the judge's answer to an opinion), instead of a new one."""
    membership, person = _gate(gated, Action.CREATE_RECORD)
    kind = data["kind"]
    if kind not in Reduction.Kind.values:
        raise field_errors(kind="Choisissez une réduction accordée ou un retrait.")
    if not data.get("days") or data["days"] <= 0:
        raise field_errors(days="Le nombre de jours doit être positif.")
    situation = _locked(custody)
    if not situation.sentences.exists():
        raise field_errors(
            __all__="Enregistrez d'abord la peine : une réduction porte sur une peine en cours."
        )
    if data["date"] < custody.committal_date:
        raise field_errors(date="La décision ne peut pas précéder la date d'écrou.")
    reductions = list(situation.reductions.all())
    if kind == Reduction.Kind.WITHDRAWN:
        granted, withdrawn = reduction_totals(reductions)
        if data["days"] > granted - withdrawn:
            raise field_errors(
                days=f"On ne peut retirer plus que les réductions accordées et non retirées "
                f"({count(granted - withdrawn, 'jour')})."
            )
    probe = Reduction(situation=situation, kind=kind, days=data["days"])
    _check(_prospective(situation, person, reductions=[*reductions, probe]))
    label = (
        "Réduction de peine accordée"
        if kind == Reduction.Kind.GRANTED
        else "Retrait de réduction de peine"
    )
    decision = decision or decision_create(
        gated=gated,
        data={
            "kind": Decision.Kind.JAP_ORDER,
            "jurisdiction": data.get("jurisdiction") or "Juge de l'application des peines",
            "date": data["date"],
            "judge_name": data.get("judge_name", ""),
            "summary": f"{label} : {count(data['days'], 'jour')}"
            + (f". {data['summary']}" if data.get("summary") else ""),
        },
        offences=[],
    )
    probe.decision = decision
    probe.full_clean()
    probe.save()
    journal(membership, probe, person=person, summary=label)
    result = recompute(situation, person)
    if result is not None:
        timeline_add(
            person=person,
            kind=TimelineEvent.Kind.CUSTODY,
            title=f"{label} : {count(data['days'], 'jour')}",
            detail=f"Fin de peine estimée désormais au {result.end_date:%d/%m/%Y}.",
            actor=membership.user,
            instance=probe,
        )
    return probe


def safety_period_end(situation: PenalSituation | None) -> date | None:
    """The day the safety period ends (counted from the start of the sentence, calendar months
    then days), or None when there is none or no sentence yet."""
    if situation is None or not situation.has_safety_period or situation.start_date is None:
        return None
    return add_months(
        situation.start_date, 12 * situation.safety_years + situation.safety_months
    ) + timedelta(days=situation.safety_days)


@dataclass(frozen=True)
class PrisonFacts:
    """What a judge's decision needs to know of the person's prison side (one end date)."""

    custody: CustodyRecord | None = None
    situation: PenalSituation | None = None
    end_date: date | None = None  # the registry's end when known, else the estimate
    end_is_official: bool = False
    safety_end: date | None = None
    total_months: int | None = None  # pronounced, for the TAP's competence
    total_days: int = 0
    reductions_cap_days: int | None = None
    reductions_net_days: int = 0
    reductions: tuple = ()  # (kind, date, days)


def prison_facts(person: Person) -> PrisonFacts:
    """The open committal's facts, read in a fixed number of queries."""
    from probatio.sentences.selectors import dates_of_persons

    custody = CustodyRecord.objects.filter(person=person, release_date__isnull=True).first()
    if custody is None:
        return PrisonFacts()
    situation = PenalSituation.objects.filter(custody=custody).first()
    if situation is None:
        return PrisonFacts(custody=custody)
    situation.custody = custody
    sentences = list(situation.sentences.all())
    reductions = list(situation.reductions.select_related("decision"))
    rows = dates_of_persons(Person.objects.filter(pk=person.pk))
    end = rows[0]["end_date"] if rows else None
    granted, withdrawn = reduction_totals(reductions)
    cap = None
    if sentences and situation.start_date is not None:
        cap = rules.reduction_cap_days(
            [
                rules.SentenceLength(s.years, s.months, s.days, s.category, s.qualification)
                for s in sentences
            ],
            start=situation.start_date,
            committal_date=custody.committal_date,
        )
    return PrisonFacts(
        custody=custody,
        situation=situation,
        end_date=end if sentences else None,
        end_is_official=bool(rows and "end_date" in rows[0]["official_fields"]),
        safety_end=safety_period_end(situation),
        total_months=sum(12 * s.years + s.months for s in sentences) if sentences else None,
        total_days=sum(s.days for s in sentences),
        reductions_cap_days=cap,
        reductions_net_days=max(0, granted - withdrawn),
        reductions=tuple((r.kind, r.decision.date, r.days) for r in reductions),
    )


@transaction.atomic
def sentence_to_serve_add(
    *,
    gated: Gated,
    decision: Decision,
    years: int = 0,
    months: int = 0,
    days: int = 0,
    description: str,
) -> Sentence:
    """A prison sentence the judge ordered to be served (the revoked part of a probation, a
    term set in advance): attached to the open committal when the person is held (its dates
    move at once), otherwise kept as a sentence to serve until the person is committed."""
    membership, person = _gate(gated, Action.CREATE_RECORD)
    if not (years or months or days):
        raise field_errors(term_months="La durée de la peine à exécuter ne peut pas être nulle.")
    custody = CustodyRecord.objects.filter(person=person, release_date__isnull=True).first()
    situation = _locked(custody) if custody is not None else None
    sentence = Sentence(
        person=person,
        situation=situation,
        decision=decision,
        years=years,
        months=months,
        days=days,
        description=description[:200],
    )
    if situation is not None:
        _check(
            _prospective(situation, person, sentences=[*situation.sentences.all(), sentence]),
            {"sentences": "term_months"},
        )
    sentence.full_clean()
    sentence.save()
    journal(membership, sentence, person=person, summary="Peine d'emprisonnement à exécuter")
    where = (
        f"ajoutée à l'écrou en cours ({custody.establishment.name})"
        if custody
        else "à exécuter : elle rejoindra le prochain écrou"
    )
    timeline_add(
        person=person,
        kind=TimelineEvent.Kind.CUSTODY,
        title=f"Peine d'emprisonnement de {sentence.length_text} {where}",
        detail=description,
        actor=membership.user,
        instance=sentence,
    )
    if situation is not None:
        recompute(situation, person)
    return sentence


@transaction.atomic
def attach_sentences_to_serve(*, gated: Gated, custody: CustodyRecord) -> list[Sentence]:
    """At a committal, the sentences the person had still to serve (a revoked part, a term set
    in advance) join it: its dates are computed with them."""
    membership, person = _gate(gated, Action.CREATE_RECORD)
    waiting = list(Sentence.objects.filter(person=person, situation__isnull=True).order_by("pk"))
    if not waiting:
        return []
    situation = _locked(custody)
    _check(_prospective(situation, person, sentences=[*situation.sentences.all(), *waiting]))
    for sentence in waiting:
        before = audit.snapshot(sentence, ["situation"])
        sentence.situation = situation
        sentence.save(update_fields=["situation"])
        journal(
            membership,
            sentence,
            person=person,
            summary="Peine à exécuter jointe à l'écrou",
            before=before,
        )
    recompute(situation, person)
    return waiting


@transaction.atomic
def prison_measure_close(
    *, gated: Gated, measure: Measure, released_on: date, today: date | None = None
) -> Measure:
    """The prison sentence measure ends with the release: its end is the day of release."""
    membership, person = _gate(gated, Action.CREATE_RECORD)
    _own(person, measure.person_id)
    before = audit.snapshot(measure, ["status", "end_date", "end_source"])
    measure.status = Measure.Status.ENDED
    measure.end_date = max(released_on, measure.start_date)
    measure.end_source = Measure.EndSource.RELEASE
    measure.save(update_fields=["status", "end_date", "end_source", "updated_at"])
    journal(
        membership,
        measure,
        person=measure.person,
        summary="Peine d'emprisonnement : fin du suivi en détention à la levée d'écrou",
        before=before,
    )
    return measure


def official_date_set(
    *,
    gated: Gated,
    custody: CustodyRecord,
    kind: str,
    day: date,
    source: str = OfficialDate.Source.ENTERED,
    batch=None,
) -> str:
    """Record a registry date: ``"created"``, ``"updated"`` (the previous one kept as history)
    or ``"unchanged"`` (the same date is already current: nothing is written). Call inside a
    transaction."""
    membership, person = _gate(gated, (Action.CREATE_RECORD, Action.IMPORT_OFFICIAL_DATES))
    if kind not in rules.OFFICIAL_KINDS:
        raise field_errors(kind="Type de date inconnu.")
    current = (
        OfficialDate.objects.select_for_update()
        .filter(custody=custody, kind=kind, is_current=True)
        .first()
    )
    if current is not None and current.date == day:
        return "unchanged"
    if current is not None:
        current.is_current = False
        current.save(update_fields=["is_current"])
    official = OfficialDate.objects.create(
        custody=custody,
        kind=kind,
        date=day,
        source=source,
        batch=batch,
        recorded_by=membership.user,
    )
    journal(
        membership,
        official,
        person=person,
        summary=f"Date officielle : {rules.OFFICIAL_KINDS[kind].lower()}",
        changes={"date": [current.date.isoformat() if current else None, day.isoformat()]},
        created=current is None,
    )
    if kind == rules.FIN_PEINE:
        sync_prison_measures(custody, person)
    return "updated" if current else "created"


@transaction.atomic
def official_date_enter(*, gated: Gated, custody: CustodyRecord, data: dict[str, Any]) -> str:
    membership, person = _gate(gated, Action.CREATE_RECORD)
    return official_date_set(gated=gated, custody=custody, kind=data["kind"], day=data["date"])
