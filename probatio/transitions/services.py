"""Changes of a person's penal situation, as services: the judge's answer to a report, the
committal and the release, each with everything it changes, in one transaction.

Which answer is legal is decided by the pure table of ``reports.answers`` (``check``); this
module gathers the facts that table needs (the report's measure, the one end date of the
sentence, the safety period, the reduction caps) and applies the answer: a decision of the
judge's court, the measures it opens, the obligations it adds or lifts, the sentence it adds
to serve, the reductions, a suspension, a flag on the file. Every part goes through the
service of its app (journaled, in the timeline); a refusal of any part stores nothing.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from probatio.access.policy import Action
from probatio.access.roles import Role
from probatio.accounts.models import Membership
from probatio.agenda import services as agenda_services
from probatio.agenda.models import Appointment
from probatio.audit import services as audit
from probatio.core.dates import format_fr, months_and_days, on_day
from probatio.core.errors import field_errors
from probatio.core.text import count, lower_first
from probatio.measures import catalogue, first_interview
from probatio.measures import services as measure_services
from probatio.measures.models import Decision, Measure, Obligation, ObligationType
from probatio.organisation.models import Court, Establishment, Site
from probatio.people import services as people_services
from probatio.people.journal import Event, timeline_add
from probatio.people.journal import before as journal_before
from probatio.people.journal import write as journal
from probatio.people.models import AwaitingReason, CustodyRecord, TimelineEvent
from probatio.people.selectors import acting_under, same_actor
from probatio.reintegration import release as reintegration_release
from probatio.reintegration import rules as reintegration_rules
from probatio.reintegration.models import ReleasePlanItem
from probatio.reports import answers, rules
from probatio.reports import services as report_services
from probatio.reports.models import JudgeAnswer, Report
from probatio.reports.selectors import GatedReport
from probatio.sentences import rules as sentence_rules
from probatio.sentences import services as sentence_services
from probatio.sentences.models import Reduction
from probatio.transitions import rules as transition_rules

# Obligation details typed with an added obligation (the form's names, the model's fields).
DETAIL_FIELDS = ("details", "victim_name", "victim_contact", "zone", "care_structure")


@dataclass
class AnswerData:
    """An answer as typed: the pure input, the text of the decision and the details of each
    obligation added (by obligation code)."""

    input: answers.Input
    text: str = ""
    obligation_details: dict[str, dict[str, str]] = field(default_factory=dict)


def answer_facts(
    report: Report, *, today: date, on: date | None = None
) -> tuple[answers.Facts, Any]:
    """The facts the table of answers checks (for a decision dated ``on``, today by default),
    and the prison side they came from."""
    measure = report.measure
    prison = sentence_services.prison_facts(report.person)
    situation = prison.situation
    exclusions = set(situation.lsc_exclusions) if situation else set()
    withdrawable = 0
    if prison.reductions:
        withdrawable = sentence_rules.withdrawable_days(list(prison.reductions), on=on or today)
    facts = answers.Facts(
        matter=report.matter,
        today=today,
        measure_type=measure.measure_type_id if measure else None,
        measure_open=bool(measure and measure.is_open),
        measure_start=measure.start_date if measure else None,
        already_answered=report.status == rules.ANSWERED,
        transmitted_on=timezone.localtime(report.transmitted_at).date()
        if report.transmitted_at
        else None,
        period_months=(measure.duration_months or 0) if measure else 0,
        period_days=(measure.duration_days or 0) if measure else 0,
        held=prison.custody is not None,
        sentence_end=prison.end_date,
        safety_end=prison.safety_end,
        lsc_refused_beforehand="lsc_refused" in exclusions,
        lsc_plein_droit_excluded=bool(situation and situation.lsc_plein_droit_exclusions),
        reductions_cap_days=prison.reductions_cap_days,
        reductions_net_days=prison.reductions_net_days,
        reductions_withdrawable_days=withdrawable,
    )
    return facts, prison


def _court_of(report: Report):
    """The court a judge's decision names: the court of the judge's membership in the
    service, else the service's only court, else none."""

    if report.kind == rules.ESR:
        return report.court
    court_id = (
        Membership.objects.filter(
            user_id=report.judge_id, service_id=report.person.service_id, role=Role.JUDGE
        )
        .exclude(court__isnull=True)
        .values_list("court_id", flat=True)
        .first()
    )
    if court_id is not None:
        return Court.objects.get(pk=court_id)
    courts = list(Court.objects.filter(service_id=report.person.service_id)[:2])
    return courts[0] if len(courts) == 1 else None


