"""The error pages users see: French, in the DSFR layout, with the right status, with DEBUG off
(production, the demo) and on. A form that fails says that nothing was saved, and where its
text is kept when the form keeps a draft (core.errors.keeps_draft). The 500 page renders with
the database unusable. A database that refuses writes: test_write_refused.py."""

import pytest
from django.core.exceptions import RequestDataTooBig
from django.db import OperationalError, connection
from django.test import RequestFactory, override_settings

from probatio.audit.models import AuditEntry
from probatio.core import views
from probatio.notes.models import InterviewNote, NoteDraft
from tests.factories import make_person
from tests.views.helpers import DsfrCheckingClient, assert_dsfr_page, html, text_of

NOTHING_SAVED = "rien n'a été enregistré"
KEPT_IN_TAB = "il est gardé en brouillon dans cet onglet du navigateur"


def note_form_data() -> dict:
    return {
        "interview_date": "2025-03-03",
        "subject": "Point sur la formation",
        "body": "Elle a commencé sa formation de cariste lundi. " * 20,
    }


def signed_in(membership, **kwargs) -> DsfrCheckingClient:
    client = DsfrCheckingClient(**kwargs)
    client.force_login(membership.user)
    return client


def checking_csrf(membership) -> DsfrCheckingClient:
    """A client whose posts go through the CSRF check, as a browser's do: the check reads the
    posted form first, so a body over the limits is refused before any view runs."""
    client = signed_in(membership, enforce_csrf_checks=True)
    assert client.get("/portefeuille/").status_code == 200  # sets the CSRF cookie
    return client


def failing_client(membership) -> DsfrCheckingClient:
    """A client that receives the 500 page instead of the view's exception."""
    return signed_in(membership, raise_request_exception=False)


# --- 400 ------------------------------------------------------------------------------------


