"""Writes on decisions, measures and obligations (keyword-only, one transaction, audited)."""

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from probatio.access.policy import Action
from probatio.accounts.models import Membership, User
from probatio.audit import services as audit
from probatio.core.dates import on_day
from probatio.core.errors import field_errors
from probatio.core.text import count
from probatio.measures import catalogue, rules
from probatio.measures.models import (
    Decision,
    Measure,
    MeasureRule,
    MeasureType,
    Obligation,
    ObligationType,
    Offence,
)
from probatio.people.journal import Event, timeline_add
from probatio.people.journal import before as journal_before
from probatio.people.journal import write as journal
from probatio.people.models import TimelineEvent
from probatio.people.selectors import Gated
from probatio.people.selectors import gate as _gate
from probatio.people.selectors import own as _own

DECISION_FIELDS = [
    "kind",
    "jurisdiction",
    "court",
    "date",
    "enforceable_date",
    "judge",
    "judge_name",
    "recidivism",
    "court_file_number",
    "summary",
    "provisional_execution",
    "ssj_incurred",
    "ssj_on_record",
]
MEASURE_FIELDS = [
    "start_date",
    "duration_months",
    "duration_days",
    "hours",
    "status",
    "setting",
    "modality",
    "reinforced_follow_up",
    "report_requested_on",
    "assigning_judge",
    "assigned_cpip",
]
OBLIGATION_FIELDS = [
    "start_date",
    "end_date",
    "status",
    "details",
    "victim_name",
    "victim_contact",
    "zone",
    "care_structure",
    "proof_frequency",
]


def _judge_error(membership: Membership, judge: User | None, field: str) -> dict[str, str]:
    if (
        judge is not None
        and not judge.memberships.filter(
            service_id=membership.service_id, role="judge", is_active=True
        ).exists()
    ):
        return {field: "Ce magistrat n'est pas rattaché à ce service."}
    return {}


def _check_judge(membership: Membership, judge: User | None, field: str) -> None:
    if errors := _judge_error(membership, judge, field):
        raise field_errors(**errors)


def _decision_errors(membership: Membership, data: dict[str, Any], today: date) -> dict[str, str]:
    """Every error of a decision's data, collected before anything is refused: the form shows
    them all in one submit."""
    return {
        **rules.validate_decision_dates(
            decided=data["date"], enforceable=data.get("enforceable_date"), today=today
        ),
        **_judge_error(membership, data.get("judge"), "judge"),
    }


def _check_decision_data(membership: Membership, data: dict[str, Any], today: date) -> None:
    if errors := _decision_errors(membership, data, today):
        raise field_errors(**errors)


def _save_decision(decision: Decision) -> None:
    """Validate and save; the dates constraint's error is shown next to the field."""
    try:
        decision.full_clean()
    except ValidationError as error:
        if "__all__" in getattr(error, "error_dict", {}):
            raise field_errors(
                enforceable_date="La date de caractère exécutoire ne peut pas "
                "précéder la date de la décision."
            ) from error
        raise
    decision.save()


def _add_offences(decision: Decision, offences: list[dict[str, Any]]) -> None:
    for item in offences:
        offence = Offence(decision=decision, **item)
        offence.full_clean()
        offence.save()


@transaction.atomic
def decision_create(
    *,
    gated: Gated,
    data: dict[str, Any],
    offences: list[dict[str, Any]],
    today: date | None = None,
) -> Decision:
    membership, person = _gate(gated, Action.CREATE_RECORD)
    _check_decision_data(membership, data, today or timezone.localdate())
    decision = Decision(person=person, **{k: v for k, v in data.items() if k in DECISION_FIELDS})
    if decision.judge and not decision.judge_name:
        decision.judge_name = decision.judge.get_full_name()
    _save_decision(decision)
    _add_offences(decision, offences)
    journal(
        membership,
        decision,
        person=person,
        summary="Nouvelle décision",
        changes={
            **audit.diff({}, audit.snapshot(decision)),
            "offences": [None, [o["label"] for o in offences]],
        },
        created=True,
        timeline=Event(
            TimelineEvent.Kind.DECISION,
            str(decision),
            detail=", ".join(o["label"] for o in offences),
            occurred_at=on_day(decision.date, 9),
        ),
    )
    return decision


