"""The demo that `make run` serves: with the environment its recipe exports (read from the
Makefile), in a process of its own, as on http://127.0.0.1:8000. DEBUG is off, so an unknown
page is the French 404 (not Django's technical page listing the URLs); the static files are
served all the same (WhiteNoise, from the project's folders, without collectstatic); the
cookies are not reserved to HTTPS, so one can sign in over plain HTTP on localhost."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

PROBE = r"""
import json
import django
django.setup()
from django.conf import settings
from django.test import Client

client = Client(HTTP_HOST="127.0.0.1:8000")
pages = {}
for path in ("/static/probatio/probatio.js", "/static/dsfr/dist/dsfr.min.css",
             "/nulle-part/", "/connexion/"):
    response = client.get(path)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    pages[path] = {
        "status": response.status_code,
        "body": body.decode("utf-8", "replace")[:200_000],
        "cookies": {name: dict(morsel) for name, morsel in response.cookies.items()},
    }
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "pages": pages,
}))
"""


def run_recipe_exports() -> dict[str, str]:
    """The variables the `run` target exports before starting the servers."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, flags=re.M)
    assert recipe, "no `run` target in the Makefile"
    exported = {}
    for line in re.findall(r"\bexport\s+([^;]+);", recipe.group(1)):
        for assignment in line.split():
            name, _, value = assignment.partition("=")
            exported[name] = value
    return exported


def test_make_run_exports_debug_off_and_static_files_served():
    exported = run_recipe_exports()
    assert exported.get("DEBUG") == "false"
    assert exported.get("PROBATIO_SERVE_STATIC") == "true"


def test_the_demo_serves_french_error_pages_and_its_static_files(tmp_path):
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "PYTEST_", "PROBATIO_", "DATABASE_"))
        and name not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    environment.update(run_recipe_exports())
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", PROBATIO_VAR_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    demo = json.loads(done.stdout.strip().splitlines()[-1])
    assert demo["DEBUG"] is False
    assert not (demo["SECURE_SSL_REDIRECT"] or demo["SESSION_COOKIE_SECURE"])
    assert not demo["CSRF_COOKIE_SECURE"]
    assert "127.0.0.1" in demo["ALLOWED_HOSTS"] and "localhost" in demo["ALLOWED_HOSTS"]
    pages = demo["pages"]

    script = pages["/static/probatio/probatio.js"]
    assert script["status"] == 200 and "setupAutosave" in script["body"]
    assert pages["/static/dsfr/dist/dsfr.min.css"]["status"] == 200

    missing = pages["/nulle-part/"]
    assert missing["status"] == 404
    assert "<h1>Page introuvable</h1>" in missing["body"]
    assert 'class="fr-header"' in missing["body"]
    assert "URLconf" not in missing["body"] and "DEBUG = True" not in missing["body"]

    sign_in = pages["/connexion/"]
    assert sign_in["status"] == 200
    assert sign_in["cookies"]["csrftoken"]["secure"] == ""  # sent back over plain HTTP
