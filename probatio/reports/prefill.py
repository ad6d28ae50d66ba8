"""What a new report's sections start with: plain French text drawn from the file (identity,
measures and obligations, compliance, attendance, situation, incidents). The CPIP then edits
it freely. Each source is one function of (person, measure, incident, today) → text."""

from datetime import date, timedelta

from probatio.agenda import rules as agenda_rules
from probatio.agenda.models import Appointment
from probatio.assessments import rules as assessment_rules
from probatio.assessments.models import Assessment, IntensityDecision
from probatio.compliance import rules as compliance_rules
from probatio.compliance import selectors as compliance_selectors
from probatio.core.text import count
from probatio.measures.selectors import measures_of
from probatio.people.selectors import current_situation
from probatio.programmes import summaries as programme_summaries
from probatio.reports import rules

ATTENDANCE_MONTHS = 12


def _identity(person, measure, incident, today: date) -> str:
    lines = [
        f"{person.surname.upper()} {person.first_names}, "
        f"{ {'F': 'née', 'M': 'né'}.get(person.sex, 'né·e') } le {person.birth_date:%d/%m/%Y}"
        + (f" à {person.birth_place}" if person.birth_place else "")
        + ".",
    ]
    address = person.addresses.filter(valid_to__isnull=True).order_by("-valid_from").first()
    if address is not None:
        lines.append(f"Domicile : {address}.")
    if measure is not None:
        decision = measure.decision
        line = (
            f"Mesure : {measure.measure_type.label}, décision du {decision.date:%d/%m/%Y} "
            f"({decision.jurisdiction}), du {measure.start_date:%d/%m/%Y}"
        )
        line += f" au {measure.end_date:%d/%m/%Y}." if measure.end_date else "."
        lines.append(line)
    return "\n".join(lines)


def _measures(person, measure, incident, today: date) -> str:
    lines = []
    for m in measures_of(person):
        if not m.is_open and m != measure:
            continue
        lines.append(f"{m.measure_type.label} ({m.get_status_display().lower()}) :")
        active = [o for o in m.obligations.all() if o.status == "active"]
        for o in active:
            lines.append(f"– {o.obligation_type.label}")
        if not active:
            lines.append("– aucune obligation particulière")
    return "\n".join(lines) or "Aucune mesure en cours."


def _compliance(person, measure, incident, today: date) -> str:
    items = compliance_selectors.person_compliance(person, today=today, with_proofs=False)
    if measure is not None:
        items = [i for i in items if i.obligation.measure_id == measure.pk]
    if not items:
        return "Aucune obligation n'appelle de justificatif."
    lines = []
    for item in items:
        counts = item.counts
        due = sum(
            counts[s] for s in compliance_rules.Status if s != compliance_rules.Status.NOT_DUE
        )
        lines.append(
            f"{item.obligation.obligation_type.label} : {count(due, 'justificatif attendu', 'justificatifs attendus')} à ce "
            f"jour, {counts[compliance_rules.Status.ON_TIME]} à l'heure, "
            f"{counts[compliance_rules.Status.LATE]} en retard, "
            f"{count(counts[compliance_rules.Status.MISSING], 'manquant')}"
            + (
                f", {counts[compliance_rules.Status.TO_REVIEW]} en cours d'examen"
                if counts[compliance_rules.Status.TO_REVIEW]
                else ""
            )
            + "."
        )
    return "\n".join(lines)


def _attendance(person, measure, incident, today: date) -> str:
    since = today - timedelta(days=30 * ATTENDANCE_MONTHS)
    appointments = Appointment.objects.filter(
        person=person, starts_at__date__gte=since, starts_at__date__lte=today
    ).order_by("starts_at")
    counts = {status: 0 for status in Appointment.Status.values}
    no_shows = []
    for a in appointments:
        counts[a.status] += 1
        if a.status == Appointment.Status.NO_SHOW:
            no_shows.append(f"{agenda_rules.paris(a.starts_at):%d/%m/%Y}")
    held = counts["honoured"] + counts["excused"] + counts["no_show"]
    if not held:
        return f"Aucun rendez-vous sur les {ATTENDANCE_MONTHS} derniers mois."
    text = (
        f"Sur les {ATTENDANCE_MONTHS} derniers mois : {count(counts['honoured'], 'rendez-vous honoré', 'rendez-vous honorés')}, "
        f"{count(counts['excused'], 'excusé')}, "
        f"{count(counts['no_show'], 'absence non excusée', 'absences non excusées')}"
    )
    return text + (f" (le {', le '.join(no_shows)})." if no_shows else ".")


def _situation(person, measure, incident, today: date) -> str:
    current = current_situation(person)
    if not current:
        return "Situation non renseignée."
    return "\n".join(
        f"{entry.get_domain_display()} : {entry.status_label}"
        + (f" — {entry.details}" if entry.details else "")
        + f" (au {entry.effective_date:%d/%m/%Y})"
        for entry in current.values()
    )