@transaction.atomic
def decision_update(
    *,
    gated: Gated,
    decision: Decision,
    data: dict[str, Any],
    offences: list[dict[str, Any]],
    today: date | None = None,
) -> Decision:
    """Correct a decision as entered. Its offences are replaced by ``offences``; the measures
    and obligations it carries are checked again (a recidivism removed may put a probation
    period beyond its bound)."""
    membership, person = _gate(gated, Action.CREATE_RECORD)
    _own(person, decision.person_id)
    errors = _decision_errors(membership, data, today or timezone.localdate())
    person = decision.person
    stored = Decision.objects.get(pk=decision.pk)
    before = audit.snapshot(stored)
    old_judge_id = stored.judge_id
    old_offences = list(decision.offences.values_list("label", flat=True))
    for field in DECISION_FIELDS:
        if field in data:
            setattr(decision, field, data[field])
    # What the correction would break in the measures and obligations it carries, collected
    # with the decision's own errors: all of them are shown at once, nothing is saved.
    for measure in decision.measures.select_related("measure_type"):
        try:
            _validate_measure(measure, decision)  # a copy read for the check only
        except ValidationError as error:
            reasons = " ".join(m for ms in error.message_dict.values() for m in ms)
            errors.setdefault(
                "recidivism",
                f"La mesure « {measure.measure_type.label} » ne respecterait plus ses bornes : "
                f"{reasons}",
            )
    for obligation in decision.obligations.select_related("obligation_type"):
        if obligation.start_date < decision.date:
            errors.setdefault(
                "date",
                f"L'obligation « {obligation.obligation_type.label} » commence avant cette date.",
            )
    if errors:
        raise field_errors(**errors)
    _save_decision(decision)
    for measure in decision.measures.select_related("measure_type"):
        # A judge corrected on the decision is corrected on the measures that had it (the
        # wrongly entered judge must not keep the file).
        if decision.judge_id != old_judge_id and measure.assigning_judge_id == old_judge_id:
            measure_before = journal_before(measure, ["assigning_judge"])
            measure.assigning_judge = decision.judge
            measure.save(update_fields=["assigning_judge", "updated_at"])
            journal(
                membership,
                measure,
                person=person,
                summary="Magistrat mandant corrigé avec la décision",
                before=measure_before,
            )
        try:
            _validate_measure(measure, decision)
        except ValidationError as error:
            reasons = " ".join(m for ms in error.message_dict.values() for m in ms)
            raise field_errors(
                recidivism=f"La mesure « {measure.measure_type.label} » ne respecterait "
                f"plus ses bornes : {reasons}"
            ) from error
        measure.save(update_fields=["end_date", "updated_at"])
    decision.offences.all().delete()
    _add_offences(decision, offences)
    new_offences = [o["label"] for o in offences]
    changes = audit.diff(before, audit.snapshot(decision))
    if new_offences != old_offences:
        changes["offences"] = [old_offences, new_offences]
    journal(
        membership,
        decision,
        person=person,
        summary="Décision corrigée",
        changes=changes,
        timeline=Event(
            TimelineEvent.Kind.DECISION,
            f"Décision corrigée : {decision}",
            detail="Champs modifiés : " + ", ".join(sorted(changes)),
        ),
    )
    return decision


def _bounds_for(measure_type: MeasureType, on: date) -> rules.Bounds:
    found = rules.rule_in_force(
        [rules.Bounds.from_rule(r) for r in MeasureRule.objects.filter(measure_type=measure_type)],
        on,
    )
    if found is None:
        raise field_errors(
            measure_type=f"La mesure « {measure_type.label} » n'existait pas à "
            f"la date de la décision ({on:%d/%m/%Y})."
        )
    return found


