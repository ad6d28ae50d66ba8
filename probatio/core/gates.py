"""The gate of a page that is not about one person (lists, agenda, échéancier, settings…):
the current membership, if its role may do the page's action (``access.policy``). The menu
asks the same question (``access.menu``), so a page and its entry never disagree."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from probatio.access.policy import Action, allows


class NotFound(Http404):
    """A 404 of a gate that names what was asked for (``object_type`` such as
    ``"people.person"``, and the id asked), so that the refusal journaled in the reader's own
    service names it (``accounts.middleware.DeniedJournalMiddleware``). Raised alike whether
    the object exists in another service or not at all: the page says nothing of it."""

    def __init__(self, message: str, *, object_type: str = "", object_id=None):
        super().__init__(message)
        self.object_type = object_type
        self.object_id = object_id


def get_or_404(queryset, **lookup):
    """``get_object_or_404`` for a gate: the 404 names the model and the id asked."""
    found = queryset.filter(**lookup).first()
    if found is None:
        raise NotFound(
            "Introuvable.",
            object_type=queryset.model._meta.label_lower,
            object_id=lookup.get("pk", lookup.get("id")),
        )
    return found


def page_membership(request, action: Action, refusal: str = ""):
    """The request's membership, allowed to ``action``: 404 without a chosen service, 403 for
    a role the policy refuses (with ``refusal`` as the French reason)."""
    membership = getattr(request, "membership", None)
    if membership is None:
        raise Http404("Aucun service choisi.")
    if not allows(membership.role, action):
        raise PermissionDenied(refusal or "Cette page n'est pas accessible à votre rôle.")
    return membership
