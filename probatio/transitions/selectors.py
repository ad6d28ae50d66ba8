"""Reads of the transition pages: the choices of the judge's answer form, and the open committal
a release ends."""

from probatio.measures.models import Obligation, ObligationType
from probatio.people.models import CustodyRecord, Person
from probatio.reports.models import Report


def answer_obligations(report: Report) -> list[Obligation]:
    """The active obligations of the report's measure, which an answer may change (none for a
    report without a measure)."""
    if not report.measure_id:
        return []
    return list(
        Obligation.objects.filter(measure_id=report.measure_id, status="active").select_related(
            "obligation_type"
        )
    )


def current_obligation_types() -> list[ObligationType]:
    """The obligation types of the catalogue still in force, which an answer may add."""
    return list(ObligationType.objects.filter(valid_to__isnull=True))


def open_custody(person: Person) -> CustodyRecord | None:
    """The person's open committal (no release date yet), if any."""
    return CustodyRecord.objects.filter(person=person, release_date__isnull=True).first()
