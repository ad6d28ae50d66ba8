"""A small page-object layer over Playwright for the Probatio journey."""

import re

from playwright.sync_api import Page, expect

BLOCKING_IMPACTS = ("serious", "critical")


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
        self.check_accessibility()

    def check_accessibility(self) -> None:
        page = self.page
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.add_script_tag(content=self.axe_source)
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
        self.click_and_check(self.page.get_by_role("button", name="Se connecter"), landing)

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
