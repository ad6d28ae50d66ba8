"""The Content-Security-Policy holds in a real browser (docs/security.md, « Headers »): a page
loads with no violation, and the listener every browser test relies on does see one when an
inline style or script is put in the page (so that « no violation » means something)."""

import pytest

from tests.browser.conftest import csp_violations
from tests.browser.pages import Probatio
from tests.factories import PASSWORD, MembershipFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_page_loads_clean_and_inline_code_is_refused(page, axe_source):
    MembershipFactory(role="cpip", user__username="camille.csp")
    app = Probatio(page, axe_source)
    app.sign_in("camille.csp", PASSWORD)  # checks the page: no violation so far
    assert csp_violations(page) == []
    page.evaluate(
        """() => {
            document.body.insertAdjacentHTML("beforeend", '<p style="color: red">injecté</p>');
            const script = document.createElement("script");
            script.textContent = "window.__ran = true;";
            document.body.appendChild(script);
        }"""
    )
    page.wait_for_function("() => window.__cspViolations.length >= 2")
    found = " ".join(csp_violations(page))
    assert "style-src" in found and "script-src" in found
    assert page.evaluate("() => window.__ran === undefined")  # the inline script did not run
    assert page.locator("text=injecté").evaluate("e => getComputedStyle(e).color") != (
        "rgb(255, 0, 0)"
    )
