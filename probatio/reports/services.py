"""Writes on reports: creation (prefilled), drafts, the visa loop, transmission (frozen PDF),
corrections (new versions) and the judge's answer with what it changes. Each is one
transaction with its journal entry, its workflow step and its timeline line."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from probatio.access.policy import Action
from probatio.access.roles import Role
from probatio.audit import services as audit
from probatio.compliance.models import Incident
from probatio.core.errors import field_errors
from probatio.measures import services as measure_services
from probatio.measures.models import Decision, Measure, Obligation
from probatio.people.models import Person, TimelineEvent
from probatio.people.selectors import Gated
from probatio.people.services import timeline_add
from probatio.reports import documents, prefill, rules
from probatio.reports.models import JudgeAnswer, Report, ReportStep
from probatio.reports.selectors import GatedReport


def _timeline(report: Report, title: str, actor, detail: str = "") -> None:
    timeline_add(
        person=report.person,
        kind=TimelineEvent.Kind.REPORT,
        title=title,
        detail=detail,
        actor=actor,
        instance=report,
    )


def _step(report: Report, step: str, status: str, by, comment: str = "") -> None:
    ReportStep.objects.create(report=report, step=step, status=status, comment=comment, by=by)


@transaction.atomic
def report_create(
    *,
    membership,
    gated: Gated,
    kind: str,
    measure: Measure | None = None,
    incident: Incident | None = None,
    due_date: date | None = None,
    today: date | None = None,
) -> Report:
    """A new draft of ``kind``, its sections prefilled from the file, addressed to the
    measure's judge."""
    if not gated.allows(Action.DRAFT_REPORT):
        raise PermissionDenied("Votre rôle ne permet pas de rédiger un rapport pour ce dossier.")
    today = today or timezone.localdate()
    person = gated.person
    if kind not in rules.KIND_LABELS:
        raise field_errors(kind="Choisissez le type de rapport.")
    if measure is not None and measure.person_id != person.pk:
        raise field_errors(measure="Choisissez une mesure de la personne.")
    if incident is not None and incident.person_id != person.pk:
        raise field_errors(incident="Choisissez un manquement de la personne.")
    if kind == rules.INCIDENT and incident is None:
        raise field_errors(incident="Un rapport d'incident porte sur un manquement enregistré.")
    if incident is not None and measure is None:
        measure = incident.measure
    if due_date is not None and due_date < today:
        raise field_errors(due_date="La date de remise ne peut pas être passée.")
    report = Report(
        person=person,
        measure=measure,
        incident=incident,
        kind=kind,
        title=f"{rules.KIND_LABELS[kind]} — {person.surname.upper()} {person.first_names}",
        sections=prefill.prefilled_sections(
            kind, person=person, measure=measure, incident=incident, today=today
        ),
        due_date=due_date,
        author=membership.user,
        judge=measure.assigning_judge if measure is not None else None,
    )
    report.save()
    _step(report, "create", rules.DRAFT, membership.user)
    audit.record_by(
        membership,
        audit.Action.CREATE,
        report,
        person_id=person.pk,
        summary=f"Rapport commencé : {report.get_kind_display()}",
        changes={"kind": [None, kind], "measure": [None, measure.pk if measure else None]},
    )
    _timeline(report, f"Rapport commencé : {report.get_kind_display().lower()}", membership.user)
    return report


