"""Writes on reports: creation (prefilled), drafts, the visa loop, transmission (frozen PDF),
corrections (new versions) and the judge's answer with what it changes. Each is one
transaction with its journal entry, its workflow step and its timeline line."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from probatio.access.policy import Action
from probatio.compliance.models import Incident
from probatio.core.errors import field_errors
from probatio.measures.models import Measure
from probatio.people.journal import timeline_add
from probatio.people.journal import write as journal
from probatio.people.models import TimelineEvent
from probatio.people.selectors import Gated
from probatio.reports import answers, documents, prefill, rules
from probatio.reports.models import Report, ReportStep
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
    matter: str = "",
    urgency: str = "",
    court=None,
    today: date | None = None,
) -> Report:
    """A new draft of ``kind``, its sections prefilled from the file, addressed to the
    measure's judge (a rapid social enquiry: to the court chosen). An opinion says what it is
    about (``matter``), an incident report how urgent it is."""
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
    if due_date is None and measure is not None:
        # The deadline the law (or the service) sets for this report, when there is one.
        due_date = next(
            (
                d.due
                for d in rules.legal_report_deadline(
                    measure.measure_type_id,
                    decision_date=measure.decision.date,
                    report_requested_on=measure.report_requested_on,
                    end=measure.end_date,
                    end_report_days=person.service.end_report_days,
                )
                if d.kind == kind and d.due >= today
            ),
            None,
        )
    if kind == rules.OPINION and matter not in answers.OPINION_MATTERS:
        raise field_errors(
            matter="Indiquez sur quoi porte l'avis (libération conditionnelle, libération sous "
            "contrainte, semi-liberté, réductions de peine…) : les réponses du juge en dépendent."
        )
    if kind == rules.INCIDENT:
        urgency = urgency or answers.URGENCY_NORMAL
        if urgency not in answers.URGENCY_LABELS:
            raise field_errors(urgency="Choisissez le degré d'urgence.")
    else:
        urgency = ""
    if kind == rules.ESR:
        if court is None or court.service_id != person.service_id:
            raise field_errors(court="Choisissez le tribunal qui recevra l'enquête.")
    else:
        court = None
    report = Report(
        person=person,
        measure=measure,
        incident=incident,
        kind=kind,
        matter=answers.matter_of(
            kind, opinion_matter=matter, measure_type=measure.measure_type_id if measure else None
        ),
        urgency=urgency,
        court=court,
        title=f"{rules.KIND_LABELS[kind]} — {person.surname.upper()} {person.first_names}",
        sections=prefill.prefilled_sections(
            kind,
            person=person,
            measure=measure,
            incident=incident,
            today=today,
            with_assessment=gated.allows(Action.READ_ASSESSMENTS),
        ),
        due_date=due_date,
        author=membership.user,
        judge=measure.assigning_judge if measure is not None and kind != rules.ESR else None,
    )
    report.save()
    _step(report, "create", rules.DRAFT, membership.user)
    journal(
        membership,
        report,
        person=person,
        summary=f"Rapport commencé : {report.get_kind_display()}",
        changes={
            "kind": [None, kind],
            "matter": [None, report.matter],
            "measure": [None, measure.pk if measure else None],
        },
        created=True,
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
    journal(
        membership,
        report,
        person=report.person,
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
    journal(
        membership,
        report,
        person=report.person,
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
    addressee = gated_report.report
    if addressee.kind == rules.ESR and addressee.court_id is None:
        raise field_errors(status="Aucun tribunal destinataire : choisissez-le sur l'enquête.")
    if addressee.kind != rules.ESR and addressee.judge_id is None:
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
        to = "au tribunal" if report.kind == rules.ESR else "au magistrat"
        _timeline(report, f"Rapport transmis {to} : {report.get_kind_display().lower()}",
                  membership.user, report.addressee)  # fmt: skip
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
        matter=old.matter,
        urgency=old.urgency,
        court=old.court,
        author=membership.user,
        judge=old.judge,
        version=old.version + 1,
        previous=old,
    )
    _step(
        report, "correct", rules.DRAFT, membership.user, f"Correction de la version {old.version}"
    )
    journal(
        membership,
        report,
        person=report.person,
        summary=f"Correction du rapport (version {report.version})",
        changes={"previous": [None, old.pk]},
        created=True,
    )
    _timeline(report, f"Rapport en correction (version {report.version})", membership.user)
    return report


# --- The judge's answer (recorded by ``transitions.services.answer_record``). ---


def report_mark_answered(*, membership, gated_report: GatedReport) -> Report:
    """The report's step to « réponse reçue », inside the transaction of the transition that
    records the answer and applies it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("report_mark_answered runs inside the answer's transaction.")
    report = _advance(gated_report, rules.ANSWER, membership)
    report.save(update_fields=["status", "updated_at"])
    gated_report.report.status = report.status
    return report
