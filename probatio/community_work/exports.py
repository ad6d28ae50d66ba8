"""The TIG lists as tables (``core.exports``): the follow-up list (each open TIG: hours, the
period's deadline, the pace, the placement) and the host organisations with their approval
and places. Pure: the rows come read by the selectors."""

from probatio.community_work import rules
from probatio.core.exports import Column, Kind, Table

UNASSIGNED_LABEL = "non attribué"


def follow_up_table(rows, *, service_wide: bool, filters) -> Table:
    """``rows``: the page's ``Progress`` rows, in its order (at risk first)."""
    columns = [
        Column("N° de dossier", Kind.INTEGER),
        Column("Personne"),
        Column("Heures effectuées", Kind.DECIMAL),
        Column("Heures prononcées", Kind.INTEGER),
        Column("Échéance", Kind.DATE),
        Column("État"),
        Column("Heures par semaine nécessaires", Kind.DECIMAL),
        Column("Poste"),
        Column("Structure d'accueil"),
    ]
    if service_wide:
        columns.append(Column("CPIP"))
    table_rows = []
    for p in rows:
        placement = p.assignment.placement if p.assignment else None
        row = [
            p.order.person_id,
            str(p.order.person),
            p.done,
            p.order.hours_ordered,
            p.deadline.day,
            p.pace.label,
            # As the page: the pace needed, when it is not already kept.
            p.pace.needed_per_week
            if p.pace.needed_per_week and p.pace.status != rules.ON_PACE
            else None,
            placement.activity if placement else "",
            placement.host.partner.name if placement else "",
        ]
        if service_wide:
            cpip = p.order.person.assigned_cpip
            row.append(cpip.get_full_name() if cpip else UNASSIGNED_LABEL)
        table_rows.append(row)
    return Table(
        title="Travaux d'intérêt général", columns=columns, rows=table_rows, filters=filters
    )


def _approval(row) -> str:
    if not row["host"]:
        return "à enregistrer"
    return "habilitée" if row["approved"] else "habilitation échue"


def hosts_table(rows) -> Table:
    """``rows``: ``selectors.host_directory``'s, by name."""
    return Table(
        title="Structures d'accueil TIG",
        columns=[
            Column("Structure"),
            Column("Active"),
            Column("Habilitation"),
            Column("Habilitée jusqu'au", Kind.DATE),
            Column("Postes proposés"),
            Column("Places libres", Kind.INTEGER),
            Column("Places", Kind.INTEGER),
        ],
        rows=[
            (
                row["partner"].name,
                row["partner"].is_active,
                _approval(row),
                row["host"].approval_end_date if row["host"] and row["approved"] else None,
                ", ".join(p.activity for p in row["placements"]),
                row["free"],
                row["places"],
            )
            for row in rows
        ],
    )
