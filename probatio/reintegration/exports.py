"""The partner directory as a table (``core.exports``): the partners found, with the columns
of the directory's page. Pure: the partners come read with their sites."""

from probatio.core import phones
from probatio.core.exports import Column, Table
from probatio.reintegration import rules


def partners_table(found, *, filters) -> Table:
    """``found``: the search's partners, by name, their sites prefetched."""
    return Table(
        title="Annuaire des partenaires",
        columns=[
            Column("Partenaire"),
            Column("Type"),
            Column("Services proposés"),
            Column("Communes"),
            Column("Téléphone"),
            Column("Actif"),
        ],
        rows=[
            (
                partner.name,
                partner.get_kind_display(),
                ", ".join(rules.PATHWAYS[p] for p in partner.pathways or [] if p in rules.PATHWAYS),
                ", ".join(sorted({site.city for site in partner.sites.all()})),
                phones.display(partner.phone),
                partner.is_active,
            )
            for partner in found
        ],
        filters=filters,
    )
