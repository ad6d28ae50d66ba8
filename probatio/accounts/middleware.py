import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from probatio.accounts import second_factor
from probatio.accounts.models import Membership
from probatio.audit import services as audit

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


class DeniedJournalMiddleware:
    """Every refusal (403) of a signed-in member is journaled as denied, with the page, the
    method and the reason: a forged POST to an action the role lacks leaves its trace. The
    view's own transaction has rolled back by then; the entry is written in its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        membership = getattr(request, "membership", None)
        if not isinstance(exception, PermissionDenied) or membership is None:
            return None
        with transaction.atomic():
            audit.record(
                actor=membership.user,
                action=audit.Action.DENIED,
                service_id=membership.service_id,
                role=membership.role,
                object_type="page",
                summary=f"Accès refusé : {request.method} {request.path}"[:300],
                context={
                    "method": request.method,
                    "path": request.path[:500],
                    "reason": str(exception)[:300],
                },
            )
        return None