def test_a_note_too_large_is_a_french_400_that_keeps_the_text(cpip, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200
    person = make_person(cpip)
    client = checking_csrf(cpip)
    entries = AuditEntry.objects.count()
    response = client.post(f"/personnes/{person.pk}/notes/nouvelle/", note_form_data())
    assert response.status_code == 400
    text = text_of(response)
    assert "Envoi trop volumineux" in text
    assert "Le contenu envoyé dépasse ce que Probatio accepte en une seule fois" in text
    assert NOTHING_SAVED in text
    assert KEPT_IN_TAB in text
    assert f'href="/personnes/{person.pk}/notes/nouvelle/"' in html(response)
    assert not InterviewNote.objects.exists() and not NoteDraft.objects.exists()
    assert AuditEntry.objects.count() == entries


def test_too_many_fields_is_the_same_400(cpip, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 2
    person = make_person(cpip)
    response = checking_csrf(cpip).post(f"/personnes/{person.pk}/attribuer/", note_form_data())
    assert response.status_code == 400
    text = text_of(response)
    assert "Envoi trop volumineux" in text and NOTHING_SAVED in text
    assert KEPT_IN_TAB not in text  # this form keeps no draft


def test_an_unknown_host_is_a_french_400(client, db):
    response = client.get("/connexion/", HTTP_HOST="ailleurs.example")
    assert response.status_code == 400
    assert "Demande incorrecte" in text_of(response)


# --- 403, 404 -------------------------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
def test_a_refusal_is_a_french_403_with_its_reason(member, cpip, settings, debug):
    settings.DEBUG = debug
    secretariat = member("secretariat", user__username="secretariat.erreurs")
    person = make_person(cpip)
    response = signed_in(secretariat).get(f"/personnes/{person.pk}/notes/nouvelle/")
    assert response.status_code == 403
    text = text_of(response)
    assert "Accès refusé" in text
    assert "Votre rôle ne permet pas cette action sur ce dossier." in text
    assert AuditEntry.objects.filter(action="denied", actor=secretariat.user).count() == 1


def test_an_unknown_page_is_a_french_404_in_the_layout(cpip):
    response = signed_in(cpip).get("/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in text_of(response)
    assert "URLconf" not in html(response)
    assert "Se déconnecter" in text_of(response)  # the header of the signed-in user


# --- 500 ------------------------------------------------------------------------------------

with_failing_views = pytest.mark.urls("tests.views.error_urls")


@with_failing_views
def test_a_server_error_is_a_french_500(cpip, caplog):
    response = failing_client(cpip).get("/essai/panne/")
    assert response.status_code == 500
    text = text_of(response)
    assert "Erreur du serveur" in text
    assert "Une erreur de Probatio a empêché d'afficher cette page." in text
    assert "L'erreur est consignée dans le journal du serveur" in text
    assert "/essai/panne/" in text
    assert 'href="/essai/panne/"' in html(response)  # « Réessayer »
    assert NOTHING_SAVED not in text
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info and "panne simulée" in str(record.exc_info[1])


@with_failing_views
def test_a_server_error_on_a_form_with_a_draft_says_nothing_was_saved_and_the_text_is_kept(
    cpip,
):
    person = make_person(cpip)
    response = failing_client(cpip).post(f"/essai/personnes/{person.pk}/note/", note_form_data())
    assert response.status_code == 500
    text = text_of(response)
    assert "Une erreur de Probatio a interrompu l'envoi : rien n'a été enregistré." in text
    assert KEPT_IN_TAB in text
    assert "Rouvrez le formulaire depuis cet onglet : le texte y sera restauré." in text
    # « Rouvrir le formulaire »: the note form, where the tab's copy is restored.
    assert f'href="/personnes/{person.pk}/notes/nouvelle/"' in html(response)


@with_failing_views
def test_a_server_error_on_another_form_leads_back_to_it_without_promising_a_draft(cpip):
    response = failing_client(cpip).post(
        "/essai/panne/", {"x": "1"}, HTTP_REFERER="http://testserver/service/parametres/"
    )
    assert response.status_code == 500
    text = text_of(response)
    assert NOTHING_SAVED in text
    assert KEPT_IN_TAB not in text
    assert 'href="http://testserver/service/parametres/"' in html(response)


@with_failing_views
def test_a_link_back_only_to_our_own_pages(cpip):
    response = failing_client(cpip).post(
        "/essai/panne/", {"x": "1"}, HTTP_REFERER="https://ailleurs.example/piege/"
    )
    assert response.status_code == 500
    assert "ailleurs.example" not in html(response)


@with_failing_views
def test_another_database_error_stays_a_500(cpip):
    """Only a refusal to write gets the 503 page; a lock (or anything else) is not swallowed."""
    response = failing_client(cpip).get("/essai/verrou/")
    assert response.status_code == 500
    assert "Erreur du serveur" in text_of(response)


@with_failing_views
def test_with_debug_on_a_server_error_is_not_swallowed(cpip, settings):
    """The error pages replace none of Django's handling: with DEBUG on, the exception reaches
    the developer (here, the test client)."""
    settings.DEBUG = True
    with pytest.raises(RuntimeError, match="panne simulée"):
        signed_in(cpip).get("/essai/panne/")


def test_the_500_page_renders_with_the_database_unusable(cpip):
    """Every query fails (a lost database): the session cannot even be read, and the 500 page
    still renders, in French and in the layout, without a single query."""
    client = failing_client(cpip)
    attempts = []

    def unusable(execute, sql, params, many, context):
        attempts.append(sql)
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(unusable):
        response = client.get("/portefeuille/")
        reached = len(attempts)
        views.server_error(RequestFactory().get("/portefeuille/"))
        assert len(attempts) == reached  # rendering the page itself asks nothing
    assert reached >= 1  # the request did try the database, and failed
    assert response.status_code == 500
    assert "Erreur du serveur" in text_of(response)


# --- CSRF -----------------------------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
def test_a_form_without_a_valid_csrf_token_is_a_french_page(cpip, settings, debug):
    settings.DEBUG = debug
    person = make_person(cpip)
    client = signed_in(cpip, enforce_csrf_checks=True)
    response = client.post(f"/personnes/{person.pk}/notes/nouvelle/", note_form_data())
    assert response.status_code == 403
    text = text_of(response)
    assert "Formulaire expiré" in text
    assert "Ce formulaire n'est plus valable : rien n'a été enregistré." in text
    assert KEPT_IN_TAB in text
    assert "CSRF" not in html(response)
    assert not InterviewNote.objects.exists()


# --- Every page, DEBUG off and on -----------------------------------------------------------


def _render(page: str, request):
    if page == "400":
        return views.bad_request(request, RequestDataTooBig("trop"))
    if page == "403":
        return views.forbidden(request, None)
    if page == "404":
        return views.not_found(request, None)
    if page == "500":
        return views.server_error(request)
    if page == "503":
        return views.write_refused(request)
    return views.csrf_failure(request, "CSRF token missing.")


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    ("page", "status", "heading"),
    [
        ("400", 400, "Envoi trop volumineux"),
        ("403", 403, "Accès refusé"),
        ("404", 404, "Page introuvable"),
        ("500", 500, "Erreur du serveur"),
        ("503", 503, "Rien n'a été enregistré"),
        ("csrf", 403, "Formulaire expiré"),
    ],
)
def test_every_error_page_is_french_and_in_the_layout(page, status, heading, debug):
    """The handlers themselves, whatever DEBUG says (with DEBUG on, Django shows its own
    technical pages for 400, 404 and 500 instead of calling them)."""
    request = RequestFactory().post("/personnes/1/notes/nouvelle/", {"body": "texte"})
    with override_settings(DEBUG=debug):
        response = _render(page, request)
    response.request = request.environ
    assert response.status_code == status
    assert_dsfr_page(response)
    content = html(response)
    assert f"<h1>{heading}</h1>" in content
    assert 'class="fr-header"' in content and 'class="fr-footer"' in content
