"""A small page-object layer over Playwright for the Probatio journey."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from probatio.demo.accounts import demo_code
from tests.browser.conftest import csp_violations
from tests.factories import PASSWORD

BLOCKING_IMPACTS = ("serious", "critical")
# The screens a form is photographed on: a laptop and a phone.
VIEWPORTS = {"laptop": (1366, 768), "phone": (390, 844)}


class Probatio:
    """The application as a user drives it. Every page reached through ``visit`` or a click
    helper is checked with axe-core (serious and critical violations fail) and for broken
    assets or script errors."""

    def __init__(self, page: Page, axe_source: str):
        self.page = page
        self.axe_source = axe_source
        self.checked: list[str] = []
        self.problems: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"erreur JS : {error}"))
        page.on("response", self._on_response)

    def _on_response(self, response) -> None:
        if response.status >= 400 and "/static/" in response.url:
            self.problems.append(f"{response.status} sur {response.url}")

    # --- checks ---------------------------------------------------------------------------

    def check_page(self) -> None:
        """The page is French, in the DSFR layout, loads its assets, and passes axe-core."""
        page = self.page
        page.wait_for_load_state("load")
        assert page.locator("html").get_attribute("lang") == "fr"
        expect(page.locator("header.fr-header")).to_be_visible()
        assert not self.problems, "\n".join(self.problems)
        # DSFR's JavaScript ran (it marks the root element), htmx is loaded.
        assert page.evaluate("() => document.documentElement.hasAttribute('data-fr-js')")
        assert page.evaluate("() => typeof window.htmx === 'object'")
        violations = csp_violations(page)
        assert not violations, "politique de sécurité du contenu :\n" + "\n".join(violations)
        self.check_accessibility()

    def check_accessibility(self) -> None:
        page = self.page
        if not page.evaluate("() => typeof window.axe === 'object'"):
            # Evaluated, not added as an inline script: the page's policy refuses those.
            page.evaluate(self.axe_source)
        violations = page.evaluate(
            """async () => {
                const results = await axe.run(document, {resultTypes: ["violations"]});
                return results.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => n.target.join(" ") + " → " + n.html.slice(0, 160)),
                }));
            }"""
        )
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        path = page.url.split(":", 2)[-1]
        self.checked.append(path)
        assert not blocking, f"axe-core sur {path} :\n" + "\n".join(
            f"- [{v['impact']}] {v['id']} : {v['help']}\n    " + "\n    ".join(v["nodes"])
            for v in blocking
        )

    # --- navigation -----------------------------------------------------------------------

    def visit(self, path: str) -> None:
        self.page.goto(path)
        self.check_page()

    def click_and_check(self, locator, url_pattern: str) -> None:
        locator.click()
        self.page.wait_for_url(re.compile(url_pattern))
        self.check_page()

    def sign_in(self, username: str, password: str, landing: str = r"/portefeuille/$") -> None:
        self.visit("/connexion/")
        self.page.get_by_label("Identifiant").fill(username)
        self.page.get_by_label("Mot de passe").fill(password)
        self.page.get_by_role("button", name="Se connecter").click()
        self.page.wait_for_url(re.compile(landing + "|/connexion/code/"))
        if "/connexion/code/" in self.page.url:  # an account with a second factor (the demo's)
            self.check_page()
            self.page.get_by_label("Code de vérification").fill(demo_code())
            self.click_and_check(self.page.get_by_role("button", name="Valider"), landing)
        else:
            self.check_page()

    def results(self):
        return self.page.locator('[data-testid="persons"] tbody tr td:first-child a')

    def search(self, text: str) -> None:
        """Type in the name filter: htmx replaces the results without reloading the page."""
        self.page.evaluate("() => { window.__sameDocument = true; }")
        self.page.get_by_label("Nom ou prénom").press_sequentially(text, delay=30)
        self.page.wait_for_url(re.compile(r"\?.*q=" + re.escape(text)))

    def still_same_document(self) -> bool:
        return self.page.evaluate("() => window.__sameDocument === true")

    def open_person(self, name: str) -> None:
        self.click_and_check(self.results().filter(has_text=name), r"/personnes/\d+/$")

    def open_tab(self, label: str, url_pattern: str) -> None:
        tabs = self.page.get_by_role("navigation", name="Rubriques du dossier")
        self.click_and_check(tabs.get_by_role("link", name=label), url_pattern)

    def type_note(self, subject: str, body: str) -> None:
        self.page.locator("#id_subject").fill(subject)
        self.page.locator("#id_body").press_sequentially(body, delay=5)

    def autosave_status(self):
        return self.page.locator("#autosave-status")


def signed_in(browser, live_server, axe_source, username: str, landing: str):
    """A fresh browser context (French locale) signed in as ``username``."""
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(10_000)
    app = Probatio(context.new_page(), axe_source)
    app.sign_in(username, PASSWORD, landing=landing)
    return context, app


def assert_reachable(page: Page, locator) -> None:
    """Scrolled into view, the element is the one a click at its centre lands on (nothing
    covers it: no sticky bar, no overflowing neighbour)."""
    locator.scroll_into_view_if_needed()
    covered_by = locator.evaluate(
        """(el) => {
            const box = el.getBoundingClientRect();
            const hit = document.elementFromPoint(box.left + box.width / 2,
                                                  box.top + box.height / 2);
            return hit && (hit === el || el.contains(hit)) ? null
                : (hit ? hit.outerHTML.slice(0, 160) : "nothing");
        }"""
    )
    assert covered_by is None, f"le bouton est recouvert par : {covered_by}"


def photograph(page: Page, folder: Path, name: str, submit) -> None:
    """The form at each viewport: a screenshot, nothing wider than the screen, and its submit
    button (``submit``, a locator) reachable."""
    for label, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{label} : la page déborde de {overflow} px en largeur"
        assert_reachable(page, submit)
        path = folder / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
    page.set_viewport_size({"width": 1280, "height": 720})