def _decision(gated, report: Report, answer: answers.Answer, data: AnswerData, prison):
    """The dated decision the answer is: a JAP order of the judge's court, a TAP judgment for
    a long sentence's parole (CPP 730), the court's judgment on a rapid social enquiry."""
    court = _court_of(report)
    day = data.input.answered_on
    if report.kind == rules.ESR:
        kind = Decision.Kind.JUDGMENT
        jurisdiction = court.name if court else "Tribunal correctionnel"
        judge = None
    else:
        kind = Decision.Kind.JAP_ORDER
        jurisdiction = court.jap_label if court else "Juge de l'application des peines"
        judge = report.judge
        if (
            report.matter == answers.PAROLE
            and answers.parole_decided_by(
                total_months=prison.total_months,
                total_days=prison.total_days,
                decided_on=day,
                end=prison.end_date,
            )
            == "tap"
        ):
            kind = Decision.Kind.TAP_JUDGMENT
            jurisdiction = court.tap_label if court else "Tribunal de l'application des peines"
    summary = f"{answer.label} — réponse au rapport « {report.title} »"
    return measure_services.decision_create(
        gated=gated,
        data={
            "kind": kind,
            "jurisdiction": jurisdiction[:200],
            "court": court,
            "date": day,
            "enforceable_date": day,
            "judge": judge,
            "summary": summary[:500],
        },
        offences=[],
        today=day,
    )


def _lock(gated_report: GatedReport) -> Report:
    report = Report.objects.select_for_update().get(pk=gated_report.report.pk)
    report.person = gated_report.report.person
    report.measure = (
        Measure.objects.select_related("measure_type").get(pk=report.measure_id)
        if report.measure_id
        else None
    )
    report.judge = gated_report.report.judge
    report.court = gated_report.report.court
    return report


@transaction.atomic
def answer_record(
    *,
    membership: Membership,
    gated_report: GatedReport,
    data: AnswerData,
    today: date | None = None,
) -> JudgeAnswer:
    """Record the judge's answer (by the judge it is addressed to, or by a manager or the
    secretariat from an answer received on paper) and apply what it changes."""
    today = today or timezone.localdate()
    # The answer does on the file what it entails, whoever records it (access.policy.IMPLIED).
    gated = acting_under(gated_report.gated, Action.RECORD_ANSWER)
    report = _lock(gated_report)
    if report.status != rules.TRANSMITTED:
        if report.status == rules.ANSWERED:
            raise field_errors(code="Ce rapport a déjà reçu une réponse.")
        raise field_errors(code=rules.STEP_ERRORS[rules.ANSWER])
    if not gated_report.can_answer:
        raise PermissionDenied("Vous ne pouvez pas enregistrer la réponse à ce rapport.")
    given = data.input
    facts, prison = answer_facts(report, today=today, on=given.answered_on)
    errors = answers.check(facts, given)
    if errors:
        raise field_errors(**errors)
    answer_def = answers.answer_for(report.matter, given.code)
    report_services.report_mark_answered(membership=membership, gated_report=gated_report)
    decision = _decision(gated, report, answer_def, data, prison)
    # Recorded by the judge it is addressed to, or from an answer received on paper.
    on_paper = not gated_report.is_addressee
    answer = JudgeAnswer.objects.create(
        report=report,
        kind=given.code,
        date=given.answered_on,
        text=data.text.strip(),
        reasons=given.reasons.strip(),
        extra_months=given.extra_months if answer_def.effect == answers.E_EXTEND else None,
        effective_on=given.effective_on if answer_def.effect == answers.E_GRANT else None,
        end_on=given.end_on if answer_def.effect == answers.E_GRANT else None,
        modality=given.modality if answer_def.effect == answers.E_GRANT else "",
        step_form=given.step_form if report.matter == answers.PAROLE else "",
        step_end=given.step_end if report.matter == answers.PAROLE and given.step_form else None,
        reduction_days=given.reduction_days
        if answer_def.effect in (answers.E_REDUCE, answers.E_WITHDRAW_REDUCTIONS)
        else None,
        hearing_due=answers.hearing_due(given.answered_on)
        if given.code == answers.PROVISIONAL_DETENTION
        else None,
        next_review_on=given.next_review_on if given.code == answers.ADJOURNED else None,
        decision=decision,
        on_paper=on_paper,
        recorded_by=membership.user,
    )
    journal(
        membership,
        answer,
        person=report.person,
        summary=f"Réponse du magistrat enregistrée : {answer_def.label}",
    )
    detail = _apply(gated, report, answer, answer_def, data, prison, today=today)
    if answer.obligations_changed:
        answer.save(update_fields=["obligations_changed"])
    timeline_add(
        person=report.person,
        kind=TimelineEvent.Kind.REPORT,
        title=f"Réponse du magistrat : {_lower_first(answer_def.label)} (décision du "
        f"{format_fr(given.answered_on)}{', reçue sur papier' if on_paper else ''})"[:200],
        detail=" ".join(part for part in (detail, data.text.strip()[:300]) if part)[:500],
        actor=membership.user,
        instance=report,
    )
    return answer


