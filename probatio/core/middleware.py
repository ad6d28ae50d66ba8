import json

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.log import log_response

from probatio.core.errors import refuses_writes
from probatio.core.views import write_refused


class NoStoreMiddleware:
    """Pages shown to a signed-in user hold personal data: no browser or proxy keeps a copy
    (the "Back" button asks the server again, which also journals the read)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


class BackLinkMiddleware:
    """Writes the page a file's back link returns to, when a page changed it
    (``core.context_processors``): a signed, HTTP-only cookie of the browser session, so that
    moving between lists costs no session write."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        current = getattr(request, "probatio_back", None)
        if current is not None:
            from probatio.core.context_processors import BACK_COOKIE, BACK_SALT

            response.set_signed_cookie(
                BACK_COOKIE,
                json.dumps(current, separators=(",", ":")),
                salt=BACK_SALT,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


class WriteRefusedMiddleware:
    """A database that refuses writes (read-only, or full) gives a French 503 page instead of
    a server error: for a form, nothing was saved; for a dossier, it is not shown, since its
    reading cannot be journaled. The services' transactions have rolled back by the time the
    exception gets here; the page is rendered without touching the database. The error is
    logged with its traceback, as Django logs a server error. Any other exception goes on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not refuses_writes(exception):
            return None
        return write_refused_response(request, exception)


def write_refused_response(request, exception) -> HttpResponse:
    """The French 503 page for a database refusing writes, logged as Django logs a server
    error (also used where the journal of a request is written after its view)."""
    response = write_refused(request)
    log_response(
        "%s: %s (the database refuses writes)",
        response.reason_phrase,
        request.path,
        response=response,
        request=request,
        exception=exception,
    )
    return response


# No inline script or style anywhere (docs/security.md, « Headers »): scripts and styles are
# files of our own origin. Images may be data: URLs (DSFR's icons in CSS). Violations are
# reported to ``core.views.csp_report`` (logged).
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "report-uri /csp-rapport/",
    )
)
# Nothing here uses the camera, the microphone, the position, payments or USB devices.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


class SecurityHeadersMiddleware:
    """A Content-Security-Policy and a Permissions-Policy on every response that has none of
    its own (a proof's preview image sets a stricter one)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
