"""A forged request to an action the role lacks: 403 with the French reason, nothing changed,
and the refusal journaled as denied (who, which page, which method, why) in the service's
chain, which stays valid."""

from probatio.audit.models import AuditEntry
from probatio.audit.services import verify_chain
from probatio.people.models import Person
from tests.factories import make_person


def denied(membership):
    return AuditEntry.objects.filter(action=AuditEntry.Action.DENIED, actor=membership.user)


def test_a_forged_post_is_refused_and_journaled_as_denied(client_for, cpip, member):
    secretariat = member("secretariat", user__username="secretariat.refus")
    person = make_person(cpip)
    response = client_for(secretariat).post(
        f"/personnes/{person.pk}/attribuer/", {"cpip": str(secretariat.user_id)}
    )
    assert response.status_code == 403
    assert "Votre rôle ne permet pas" in response.content.decode()
    assert Person.objects.get(pk=person.pk).assigned_cpip_id == cpip.user_id  # unchanged
    [entry] = denied(secretariat)
    assert (entry.role, entry.service_id) == ("secretariat", secretariat.service_id)
    assert entry.context["method"] == "POST"
    assert entry.context["path"] == f"/personnes/{person.pk}/attribuer/"
    assert entry.context["reason"].startswith("Votre rôle ne permet pas")
    assert entry.get_action_display() == "Accès refusé"
    assert verify_chain(f"service:{secretariat.service_id}")[1] == []


def test_a_page_the_role_may_not_open_is_journaled_as_denied(client_for, member):
    manager = member("manager", user__username="dpip.refus")
    assert client_for(manager).get("/portefeuille/").status_code == 403
    [entry] = denied(manager)
    assert entry.context["method"] == "GET" and entry.context["path"] == "/portefeuille/"


def test_another_services_file_is_a_404_journaled_as_denied(
    client_for, cpip, member, other_service
):
    """A 404 says nothing of the file's existence, to the user or in the journal: the denial
    is journaled in the reader's own chain with the same reason either way."""
    person = make_person(cpip)
    stranger = member("manager", service=other_service, user__username="dpip.ailleurs2")
    assert client_for(stranger).post(f"/personnes/{person.pk}/attribuer/", {}).status_code == 404
    [entry] = denied(stranger)
    assert entry.service_id == other_service.pk
    assert entry.context["reason"] == "introuvable ou hors du service"
    assert (entry.object_type, entry.object_id, entry.person_id) == (
        "people.person",
        person.pk,
        None,
    )