def _lower_first(text: str) -> str:
    """« Avertissement » → « avertissement », inside a sentence (acronyms stay)."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _apply(gated, report, answer, answer_def, data, prison, *, today) -> str:
    """Apply the answer's effect; returns a sentence for the timeline."""
    effect = answer_def.effect
    given = data.input
    measure = report.measure
    decision = answer.decision
    day = given.answered_on
    if effect == answers.E_GRANT:
        return _grant(gated, report, answer, data, prison, today=today)
    if effect == answers.E_OBLIGATIONS:
        changed = _change_obligations(gated, answer, measure, decision, data, day)
        if given.code == answers.OBLIGATIONS_SET and not changed:
            return "Obligations confirmées telles qu'elles sont."
        return ""
    if effect == answers.E_EXTEND:
        measure_services.measure_update(
            gated=gated,
            measure=measure,
            data={"duration_months": (measure.duration_months or 0) + given.extra_months},
            today=today,
        )
        return f"Délai de probation prolongé de {given.extra_months} mois."
    if effect in (answers.E_SUSPEND, answers.E_SUSPEND_FLAG) and measure.status != "suspended":
        measure_services.measure_update(
            gated=gated, measure=measure, data={"status": "suspended"}, today=today
        )
    if effect in (answers.E_FLAG, answers.E_SUSPEND_FLAG):
        alert = f"{answer_def.label} le {format_fr(day)}"
        if answer.hearing_due:
            alert += f" — débat contradictoire avant le {format_fr(answer.hearing_due)}"
        people_services.judicial_alert_set(gated=gated, alert=alert)  # fmt: skip
        if answer.hearing_due:
            return (
                f"Débat contradictoire à tenir avant le {format_fr(answer.hearing_due)} "
                "(CPP 712-19). Enregistrez l'écrou dans l'onglet « Peine et dates »."
            )
        return ""
    if effect == answers.E_PARTIAL:
        sentence = _to_serve(gated, report, decision, given, "Révocation partielle")
        return (
            f"Part révoquée à exécuter : {sentence.length_text}. La mesure se poursuit "
            "(suspendue pendant l'exécution de cette peine)."
        )
    if effect == answers.E_END_REVOKED:
        measure_services.measure_update(
            gated=gated, measure=measure, data={"status": "revoked"}, today=today
        )
        if given.has_term:
            sentence = _to_serve(gated, report, decision, given, answer_def.label)
            return f"Emprisonnement à exécuter : {sentence.length_text}."
        return ""
    if effect in (answers.E_REDUCE, answers.E_WITHDRAW_REDUCTIONS):
        kind = Reduction.Kind.GRANTED if effect == answers.E_REDUCE else Reduction.Kind.WITHDRAWN
        sentence_services.reduction_add(
            gated=gated,
            custody=prison.custody,
            data={"kind": kind, "days": given.reduction_days, "date": day},
            decision=decision,
        )
        return ""
    if effect == answers.E_CLOSE_REFERRAL:
        _close_referral(gated, measure, today=today)
        return "La peine sera ramenée à exécution par le parquet."
    if given.code == answers.ADJOURNED and given.next_review_on:
        return f"Nouvel examen le {format_fr(given.next_review_on)}."
    return ""


def _to_serve(gated, report, decision, given: answers.Input, what: str):
    measure = report.measure
    return sentence_services.sentence_to_serve_add(
        gated=gated,
        decision=decision,
        years=given.term_years,
        months=given.term_months,
        days=given.term_days,
        description=f"{what} — {measure.measure_type.label}" if measure else what,
    )


def _close_referral(gated, measure: Measure | None, *, today: date) -> None:
    """A decision on a 723-15 adjustment ends the referral it answers."""
    if measure is not None and measure.measure_type_id == "AMENAGEMENT_723_15" and measure.is_open:
        measure_services.measure_update(
            gated=gated, measure=measure, data={"status": "ended"}, today=today
        )


