import logging
import re
import sys

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from probatio.access.menu import landing_for
from probatio.core.errors import draft_form_url, refuses_writes


@require_GET
def home(request):
    membership = request.membership
    if membership is None:
        if request.user.is_staff:
            return redirect("admin:index")
        return render(
            request, "core/no_membership.html", {"title": "Aucun rattachement"}, status=403
        )
    # The page of the role's daily work (access.menu: a judge starts from the reports
    # transmitted to them, a manager from the service).
    return redirect(landing_for(membership.role).url_name)


@login_not_required
@require_GET
def accessibility(request):
    return render(request, "core/accessibility.html", {"title": "Déclaration d'accessibilité"})


# --- Error pages --------------------------------------------------------------------------
# French pages in the DSFR layout (base.html). The 400, 403, 404 and CSRF pages are rendered
# with the request's context (the header shows who is signed in). The 500 page and the page
# of a database that refuses writes (503) are rendered from the template alone: no context
# processor, no session, no query, so that they show even when the database is unusable.

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The dossier of a person and every page under it (a stable path, README "Adresses stables").
DOSSIER_PATH = re.compile(r"^/personnes/\d+/")
RETRY_AFTER_SECONDS = 60
TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def _same_site_referer(request) -> str | None:
    """The page the form was sent from, when it is one of ours (to go back to it)."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except Exception:  # an invalid Host header: no link back rather than a second error
        return None
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={host}, require_https=request.is_secure()
    ):
        return referer
    return None


def _sent_context(request) -> dict:
    """What an error page says about what the request sent: a form (nothing saved), and
    whether that form keeps a draft of its text (``core.errors.keeps_draft``)."""
    posted = request.method in UNSAFE_METHODS
    draft_url = draft_form_url(request) if posted else None
    return {
        "posted": posted,
        "draft_url": draft_url,
        "back_url": None if draft_url else (_same_site_referer(request) if posted else None),
        "path": request.path,
    }


def _without_database(template: str, context: dict, *, status: int) -> HttpResponse:
    """A page rendered without the request's context processors (they read the session and
    the membership): nothing here touches the database."""
    context = {**context, "now": timezone.localtime()}
    return HttpResponse(loader.render_to_string(template, context), status=status)


def bad_request(request, exception=None):
    if refuses_writes(exception):  # the session could not be saved (SessionInterrupted)
        return write_refused(request)
    too_large = isinstance(exception, TOO_LARGE)
    return render(
        request,
        "core/400.html",
        {
            "title": "Envoi trop volumineux" if too_large else "Demande incorrecte",
            "too_large": too_large,
            **_sent_context(request),
        },
        status=400,
    )


def forbidden(request, exception=None):
    return render(
        request,
        "core/403.html",
        {"title": "Accès refusé", "reason": str(exception or "")},
        status=403,
    )


def not_found(request, exception=None):
    return render(request, "core/404.html", {"title": "Page introuvable"}, status=404)


def csrf_failure(request, reason=""):
    """A form refused by the CSRF check (settings.CSRF_FAILURE_VIEW): opened before a sign-in
    in this or another tab, or with cookies refused. Django's reason (English, technical) goes
    to the log only (django.security.csrf)."""
    return render(
        request,
        "core/csrf_failure.html",
        {"title": "Formulaire expiré", **_sent_context(request)},
        status=403,
    )


def server_error(request):
    """handler500. Called while the exception is being handled: a database refusing writes
    outside a view (a middleware saving the session) gets the same page as in a view."""
    error = sys.exc_info()[1]
    if refuses_writes(error):
        return write_refused(request)
    context = _sent_context(request)
    return _without_database(
        "core/500.html",
        {
            "title": "Erreur du serveur",
            "retry_url": None if context["posted"] else request.get_full_path(),
            **context,
        },
        status=500,
    )


def write_refused(request) -> HttpResponse:
    """503: the database refuses writes (read-only or full). Nothing was saved (the
    transaction was rolled back); a dossier is not shown without its journal entry."""
    context = _sent_context(request)
    dossier = not context["posted"] and bool(DOSSIER_PATH.match(request.path))
    if context["posted"]:
        title = "Enregistrement impossible"
    elif dossier:
        title = "Dossier momentanément inaccessible"
    else:
        title = "Page momentanément indisponible"
    response = _without_database(
        "core/503.html",
        {
            "title": title,
            "dossier": dossier,
            # A page can be asked again; a form is sent again from its own page.
            "retry_url": None if context["posted"] else request.get_full_path(),
            **context,
        },
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


csp_logger = logging.getLogger("probatio.csp")


@csrf_exempt
@login_not_required
@require_POST
def csp_report(request):
    """Where browsers report what the Content-Security-Policy blocked (``report-uri``): logged
    as a warning (the first 2 kB), nothing stored, an empty 204."""
    csp_logger.warning("Violation de la politique de sécurité du contenu : %s", request.body[:2048])
    return HttpResponse(status=204)
