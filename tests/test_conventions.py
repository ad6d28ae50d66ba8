"""Project-wide conventions: migrations, system checks, login everywhere, template URL names.

Written generically: every URL pattern and every template is discovered, so new pages are
checked without touching this file.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

PROJECT_DIR = Path(settings.BASE_DIR) / "probatio"

# Pages anyone may open without signing in (by URL name).
# The only pages open without signing in: sign-in and the forgotten password (which tells
# nothing of any account), the accessibility statement (which holds no personal data and must
# be reachable by anyone), and where browsers report what the content-security policy blocked.
PUBLIC_URL_NAMES = {"accounts:login", "accounts:password_forgotten", "accessibility", "csp_report"}
# Machine endpoints authenticated by a secret of their own instead of a session: a staff
# member's calendar feed (secret token in the URL), and what the SMS provider calls.
TOKEN_URL_NAMES = {"agenda:feed", "messaging:sms_webhook"}
# The link a new account receives by e-mail to choose its password: Django's password-reset
# token (valid once, for a few days) stands for the session.
PASSWORD_LINK_URL_NAMES = {"accounts:set_password"}
# Namespaces with their own sign-in (the platform administration).
EXCLUDED_NAMESPACES = {"admin"}

SAMPLE_VALUES = {
    "int": "999999",
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": "00000000-0000-0000-0000-000000000000",
}
CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")


def _route(pattern) -> str | None:
    """A concrete URL piece for a pattern, sample values in place of its parameters."""
    if isinstance(pattern, RoutePattern):
        return CONVERTER.sub(
            lambda m: SAMPLE_VALUES.get(m["converter"] or "str", "x"), str(pattern._route)
        )
    if isinstance(pattern, RegexPattern):
        regex = pattern._regex.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
        if re.search(r"[()\[\]*+?{}|\\.]", regex):
            return None  # a real regular expression: no sample URL to build generically
        return regex
    return None


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for entry in patterns:
        piece = _route(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace or ""]))
            if inner.split(":")[0] in EXCLUDED_NAMESPACES:
                continue
            if piece is None:
                continue
            yield from _walk(entry.url_patterns, prefix + piece, inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield "/" + prefix + (piece if piece is not None else "\0"), name or ""


def project_urls() -> list[tuple[str, str]]:
    static = settings.STATIC_URL
    return sorted(
        {
            (url, name)
            for url, name in _walk(get_resolver().url_patterns)
            if "\0" not in url
            and not url.startswith(static)
            and name not in PUBLIC_URL_NAMES | TOKEN_URL_NAMES | PASSWORD_LINK_URL_NAMES
        }
    )


PROJECT_URLS = project_urls()


def test_url_patterns_were_found():
    urls = dict(PROJECT_URLS)
    assert urls["/"] == "home"
    assert not any(url.startswith("/admin/") for url in urls)


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "name"), PROJECT_URLS, ids=[u for u, _ in PROJECT_URLS])
def test_every_page_requires_login(client, url, name):
    response = client.get(url)
    login = resolve_url(settings.LOGIN_URL)
    assert response.status_code == 302, f"{name} ({url}) answers {response.status_code}"
    assert response["Location"].startswith(f"{login}?next="), response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(TOKEN_URL_NAMES))
def test_token_endpoints_refuse_a_wrong_secret(client, name):
    """Open without a session, but only with the right secret: a made-up one is refused."""
    url = reverse(name, kwargs={"token": "not-a-real-secret"})
    response = (
        client.get(url) if name == "agenda:feed" else client.post(url, "{}", "application/json")
    )
    assert response.status_code in (403, 404)
    assert b"BEGIN:VCALENDAR" not in response.content


@pytest.mark.django_db
def test_sign_in_page_is_public(client):
    assert resolve_url(settings.LOGIN_URL) == "/connexion/"
    assert client.get(reverse("accounts:login")).status_code == 200


@pytest.mark.django_db
def test_accessibility_statement_is_public(client):
    response = client.get(reverse("accessibility"))
    assert response.status_code == 200
    assert "Déclaration d'accessibilité" in response.content.decode()


@pytest.mark.django_db
def test_posting_anonymously_also_redirects_to_login(client):
    for url, _ in PROJECT_URLS:
        response = client.post(url, {})
        assert response.status_code in {302, 403}, url  # 403: CSRF check comes first
        if response.status_code == 302:
            assert response["Location"].startswith("/connexion/"), url


@pytest.mark.django_db
def test_migrations_are_up_to_date():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_system_checks_pass():
    call_command("check", verbosity=0)


# --- URL names used in templates ---------------------------------------------------------

URL_TAG = re.compile(r"""{%\s*url\s+(['"])(?P<name>[^'"]+)\1""")


def url_name_exists(name: str) -> bool:
    resolver = get_resolver()
    *namespaces, view_name = name.split(":")
    for namespace in namespaces:
        if namespace in resolver.app_dict and namespace not in resolver.namespace_dict:
            namespace = resolver.app_dict[namespace][0]
        if namespace not in resolver.namespace_dict:
            return False
        _, resolver = resolver.namespace_dict[namespace]
    return view_name in resolver.reverse_dict


def template_url_names() -> list[tuple[str, str]]:
    found = []
    for path in sorted(PROJECT_DIR.rglob("*")):
        if path.suffix not in {".html", ".txt", ".xml"} or "static" in path.parts:
            continue
        for match in URL_TAG.finditer(path.read_text(encoding="utf-8")):
            found.append((str(path.relative_to(PROJECT_DIR)), match["name"]))
    return found


def test_templates_were_scanned():
    assert ("templates/includes/header.html", "home") in template_url_names()


def test_templates_only_name_existing_urls():
    missing = [
        f"{path}: {{% url '{name}' %}}"
        for path, name in template_url_names()
        if not url_name_exists(name)
    ]
    assert missing == []


def test_url_name_lookup_itself():
    assert url_name_exists("home")
    assert url_name_exists("accounts:login")
    assert url_name_exists("admin:index")
    assert not url_name_exists("accounts:nowhere")
    assert not url_name_exists("nowhere:home")