@transaction.atomic
def report_save(*, membership, gated_report: GatedReport, texts: dict[str, str],
                title: str | None = None, autosave: bool = False) -> Report:  # fmt: skip
    """Save the sections' texts (the draft autosaves through here). Journaled with the keys of
    the sections changed, never their text."""
    if not gated_report.can_edit:
        raise PermissionDenied(
            "Ce rapport n'est plus modifiable (soumis, visé ou transmis) ou ne vous revient pas."
        )
    report = Report.objects.select_for_update().get(pk=gated_report.report.pk)
    changed = []
    sections = []
    for section in report.sections:
        text = texts.get(section["key"], section.get("text", ""))
        text = text.replace("\r\n", "\n")[:20_000]
        if text != section.get("text", ""):
            changed.append(section["key"])
        sections.append({**section, "text": text})
    new_title = (title or report.title).strip()[:200] or report.title
    if not changed and new_title == report.title:
        return report
    report.sections = sections
    report.title = new_title
    report.save(update_fields=["sections", "title", "updated_at"])
    audit.record_by(
        membership,
        audit.Action.UPDATE,
        report,
        person_id=report.person_id,
        summary="Brouillon de rapport enregistré" + (" (automatique)" if autosave else ""),
        changes={"sections": changed} if changed else {"title": "modifié"},
    )
    gated_report.report = report
    return report


def _advance(gated_report: GatedReport, step: str, membership, comment: str = "") -> Report:
    report = Report.objects.select_for_update().get(pk=gated_report.report.pk)
    report.person = gated_report.report.person
    target = rules.next_status(step, report.status)
    if target is None:
        raise field_errors(status=rules.STEP_ERRORS[step])
    before = report.status
    report.status = target
    _step(report, step, target, membership.user, comment)
    audit.record_by(
        membership,
        audit.Action.UPDATE,
        report,
        person_id=report.person_id,
        summary=f"Rapport : {rules.STATUS_LABELS[target].lower()}",
        changes={"status": [before, target]},
    )
    return report


@transaction.atomic
def report_submit(*, membership, gated_report: GatedReport) -> Report:
    if not gated_report.can_submit:
        raise PermissionDenied("Seul l'auteur (ou l'encadrement) soumet ce rapport au visa.")
    missing = rules.missing_required(gated_report.report.sections)
    if missing:
        raise field_errors(
            sections="Complétez les rubriques obligatoires avant de soumettre : "
            + ", ".join(missing)
            + "."
        )
    report = _advance(gated_report, rules.SUBMIT, membership)
    report.save(update_fields=["status", "updated_at"])
    _timeline(report, f"Rapport soumis au visa : {report.get_kind_display().lower()}",
              membership.user)  # fmt: skip
    return report


def _require_manager(membership, gated_report: GatedReport) -> None:
    if not gated_report.gated.allows(Action.VISA_REPORT):
        raise PermissionDenied("Le visa et la transmission reviennent à l'encadrement du service.")


@transaction.atomic
def report_approve(*, membership, gated_report: GatedReport) -> Report:
    _require_manager(membership, gated_report)
    report = _advance(gated_report, rules.APPROVE, membership)
    report.approved_by = membership.user
    report.approved_at = timezone.now()
    report.return_comment = ""
    report.save(update_fields=["status", "approved_by", "approved_at", "return_comment",
                               "updated_at"])  # fmt: skip
    _timeline(report, f"Rapport visé : {report.get_kind_display().lower()}", membership.user)
    return report


@transaction.atomic
def report_send_back(*, membership, gated_report: GatedReport, comment: str) -> Report:
    _require_manager(membership, gated_report)
    if not comment.strip():
        raise field_errors(comment="Indiquez ce qui doit être repris.")
    report = _advance(gated_report, rules.SEND_BACK, membership, comment.strip())
    report.return_comment = comment.strip()
    report.approved_by = None
    report.approved_at = None
    report.save(update_fields=["status", "return_comment", "approved_by", "approved_at",
                               "updated_at"])  # fmt: skip
    # The comment stays in the report (its author and the managers): not in the timeline.
    _timeline(report, f"Rapport renvoyé pour correction : {report.get_kind_display().lower()}",
              membership.user)  # fmt: skip
    return report


