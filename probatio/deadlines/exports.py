"""The échéancier as a table (``core.exports``): one row per item, in the page's order (by day,
then by person), with what the page shows the member — the items their role sees, who must
act for those who see the whole service. Pure: the items and names come read."""

from datetime import date

from django.utils import timezone

from probatio.core.deadlines import DueItem, Severity
from probatio.core.exports import Column, Kind, Table
from probatio.deadlines import rules


def schedule_table(
    items: list[DueItem], *, names: dict, staff: dict | None, today: date, filters
) -> Table:
    """``names``: the persons by id (as the page names them); ``staff``: the service's
    members by id when the page shows « Qui » (managers, the secretariat), else None."""
    columns = [
        Column("Date", Kind.DATE),
        Column("Heure"),
        Column("N° de dossier", Kind.INTEGER),
        Column("Personne"),
        Column("Échéance"),
        Column("Précisions"),
        Column("Alerte"),
        Column("Jours de retard", Kind.INTEGER),
    ]
    if staff is not None:
        columns.append(Column("Qui"))
    rows = []
    for group in rules.by_person_and_day(items):
        person = names.get(group.person_id)
        for item in group.items:
            row = [
                item.due,
                timezone.localtime(item.at).strftime("%H:%M") if item.at else "",
                group.person_id,
                str(person) if person else "Personne",
                item.label,
                item.detail,
                item.severity == Severity.ALERT,
                (today - item.due).days if item.is_overdue(today) else None,
            ]
            if staff is not None:
                row.append(
                    ", ".join(
                        staff[s].get_full_name() for s in sorted(item.staff_ids) if s in staff
                    )
                )
            rows.append(row)
    return Table(title="Échéancier", columns=columns, rows=rows, filters=filters)
