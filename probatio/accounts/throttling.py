"""Sign-in throttling and lockout, with django-axes (docs/security.md, « Sign-in »).

- Failures are counted by the pair username + client IP (``AXES_LOCKOUT_PARAMETERS``): one
  person mistyping in an office does not lock the others out of their accounts, and guessing one
  account's password from one address stops after ``AXES_FAILURE_LIMIT`` failures.
- A higher threshold per IP whatever the usernames (``PROBATIO_IP_FAILURE_LIMIT``), against an
  address trying many accounts; high enough that an office behind one shared address is not
  locked out by a few people's mistakes.
- Both last ``AXES_COOLOFF_TIME`` after the last failure, or until a manager of the person's
  service unlocks the account (``accounts.services.staff_unlock``, journaled).
- Every sign-in path goes through the authentication backend (``axes.backends``), the
  platform administration's included.
- The client IP (``client_ip``): the connection's address, or, behind the documented proxy
  (``BEHIND_TLS_PROXY``), the last address of ``X-Forwarded-For`` — the one our proxy appended;
  earlier ones were written by the client and are not trusted.
- The lockout page says the same whatever the username (nothing tells whether an account exists).
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render
from django.utils import timezone


def client_ip(request) -> str:
    if getattr(settings, "BEHIND_TLS_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR", "")


def ip_limit() -> int:
    return int(getattr(settings, "PROBATIO_IP_FAILURE_LIMIT", 100))


def cooloff_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


class Handler(AxesDatabaseHandler):
    """Axes' database handler, plus the per-IP threshold."""

    def ip_locked(self, request) -> bool:
        attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
        return failures >= ip_limit()

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or self.ip_locked(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        """Axes flags the request when the pair reached its limit; the address's own limit
        shows the same suspension page."""
        super().user_login_failed(sender, credentials, request, **kwargs)
        locked = request is None or getattr(request, "axes_locked_out", False)
        if not locked and self.ip_locked(request):
            request.axes_locked_out = True


def lockout_response(request, credentials, *args, **kwargs):
    """The sign-in page, in French, saying the attempts are suspended (HTTP 429)."""
    return render(
        request,
        "accounts/locked.html",
        {"title": "Connexion suspendue", "minutes": cooloff_minutes()},
        status=429,
    )


def is_locked_out(username: str) -> bool:
    """Has ``username`` reached the limit from some address, within the cool-off?"""
    attempts = AccessAttempt.objects.filter(
        username=username, failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    )
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    return attempts.exists()


def unlock(username: str) -> int:
    """Forget ``username``'s failures, from every address (the count removed)."""
    deleted, _ = AccessAttempt.objects.filter(username=username).delete()
    return deleted