def _validate_measure(measure: Measure, decision: Decision) -> None:
    bounds = _bounds_for(measure.measure_type, decision.date)
    errors = rules.validate_dates(decision_date=decision.date, start=measure.start_date)
    counted_from = rules.period_start(
        bounds.duration_kind,
        start=measure.start_date,
        decision_date=decision.date,
        enforceable_date=decision.enforceable_date,
    )
    errors.update(
        rules.validate_duration(
            bounds,
            start=counted_from,
            months=measure.duration_months,
            days=measure.duration_days,
            hours=measure.hours,
            recidivism=decision.recidivism,
        )
    )
    if errors:
        raise field_errors(**errors)
    if bounds.duration_kind != "none":
        # The days a committal suspended the period push the end (the duration stays as
        # pronounced).
        measure.end_date = rules.end_date(
            counted_from, measure.duration_months, measure.duration_days
        ) + timedelta(days=measure.suspended_days)


def _check_status(measure: Measure, today: date) -> None:
    errors = rules.validate_status(
        status=measure.status, start=measure.start_date, end=measure.end_date, today=today
    )
    if errors:
        raise field_errors(**errors)


def measure_type_get(code: str) -> MeasureType:
    measure_type = MeasureType.objects.filter(code=code).first()
    if measure_type is None:
        raise field_errors(measure_type=f"Code de mesure inconnu : « {code} ».")
    return measure_type


@transaction.atomic
def measure_create(
    *,
    gated: Gated,
    decision: Decision,
    measure_type_code: str,
    data: dict[str, Any],
    today: date | None = None,
) -> Measure:
    membership, person = _gate(gated, Action.CREATE_RECORD)
    today = today or timezone.localdate()
    if decision.person_id != person.pk:
        raise field_errors(decision="Cette décision ne concerne pas cette personne.")
    measure_type = measure_type_get(measure_type_code)
    _check_judge(membership, data.get("assigning_judge") or decision.judge, "assigning_judge")
    measure = Measure(
        person=person,
        decision=decision,
        measure_type=measure_type,
        **{k: v for k, v in data.items() if k in MEASURE_FIELDS},
    )
    measure.setting = measure.setting or measure_type.default_setting
    measure.assigning_judge = measure.assigning_judge or decision.judge
    measure.assigned_cpip = measure.assigned_cpip or person.assigned_cpip
    _validate_measure(measure, decision)
    if not data.get("status"):
        measure.status = rules.initial_status(
            start=measure.start_date, end=measure.end_date, today=today
        )
    _check_status(measure, today)
    measure.full_clean()
    measure.save()
    journal(
        membership,
        measure,
        person=person,
        summary=f"Nouvelle mesure : {measure_type.short_label}",
        timeline=Event(
            TimelineEvent.Kind.MEASURE,
            f"Mesure : {measure_type.label}",
            detail=_measure_detail(measure),
            occurred_at=on_day(measure.start_date, 9) if measure.start_date <= today else None,
        ),
    )
    _add_control_measures(gated, measure, today=today)
    return measure


def carries_control_measures(measure_type_code: str) -> bool:
    return measure_type_code in catalogue.CONTROL_MEASURE_TYPES