def _grant(gated, report, answer, data: AnswerData, prison, *, today) -> str:
    """Open the measure granted, from its date of effect (a parole may start with a
    probationary step), with the obligations the judge set."""
    given = data.input
    matter = report.matter
    start = given.effective_on
    end = given.end_on or prison.end_date
    form = given.modality
    modality = ""
    if matter in (answers.LSC, answers.LSC_PLEIN_DROIT):
        code = answers.MATTERS[matter].grants
        modality = form
        end = prison.end_date
    elif matter == answers.ADJUSTMENT_723_15:
        code = answers.FORM_MEASURES[form]
    else:
        code = answers.MATTERS[matter].grants
    opened = []
    if matter == answers.PAROLE and given.step_form:
        step = _open(gated, report, answer.decision, answers.FORM_MEASURES[given.step_form],
                     start, given.step_end, today=today)  # fmt: skip
        opened.append(step)
        start = given.step_end
    measure = _open(gated, report, answer.decision, code, start, end, today=today,
                    modality=modality)  # fmt: skip
    opened.append(measure)
    if given.new_obligations:
        _add_obligations(gated, answer, measure, answer.decision, data, start)
    if matter == answers.ADJUSTMENT_723_15:
        _close_referral(gated, report.measure, today=today)
    parts = [
        f"{m.measure_type.label}"
        + (f" ({m.get_modality_display().lower()})" if m.modality else "")
        + f" du {format_fr(m.start_date)} au {format_fr(m.end_date)}"
        for m in opened
    ]
    return "Mesure ouverte : " + " ; puis ".join(parts) + "."


def _open(gated, report, decision, code, start, end, *, today, modality="") -> Measure:
    months, days = months_and_days(start, end)
    try:
        return measure_services.measure_create(
            gated=gated,
            decision=decision,
            measure_type_code=code,
            data={
                "start_date": start,
                "duration_months": months or None,
                "duration_days": days or None,
                "modality": modality,
                "assigning_judge": report.judge,
                "assigned_cpip": report.person.assigned_cpip,
            },
            today=today,
        )
    except ValidationError as error:
        reasons = " ".join(m for ms in error.message_dict.values() for m in ms)
        raise field_errors(effective_on=reasons) from error


def _obligation_data(code: str, data: AnswerData, start: date) -> dict:
    details = data.obligation_details.get(code, {})
    return {
        "start_date": start,
        "status": "active",
        **{name: (details.get(name) or "").strip() for name in DETAIL_FIELDS},
    }


def _add_obligations(gated, answer, measure, decision, data: AnswerData, start) -> None:
    for code in data.input.new_obligations:
        created = measure_services.obligation_create(
            gated=gated,
            measure=measure,
            decision=decision,
            obligation_type_code=code,
            data=_obligation_data(code, data, max(start, measure.start_date)),
        )
        answer.new_obligations.add(created)
    if data.input.new_obligations:
        answer.obligations_changed = True


def _change_obligations(gated, answer, measure, decision, data: AnswerData, on) -> bool:
    """Obligations added (linked to the decision) and lifted (ended on its date). Control
    measures are never lifted; an obligation in force is not added twice."""
    codes = list(data.input.new_obligations)
    ended_ids = [int(pk) for pk in data.input.ended_obligations]
    in_force = {
        o.pk: o
        for o in Obligation.objects.filter(measure=measure, status="active").select_related(
            "obligation_type"
        )
    }
    lifted = set(ended_ids)
    kept = {o.obligation_type_id for o in in_force.values() if o.pk not in lifted}
    twice = sorted(set(codes) & kept)
    if twice:
        raise field_errors(
            new_obligations="Déjà en vigueur sur cette mesure : " + ", ".join(twice) + "."
        )
    controls = set(
        ObligationType.objects.filter(code__in=codes, kind="control").values_list("code", flat=True)
    )
    if controls:
        raise field_errors(
            new_obligations="Les mesures de contrôle (CP 132-44) s'appliquent de plein droit : "
            "elles ne s'ajoutent ni ne se lèvent."
        )
    for pk in ended_ids:
        obligation = in_force.get(pk)
        if obligation is None:
            raise field_errors(
                ended_obligations="Choisissez des obligations en vigueur de la mesure."
            )
        if obligation.obligation_type.kind == "control":
            raise field_errors(
                ended_obligations="Les mesures de contrôle (CP 132-44) ne peuvent pas être levées."
            )
        # The lifted obligation keeps the decision that created it; the answer says which
        # decision lifted it.
        measure_services.obligation_update(
            gated=gated,
            obligation=obligation,
            decision=obligation.decision,
            data={"status": "ended", "end_date": max(obligation.start_date, on)},
        )
        answer.ended_obligations.add(obligation)
    _add_obligations(gated, answer, measure, decision, data, max(on, measure.start_date))
    if ended_ids:
        answer.obligations_changed = True
    return bool(codes or ended_ids)


# --- The CPIP hears of the answer ------------------------------------------------------------


