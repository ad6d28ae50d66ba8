"""The demo writes through the services, as staff would: each person through the dossier gate
of the membership that writes (a demo that asked for a write its role may not do would fail
to load, as the page would refuse it)."""

from probatio.people.selectors import Gated, person_get_for


def gate(membership, person) -> Gated:
    return person_get_for(membership, person.pk)
