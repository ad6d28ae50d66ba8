"""The demo writes through the services, as staff would: each person through the dossier gate
of the membership that writes (a demo that asked for a write its role may not do would fail
to load, as the page would refuse it)."""

from probatio.organisation.models import Court
from probatio.people.selectors import Gated, person_get_for


def gate(membership, person) -> Gated:
    return person_get_for(membership, person.pk)


def court_name(service) -> str:
    """The service's first court (its judgments name it), or a plain one where it has none."""
    court = Court.objects.filter(service=service).order_by("pk").first()
    return court.name if court else "Tribunal judiciaire"