@transaction.atomic
def answer_mark_seen(*, membership: Membership, gated_report: GatedReport) -> JudgeAnswer:
    """The CPIP has read the judge's answer (its item leaves the échéancier)."""
    answer = _answer_for_follow_up(membership, gated_report)
    if answer.seen_at is None:
        answer.seen_at = timezone.now()
        answer.seen_by = membership.user
        answer.save(update_fields=["seen_at", "seen_by"])
        journal(
            membership,
            answer,
            person=gated_report.report.person,
            summary="Réponse du magistrat lue",
            changes={"seen_at": [None, answer.seen_at.isoformat()]},
        )
    return answer


@transaction.atomic
def answer_mark_informed(
    *, membership: Membership, gated_report: GatedReport, on: date, today: date | None = None
) -> JudgeAnswer:
    """The person was told of the obligations the answer changed."""
    today = today or timezone.localdate()
    answer = _answer_for_follow_up(membership, gated_report)
    if not answer.obligations_changed:
        raise field_errors(on="Cette réponse n'a pas modifié les obligations.")
    if on > today:
        raise field_errors(on="La date ne peut pas être dans le futur.")
    if on < answer.date:
        raise field_errors(on="La personne est informée après la décision du juge.")
    before = answer.person_informed_on
    answer.person_informed_on = on
    if answer.seen_at is None:
        answer.seen_at, answer.seen_by = timezone.now(), membership.user
    answer.save(update_fields=["person_informed_on", "seen_at", "seen_by"])
    journal(
        membership,
        answer,
        person=gated_report.report.person,
        summary="Personne informée des obligations modifiées",
        changes={"person_informed_on": [before.isoformat() if before else None, on.isoformat()]},
        timeline=Event(
            TimelineEvent.Kind.OBLIGATION,
            "Personne informée de ses obligations modifiées par le juge",
            detail=f"Décision du {format_fr(answer.date)}",
            occurred_at=None,
        ),
    )
    return answer


def _answer_for_follow_up(membership, gated_report: GatedReport) -> JudgeAnswer:
    if not gated_report.can_follow_up_answer:
        raise PermissionDenied(
            "Le suivi de la réponse revient au ou à la CPIP de la personne et à l'encadrement."
        )
    answer = JudgeAnswer.objects.select_for_update().filter(report=gated_report.report).first()
    if answer is None:
        raise field_errors(on="Ce rapport n'a pas encore reçu de réponse.")
    return answer


# --- Committal: a new écrou converts the file to milieu fermé ---------------------------------


@dataclass
class CommittalData:
    establishment_id: int
    committal_number: str
    committal_date: date
    prison_cpip: Any = None  # the CPIP of the prison team, chosen by the manager


@transaction.atomic
def committal_record(
    *, membership: Membership, gated, data: CommittalData, today: date | None = None
):
    """A new committal (écrou): the file goes on in milieu fermé. What the law suspends is
    suspended (the probation period, a TIG period, an SSJ: ``rules.suspended_by_committal``),
    what it does not (parole, DDSE) is signalled for an incident report; the sentences still to
    serve join the committal; future appointments outside prison are cancelled (their
    reminders with them); the community CPIP is kept as the previous CPIP and the prison CPIP
    takes the file. One transaction: a refusal of any part stores nothing."""

    today = today or timezone.localdate()
    gated = same_actor(gated, membership)
    person = gated.person
    if not gated.allows(Action.CREATE_RECORD):
        raise PermissionDenied("Votre rôle ne permet pas d'enregistrer un écrou.")
    if data.prison_cpip is not None and not gated.allows(Action.ASSIGN_CPIP):
        raise PermissionDenied("Le choix du ou de la CPIP revient à l'encadrement.")
    if CustodyRecord.objects.filter(person=person, release_date__isnull=True).exists():
        raise field_errors(
            committal_number="La personne est déjà écrouée : enregistrez d'abord sa sortie "
            "(onglet « Sortie »)."
        )
    previous_cpip = person.assigned_cpip
    custody = people_services.custody_open(
        gated=gated,
        establishment_id=data.establishment_id,
        committal_number=data.committal_number,
        committal_date=data.committal_date,
        today=today,
    )
    if previous_cpip is not None:
        custody.community_cpip = previous_cpip
        custody.save(update_fields=["community_cpip"])
        journal(
            membership,
            custody,
            person=person,
            summary="CPIP du milieu ouvert conservé sur l'écrou",
            changes={"community_cpip": [None, previous_cpip.pk]},
        )
    if data.prison_cpip is not None and data.prison_cpip != previous_cpip:
        people_services.cpip_assign(gated=gated, cpip=data.prison_cpip)
    suspended, reported = [], []
    for measure in Measure.objects.filter(
        person=person, status=Measure.Status.ACTIVE
    ).select_related("measure_type", "decision", "person"):
        if transition_rules.suspended_by_committal(measure.measure_type_id):
            measure_services.measure_suspend_for_custody(
                gated=gated, measure=measure, since=data.committal_date, today=today
            )
            suspended.append(measure.measure_type.short_label)
        elif transition_rules.reported_on_committal(measure.measure_type_id):
            reported.append(measure.measure_type.short_label)
    to_serve = sentence_services.attach_sentences_to_serve(gated=gated, custody=custody)
    cancelled = _cancel_appointments(
        gated, after=data.committal_date, in_prison=False,
        reason="Personne écrouée : rendez-vous annulé.",
    )  # fmt: skip
    people_services.situation_record(
        gated=gated,
        domain="housing",
        status="in_custody",
        details=str(custody.establishment),
        effective_date=data.committal_date,
        today=today,
    )
    detail = [f"Numéro d'écrou {custody.committal_number}"]
    if suspended:
        detail.append("délai suspendu : " + ", ".join(suspended))
    if reported:
        detail.append("à signaler au juge (rapport d'incident) : " + ", ".join(reported))
    if to_serve:
        detail.append(
            count(len(to_serve), "peine à exécuter jointe", "peines à exécuter jointes")
            + " à l'écrou"
        )
    if cancelled:
        detail.append(count(cancelled, "rendez-vous annulé", "rendez-vous annulés"))
    timeline_add(
        person=person,
        kind=TimelineEvent.Kind.CUSTODY,
        title=f"Écrou : suivi en milieu fermé ({custody.establishment.name})",
        detail=" ; ".join(detail)[:500],
        actor=membership.user,
        instance=custody,
    )
    return custody


