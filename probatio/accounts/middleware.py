import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from probatio.accounts import second_factor
from probatio.accounts.models import Membership
from probatio.audit import reads as audit_reads
from probatio.audit import services as audit
from probatio.core.errors import refuses_writes
from probatio.core.middleware import write_refused_response

SESSION_KEY = "probatio_membership_id"
LAST_SEEN_KEY = "probatio_last_seen"
IDLE_FLAG = "inactif"
IDLE_SESSION_KEY = "probatio_signed_out_idle"


def idle_seconds() -> int:
    return int(getattr(settings, "SESSION_IDLE_MINUTES", 30)) * 60


class InactivityTimeoutMiddleware:
    """Signs out a session left without a request for ``SESSION_IDLE_MINUTES`` (30 by
    default; docs/security.md, « Inactivity »). The next request leads to the sign-in page,
    which says why and that drafts were kept; a background request (the drafts' autosave, an
    htmx fragment) gets a 401 the page knows how to read, so the text stays in the tab.
    The moment of the last request is written at most once a minute (no session write per
    request)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_SEEN_KEY)
            if last is not None and now - last > idle_seconds():
                return self._expire(request, user)
            if last is None or now - last > 60:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)

    def _expire(self, request, user):
        with transaction.atomic():
            audit.record(
                actor=user,
                action=audit.Action.LOGOUT,
                service_id=None,
                instance=user,
                summary="Déconnexion après inactivité",
            )
        logout(request)
        # Said on the sign-in page, whichever request leads there (an autosave may come first).
        request.session[IDLE_SESSION_KEY] = True
        background = request.headers.get("HX-Request") or "json" in request.headers.get(
            "Accept", ""
        )
        if background:
            return JsonResponse({"error": "session expirée"}, status=401)
        # A form sent after the delay: back to its page once signed in, where its draft is.
        target = request.get_full_path() if request.method in ("GET", "HEAD") else request.path
        query = urlencode({IDLE_FLAG: "1", "next": target})
        return redirect(f"{reverse('accounts:login')}?{query}")


# What a session waiting for its second factor may still open (by URL name).
SECOND_FACTOR_OPEN = {
    "accounts:second_factor",
    "accounts:second_factor_setup",
    "accounts:logout",
    "accessibility",
    "csp_report",
}


class SecondFactorMiddleware:
    """Nothing opens before the second factor (``accounts.second_factor``): a session that
    must type a code, or set up a device, is led there from any other page (back to it
    afterwards); a background request gets a 401."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            state = second_factor.state_of(request)
            if state is None:  # a session from before the second factor: decide now
                second_factor.on_login(None, request, user)
                state = second_factor.state_of(request)
            if state in (second_factor.CODE, second_factor.SETUP):
                match = getattr(request, "resolver_match", None) or _resolve(request.path_info)
                name = match.view_name if match else ""
                if name not in SECOND_FACTOR_OPEN and not request.path_info.startswith(
                    settings.STATIC_URL
                ):
                    if request.headers.get("HX-Request") or "json" in request.headers.get(
                        "Accept", ""
                    ):
                        return JsonResponse({"error": "second facteur attendu"}, status=401)
                    target = (
                        "accounts:second_factor"
                        if state == second_factor.CODE
                        else "accounts:second_factor_setup"
                    )
                    wanted = request.get_full_path() if request.method == "GET" else "/"
                    return redirect(f"{reverse(target)}?{urlencode({'next': wanted})}")
        return self.get_response(request)


def _resolve(path: str):
    try:
        return resolve(path)
    except Resolver404:
        return None