def _add_control_measures(gated: Gated, measure: Measure, *, today: date) -> None:
    """The control measures of CP 132-44 belong to the measures whose texts apply them, from
    their creation and by law: added with the measure, linked to its decision (ended with it
    when the measure is recorded already closed)."""
    if not carries_control_measures(measure.measure_type_id):
        return
    on = measure.start_date
    ended_on = None
    if not measure.is_open:
        ended_on = measure.end_date if measure.end_date and measure.end_date <= today else today
        ended_on = max(ended_on, on)
    types = ObligationType.objects.filter(kind=ObligationType.Kind.CONTROL, valid_from__lte=on)
    types = [t for t in types if t.valid_to is None or t.valid_to >= on]
    membership = gated.membership
    for obligation_type in types:
        obligation = Obligation(
            measure=measure,
            decision=measure.decision,
            obligation_type=obligation_type,
            start_date=on,
            end_date=ended_on,
            status=Obligation.Status.ENDED if ended_on else Obligation.Status.ACTIVE,
            proof_frequency=obligation_type.default_proof_frequency,
        )
        obligation.full_clean()
        obligation.save()
        journal(
            membership,
            obligation,
            person=measure.person,
            summary=f"Mesure de contrôle (CP 132-44) : {obligation_type.label}",
        )
    if types:
        timeline_add(
            person=measure.person,
            kind=TimelineEvent.Kind.OBLIGATION,
            title=f"Mesures de contrôle (CP 132-44) : {measure.measure_type.short_label}",
            actor=membership.user,
            instance=measure,
            detail="Répondre aux convocations, recevoir les visites, prévenir des changements "
            "d'emploi et de résidence, informer le JAP avant tout déplacement à l'étranger…",
        )


def _measure_detail(measure: Measure) -> str:
    parts = [f"du {measure.start_date:%d/%m/%Y}"]
    if measure.end_date:
        parts.append(f"au {measure.end_date:%d/%m/%Y}")
    if measure.hours:
        parts.append(f"{measure.hours} heures")
    parts.append(measure.get_status_display().lower())
    return ", ".join(parts)


@transaction.atomic
def measure_update(
    *,
    gated: Gated,
    measure: Measure,
    data: dict[str, Any],
    today: date | None = None,
) -> Measure:
    membership, person = _gate(gated, Action.CREATE_RECORD)
    _own(person, measure.person_id)
    person = measure.person
    before = audit.snapshot(measure)
    old_status = measure.get_status_display()
    old_judge_id = measure.assigning_judge_id
    for field in MEASURE_FIELDS:
        # Left empty, the judge and the CPIP stay as they are (or, when none was named yet,
        # follow the decision and the person, as on creation).
        if field in ("assigning_judge", "assigned_cpip") and data.get(field) is None:
            continue
        if field in data:
            setattr(measure, field, data[field])
    measure.assigning_judge = measure.assigning_judge or measure.decision.judge
    measure.assigned_cpip = measure.assigned_cpip or person.assigned_cpip
    if measure.assigning_judge_id != old_judge_id:
        _check_judge(membership, measure.assigning_judge, "assigning_judge")
    _validate_measure(measure, measure.decision)
    _check_status(measure, today or timezone.localdate())
    measure.full_clean()
    measure.save()
    title = f"Mesure modifiée : {measure.measure_type.short_label}"
    if measure.get_status_display() != old_status:
        title = (
            f"{measure.measure_type.short_label} : {old_status.lower()} → "
            f"{measure.get_status_display().lower()}"
        )
    journal(
        membership,
        measure,
        person=person,
        summary=f"Modification de la mesure {measure.measure_type.short_label}",
        before=before,
        timeline=Event(TimelineEvent.Kind.MEASURE, title, detail=_measure_detail(measure)),
    )
    return measure


def obligation_type_get(code: str) -> ObligationType:
    found = ObligationType.objects.filter(code=code).first()
    if found is None:
        raise field_errors(obligation_type=f"Code d'obligation inconnu : « {code} ».")
    return found


