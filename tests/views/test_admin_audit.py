import pytest

from probatio.accounts.models import Membership, User
from probatio.audit.models import AuditEntry
from tests.factories import UserFactory


@pytest.mark.django_db
def test_platform_admin_writes_are_journaled_without_password_hashes(client, service):
    admin = UserFactory(username="admin.plateforme", is_staff=True, is_superuser=True)
    client.force_login(admin)
    user = UserFactory(username="nouvelle.cpip")
    response = client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "username": "nouvelle.cpip",
            "first_name": "Nora",
            "last_name": "Nouvelle",
            "email": "",
            "is_active": "on",
            "date_joined_0": "2026-01-05",
            "date_joined_1": "09:00:00",
            "title": "",
            "phone": "",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-service": str(service.pk),
            "memberships-0-role": "cpip",
            "memberships-0-is_active": "on",
            "memberships-0-user": str(user.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(user=user)
    assert membership.role == "cpip"
    entries = AuditEntry.objects.filter(actor=admin)
    user_entry = entries.get(object_type="accounts.user", object_id=user.pk)
    assert user_entry.changes["first_name"][1] == "Nora"
    assert entries.filter(
        object_type="accounts.membership", object_id=membership.pk, action="create"
    ).exists()
    dump = str(list(entries.values_list("changes", flat=True)))
    assert User.objects.get(pk=user.pk).password not in dump


@pytest.mark.django_db
def test_creating_an_account_journals_a_password_fingerprint_only(client):
    admin = UserFactory(username="admin.plateforme", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "compte.cree",
            "usable_password": "true",
            "password1": "Un-mot-de-passe-solide-2026",
            "password2": "Un-mot-de-passe-solide-2026",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = User.objects.get(username="compte.cree")
    entry = AuditEntry.objects.get(actor=admin, action="create", object_id=created.pk)
    journaled = entry.changes["password"][1]
    assert journaled.startswith("empreinte ")
    assert created.password not in str(entry.changes)


@pytest.mark.django_db
def test_changing_a_password_in_the_admin_is_journaled(client):
    admin = UserFactory(username="admin.plateforme", is_staff=True, is_superuser=True)
    user = UserFactory(username="compte.existant")
    client.force_login(admin)
    response = client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {
            "usable_password": "true",
            "password1": "Nouveau-mot-de-passe-2026",
            "password2": "Nouveau-mot-de-passe-2026",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.check_password("Nouveau-mot-de-passe-2026")
    entry = AuditEntry.objects.get(actor=admin, object_id=user.pk, action="update")
    before, after = entry.changes["password"]
    assert before != after and after.startswith("empreinte ")
    assert user.password not in str(entry.changes)
