"""The drafts of the reasons typed in a page's inline forms (a proof's refusal, a proposed
incident's dismissal): each form finds its own by its place's identifier."""

from django import template

from probatio.notes.selectors import dismissal_place_id

register = template.Library()


@register.filter
def draft_for(drafts: dict | None, place_id) -> str:
    """The author's draft text for this place (``selectors.drafts_in``), or nothing."""
    return (drafts or {}).get(str(place_id), "")


@register.simple_tag
def dismissal_place(proposal) -> str:
    """The place identifier of a proposed incident's dismissal reason."""
    return dismissal_place_id(
        appointment_id=getattr(proposal, "appointment_id", None),
        obligation_id=getattr(proposal, "obligation_id", None),
        period_start=getattr(proposal, "missed_period_start", None),
        source=getattr(proposal, "source_param", None),
        source_id=getattr(proposal, "source_id", None),
    )
