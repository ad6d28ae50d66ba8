"""A database that refuses writes (read-only, or full) for real: the page says so in French
(503), nothing is saved, the transaction is rolled back (the next request works once writes are
allowed again), and a dossier is not shown without its journal entry.

On SQLite the test connection is made read-only with ``PRAGMA query_only``; on PostgreSQL with
``SET default_transaction_read_only``. Both are set on the connection the test client's
requests use, and always undone. The tests commit (``transaction=True``): a refused write
inside the test's own transaction would leave it unusable for the checks that follow."""

from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.db import connection

from probatio.accounts.models import Membership
from probatio.audit.models import AuditEntry
from probatio.core.errors import refuses_writes
from probatio.notes.models import InterviewNote, NoteDraft
from probatio.people.models import Person
from tests.factories import make_person
from tests.views.helpers import DsfrCheckingClient, text_of

NOTHING_SAVED = "Rien n'a été enregistré : la base de données de Probatio refuse pour le moment"
NOT_OPENED = "Le dossier ne peut pas être ouvert tant que son accès ne peut pas être journalisé."
ON_SQLITE = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="PRAGMA query_only est propre à SQLite ; sur PostgreSQL, voir les tests "
    "« postgres » de ce fichier (default_transaction_read_only)",
)
ON_POSTGRES = pytest.mark.postgres


@contextmanager
def writes_refused():
    """The database refuses every write on the connection the test client uses."""
    if connection.vendor == "sqlite":
        refuse, allow = "PRAGMA query_only = ON", "PRAGMA query_only = OFF"
    else:
        assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://…"
        refuse = "SET default_transaction_read_only = on"
        allow = "SET default_transaction_read_only = off"
    with connection.cursor() as cursor:
        cursor.execute(refuse)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(allow)


@dataclass
class Desk:
    """A CPIP signed in (the session already holds the chosen membership), with a person."""

    cpip: Membership
    person: Person
    client: DsfrCheckingClient

    def note_form(self) -> str:
        return f"/personnes/{self.person.pk}/notes/nouvelle/"


@pytest.fixture
def desk(cpip) -> Desk:
    person = make_person(cpip, surname="Valmont", first_names="Irène")
    client = DsfrCheckingClient()
    client.force_login(cpip.user)
    assert client.get("/portefeuille/").status_code == 200  # the session is set up
    return Desk(cpip=cpip, person=person, client=client)


NOTE = {
    "interview_date": "2025-03-03",
    "subject": "Point sur la formation",
    "body": "Elle a commencé sa formation de cariste lundi.",
}


def counts() -> tuple[int, int, int]:
    return InterviewNote.objects.count(), NoteDraft.objects.count(), AuditEntry.objects.count()


def saving_a_note_is_refused_with_a_french_page(desk: Desk, caplog) -> None:
    before = counts()
    with writes_refused():
        response = desk.client.post(desk.note_form(), NOTE)
        draft = desk.client.post(f"/personnes/{desk.person.pk}/notes/brouillon/", NOTE)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    text = text_of(response)
    assert NOTHING_SAVED in text
    assert "Le texte que vous avez saisi n'est pas perdu" in text
    assert "Rouvrez le formulaire depuis cet onglet quand le service sera rétabli" in text
    assert f'href="{desk.note_form()}"' in response.content.decode()
    # The autosave gets the same answer (probatio.js tells it from an expired session).
    assert draft.status_code == 503
    assert counts() == before
    logged = [r for r in caplog.records if r.name == "django.request" and r.levelname == "ERROR"]
    assert logged and refuses_writes(logged[0].exc_info[1])  # with its traceback
    # Rolled back: once writes are allowed again, the same form saves the note.
    again = desk.client.post(desk.note_form(), NOTE)
    assert again.status_code == 302
    assert InterviewNote.objects.filter(person=desk.person, subject=NOTE["subject"]).count() == 1


def opening_a_dossier_is_refused_without_showing_it(desk: Desk) -> None:
    reads = AuditEntry.objects.filter(action="read", person_id=desk.person.pk).count()
    with writes_refused():
        response = desk.client.get(f"/personnes/{desk.person.pk}/")
    assert response.status_code == 503
    text = text_of(response)
    assert NOT_OPENED in text
    assert "Dossier momentanément inaccessible" in text
    assert "VALMONT" not in text.upper() and "Irène" not in text
    assert AuditEntry.objects.filter(action="read", person_id=desk.person.pk).count() == reads
    opened = desk.client.get(f"/personnes/{desk.person.pk}/")
    assert opened.status_code == 200 and "VALMONT" in text_of(opened).upper()
    assert AuditEntry.objects.filter(action="read", person_id=desk.person.pk).count() == reads + 1


# --- SQLite -------------------------------------------------------------------------------


@ON_SQLITE
@pytest.mark.django_db(transaction=True)
def test_sqlite_read_only_saving_a_note(desk, caplog):
    saving_a_note_is_refused_with_a_french_page(desk, caplog)


@ON_SQLITE
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("debug", [False, True])
def test_sqlite_read_only_opening_a_dossier(desk, settings, debug):
    settings.DEBUG = debug
    opening_a_dossier_is_refused_without_showing_it(desk)


@ON_SQLITE
@pytest.mark.django_db(transaction=True)
def test_sqlite_read_only_a_list_page(desk):
    """A page that is not a dossier, whose reading is journaled too."""
    with writes_refused():
        response = desk.client.get("/portefeuille/")
    assert response.status_code == 503
    assert "Page momentanément indisponible" in text_of(response)
    assert 'href="/portefeuille/"' in response.content.decode()  # « Réessayer »


@ON_SQLITE
@pytest.mark.django_db(transaction=True)
def test_sqlite_read_only_outside_a_view(cpip):
    """The refusal comes from a middleware (the session saved after the view): the 500
    handler gives the same French page."""
    client = DsfrCheckingClient(raise_request_exception=False)
    client.force_login(cpip.user)  # the membership is not in the session yet: saved on the way
    with writes_refused():
        response = client.get("/accessibilite/")
    assert response.status_code == 503
    assert "Page momentanément indisponible" in text_of(response)


# --- PostgreSQL -----------------------------------------------------------------------------


@ON_POSTGRES
@pytest.mark.django_db(transaction=True)
def test_postgres_read_only_saving_a_note(desk, caplog):
    saving_a_note_is_refused_with_a_french_page(desk, caplog)


@ON_POSTGRES
@pytest.mark.django_db(transaction=True)
def test_postgres_read_only_opening_a_dossier(desk):
    opening_a_dossier_is_refused_without_showing_it(desk)
