"""Assertions common to the view tests."""

import html as htmllib
import re

from django.test import Client

ROLES = ("cpip", "manager", "secretariat", "monitoring", "psychologist", "social_worker", "judge")

# Text that would betray an untranslated Django or django-dsfr default.
ENGLISH_LEFTOVERS = (
    "Untitled page",
    "Page not found",
    "Not Found",
    "Forbidden",
    "Server Error",
    "This field is required",
    "Enter a valid",
    "Select a valid choice",
    "Ensure this value",
    "Please correct",
    "Log in",
    "Log out",
    "Skip to content",
)


def assert_dsfr_page(response) -> None:
    """A whole page: French, inside the DSFR layout, no English default text."""
    html = response.content.decode()
    assert '<html lang="fr"' in html, "page not declared French"
    assert 'class="fr-header"' in html, "page outside the DSFR header"
    assert 'class="fr-footer"' in html, "page outside the DSFR footer"
    assert re.search(r"<title>[^<]*Probatio</title>", html), "missing or generic <title>"
    for text in ENGLISH_LEFTOVERS:
        assert text not in html, f"English leftover on {response.request['PATH_INFO']}: {text!r}"


def is_full_page(response) -> bool:
    return (
        response.status_code in (200, 400, 403, 404, 500, 503)
        and response.get("Content-Type", "").startswith("text/html")
        and response.request.get("HTTP_HX_REQUEST") != "true"
    )


class DsfrCheckingClient(Client):
    """The test client, checking that every whole HTML page it receives is a French DSFR
    page (htmx fragments, redirects and JSON are left alone)."""

    def request(self, **request):
        response = super().request(**request)
        if is_full_page(response):
            assert_dsfr_page(response)
        return response


def html(response) -> str:
    return response.content.decode()


def text_of(response) -> str:
    """The visible text of a page, tags removed and spaces collapsed (for phrase checks)."""
    content = re.sub(r"<script.*?</script>", " ", html(response), flags=re.S)
    content = re.sub(r"<[^>]+>", " ", content)
    return " ".join(htmllib.unescape(content).split())


def text_within(response, testid: str) -> str:
    """The visible text of the element marked ``data-testid="<testid>"`` (up to the first
    closing tag of its name: for tables and forms, which do not nest), or ""."""
    found = re.search(
        rf'<(\w+)[^>]*data-testid="{re.escape(testid)}"[^>]*>(.*?)</\1>', html(response), re.S
    )
    if not found:
        return ""
    content = re.sub(r"<[^>]+>", " ", found.group(2))
    return " ".join(htmllib.unescape(content).split())


def field_error(response, field_id: str) -> str:
    """The error text shown under a field (``field_id`` as in ``id_<name>``), or ""."""
    found = re.search(
        rf'id="{re.escape(field_id)}-desc-error"[^>]*>(.*?)</div>', html(response), flags=re.S
    )
    if not found:
        return ""
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())