def _cancel_appointments(gated, *, after: date, in_prison: bool, reason: str) -> int:
    """Cancel the planned appointments from ``after`` on, in prison or outside it (their
    reminders are cancelled by the agenda's service)."""

    start = timezone.make_aware(datetime.combine(after, time.min))
    planned = Appointment.objects.filter(
        person=gated.person, status=Appointment.Status.PLANNED, starts_at__gte=start
    )
    prison = Q(place_kind=Appointment.PlaceKind.PRISON) | Q(site__kind=Site.Kind.PRISON)
    planned = planned.filter(prison) if in_prison else planned.exclude(prison)
    count = 0
    for appointment in planned.order_by("starts_at"):
        if appointment.starts_at <= timezone.now():
            continue
        agenda_services.appointment_set_status(
            gated=gated,
            appointment=appointment,
            status=Appointment.Status.CANCELLED,
            reason=reason,
        )
        count += 1
    return count


# --- Release: from custody to the community, in the same file ---------------------------------


@dataclass
class ReleaseData:
    kind: str
    release_date: date
    cpip: Any  # the CPIP who follows the person afterwards
    appointment: dict  # site, starts_at, ends_at of the first appointment
    housing: str = "unknown"  # the housing situation at release (a code of people.situation)
    housing_details: str = ""
    confirmed: bool = False


