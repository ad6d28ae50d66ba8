"""A CAP session's list as a table (``core.exports``): the persons to examine, what comes due
for each, their CPIP and the state of the SPIP's opinion — what the list shows the staff who
prepare the commission (the chairing judge reads it on screen or in PDF and exports nothing).
Pure: the list comes read by ``cap.cap_list``."""

from probatio.core.exports import Column, Kind, Table

UNASSIGNED_LABEL = "Non attribué"


def cap_title(session) -> str:
    return f"CAP du {session.date:%d/%m/%Y} — {session.establishment.name}"


def cap_filters(session) -> list[tuple[str, str]]:
    return [
        ("Établissement", session.establishment.name),
        ("Date de la séance", f"{session.date:%d/%m/%Y}"),
        ("Horizon examiné", f"{session.horizon_months} mois après la séance"),
    ]


def cap_table(data) -> Table:
    """``data``: a ``cap.CapList``, its rows by name."""
    return Table(
        title=cap_title(data.session),
        columns=[
            Column("N° de dossier", Kind.INTEGER),
            Column("Personne"),
            Column("Date de naissance", Kind.DATE),
            Column("N° d'écrou"),
            Column("À examiner"),
            Column("CPIP"),
            Column("Avis du SPIP"),
        ],
        rows=[
            (
                row.person.pk,
                str(row.person),
                row.person.birth_date,
                row.committal_number,
                " ; ".join(item.label for item in row.items),
                (row.cpip.get_full_name() or row.cpip.username) if row.cpip else UNASSIGNED_LABEL,
                row.opinion_label,
            )
            for row in data.rows
        ],
        filters=cap_filters(data.session),
    )
