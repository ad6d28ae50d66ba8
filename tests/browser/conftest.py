"""Browser tests: Debian's Chromium driven by Playwright (sync API) against ``live_server``.

Chromium is found through ``PROBATIO_CHROMIUM`` or ``chromium`` on the PATH; axe-core and htmx
come from ``probatio/static/vendor/`` (installed by ``make test``). When either is missing the
tests fail, saying what to install: they are never skipped.
"""

import os
import shutil
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

# The sync Playwright API runs an event loop in the test thread; Django's ORM calls made there
# (fixtures, assertions) are safe because the live server runs in its own thread.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

VENDOR = Path(settings.BASE_DIR) / "probatio" / "static" / "vendor"
AXE = VENDOR / "axe.min.js"
HTMX = VENDOR / "htmx.min.js"


# The test database is SQLite in memory: one connection, used by the test and by the live
# server's request threads. The browser sends requests in parallel (favicon, htmx, autosave),
# so they take turns; the test takes the same lock around its own database reads.
DATABASE_TURN = threading.Lock()


class OneRequestAtATimeServer(ThreadedWSGIServer):
    def set_app(self, application):
        def taking_turns(environ, start_response):
            with DATABASE_TURN:
                return application(environ, start_response)

        super().set_app(taking_turns)


@pytest.fixture(scope="session", autouse=True)
def _live_server_takes_turns():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LiveServerThread, "server_class", OneRequestAtATimeServer)
        yield


@pytest.fixture
def database_turn():
    """``with database_turn:`` around the test's own queries while the browser is active."""
    return DATABASE_TURN


def chromium_path() -> str:
    wanted = os.environ.get("PROBATIO_CHROMIUM") or shutil.which("chromium")
    if not wanted or not shutil.which(wanted):
        pytest.fail(
            "Chromium introuvable pour les tests dans le navigateur. Installez le paquet "
            "Debian : `sudo apt-get install -y chromium` (ou indiquez l'exécutable dans "
            "PROBATIO_CHROMIUM).",
            pytrace=False,
        )
    return shutil.which(wanted)


@pytest.fixture(scope="session")
def axe_source() -> str:
    for path in (AXE, HTMX):
        if not path.is_file():
            pytest.fail(
                f"{path.relative_to(settings.BASE_DIR)} manque : lancez `make test` "
                "(ou `make vendor`) pour installer les fichiers front-end depuis npm.",
                pytrace=False,
            )
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Starting the sync API switches the test thread's context, and Django's connection
    # handler keys its wrappers on that context: the wrappers seen from now on are new ones,
    # without the database contents serialized at set-up, so ``serialized_rollback`` would
    # silently restore nothing after a flush. Carry the contents over.
    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        yield launched
        launched.close()


# Every violation of the Content-Security-Policy the page meets, kept for the checks
# (``Probatio.check_page``, the control tour): an init script, which the policy does not apply to.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    event.violatedDirective + " : " + (event.blockedURI || "inline") + " (" +
    event.sourceFile + ":" + event.lineNumber + ") " + (event.sample || ""));
});
"""


def csp_violations(page) -> list[str]:
    return page.evaluate("() => window.__cspViolations || []")


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.add_init_script(script=CSP_LISTENER)
    context.set_default_timeout(10_000)
    new_page = context.new_page()
    yield new_page
    context.close()


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where a journey writes its screenshots: ``PROBATIO_SCREENSHOTS`` when set (to look at
    them), else the test's temporary folder."""
    folder = Path(os.environ.get("PROBATIO_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
