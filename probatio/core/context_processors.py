import json
from types import SimpleNamespace

from django.urls import reverse

from probatio.access.menu import back_for, menu_for, origin_for

SAVED_DRAFT_SESSION_KEY = "probatio_saved_draft"
# The page a file's back link returns to, remembered in a signed cookie (``BackLinkMiddleware``
# writes it): no session write, hence no query, when the user moves between lists.
BACK_COOKIE = "probatio_back"
BACK_SALT = "probatio.back-link"

# The DSFR templates read SITE_CONFIG; ours is static (no database query on every page).
SITE_CONFIG = SimpleNamespace(
    site_title="Probatio",
    site_tagline="Le dossier unique du service pénitentiaire d'insertion et de probation",
    header_brand_html="Ministère<br />de la Justice",
    footer_brand_html="Ministère<br />de la Justice",
    footer_description="Probatio, logiciel libre de suivi des personnes placées sous main "
    "de justice. Données confidentielles : tout accès est journalisé.",
    beta_tag=True,
    mourning=False,
    notice_title="",
    notice_description="",
    accessibility_status="NON",
    operator_logo_file=None,
    operator_logo_alt="",
    operator_logo_width=0,
)


def remembered_back(request) -> dict | None:
    """The page remembered for the back link (the signed cookie; a forged or stale one is
    ignored)."""
    try:
        value = request.get_signed_cookie(BACK_COOKIE, default=None, salt=BACK_SALT)
        return json.loads(value) if value else None
    except ValueError:
        return None


def _back_link(request, membership) -> dict | None:
    """A file's « back » link (``access.menu.back_for``): the last page files are opened from
    that this membership saw — remembered, with its query, when such a page is shown —,
    else the role's own files or landing page."""
    if membership is None:
        return None
    match = getattr(request, "resolver_match", None)
    origin = origin_for(match.view_name) if match else None
    remembered = remembered_back(request)
    if origin is not None and request.method == "GET":
        current = {
            "membership": membership.pk,
            "key": origin.key,
            "url": request.get_full_path(),
            "searched": bool(request.GET.get("q", "").strip()),
        }
        if current != remembered:
            request.probatio_back = current  # written by BackLinkMiddleware
        remembered = current
    if not remembered or remembered.get("membership") != membership.pk:
        remembered = {}
    entry, label = back_for(
        membership.role, remembered.get("key"), searched=remembered.get("searched", False)
    )
    url = remembered.get("url", "")
    if remembered.get("key") != entry.key or not url.startswith("/") or url.startswith("//"):
        url = reverse(entry.url_name)
    return {"url": url, "label": label}


def site(request):
    membership = getattr(request, "membership", None)
    session = getattr(request, "session", None)
    return {
        # A file's « back » link: where the user came from, else their own files or landing
        # page (access.menu.back_for).
        "back_to": _back_link(request, membership),
        # Set by a view once a draft is saved for good: the page tells the browser to drop
        # its copy (see probatio.js). Popping a missing key leaves the session untouched.
        "saved_draft_key": session.pop(SAVED_DRAFT_SESSION_KEY, None) if session else None,
        "SITE_CONFIG": SITE_CONFIG,
        "membership": membership,
        "memberships": getattr(request, "memberships", []),
        # The header menu: the pages the membership's role may open (access.menu).
        "menu": [
            {"key": entry.key, "url": reverse(entry.url_name), "label": label}
            for entry, label in (menu_for(membership.role) if membership else [])
        ],
    }
