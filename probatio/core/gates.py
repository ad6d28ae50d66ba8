"""The gate of a page that is not about one person (lists, agenda, échéancier, settings…):
the current membership, if its role may do the page's action (``access.policy``). The menu
asks the same question (``access.menu``), so a page and its entry never disagree."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from probatio.access.policy import Action, allows


def page_membership(request, action: Action, refusal: str = ""):
    """The request's membership, allowed to ``action``: 404 without a chosen service, 403 for
    a role the policy refuses (with ``refusal`` as the French reason)."""
    membership = getattr(request, "membership", None)
    if membership is None:
        raise Http404("Aucun service choisi.")
    if not allows(membership.role, action):
        raise PermissionDenied(refusal or "Cette page n'est pas accessible à votre rôle.")
    return membership