class MembershipMiddleware:
    """Sets ``request.membership``: the service and role the user works in right now.

    A user with several memberships chooses one (kept in the session); a user with one has it
    chosen for them. Views reach the database only through gates that take this membership.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        request.memberships = []
        user = request.user
        if user.is_authenticated:
            memberships = list(
                Membership.objects.filter(user=user, is_active=True)
                .select_related("service", "site")
                .order_by("service__department_code", "role")
            )
            for item in memberships:
                item.user = user  # the signed-in user: no extra query when gates use it
            request.memberships = memberships
            chosen = request.session.get(SESSION_KEY)
            current = next((m for m in memberships if m.pk == chosen), None)
            if current is None and len(memberships) == 1:
                current = memberships[0]
                request.session[SESSION_KEY] = current.pk
            request.membership = current
            if current is None and len(memberships) > 1 and not _exempt(request.path):
                target = reverse("accounts:choose_service")
                if request.method == "GET":
                    target += "?" + urlencode({"next": request.get_full_path()})
                return redirect(target)
        return self.get_response(request)


def _exempt(path: str) -> bool:
    return path.startswith(
        (
            reverse("accounts:choose_service"),
            reverse("accounts:switch_service"),
            reverse("accounts:logout"),
            # The second factor comes before choosing a service (its own middleware leads
            # there first: sending it to the choice would loop).
            reverse("accounts:second_factor"),
            reverse("accounts:second_factor_setup"),
            "/static/",
            "/admin/",
        )
    )


# The reason journaled for every 404 of a signed-in member: the same whether the object
# exists in another service or not at all (never the gate's own words).
NOT_FOUND_REASON = "introuvable ou hors du service"
# What fits the journal's object id (a made-up id may be longer than any real one).
MAX_OBJECT_ID = 2**63 - 1


def shows_what_it_read(status: int) -> bool:
    """A success (a page, a file), or a form sent back with its errors: the page still shows
    the file it was read from. A redirection, a refusal or an error shows nothing."""
    return 200 <= status < 300 or status in (400, 422)


class DeniedJournalMiddleware:
    """Refusals and reads, journaled in the chain of the member's own service.

    - Every refusal of a signed-in member is journaled as ``denied``: a 403 (a forged POST to
      an action the role lacks) with its reason, and a 404 raised by a view (another service's
      id, a made-up id, an object outside the member's files) with the reason
      « introuvable ou hors du service », the same in both cases: the entry, like the page,
      never tells whether the object exists elsewhere. The page, the method, the view and the
      ids asked are in ``context``; the object type and id when the gate names them
      (``core.gates.NotFound``). The view's own transaction has rolled back by then; the
      entry is written in its own. An unknown address (no view) is not journaled.
    - The reads the gates journal during the request are held (``audit.reads``) and written
      here, in one transaction, only when the response showed what was read: a success (2xx,
      files included), or a form sent back with its errors (400, 422), which shows the file;
      a failure to write them fails the request (500): nothing is shown without its entry.

    Neither adds a query to a page that is allowed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit_reads.held() as pending:
            response = self.get_response(request)
        if pending and shows_what_it_read(response.status_code):
            try:
                audit_reads.write_held(pending)
            except DatabaseError as error:
                if not refuses_writes(error):
                    raise  # a server error: the page is not served without its entries
                return write_refused_response(request, error)
        return response

    def process_exception(self, request, exception):
        membership = getattr(request, "membership", None)
        if membership is None or isinstance(exception, Resolver404):
            return None
        if isinstance(exception, PermissionDenied):
            reason = str(exception)[:300]
        elif isinstance(exception, Http404):
            reason = NOT_FOUND_REASON
        else:
            return None
        object_type, object_id = _object_asked(exception)
        match = getattr(request, "resolver_match", None)
        context = {"method": request.method, "path": request.path[:500], "reason": reason}
        if match is not None:
            context["view"] = (match.view_name or "")[:200]
            context["asked"] = {str(k): str(v)[:40] for k, v in match.kwargs.items()}
        try:
            _journal_denial(membership, request, object_type, object_id, context)
        except DatabaseError as error:
            if not refuses_writes(error):
                raise
            return write_refused_response(request, error)
        return None


def _journal_denial(membership, request, object_type, object_id, context) -> None:
    with transaction.atomic():
        audit.record(
            actor=audit.actor_of(membership),
            action=audit.Action.DENIED,
            service_id=membership.service_id,
            role=membership.role,
            object_type=object_type,
            object_id=object_id,
            summary=f"Accès refusé : {request.method} {request.path}"[:300],
            context=context,
        )


def _object_asked(exception) -> tuple[str, int | None]:
    """The object the refused gate names (type and id asked), else the page."""
    object_type = getattr(exception, "object_type", "") or "page"
    try:
        object_id = int(getattr(exception, "object_id", None))
    except (TypeError, ValueError):
        object_id = None
    if object_id is not None and not 0 <= object_id <= MAX_OBJECT_ID:
        object_id = None
    return object_type, object_id
