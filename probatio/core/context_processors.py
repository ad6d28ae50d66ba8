from types import SimpleNamespace

from django.urls import reverse

from probatio.access.menu import back_for, menu_for

SAVED_DRAFT_SESSION_KEY = "probatio_saved_draft"

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


def site(request):
    membership = getattr(request, "membership", None)
    session = getattr(request, "session", None)
    back = back_for(membership.role) if membership else None
    return {
        # A file's « back » link: the role's own files, else its landing page (access.menu).
        "back_to": {"url": reverse(back[0].url_name), "label": back[1]} if back else None,
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
