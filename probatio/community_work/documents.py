"""The documents of a TIG: the attestation of hours done (PDF), and the end-of-measure report
to the judge, its sections prefilled with the hours and the hosts' remarks.

The attestation holds what proves the work and nothing more: the person, the TIG (hours and
period), the hours done per host and placement, the dates of the first and last sessions. No
offence, no victim.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from probatio.community_work import rules
from probatio.community_work.selectors import Progress
from probatio.core import phones, printing
from probatio.core.text import count
from probatio.people.selectors import Gated
from probatio.reports import rules as report_rules
from probatio.reports import services as report_services
from probatio.reports.models import Report
from probatio.reports.selectors import report_get_for


@dataclass(frozen=True)
class PlacementLine:
    host: str
    activity: str
    place: str
    hours: Decimal
    first: date | None
    last: date | None


@dataclass(frozen=True)
class Attestation:
    service_name: str
    service_address: str
    service_phone: str
    person_name: str
    birth_date: str
    measure: str
    born: str  # "né", "née"
    hours_ordered: int
    hours_done: Decimal
    complete: bool
    deadline: date
    lines: list[PlacementLine]
    first: date | None
    last: date | None
    dated: date

    @property
    def hours_done_text(self) -> str:
        return rules.hours_text(self.hours_done)


def _lines(progress: Progress) -> list[PlacementLine]:
    by_assignment: dict[int, list] = {}
    for session in progress.sessions:
        if session.kind == rules.WORK:
            by_assignment.setdefault(session.assignment_id, []).append(session)
    lines = []
    for assignment in sorted(progress.assignments, key=lambda a: (a.start_date, a.pk)):
        sessions = by_assignment.get(assignment.pk, [])
        placement = assignment.placement
        lines.append(
            PlacementLine(
                host=placement.host.partner.name,
                activity=placement.activity,
                place=f"{placement.address}, {placement.postcode} {placement.city}",
                hours=sum((s.hours for s in sessions), Decimal(0)),
                first=min((s.on for s in sessions), default=None),
                last=max((s.on for s in sessions), default=None),
            )
        )
    return [line for line in lines if line.hours]


def attestation_for(progress: Progress, *, today: date) -> Attestation:
    """``progress`` read ``with_details``. Who prints it is not who signs it: the signature
    block is left blank, to be filled in by hand by whoever signs for the service."""
    order = progress.order
    person = order.person
    service = person.service
    lines = _lines(progress)
    source = order.measure or order.obligation.measure
    return Attestation(
        service_name=service.name,
        service_address=service.address,
        service_phone=phones.display(service.phone) if service.phone else "",
        person_name=f"{person.first_names} {person.surname.upper()}",
        birth_date=f"{person.birth_date:%d/%m/%Y}",
        measure=(
            "Travail d'intérêt général"
            if order.measure_id
            else f"Obligation d'accomplir un travail d'intérêt général ({source.measure_type})"
        )
        + f" — {source.decision.jurisdiction}, décision du {source.decision.date:%d/%m/%Y}",
        born=person.born_word.lower(),
        hours_ordered=order.hours_ordered,
        hours_done=progress.done,
        complete=progress.pace.status == rules.COMPLETED,
        deadline=progress.deadline.day,
        lines=lines,
        first=min((line.first for line in lines if line.first), default=None),
        last=max((line.last for line in lines if line.last), default=None),
        dated=today,
    )


def render_attestation(attestation: Attestation) -> bytes:
    return printing.render_pdf("community_work/attestation.html", {"a": attestation})


def report_text(progress: Progress) -> str:
    """The TIG part of the end-of-measure report: hours, period, placements, hosts' remarks,
    absences and incidents reported."""
    order = progress.order
    lines = [
        f"Travail d'intérêt général de {order.hours_ordered} heures, délai de "
        f"{order.period_months} mois à compter du {order.counted_from:%d/%m/%Y} (échéance le "
        f"{progress.deadline.day:%d/%m/%Y}"
        + (
            f", prolongée de {progress.deadline.suspended_days + progress.deadline.extra_days} "
            "jours de suspension"
            if progress.deadline.suspended_days or progress.deadline.extra_days
            else ""
        )
        + ").",
        f"Heures effectuées : {rules.hours_text(progress.done)} sur {order.hours_ordered} h"
        + (" : le TIG est entièrement exécuté." if progress.remaining == 0 else ".")
        + (
            ""
            if progress.remaining == 0
            else f" Reste à effectuer : {rules.hours_text(progress.remaining)}."
        ),
    ]
    for line in _lines(progress):
        lines.append(
            f"- {line.activity} ({line.host}) : {rules.hours_text(line.hours)}, du "
            f"{line.first:%d/%m/%Y} au {line.last:%d/%m/%Y}."
        )
    absences = [s for s in progress.sessions if s.kind in rules.ABSENCES]
    incidents = [s for s in progress.sessions if s.kind == "incident"]
    if absences:
        unexcused = sum(1 for s in absences if s.kind == "absence_unexcused")
        lines.append(
            f"Absences signalées par la structure : {len(absences)}, dont {count(unexcused, 'non justifiée', 'non justifiées')}."
        )
    for session in incidents:
        lines.append(f"Incident signalé le {session.on:%d/%m/%Y} : {session.remarks}")
    remarks = [s for s in progress.sessions if s.kind != "incident" and s.remarks]
    if remarks:
        lines.append("Observations des structures d'accueil :")
        for session in sorted(remarks, key=lambda s: s.on):
            what = (
                ""
                if session.kind == rules.WORK
                else f"{rules.SESSION_KINDS[session.kind].lower()}, "
            )
            lines.append(f"- {session.on:%d/%m/%Y} : {what}{session.remarks}")
    return "\n".join(lines)


@transaction.atomic
def end_report_create(*, membership, gated: Gated, progress: Progress, today: date) -> Report:
    """A draft end-of-measure report on the TIG's measure (or the measure the TIG obligation
    belongs to), its compliance section starting with the TIG's hours and the hosts'
    remarks."""
    order = progress.order
    if progress.pace.status not in (rules.COMPLETED, rules.OVERDUE):
        raise ValidationError(
            "Le rapport de fin de mesure se prépare une fois toutes les heures effectuées ou le "
            "délai du TIG dépassé."
        )
    measure = order.measure or order.obligation.measure
    report = report_services.report_create(
        membership=membership,
        gated=gated,
        kind=report_rules.END_OF_MEASURE,
        measure=measure,
        today=today,
    )
    gated_report = report_get_for(membership, report.pk)
    texts = {}
    for section in report.sections:
        if section["key"] == "compliance":
            texts["compliance"] = report_text(progress) + "\n\n" + section.get("text", "")
    return report_services.report_save(
        membership=membership, gated_report=gated_report, texts=texts
    )
