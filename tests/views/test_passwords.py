"""Passwords kept by their holders (docs/security.md, « Passwords »): a change by the signed-in
user (Django's validators, the current password asked, journaled), a recovery by an e-mailed
link that works once and expires, and no answer that tells whether an account exists."""

import re

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone

from probatio.audit.models import AuditEntry
from tests.factories import PASSWORD
from tests.views.helpers import html, text_of

pytestmark = pytest.mark.django_db

NEW = "Un-mot-de-passe-solide-2026"
SENT = "Si un compte actif correspond à ce que vous avez indiqué"


def ask(client, identifier):
    return client.post("/connexion/mot-de-passe-oublie/", {"identifier": identifier}, follow=True)


def link_in(message) -> str:
    return re.search(r"https?://[^/]+(/connexion/mot-de-passe/\S+/)", message.body).group(1)


def test_the_sign_in_page_leads_to_the_recovery(client):
    page = client.get("/connexion/")
    assert 'href="/connexion/mot-de-passe-oublie/"' in html(page)
    assert client.get("/connexion/mot-de-passe-oublie/").status_code == 200


def test_a_known_username_gets_a_link_that_works_once(client, cpip):
    cpip.user.email = "camille.conseil@justice.example"
    cpip.user.save()
    page = ask(client, "CPIP.test")  # whatever the case
    assert SENT in text_of(page)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["camille.conseil@justice.example"]
    assert "une seule fois" in mail.outbox[0].body
    link = link_in(mail.outbox[0])
    form = client.get(link, follow=True)
    assert "Choisissez le mot de passe" in text_of(form)
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"new_password1": NEW, "new_password2": NEW},
    )
    assert done.status_code == 302
    signed_in = client.post("/connexion/", {"username": "cpip.test", "password": NEW})
    assert signed_in.status_code == 302 and signed_in["Location"] != "/connexion/"
    client.post("/deconnexion/")
    again = client.get(link, follow=True)
    assert "Ce lien n'est plus valable" in text_of(again)
    assert AuditEntry.objects.filter(
        actor=cpip.user, summary__contains="mot de passe oublié"
    ).exists()


def test_an_unknown_account_gets_the_same_answer_and_no_mail(client, cpip):
    cpip.user.email = "camille.conseil@justice.example"
    cpip.user.save()
    known = ask(client, "cpip.test")
    unknown = ask(client, "personne.inconnue")
    by_unknown_mail = ask(client, "inconnu@justice.example")
    assert text_of(known) == text_of(unknown) == text_of(by_unknown_mail)
    assert len(mail.outbox) == 1


def test_an_e_mail_address_finds_the_account(client, cpip):
    cpip.user.email = "camille.conseil@justice.example"
    cpip.user.save()
    ask(client, "Camille.Conseil@justice.example")
    assert len(mail.outbox) == 1 and "cpip.test" in mail.outbox[0].body


def test_an_inactive_account_gets_no_mail(client, cpip):
    cpip.user.email = "camille.conseil@justice.example"
    cpip.user.is_active = False
    cpip.user.save()
    assert SENT in text_of(ask(client, "cpip.test"))
    assert mail.outbox == []


def test_the_link_expires(client, cpip):
    cpip.user.email = "camille.conseil@justice.example"
    cpip.user.save()
    ask(client, "cpip.test")
    link = link_in(mail.outbox[0])
    later = timezone.now() + timezone.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT, days=1)
    with time_machine.travel(later):
        assert "Ce lien n'est plus valable" in text_of(client.get(link, follow=True))


def test_an_empty_request_says_what_to_type(client):
    page = client.post("/connexion/mot-de-passe-oublie/", {"identifier": " "})
    assert page.status_code == 400
    assert "Indiquez votre identifiant ou votre adresse électronique." in text_of(page)


def test_a_signed_in_user_changes_their_password_and_stays_signed_in(client_for, cpip):
    client = client_for(cpip)
    assert 'href="/compte/mot-de-passe/"' in html(client.get("/portefeuille/"))
    done = client.post(
        "/compte/mot-de-passe/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert done.status_code == 302
    assert client.get("/portefeuille/").status_code == 200  # still signed in
    cpip.user.refresh_from_db()
    assert cpip.user.check_password(NEW)
    entry = AuditEntry.objects.get(summary="Mot de passe changé par son titulaire")
    assert entry.actor_id == cpip.user_id
    assert NEW not in str(entry.changes) and cpip.user.password not in str(entry.changes)


@pytest.mark.parametrize(
    ("old", "new1", "new2", "message"),
    [
        ("mauvais", NEW, NEW, "Le mot de passe actuel est incorrect."),
        (PASSWORD, "court", "court", "Ce mot de passe est trop court."),
        (PASSWORD, "motdepasse", "motdepasse", "Ce mot de passe est trop courant."),
        (PASSWORD, NEW, NEW + "x", "Les deux mots de passe ne correspondent pas."),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(client_for, cpip, old, new1, new2, message):
    client = client_for(cpip)
    page = client.post(
        "/compte/mot-de-passe/",
        {"old_password": old, "new_password1": new1, "new_password2": new2},
    )
    assert page.status_code == 400
    assert message in text_of(page)
    cpip.user.refresh_from_db()
    assert cpip.user.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(summary="Mot de passe changé par son titulaire").exists()
