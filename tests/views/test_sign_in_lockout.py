"""Sign-in throttling and lockout (django-axes, docs/security.md « Sign-in »): by the pair
username + client IP after the threshold and not before, on every sign-in path (the
administration's too), a higher threshold per IP, the client IP behind the documented proxy, a
cool-off, a manager's unlock journaled — and nothing that tells whether an account exists."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from probatio.audit.models import AuditEntry
from tests.factories import PASSWORD, UserFactory
from tests.views.helpers import text_of

pytestmark = pytest.mark.django_db

LOCKED = "Trop de tentatives de connexion ont échoué"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.PROBATIO_IP_FAILURE_LIMIT = 12
    settings.BEHIND_TLS_PROXY = False


def sign_in(client, username, password, *, ip="10.1.1.1", path="/connexion/", **extra):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def fail(client, username, times, **kwargs):
    for _ in range(times):
        response = sign_in(client, username, "mauvais", **kwargs)
        assert response.status_code in (200, 429)
    return response


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] != "/connexion/"


def test_four_failures_then_the_right_password_signs_in(client, cpip):
    fail(client, "cpip.test", 4)
    assert signed_in(sign_in(client, "cpip.test", PASSWORD))


def test_the_fifth_failure_suspends_then_even_the_right_password_is_refused(client, cpip):
    last = fail(client, "cpip.test", 5)
    assert last.status_code == 429 and LOCKED in text_of(last)
    refused = sign_in(client, "cpip.test", PASSWORD)
    assert refused.status_code == 429 and LOCKED in text_of(refused)
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(
        summary="Connexion suspendue après trop d'échecs", context__username="cpip.test"
    ).exists()


def test_the_suspension_names_no_account(client, cpip):
    """The same page for an account that exists and for one that does not."""
    known = fail(client, "cpip.test", 5)
    unknown = fail(client, "personne.inconnue", 5)
    assert known.status_code == unknown.status_code == 429
    assert text_of(known) == text_of(unknown)


def test_the_suspension_ends_after_the_cool_off(client, cpip, settings):
    fail(client, "cpip.test", 5)
    later = timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)
    with time_machine.travel(later):
        assert signed_in(sign_in(client, "cpip.test", PASSWORD))


def test_one_colleague_failing_does_not_lock_another_from_the_same_address(client, cpip, member):
    member("cpip", user__username="collegue.test")
    fail(client, "cpip.test", 5, ip="10.9.9.9")
    assert signed_in(sign_in(client, "collegue.test", PASSWORD, ip="10.9.9.9"))


def test_the_same_account_from_another_address_is_not_locked(client, cpip):
    fail(client, "cpip.test", 5, ip="10.1.1.1")
    assert signed_in(sign_in(client, "cpip.test", PASSWORD, ip="10.2.2.2"))


def test_an_address_trying_many_accounts_is_stopped_at_its_own_threshold(client, cpip):
    for number in range(12):
        fail(client, f"essai{number}", 1, ip="10.6.6.6")
    refused = sign_in(client, "cpip.test", PASSWORD, ip="10.6.6.6")
    assert refused.status_code == 429
    assert signed_in(sign_in(client, "cpip.test", PASSWORD, ip="10.7.7.7"))


def test_behind_the_proxy_the_address_is_the_one_the_proxy_appended(client, cpip, settings):
    """A client cannot escape the count by writing its own X-Forwarded-For: only the last hop,
    appended by our proxy, counts."""
    settings.BEHIND_TLS_PROXY = True
    for forged in range(5):
        sign_in(
            client,
            "cpip.test",
            "mauvais",
            ip="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"1.2.3.{forged}, 203.0.113.7",
        )
    refused = sign_in(
        client, "cpip.test", PASSWORD, ip="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7"
    )
    assert refused.status_code == 429
    # Another client behind the same proxy is another address.
    assert signed_in(
        sign_in(client, "cpip.test", PASSWORD, ip="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")
    )


def test_the_administration_sign_in_is_throttled_too():
    client = Client()  # the administration's pages are Django's, not the DSFR layout
    UserFactory(username="admin.plateforme", is_staff=True, is_superuser=True)
    for _ in range(5):
        sign_in(client, "admin.plateforme", "mauvais", path="/admin/login/")
    refused = sign_in(client, "admin.plateforme", PASSWORD, path="/admin/login/")
    assert refused.status_code == 429 and LOCKED in text_of(refused)


def test_a_manager_lifts_the_suspension_and_it_is_journaled(client, client_for, cpip, manager):
    fail(client, "cpip.test", 5)
    page = client_for(manager).get(f"/service/personnel/{cpip.pk}/")
    assert "Connexion suspendue" in text_of(page)
    response = client_for(manager).post(f"/service/personnel/{cpip.pk}/deblocage/")
    assert response.status_code == 302
    entry = AuditEntry.objects.get(summary__startswith="Suspension de connexion levée")
    assert entry.actor_id == manager.user_id and entry.service_id == manager.service_id
    assert signed_in(sign_in(client, "cpip.test", PASSWORD))
    page = client_for(manager).get(f"/service/personnel/{cpip.pk}/")
    assert "Connexion suspendue" not in text_of(page)


def test_only_a_manager_of_the_service_lifts_a_suspension(
    client, client_for, cpip, member, other_service
):
    fail(client, "cpip.test", 5)
    colleague = member("cpip", user__username="collegue.test")
    assert client_for(colleague).post(f"/service/personnel/{cpip.pk}/deblocage/").status_code == 403
    elsewhere = member("manager", service=other_service, user__username="cadre.ailleurs")
    assert client_for(elsewhere).post(f"/service/personnel/{cpip.pk}/deblocage/").status_code == 404
    assert sign_in(client, "cpip.test", PASSWORD).status_code == 429
    assert not AuditEntry.objects.filter(
        summary__startswith="Suspension de connexion levée"
    ).exists()