@transaction.atomic
def report_transmit(*, membership, gated_report: GatedReport, today: date | None = None) -> Report:
    """Transmit to the judge: the report is frozen, its PDF and the PDF's SHA-256 stored."""
    _require_manager(membership, gated_report)
    if gated_report.report.judge_id is None:
        raise field_errors(status="Aucun magistrat destinataire : la mesure n'a pas de juge "
                           "mandant enregistré.")  # fmt: skip
    report = _advance(gated_report, rules.TRANSMIT, membership)
    report.transmitted_at = timezone.now()
    content = documents.render_pdf(documents.document_for(report, today=today))
    report.sha256 = documents.sha256(content)
    name = f"rapport-{report.person_id}-{report.pk}-v{report.version}.pdf"
    report.pdf.save(name, ContentFile(content), save=False)
    try:
        report.save(update_fields=["status", "transmitted_at", "sha256", "pdf", "updated_at"])
        _timeline(report, f"Rapport transmis au magistrat : {report.get_kind_display().lower()}",
                  membership.user, report.judge.get_full_name())  # fmt: skip
    except Exception:
        report.pdf.delete(save=False)
        raise
    return report


@transaction.atomic
def report_correct(*, membership, gated_report: GatedReport) -> Report:
    """A correction of a transmitted report: a new draft version pointing to it (the old one
    stays as it was transmitted)."""
    if not gated_report.can_correct:
        raise PermissionDenied(
            "Ce rapport ne peut pas être corrigé (non transmis, ou déjà corrigé)."
        )
    old = gated_report.report
    report = Report.objects.create(
        person=old.person,
        measure=old.measure,
        incident=old.incident,
        kind=old.kind,
        title=old.title,
        sections=old.sections,
        due_date=old.due_date,
        author=membership.user,
        judge=old.judge,
        version=old.version + 1,
        previous=old,
    )
    _step(
        report, "correct", rules.DRAFT, membership.user, f"Correction de la version {old.version}"
    )
    audit.record_by(
        membership,
        audit.Action.CREATE,
        report,
        person_id=report.person_id,
        summary=f"Correction du rapport (version {report.version})",
        changes={"previous": [None, old.pk]},
    )
    _timeline(report, f"Rapport en correction (version {report.version})", membership.user)
    return report


# --- The judge's answer. ---