def _incidents(person, measure, incident, today: date) -> str:
    chosen = [incident] if incident is not None else list(
        compliance_selectors.incidents_of(person).filter(status="recorded")[:5]
    )  # fmt: skip
    if not chosen:
        return "Aucun manquement enregistré."
    lines = []
    for i in chosen:
        line = f"Le {i.occurred_on:%d/%m/%Y} — {i.get_kind_display()} ({i.get_source_display()})"
        if i.obligation_id:
            line += f", obligation : {i.obligation.obligation_type.label}"
        lines.append(f"{line}. {i.description}".strip())
        if i.steps_taken:
            lines.append(f"Démarches : {', '.join(i.steps_display).lower()}.")
    return "\n".join(lines)


# The grid's domain whose items answered yes are the needs along the reintegration pathways.
NEEDS_DOMAIN = "needs"
REASON_LABELS = dict(assessment_rules.REASON_CHOICES)


def _level(code: str) -> str:
    return assessment_rules.LEVEL_LABELS.get(code, code).lower()


def _assessment(person, measure, incident, today: date) -> str:
    """The latest structured assessment of the report's person (docs/reports.md): its date
    and reason, the level in force (and a change waiting for a manager), the grid's proposal
    with its reasons, the needs answered yes and the CPIP's summary. Never the sensitive items
    (not even loaded) nor the psychologist's section (not read): this is how the judge reads
    an assessment."""
    latest = (
        Assessment.objects.filter(person=person, assessed_on__lte=today)
        .defer("sensitive_answers", "sensitive_basis", "sensitive_reason")
        .select_related("grid_version")
        .order_by("-assessed_on", "-pk")
        .first()
    )
    decisions = list(
        IntensityDecision.objects.filter(person=person)
        .filter(status__in=(IntensityDecision.Status.APPLIED, IntensityDecision.Status.PENDING))
        .order_by("-applies_from", "-pk")
        .only("status", "chosen_level", "proposed_level", "reason", "applies_from")
    )
    in_force = next((d for d in decisions if d.status == IntensityDecision.Status.APPLIED), None)
    pending = next((d for d in decisions if d.status == IntensityDecision.Status.PENDING), None)
    lines = []
    if latest is None:
        lines.append("Aucune évaluation structurée n'est enregistrée pour cette personne.")
    else:
        reason = REASON_LABELS.get(latest.reason, latest.reason).lower()
        lines.append(f"Évaluation structurée du {latest.assessed_on:%d/%m/%Y} ({reason}).")
    if in_force is not None:
        line = f"Intensité du suivi en vigueur : {_level(in_force.chosen_level)}"
        line += f", depuis le {in_force.applies_from:%d/%m/%Y}."
        lines.append(line)
        if in_force.proposed_level and in_force.reason:
            lines.append(
                f"Niveau choisi différent de la proposition ({_level(in_force.proposed_level)}) "
                f": {in_force.reason}"
            )
    else:
        lines.append("Aucune intensité du suivi n'est encore en vigueur.")
    if pending is not None:
        lines.append(
            f"Passage à l'intensité {_level(pending.chosen_level)} en attente de validation "
            "par l'encadrement."
        )
    if latest is None:
        return "\n".join(lines)
    lines.append(f"Intensité proposée par la grille : {_level(latest.proposed_level)}.")
    if latest.proposal_reasons:
        lines.append("Éléments retenus pour cette proposition :")
        lines.extend(f"– {reason}" for reason in latest.proposal_reasons)
    needs = [
        item["label"]
        for domain in latest.grid_version.definition.get("domains", [])
        if domain["code"] == NEEDS_DOMAIN
        for item in domain["items"]
        if item["type"] == "yes_no"
        and not item.get("sensitive")
        and latest.answers.get(item["code"]) is True
    ]
    if needs:
        lines.append("Besoins relevés :")
        lines.extend(f"– {label}" for label in needs)
    else:
        lines.append("Aucun besoin relevé par l'évaluation.")
    lines.append("Synthèse du CPIP :")
    lines.append(latest.summary.strip())
    return "\n".join(lines)


def _programmes(person, measure, incident, today: date) -> str:
    """Each referral of the person to a programme, the most recent first: a finished one
    with its end-of-programme summary (sessions held, attended, excused, unexcused, outcome
    and reason, facilitators), one in progress with its attendance so far, one proposed or
    waiting with its state (``programmes.summaries``)."""
    return programme_summaries.report_text(person)


def _partners(person, measure, incident, today: date) -> str:
    return ""  # the partner network comes with the reintegration features


SOURCES = {
    "identity": _identity,
    "measures": _measures,
    "compliance": _compliance,
    "attendance": _attendance,
    "situation": _situation,
    "incidents": _incidents,
    "partners": _partners,
    "assessment": _assessment,
    "programmes": _programmes,
}


def prefilled_sections(
    kind: str, *, person, measure, incident, today: date, with_assessment: bool = True
) -> list[dict]:
    """The sections of a new report, each prefilled from its source. ``with_assessment``:
    the author's role may read the person's assessments (else that section starts empty)."""
    sections = rules.blank_sections(kind)
    sources = {s.key: s.source for s in rules.SECTIONS[kind]}
    for section in sections:
        source = sources[section["key"]]
        if source == "assessment" and not with_assessment:
            continue
        if source:
            section["text"] = SOURCES[source](person, measure, incident, today)
    if kind == rules.INCIDENT and incident is not None and incident.person_explanation:
        for section in sections:
            if section["key"] == "explanation":
                section["text"] = incident.person_explanation
    return sections