@transaction.atomic
def release_record(
    *, membership: Membership, gated, data: ReleaseData, today: date | None = None, now=None
):
    """The person leaves prison: how (``rules.RELEASE_KINDS``) decides what changes, in one
    transaction: the committal closes (not for an adjustment served under écrou), the prison
    sentence measure ends at the release, the measure granted opens from the release, the
    measures to follow start, the suspended ones resume with their end pushed by the days held;
    the community CPIP takes the file and the first appointment is booked (a warning, to
    confirm, when it is later than the legal deadline); future appointments in prison are
    cancelled with their reminders; the housing is recorded. Nothing of the prison side is
    copied or removed: the sentences, dates, arrival interview, destitution and family ties
    stay in the file. Raises ``agenda.services.NeedsConfirmation`` with the warnings not yet
    confirmed."""
    today = today or timezone.localdate()
    gated = same_actor(gated, membership)
    person = gated.person
    if not gated.allows(Action.ASSIGN_CPIP):
        raise PermissionDenied(
            "La sortie de détention et le choix du CPIP reviennent à l'encadrement."
        )
    custody = CustodyRecord.objects.filter(person=person, release_date__isnull=True).first()
    if custody is None:
        raise field_errors(release_date="La personne n'a pas d'écrou en cours.")
    prison = sentence_services.prison_facts(person)
    open_measures = list(
        Measure.objects.filter(person=person, status__in=Measure.OPEN_STATUSES).select_related(
            "measure_type", "decision", "person"
        )
    )
    facts = transition_rules.ReleaseFacts(
        committal_date=custody.committal_date,
        today=today,
        granted=frozenset(m.measure_type_id for m in open_measures),
        safety_end=prison.safety_end,
        has_sentence=prison.total_months is not None,
    )
    errors = transition_rules.check_release(data.kind, data.release_date, facts)
    if data.cpip is None:
        errors["cpip"] = "Choisissez le ou la CPIP qui suivra la personne en milieu ouvert."
    if errors:
        raise field_errors(**errors)
    kind = transition_rules.RELEASE_KINDS[data.kind]
    released_on = data.release_date
    # Under écrou still: an adjustment, or a release under constraint carried out as one
    # (DDSE, outside placement, semi-liberty): the committal stays open, the sentence runs on.
    granted_form = next(
        (m.modality for m in open_measures if m.measure_type_id in kind.measures and m.modality),
        "",
    )
    under_committal = not kind.closes_committal or (granted_form in catalogue.OUTSIDE_MODALITIES)
    # While the person is still held in a cell: no cancellation notice for an interview in
    # prison (none of its reminders went to a cell either).
    _cancel_appointments(
        gated, after=released_on, in_prison=True,
        reason="Sortie de détention : rendez-vous en détention annulé.",
    )  # fmt: skip
    if not under_committal:
        people_services.custody_close(gated=gated, release_date=released_on, today=today)
        custody.refresh_from_db()
        before = audit.snapshot(custody, ["release_kind"])
        custody.release_kind = data.kind
        custody.save(update_fields=["release_kind"])
        journal(
            membership,
            custody,
            person=person,
            summary=f"Nature de la sortie : {kind.label}",
            before=before,
        )
    opened = []
    for measure in open_measures:
        code = measure.measure_type_id
        if code == sentence_services.PRISON_MEASURE:
            if not under_committal:
                sentence_services.prison_measure_close(
                    gated=gated, measure=measure, released_on=released_on, today=today
                )
        elif code in kind.measures and measure.status == Measure.Status.PENDING:
            opened.append(_start_on_release(gated, measure, released_on, today=today))
        elif code in kind.measures and measure.status == Measure.Status.ACTIVE:
            opened.append(measure)
        elif (
            code in transition_rules.RELEASE_MEASURES
            and measure.status == Measure.Status.PENDING
            and not under_committal
        ):
            # Granted for another way out, and never started: void now the person is out.
            measure_services.measure_update(
                gated=gated, measure=measure, data={"status": "void"}, today=today
            )
        elif under_committal:
            continue  # still under écrou: what the committal suspended stays suspended
        elif measure.suspended_since is not None:
            measure_services.measure_resume_after_custody(
                gated=gated, measure=measure, released_on=released_on, today=today
            )
            opened.append(measure)
        elif measure.status == Measure.Status.PENDING and code in transition_rules.FOLLOW_ONS:
            opened.append(_start_on_release(gated, measure, released_on, today=today))
    people_services.cpip_assign(gated=gated, cpip=data.cpip, reason=AwaitingReason.RELEASE)
    people_services.situation_record(
        gated=gated,
        domain="housing",
        status=data.housing,
        details=data.housing_details,
        effective_date=released_on,
        today=today,
    )
    # The first appointment, and its legal deadline (a warning to confirm when later).
    service = person.service
    deadlines = [
        d
        for d in (
            first_interview.first_interview_deadline(
                m.measure_type_id,
                decision_date=m.decision.date,
                start_date=m.start_date,
                release_date=released_on,
                default_days=service.first_interview_default_days,
                reinforced_follow_up=m.reinforced_follow_up,
                provisional=m.decision.provisional_execution,
                ssj_incurred=m.decision.ssj_incurred,
                ssj_on_record=m.decision.ssj_on_record,
                alsace_moselle=service.alsace_moselle,
            )
            for m in opened
        )
        if d is not None
    ]
    legal = min(deadlines, key=lambda d: d.due) if deadlines else None
    warnings = []
    starts_at = data.appointment.get("starts_at")
    if legal is not None and starts_at is not None:
        # The event the delay runs from, as the rule says (a reinforced probation's runs from
        # the judgment); the label keeps its acronyms (« SSJ encouru »).
        runs_from = (
            "la sortie"
            if legal.rule.runs_from == first_interview.RELEASE
            else first_interview.RUNS_FROM_LABELS[legal.rule.runs_from]
        )
        text = transition_rules.first_appointment_warning(
            timezone.localtime(starts_at).date(),
            legal.due,
            f"{legal.delay} après {runs_from}, {_lower_first(legal.label)}, {legal.basis}",
        )
        if text:
            warnings.append(text)
    try:
        booked = agenda_services.appointment_book(
            gated=gated,
            data={"kind": Appointment.Kind.FIRST, "place_kind": Appointment.PlaceKind.SITE,
                  **data.appointment},
            staff=[data.cpip],
            confirmed=data.confirmed,
            now=now,
        )  # fmt: skip
    except agenda_services.NeedsConfirmation as exc:
        raise agenda_services.NeedsConfirmation(warnings + exc.warnings) from exc
    if warnings and not data.confirmed:
        raise agenda_services.NeedsConfirmation(warnings)  # rolls the whole release back
    when = f"{timezone.localtime(booked.starts_at):%d/%m/%Y à %H:%M}"
    _release_plan_done(gated, custody, data.cpip, when)
    detail = f"CPIP : {data.cpip.get_full_name()} ; premier rendez-vous le {when}"
    if legal is not None:
        detail += f" (délai légal : le {format_fr(legal.due)}, {legal.delay})"
    if opened:
        detail += " ; mesures : " + ", ".join(m.measure_type.short_label for m in opened)
    timeline_add(
        person=person,
        kind=TimelineEvent.Kind.CUSTODY,
        title=f"Sortie de détention — {lower_first(kind.label)} : suivi en milieu ouvert"[:200],
        detail=detail[:500],
        actor=membership.user,
        instance=custody,
    )
    return custody


