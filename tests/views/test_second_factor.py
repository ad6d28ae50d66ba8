"""A second factor for every staff account (docs/security.md, « Second factor »): after the
password, a code of the authenticator app or a recovery code; nothing opens before it; wrong,
replayed and expired codes refused without saying more; set up at the first sign-in within a
grace period; reset by a manager of the service, journaled; the demo's public key printed only
for demo accounts."""

import io
import time
from binascii import unhexlify
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from probatio.accounts import second_factor
from probatio.audit.models import AuditEntry
from probatio.demo.accounts import DEMO_TOTP_KEY, demo_code, demo_devices
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.views.helpers import html, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _deployment_grace(settings):
    """The deployment's grace (the suite's conftest lengthens it for clock-moving tests)."""
    settings.SECOND_FACTOR_GRACE_DAYS = 7


KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test key


def code_at(moment: float, key: str = KEY) -> str:
    totp = TOTP(unhexlify(key), step=30, t0=0, digits=6)
    totp.time = moment
    return f"{totp.token():06d}"


def with_device(user, key: str = KEY) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="App", key=key, confirmed=True)


def sign_in(client, username, path="/connexion/", next_url=None):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(path, data)


ROLES = ["cpip", "manager", "secretariat", "judge", "psychologist", "social_worker", "monitoring"]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_types_a_code_before_anything_opens(client, role):
    member = MembershipFactory(role=role, user__username=f"{role}.2fa")
    with_device(member.user)
    now = time.time()
    with time_machine.travel(now, tick=False):
        signed = sign_in(client, f"{role}.2fa")
        assert signed.status_code == 302
        # Whatever page is asked, the code page first.
        for path in ("/", "/portefeuille/", "/rapports/", "/agenda/"):
            response = client.get(path)
            assert response.status_code == 302 and response["Location"].startswith(
                "/connexion/code/"
            ), path
        page = client.get("/connexion/code/")
        assert page.status_code == 200 and "Code de vérification" in text_of(page)
        # Before the code: no menu, no name in the header; the sign-out stays.
        assert 'aria-label="Menu principal"' not in html(page)
        assert 'data-testid="current-membership"' not in html(page)
        assert "Se déconnecter" in text_of(page)
        done = client.post("/connexion/code/", {"code": code_at(now), "next": "/"})
    assert done.status_code == 302 and done["Location"] == "/"
    assert client.get("/").status_code in (200, 302)
    assert not client.get("/").get("Location", "").startswith("/connexion/code/")
    assert AuditEntry.objects.filter(actor=member.user, summary="Second facteur vérifié").exists()


def test_a_platform_administrator_too(client):
    admin = UserFactory(username="admin.2fa", is_staff=True, is_superuser=True)
    with_device(admin)
    sign_in(client, "admin.2fa", path="/admin/login/", next_url="/admin/")
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/code/")


@pytest.mark.parametrize("wrong", ["000000", "12345", "abcdef", ""])
def test_a_wrong_code_is_refused_without_saying_more(client, cpip, wrong):
    with_device(cpip.user)
    sign_in(client, "cpip.test")
    page = client.post("/connexion/code/", {"code": wrong})
    assert page.status_code == 400
    assert "Ce code n'est pas accepté" in text_of(page) or "Tapez le code" in text_of(page)
    assert client.get("/portefeuille/")["Location"].startswith("/connexion/code/")


def test_a_code_cannot_be_replayed_nor_used_late(client, cpip, client_factory=None):
    with_device(cpip.user)
    now = time.time()
    with time_machine.travel(now, tick=False):
        sign_in(client, "cpip.test")
        assert client.post("/connexion/code/", {"code": code_at(now)}).status_code == 302
        client.post("/deconnexion/")
        sign_in(client, "cpip.test")
        replayed = client.post("/connexion/code/", {"code": code_at(now)})
    assert replayed.status_code == 400 and "a déjà servi" in text_of(replayed)
    later = now + 600
    with time_machine.travel(later, tick=False):
        assert client.post("/connexion/code/", {"code": code_at(now - 120)}).status_code == 400
        assert client.post("/connexion/code/", {"code": code_at(later)}).status_code in (302, 400)


def test_a_recovery_code_works_once(client, cpip):
    codes = second_factor.recovery_codes_new(cpip.user)
    with_device(cpip.user)
    sign_in(client, "cpip.test")
    used = client.post("/connexion/code/", {"code": codes[0]}, follow=True)
    assert "Il vous en reste 9" in text_of(used)
    client.post("/deconnexion/")
    sign_in(client, "cpip.test")
    again = client.post("/connexion/code/", {"code": codes[0]})
    assert again.status_code == 400
    assert AuditEntry.objects.filter(summary__contains="code de secours utilisé (9 restants)")


