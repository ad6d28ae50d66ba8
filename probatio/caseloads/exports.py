"""The manager's lists of files as tables (``core.exports``): the service view and the
allocation queue, with the columns their pages show. Pure: the rows come read by the
selectors (with their open measures)."""

from django.utils import timezone

from probatio.core.exports import Column, Kind, Table

CUSTODY, COMMUNITY = "Milieu fermé", "Milieu ouvert"
UNASSIGNED_LABEL = "non attribué"
URGENCY_LABELS = {"overdue": "En retard", "urgent": "Urgent", "later": "", "none": ""}


def _setting(person) -> str:
    return CUSTODY if person.in_custody else COMMUNITY


def _measures(person, *, with_status: bool) -> str:
    """The open measures as the page's tags: short label, and the status when not active."""
    return ", ".join(
        measure.measure_type.short_label
        + (
            f" ({measure.get_status_display().lower()})"
            if with_status and measure.status != "active"
            else ""
        )
        for measure in person.open_measures
    )


def _intensity(person) -> str:
    """The level in force (never the assessment behind it), and a change waiting for a
    manager."""
    text = person.intensity_label
    if person.intensity_pending_label:
        text += f" ({person.intensity_pending_label.lower()} à valider)"
    return text.strip()


def persons_table(persons, *, title: str, filters, with_intensity: bool = False) -> Table:
    """The service view's list: every person of the filtered list (not one page of it);
    ``with_intensity``: the level in force (``selectors.label_intensity``)."""
    columns = [
        Column("N° de dossier", Kind.INTEGER),
        Column("Nom, prénoms"),
        Column("Date de naissance", Kind.DATE),
        Column("Milieu"),
        Column("Mesures en cours"),
        Column("Prochaine fin de mesure", Kind.DATE),
        Column("CPIP"),
    ]
    if with_intensity:
        columns.append(Column("Intensité"))
    return Table(
        title=title,
        columns=columns,
        rows=[
            (
                person.pk,
                str(person),
                person.birth_date,
                _setting(person),
                _measures(person, with_status=True),
                person.next_due,
                person.assigned_cpip.get_full_name() if person.assigned_cpip else UNASSIGNED_LABEL,
            )
            + ((_intensity(person),) if with_intensity else ())
            for person in persons
        ],
        filters=filters,
    )


def queue_table(rows, *, filters) -> Table:
    """The queue « À attribuer »: the files waiting for a CPIP, soonest first interview first."""
    return Table(
        title="À attribuer",
        columns=[
            Column("N° de dossier", Kind.INTEGER),
            Column("Nom, prénoms"),
            Column("En attente depuis", Kind.DATE),
            Column("Origine"),
            Column("Mesures"),
            Column("Milieu"),
            Column("Premier entretien", Kind.DATE),
            Column("Urgence"),
        ],
        rows=[
            (
                row.person.pk,
                str(row.person),
                timezone.localdate(row.person.awaiting_since)
                if row.person.awaiting_since
                else None,
                row.person.get_awaiting_reason_display(),
                _measures(row.person, with_status=False),
                _setting(row.person),
                row.first_interview.due if row.first_interview else None,
                URGENCY_LABELS.get(row.urgency, ""),
            )
            for row in rows
        ],
        filters=filters,
    )