def _start_on_release(gated, measure: Measure, released_on: date, *, today) -> Measure:
    """A measure granted or pronounced to follow the release starts on the day of release; its
    end stays where the decision put it (a parole's licence, an LSC to the end of the sentence)
    when it had one, else its duration runs from the release."""
    data: dict[str, Any] = {"start_date": released_on, "status": Measure.Status.ACTIVE}
    if measure.end_date is not None and measure.measure_type_id not in transition_rules.FOLLOW_ONS:
        if measure.end_date <= released_on:
            raise field_errors(
                release_date=f"La mesure « {measure.measure_type.label} » finit le "
                f"{format_fr(measure.end_date)}, avant la sortie."
            )
        months, days = months_and_days(released_on, measure.end_date)
        data.update(duration_months=months or None, duration_days=days or None)
    return measure_services.measure_update(gated=gated, measure=measure, data=data, today=today)


def _release_plan_done(gated, custody, cpip, when: str) -> None:

    item = ReleasePlanItem.objects.filter(
        plan__custody=custody, code="community_appointment"
    ).first()
    if item is not None and item.status != reintegration_rules.ITEM_DONE:
        reintegration_release.item_update(
            gated=gated,
            item=item,
            data={
                "status": reintegration_rules.ITEM_DONE,
                "comment": reintegration_rules.joined_comment(
                    item.comment, f"Rendez-vous le {when} avec {cpip.get_full_name()}."
                ),
            },
        )


# --- A change of establishment: a custody event, not a release ---------------------------------


@transaction.atomic
def establishment_change(
    *,
    membership: Membership,
    gated,
    establishment_id: int,
    committal_number: str,
    on: date,
    today: date | None = None,
):
    """The person held is moved to another establishment of the service (transfert): the same
    committal goes on — its sentences, dates, suspensions and history stay — under the new
    establishment and its écrou number. Nothing is released, nothing resumes."""

    today = today or timezone.localdate()
    gated = same_actor(gated, membership)
    person = gated.person
    if not gated.allows(Action.CREATE_RECORD):
        raise PermissionDenied(
            "Votre rôle ne permet pas d'enregistrer un changement d'établissement."
        )
    custody = (
        CustodyRecord.objects.select_for_update()
        .filter(person=person, release_date__isnull=True)
        .first()
    )
    if custody is None:
        raise field_errors(establishment="La personne n'a pas d'écrou en cours.")
    establishment = Establishment.objects.filter(
        pk=establishment_id, service_id=membership.service_id
    ).first()
    if establishment is None:
        raise field_errors(establishment="Établissement inconnu pour ce service.")
    if establishment.pk == custody.establishment_id:
        raise field_errors(establishment="La personne est déjà écrouée dans cet établissement.")
    if on > today:
        raise field_errors(on="La date du transfert ne peut pas être future.")
    if on < custody.committal_date:
        raise field_errors(
            on=f"Le transfert ne peut pas précéder l'écrou du {format_fr(custody.committal_date)}."
        )
    previous = custody.establishment
    before = journal_before(custody, ["establishment", "committal_number"])
    custody.establishment = establishment
    custody.committal_number = committal_number.strip()
    custody.full_clean()
    custody.save(update_fields=["establishment", "committal_number"])
    journal(
        membership,
        custody,
        person=person,
        summary=f"Changement d'établissement : {establishment.name}",
        before=before,
        timeline=Event(
            TimelineEvent.Kind.CUSTODY,
            f"Transfert : {previous.name} → {establishment.name}"[:200],
            detail=f"Nouveau numéro d'écrou {custody.committal_number} ; la détention se poursuit.",
            occurred_at=on_day(on, 10),
        ),
    )
    return custody