def _validate_obligation(obligation: Obligation) -> None:
    measure = obligation.measure
    if (
        obligation.obligation_type.kind == ObligationType.Kind.CONTROL
        and carries_control_measures(measure.measure_type_id)
        and measure.is_open
        and (
            obligation.status == Obligation.Status.ENDED
            or (obligation.end_date and measure.end_date and obligation.end_date < measure.end_date)
        )
    ):
        raise field_errors(
            status="Les mesures de contrôle (CP 132-44) s'appliquent de plein droit pendant "
            "toute la mesure : elles ne peuvent pas être levées."
        )
    if obligation.decision.person_id != measure.person_id:
        raise field_errors(decision="Cette décision ne concerne pas cette personne.")
    if obligation.start_date < obligation.decision.date:
        raise field_errors(
            start_date="L'obligation ne peut pas commencer avant la décision "
            f"du {obligation.decision.date:%d/%m/%Y}."
        )
    if obligation.start_date < measure.start_date:
        raise field_errors(
            start_date="L'obligation ne peut pas commencer avant la mesure "
            f"(le {measure.start_date:%d/%m/%Y})."
        )
    if obligation.end_date and measure.end_date and obligation.end_date > measure.end_date:
        raise field_errors(
            end_date="L'obligation ne peut pas finir après la mesure "
            f"(le {measure.end_date:%d/%m/%Y})."
        )
    if obligation.end_date and obligation.end_date < obligation.start_date:
        raise field_errors(end_date="La date de fin ne peut pas précéder la date de début.")
    if obligation.obligation_type.detail != "victim" and (
        obligation.victim_name or obligation.victim_contact
    ):
        raise field_errors(victim_name="Cette obligation ne comporte pas d'identité de victime.")


@transaction.atomic
def obligation_create(
    *,
    gated: Gated,
    measure: Measure,
    decision: Decision,
    obligation_type_code: str,
    data: dict[str, Any],
) -> Obligation:
    membership, person = _gate(gated, Action.CREATE_RECORD)
    _own(person, measure.person_id)
    obligation_type = obligation_type_get(obligation_type_code)
    obligation = Obligation(
        measure=measure,
        decision=decision,
        obligation_type=obligation_type,
        **{k: v for k, v in data.items() if k in OBLIGATION_FIELDS},
    )
    obligation.proof_frequency = (
        obligation.proof_frequency or obligation_type.default_proof_frequency
    )
    if (
        obligation_type.kind == ObligationType.Kind.CONTROL
        and measure.obligations.filter(obligation_type=obligation_type, status="active").exists()
    ):
        raise field_errors(
            obligation_type=f"« {obligation_type.label} » est déjà en vigueur sur cette mesure."
        )
    _validate_obligation(obligation)
    obligation.full_clean()
    obligation.save()
    journal(
        membership,
        obligation,
        person=person,
        summary=f"Nouvelle obligation : {obligation_type.label}",
        timeline=Event(
            TimelineEvent.Kind.OBLIGATION,
            f"{obligation_type.get_kind_display()} : {obligation_type.label}",
            detail=f"{measure.measure_type.short_label}, décision du {decision.date:%d/%m/%Y}",
        ),
    )
    return obligation


@transaction.atomic
def obligation_update(
    *, gated: Gated, obligation: Obligation, decision: Decision, data: dict[str, Any]
) -> Obligation:
    membership, person = _gate(gated, Action.CREATE_RECORD)
    _own(person, obligation.measure.person_id)
    before = audit.snapshot(obligation)
    obligation.decision = decision
    for field in OBLIGATION_FIELDS:
        if field in data:
            setattr(obligation, field, data[field])
    _validate_obligation(obligation)
    obligation.full_clean()
    obligation.save()
    journal(
        membership,
        obligation,
        person=person,
        summary=f"Modification de l'obligation {obligation.obligation_type.label}",
        before=before,
        timeline=Event(
            TimelineEvent.Kind.OBLIGATION,
            f"Obligation modifiée : {obligation.obligation_type.label}",
            detail=f"décision du {decision.date:%d/%m/%Y}",
        ),
    )
    return obligation


# --- A committal suspends a measure's period; the release resumes it. ---