def test_first_sign_in_without_a_device_has_a_grace_period_then_must_set_it_up(client, cpip):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, "cpip.test")
        page = client.get("/portefeuille/")
        assert page.status_code == 200
        assert "Activez la double authentification avant le" in text_of(page)
    cpip.user.refresh_from_db()
    assert cpip.user.second_factor_due == start + timedelta(days=7)
    client.post("/deconnexion/")
    with time_machine.travel(start + timedelta(days=8), tick=False):
        sign_in(client, "cpip.test")
        response = client.get("/portefeuille/")
        assert response["Location"].startswith("/compte/double-authentification/")
        setup = client.get("/compte/double-authentification/")
        assert "obligatoire" in text_of(setup) and 'src="data:image/svg+xml;base64,' in html(setup)
        device = TOTPDevice.objects.get(user=cpip.user, confirmed=False)
        wrong = client.post("/compte/double-authentification/", {"code": "000000"})
        assert wrong.status_code == 400
        # Right after a wrong code, the next one waits (django-otp's throttling).
        too_soon = client.post("/compte/double-authentification/", {"code": "000000"})
        assert "Trop de codes refusés" in text_of(too_soon)
        # The secret shown is the device's own.
        assert second_factor.secret_of(device) in text_of(setup)
    with time_machine.travel(start + timedelta(days=8, seconds=30), tick=False):
        moment = time.time()
        done = client.post(
            "/compte/double-authentification/", {"code": code_at(moment, device.key)}
        )
        assert done.status_code == 200
        assert len(done.context["codes"]) == 10
        assert client.get("/portefeuille/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(
        actor=cpip.user, summary="Double authentification activée"
    ).exists()


def test_a_manager_resets_the_second_factor_and_it_is_journaled(client, client_for, cpip, manager):
    with_device(cpip.user)
    second_factor.recovery_codes_new(cpip.user)
    page = client_for(manager).get(f"/service/personnel/{cpip.pk}/")
    assert "Réinitialiser la double authentification" in text_of(page)
    response = client_for(manager).post(f"/service/personnel/{cpip.pk}/double-authentification/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=cpip.user).exists()
    entry = AuditEntry.objects.get(summary__startswith="Double authentification réinitialisée")
    assert entry.actor_id == manager.user_id and entry.service_id == manager.service_id
    # The next sign-in asks for a new setup at once.
    sign_in(client, "cpip.test")
    assert client.get("/portefeuille/")["Location"].startswith("/compte/double-authentification/")


def test_only_a_manager_of_the_service_resets_it(client_for, cpip, member, other_service):
    with_device(cpip.user)
    colleague = member("cpip", user__username="collegue.test")
    url = f"/service/personnel/{cpip.pk}/double-authentification/"
    assert client_for(colleague).post(url).status_code == 403
    elsewhere = member("manager", service=other_service, user__username="cadre.ailleurs")
    assert client_for(elsewhere).post(url).status_code == 404
    assert TOTPDevice.objects.filter(user=cpip.user).exists()


def test_demo_logins_prints_the_code_for_demo_accounts_only(cpip):
    demo = MembershipFactory(role="cpip", user__username="cpip.demo")
    demo_devices([demo.user])
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert f"code actuel {demo_code()}" in out.getvalue() or "code actuel" in out.getvalue()
    assert "KBZG 6YTB" in out.getvalue()
    # A device with another key (real data under a demo name): nothing printed.
    TOTPDevice.objects.filter(user=demo.user).update(key=KEY)
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert "code actuel" not in out.getvalue() and "aucun code" in out.getvalue()
    assert DEMO_TOTP_KEY not in out.getvalue()


def test_an_account_with_two_services_types_its_code_then_chooses(client, cpip, other_service):
    MembershipFactory(user=cpip.user, service=other_service, role="manager")
    with_device(cpip.user)
    now = time.time()
    with time_machine.travel(now, tick=False):
        sign_in(client, "cpip.test")
        assert client.get("/portefeuille/")["Location"].startswith("/connexion/code/")
        page = client.get("/connexion/code/?next=/portefeuille/")
        assert page.status_code == 200  # not sent to the choice of a service first
        done = client.post("/connexion/code/", {"code": code_at(now), "next": "/portefeuille/"})
        assert done["Location"] == "/portefeuille/"
        assert client.get("/portefeuille/")["Location"].startswith("/choisir-service/")