@transaction.atomic
def answer_record(
    *,
    membership,
    gated_report: GatedReport,
    kind: str,
    answered_on: date,
    text: str = "",
    part: str = "",
    extra_months: int | None = None,
    new_obligations: list[str] | None = None,
    ended_obligations: list[int] | None = None,
    today: date | None = None,
) -> JudgeAnswer:
    """Record the judge's answer (by the judge, or by a manager or the secretariat from a
    paper answer) and apply what it changes."""
    today = today or timezone.localdate()
    if not gated_report.can_answer:
        if gated_report.report.status != rules.TRANSMITTED:
            raise field_errors(kind=rules.STEP_ERRORS[rules.ANSWER])
        raise PermissionDenied("Vous ne pouvez pas enregistrer la réponse à ce rapport.")
    report = gated_report.report
    new_obligations = new_obligations or []
    ended_obligations = ended_obligations or []
    errors = rules.check_answer(
        kind,
        has_measure=report.measure_id is not None,
        part=part,
        extra_months=extra_months,
        new_obligations=new_obligations,
        ended_obligations=ended_obligations,
    )
    if kind in rules.ON_A_MEASURE and report.measure_id and not report.measure.is_open:
        errors["kind"] = "La mesure n'est plus en cours : cette réponse ne peut pas s'y appliquer."
    if answered_on > today:
        errors["answered_on"] = "La date de la décision ne peut pas être dans le futur."
    elif report.transmitted_at and answered_on < timezone.localtime(report.transmitted_at).date():
        errors["answered_on"] = "La décision ne peut pas précéder la transmission du rapport."
    if errors:
        raise field_errors(**errors)
    report_now = _advance(gated_report, rules.ANSWER, membership)
    report_now.save(update_fields=["status", "updated_at"])
    measure = report.measure
    judge = report.judge
    on_paper = membership.role != Role.JUDGE
    decision = measure_services.decision_create(
        membership=membership,
        person=report.person,
        data={
            "kind": Decision.Kind.JAP_ORDER,
            "jurisdiction": f"Juge de l'application des peines — {report.person.service.name}",
            "date": answered_on,
            "enforceable_date": answered_on,
            "judge": judge,
            "summary": f"{rules.ANSWER_LABELS[kind]} — réponse au rapport « {report.title} »"[:500],
        },
        offences=[],
        today=today,
    )
    answer = JudgeAnswer.objects.create(
        report=report,
        kind=kind,
        date=answered_on,
        text=text.strip(),
        part=part.strip(),
        extra_months=extra_months,
        decision=decision,
        on_paper=on_paper,
        recorded_by=membership.user,
    )
    audit.record_creation(
        membership, answer, person_id=report.person_id, summary="Réponse du magistrat enregistrée"
    )
    effect = rules.EFFECTS[kind]
    detail = text.strip()[:300]
    if effect == rules.NEW_OBLIGATIONS:
        _modify_obligations(membership, answer, measure, decision, new_obligations,
                            ended_obligations, answered_on)  # fmt: skip
    elif effect == rules.EXTEND_MEASURE:
        measure_services.measure_update(
            membership=membership,
            measure=measure,
            data={"duration_months": (measure.duration_months or 0) + extra_months},
            today=today,
        )
    elif effect == rules.SUSPEND_AND_FLAG:
        measure_services.measure_update(
            membership=membership, measure=measure, data={"status": "suspended"}, today=today
        )
        _flag(membership, report.person, f"{rules.ANSWER_LABELS[kind]} le {answered_on:%d/%m/%Y}")
    elif effect == rules.END_AS_REVOKED:
        measure_services.measure_update(
            membership=membership, measure=measure, data={"status": "revoked"}, today=today
        )
        if part.strip():
            detail = f"Part révoquée : {part.strip()}. {detail}".strip()
    _timeline(
        report,
        f"Réponse du magistrat : {rules.ANSWER_LABELS[kind].lower()} "
        f"(décision du {answered_on:%d/%m/%Y}{', reçue sur papier' if on_paper else ''})",
        membership.user,
        detail,
    )
    return answer


def _modify_obligations(membership, answer, measure, decision, codes, ended_ids, on) -> None:
    """New obligations linked to the decision; the ones lifted end on its date. An obligation
    already in force (and not lifted) is not added twice."""
    obligations = {o.pk: o for o in Obligation.objects.filter(measure=measure, status="active")}
    lifted = {int(pk) for pk in ended_ids}
    in_force = {o.obligation_type_id for o in obligations.values() if o.pk not in lifted}
    twice = sorted(set(codes) & in_force)
    if twice:
        raise field_errors(
            new_obligations="Déjà en vigueur sur cette mesure : " + ", ".join(twice) + "."
        )
    for pk in ended_ids:
        obligation = obligations.get(int(pk))
        if obligation is None:
            raise field_errors(
                ended_obligations="Choisissez des obligations en vigueur de la mesure."
            )
        # The lifted obligation keeps the decision that created it (it cannot start before a
        # later one); the timeline and the answer say which decision lifted it.
        measure_services.obligation_update(
            membership=membership,
            obligation=obligation,
            decision=obligation.decision,
            data={"status": "ended", "end_date": max(obligation.start_date, on)},
        )
    for code in codes:
        created = measure_services.obligation_create(
            membership=membership,
            measure=measure,
            decision=decision,
            obligation_type_code=code,
            data={"start_date": max(on, measure.start_date), "status": "active"},
        )
        answer.new_obligations.add(created)


def _flag(membership, person: Person, alert: str) -> None:
    before = person.judicial_alert
    person.judicial_alert = alert[:200]
    person.save(update_fields=["judicial_alert"])
    audit.record_by(
        membership,
        audit.Action.UPDATE,
        person,
        person_id=person.pk,
        summary="Alerte judiciaire sur le dossier",
        changes={"judicial_alert": [before, person.judicial_alert]},
    )