@transaction.atomic
def measure_suspend_for_custody(
    *, gated: Gated, measure: Measure, since: date, today: date | None = None
) -> Measure:
    """The period of the measure stops running while the person is held (CP 132-43 for a
    probation, CP 131-22 for community work…): suspended since the committal."""
    membership, person = _gate(gated, Action.CREATE_RECORD)
    _own(person, measure.person_id)
    if not measure.is_open or measure.suspended_since is not None:
        return measure
    before = journal_before(measure, ["status", "suspended_since"])
    measure.status = Measure.Status.SUSPENDED
    measure.suspended_since = since
    measure.save(update_fields=["status", "suspended_since", "updated_at"])
    what = f"{measure.measure_type.short_label} : délai suspendu pendant la détention"
    journal(
        membership,
        measure,
        person=person,
        summary=what,
        before=before,
        timeline=Event(
            TimelineEvent.Kind.MEASURE,
            what,
            detail=f"Depuis l'écrou du {since:%d/%m/%Y}",
            occurred_at=on_day(since, 10),
        ),
    )
    return measure


@transaction.atomic
def measure_resume_after_custody(
    *, gated: Gated, measure: Measure, released_on: date, today: date | None = None
) -> Measure:
    """The release: the period runs again, its end pushed by the days held."""
    membership, person = _gate(gated, Action.CREATE_RECORD)
    _own(person, measure.person_id)
    if measure.suspended_since is None:
        return measure
    held = max(0, (released_on - measure.suspended_since).days)
    before = journal_before(measure, ["status", "suspended_since", "suspended_days", "end_date"])
    measure.suspended_days += held
    measure.suspended_since = None
    measure.status = Measure.Status.ACTIVE
    _validate_measure(measure, measure.decision)
    measure.full_clean()
    measure.save()
    journal(
        membership,
        measure,
        person=person,
        summary=f"{measure.measure_type.short_label} : reprise du délai après la détention",
        before=before,
        timeline=Event(
            TimelineEvent.Kind.MEASURE,
            f"{measure.measure_type.short_label} : le délai reprend après la détention",
            detail=f"{count(held, 'jour')} de détention : fin reportée au "
            f"{measure.end_date:%d/%m/%Y}"
            if measure.end_date
            else f"{count(held, 'jour')} de détention",
            occurred_at=on_day(released_on, 10),
        ),
    )
    return measure


# --- The edit forms: a refused change leaves the object as stored. ---


def measure_update_or_reload(*, gated: Gated, measure: Measure, data: dict[str, Any]) -> Measure:
    """``measure_update`` for the edit form: refused, the measure is read back as stored (the
    service changed it in memory before refusing) and the refusal goes on to the form."""
    try:
        with transaction.atomic():
            return measure_update(gated=gated, measure=measure, data=data)
    except ValidationError:
        measure.refresh_from_db()
        raise


def obligation_update_or_reload(
    *, gated: Gated, obligation: Obligation, decision: Decision, data: dict[str, Any]
) -> Obligation:
    """``obligation_update`` for the edit form: refused, the obligation is read back as stored
    and the refusal goes on to the form."""
    try:
        return obligation_update(gated=gated, obligation=obligation, decision=decision, data=data)
    except ValidationError:
        obligation.refresh_from_db()
        raise


@transaction.atomic
def measures_follow_cpip(*, gated: Gated, previous: User | None, cpip: User | None) -> int:
    """The open measures ``previous`` was in charge of follow the file to ``cpip`` (a change
    of CPIP by the allocation): one journal entry per measure. Returns how many moved."""
    membership, person = _gate(gated, Action.ASSIGN_CPIP)
    if previous is None or cpip is None or previous.pk == cpip.pk:
        return 0
    measures = list(
        Measure.objects.filter(
            person=person, assigned_cpip=previous, status__in=Measure.OPEN_STATUSES
        ).select_related("measure_type")
    )
    for measure in measures:
        measure.assigned_cpip = cpip
        measure.save(update_fields=["assigned_cpip", "updated_at"])
        journal(
            membership,
            measure,
            person=person,
            summary=f"Mesure confiée à {cpip} : {measure.measure_type.short_label}",
            changes={"assigned_cpip": [previous.pk, cpip.pk]},
        )
    return len(measures)
