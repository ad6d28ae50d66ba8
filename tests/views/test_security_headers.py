"""Every response carries a Content-Security-Policy without inline script or style and a
Permissions-Policy (docs/security.md, « Headers »); what the browser reports is logged."""

import logging

import pytest

from probatio.core.middleware import CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


@pytest.mark.parametrize("path", ["/connexion/", "/portefeuille/", "/page-qui-n-existe-pas/"])
def test_pages_carry_the_policies(client_for, cpip, path):
    response = client_for(cpip).get(path)
    found = directives(response)
    assert found["script-src"] == "'self'" and found["style-src"] == "'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert found["frame-ancestors"] == "'none'" and found["object-src"] == "'none'"
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in permissions


def test_the_sign_in_page_too(client):
    assert client.get("/connexion/")["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_no_template_holds_inline_script_style_or_handler():
    """What the policy would refuse, found in the templates before a browser does."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "probatio"
    printed = {"print", "pdf", "letter", "attestation"}
    offenders = []
    for template in root.rglob("templates/**/*.html"):
        if any(word in template.name for word in printed) and "print_day" not in template.name:
            continue  # documents rendered by WeasyPrint, never served as pages
        if "includes/print" in str(template):
            continue
        text = template.read_text(encoding="utf-8")
        for pattern in (r"\sstyle=\"", r"<style", r"<script(?![^>]*\ssrc=)", r"\son[a-z]+=\""):
            if re.search(pattern, text):
                offenders.append(f"{template.relative_to(root)} : {pattern}")
    assert not offenders, "\n".join(offenders)


def test_reports_of_violations_are_logged(client, caplog):
    with caplog.at_level(logging.WARNING, logger="probatio.csp"):
        response = client.post(
            "/csp-rapport/",
            data=b'{"csp-report": {"violated-directive": "style-src"}}',
            content_type="application/csp-report",
        )
    assert response.status_code == 204
    assert "style-src" in caplog.text
