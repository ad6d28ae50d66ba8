"""A Monday morning of Probatio for Locust (run by ``bench/run_load.py``, ``make load-test``).

CPIPs open their caseload, the dossiers on it (and their appointments), their agenda and their
échéancier; managers open the service's view, the queue to allocate, their échéancier and a
dossier of the service. Each simulated user signs in once, through /connexion/ and its CSRF
token, as an account of its own taken from the pool that ``run_load.py`` read from the
database (``PROBATIO_LOAD_ACCOUNTS``); it opens only pages of its own service and the dossiers
linked from its own pages. Think time: 5 to 15 s.

Every answer other than a 200 page, or a page that sends back to /connexion/, counts as an
error. Each request is also written, with its start time, to ``PROBATIO_LOAD_REQUESTS`` (CSV)
when set, so that ``run_load.py`` can give the figures of the steady part of the run apart
from the ramp's (when the sign-ins crowd the server).
"""

import csv
import json
import os
import random
import re
import time
from collections import deque

from locust import HttpUser, between, events, task
from locust.exception import StopUser

PASSWORD = "national-probatio"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DOSSIER = re.compile(r'href="/personnes/(\d+)/"')

_accounts: dict[str, deque[str]] = {}
_requests = None


@events.request.add_listener
def record_request(request_type, name, response_time, exception=None, start_time=None, **kwargs):
    """One line per request: start (Unix time), name, response time (ms), failed (0/1)."""
    global _requests
    path = os.environ.get("PROBATIO_LOAD_REQUESTS")
    if not path:
        return
    if _requests is None:
        _requests = csv.writer(open(path, "w", newline="", encoding="utf-8", buffering=1))  # noqa: SIM115
    started = start_time if start_time is not None else time.time() - response_time / 1000
    _requests.writerow([f"{started:.3f}", name, f"{response_time:.1f}", int(exception is not None)])


def next_account(role: str) -> str:
    """A username of ``role`` no other simulated user of this run has taken."""
    if not _accounts:
        with open(os.environ["PROBATIO_LOAD_ACCOUNTS"], encoding="utf-8") as file:
            _accounts.update({key: deque(names) for key, names in json.load(file).items()})
    if not _accounts[role]:
        raise StopUser(f"plus de compte « {role} » libre")
    return _accounts[role].popleft()


class ProbatioUser(HttpUser):
    abstract = True
    role = ""
    wait_time = between(5, 15)

    def on_start(self):
        self.username = next_account(self.role)
        self.dossiers: list[str] = []
        with self.client.get(
            "/connexion/", name="connexion (formulaire)", catch_response=True
        ) as r:
            token = CSRF.search(r.text)
            if r.status_code != 200 or token is None:
                r.failure(f"formulaire de connexion illisible (HTTP {r.status_code})")
                raise StopUser()
        with self.client.post(
            "/connexion/",
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1),
                "next": "",
            },
            headers={"Referer": f"{self.host}/connexion/"},
            name="connexion (envoi)",
            catch_response=True,
        ) as r:
            if r.status_code != 200 or "/connexion/" in r.url:
                r.failure(f"connexion refusée pour {self.username} (HTTP {r.status_code})")
                raise StopUser()

    def page(self, url: str, name: str | None = None) -> str:
        """GET a page; an error unless it is a 200 page of a signed-in user."""
        with self.client.get(url, name=name or url, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
            elif "/connexion/" in r.url:
                r.failure("renvoyé vers la connexion")
            return r.text or ""

    def read_dossiers(self, html: str) -> None:
        found = list(dict.fromkeys(DOSSIER.findall(html)))
        if found:
            self.dossiers = found

    def dossier(self) -> str | None:
        return random.choice(self.dossiers) if self.dossiers else None


class Cpip(ProbatioUser):
    role = "cpip"
    fixed_count = int(os.environ.get("PROBATIO_LOAD_CPIP_WEIGHT", 9))

    def on_start(self):
        super().on_start()
        self.read_dossiers(self.page("/portefeuille/"))

    @task(3)
    def caseload(self):
        self.read_dossiers(self.page("/portefeuille/"))

    @task(5)
    def open_dossier(self):
        if pk := self.dossier():
            self.page(f"/personnes/{pk}/", "/personnes/<id>/")

    @task(1)
    def appointments(self):
        if pk := self.dossier():
            self.page(f"/personnes/{pk}/rendez-vous/", "/personnes/<id>/rendez-vous/")

    @task(2)
    def agenda(self):
        self.page("/agenda/")

    @task(1)
    def deadlines(self):
        self.page("/echeancier/")


class Manager(ProbatioUser):
    role = "manager"
    fixed_count = int(os.environ.get("PROBATIO_LOAD_MANAGER_WEIGHT", 1))

    @task(4)
    def service(self):
        self.read_dossiers(self.page("/service/"))

    @task(1)
    def queue(self):
        self.page("/service/a-attribuer/")

    @task(1)
    def deadlines(self):
        self.page("/echeancier/", "/echeancier/ (encadrement)")

    @task(1)
    def open_dossier(self):
        if pk := self.dossier():
            self.page(f"/personnes/{pk}/", "/personnes/<id>/ (encadrement)")
