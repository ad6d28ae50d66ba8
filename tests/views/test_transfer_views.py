"""The transfer pages, per role: the dossier's « Transférer à un autre service » (managers
only), the request's page (answer for the receiving managers, withdrawal for the sending
ones), the list; another service's manager gets a 404 on the request, and the sending
service's staff a 404 on the file once the transfer is accepted."""

import pytest
from django.utils import timezone

from probatio.audit.models import AuditEntry
from probatio.people.models import Person
from probatio.transfers import selectors
from probatio.transfers.models import Transfer
from tests.factories import ServiceFactory, make_measure, make_person, make_transmitted_report
from tests.views.helpers import ROLES, html

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiving(member, other_service):
    return member("manager", service=other_service, user__username="encadrement.accueil")


@pytest.fixture
def request_(manager, person, other_service, client_for):
    client_for(manager).post(
        f"/personnes/{person.pk}/transferer/",
        {"to_service": other_service.pk, "reason": "residence", "comment": "Parti à Lille."},
    )
    return Transfer.objects.get(person=person)


def test_the_dossier_offers_the_transfer_to_managers_only(person, as_role, judge, cpip):
    make_measure(cpip, person, judge=judge.user)
    assert "Transférer à un autre service" in html(
        as_role("manager").get(f"/personnes/{person.pk}/")
    )
    for role in ROLES:
        if role == "manager":
            continue
        response = as_role(role).get(f"/personnes/{person.pk}/")
        assert "Transférer à un autre service" not in response.content.decode()
        assert as_role(role).get(f"/personnes/{person.pk}/transferer/").status_code == 403


def test_a_manager_proposes_from_the_form(manager, person, other_service, client_for):
    client = client_for(manager)
    page = html(client.get(f"/personnes/{person.pk}/transferer/"))
    assert f'value="{other_service.pk}"' in page and "Proposer le transfert" in page
    response = client.post(
        f"/personnes/{person.pk}/transferer/",
        {"to_service": other_service.pk, "reason": "residence", "comment": "Parti à Lille."},
    )
    transfer = Transfer.objects.get(person=person)
    assert response.status_code == 302 and response["Location"] == f"/transferts/{transfer.pk}/"
    page = html(client.get(f"/transferts/{transfer.pk}/"))
    assert "Retirer la demande" in page and "En attente de réponse" in page


def test_the_forms_refusals_are_french_and_write_nothing(manager, person, service, request_,
                                                         client_for):  # fmt: skip
    client = client_for(manager)
    # A second request: the page says one is pending, and a forged POST is refused.
    assert "déjà en attente de réponse" in html(client.get(f"/personnes/{person.pk}/transferer/"))
    count = Transfer.objects.count()
    response = client.post(
        f"/personnes/{person.pk}/transferer/",
        {"to_service": request_.to_service_id, "reason": "residence"},
    )
    assert response.status_code == 400
    assert "déjà en attente de réponse" in html(response)
    # Its own service is not offered (and a forged value is refused).
    response = client.post(
        f"/personnes/{person.pk}/transferer/", {"to_service": service.pk, "reason": "residence"}
    )
    assert response.status_code == 400
    assert Transfer.objects.count() == count


def test_another_services_manager_gets_a_404_on_the_request(request_, member, client_for,
                                                            as_role):  # fmt: skip
    third = member("manager", service=ServiceFactory(name="SPIP tiers", department_code="997"))
    assert client_for(third).get(f"/transferts/{request_.pk}/").status_code == 404
    # The sending service's other roles: the request is the managers'.
    assert as_role("cpip").get(f"/transferts/{request_.pk}/").status_code == 403


def test_the_receiving_manager_accepts_and_the_sending_staff_lose_the_file(
    request_, person, receiving, manager, cpip, client_for, as_role
):
    client = client_for(receiving)
    page = html(client.get(f"/transferts/{request_.pk}/"))
    assert "Enregistrer la réponse" in page and str(person) in page
    assert "Retirer la demande" not in page
    # The read of a file not yet theirs is journaled in the receiving service's chain.
    assert AuditEntry.objects.filter(
        service_id=receiving.service_id, action="read", person_id=person.pk
    ).exists()
    # The queue's include and the list show it.
    assert f"/transferts/{request_.pk}/" in html(client.get("/transferts/"))
    response = client.post(f"/transferts/{request_.pk}/", {"decision": "accept", "comment": ""})
    assert response.status_code == 302
    assert Person.objects.get(pk=person.pk).service_id == receiving.service_id
    assert client.get(f"/personnes/{person.pk}/").status_code == 200
    for role in ("cpip", "manager", "secretariat"):
        assert as_role(role).get(f"/personnes/{person.pk}/").status_code == 404
    assert client_for(manager).get(f"/transferts/{request_.pk}/").status_code == 404
    # The sending managers' list no longer names the person.
    assert str(person) not in html(client_for(manager).get("/transferts/"))
    # Answering again: a French message, nothing changed.
    again = client.post(f"/transferts/{request_.pk}/", {"decision": "refuse", "comment": "Non."},
                        follow=True)  # fmt: skip
    assert "déjà été acceptée le" in html(again)
    assert Transfer.objects.get(pk=request_.pk).status == Transfer.Status.ACCEPTED


def test_a_refusal_without_its_reason_is_sent_back(request_, receiving, client_for):
    response = client_for(receiving).post(f"/transferts/{request_.pk}/", {"decision": "refuse"})
    assert response.status_code == 400
    assert "motif du refus" in html(response)
    assert Transfer.objects.get(pk=request_.pk).is_pending


def test_the_sending_manager_withdraws_once(request_, manager, receiving, client_for):
    client = client_for(manager)
    # The receiving side cannot withdraw.
    assert client_for(receiving).post(f"/transferts/{request_.pk}/retirer/").status_code == 403
    response = client.post(f"/transferts/{request_.pk}/retirer/", follow=True)
    assert "Demande de transfert retirée" in html(response)
    again = client.post(f"/transferts/{request_.pk}/retirer/", follow=True)
    assert "déjà été retirée le" in html(again)
    assert Transfer.objects.get(pk=request_.pk).status == Transfer.Status.WITHDRAWN
    # The receiving manager can no longer answer it.
    page = html(client_for(receiving).get(f"/transferts/{request_.pk}/"))
    assert "Enregistrer la réponse" not in page


def test_the_judge_answers_the_report_after_the_transfer(
    person, cpip, judge, manager, receiving, client_for, other_service
):
    measure = make_measure(cpip, person, judge=judge.user)
    report = make_transmitted_report(
        cpip, person, "end_of_measure", today=timezone.localdate(), measure=measure
    )
    client_for(manager).post(
        f"/personnes/{person.pk}/transferer/",
        {"to_service": other_service.pk, "reason": "residence"},
    )
    transfer = Transfer.objects.get(person=person)
    client_for(receiving).post(f"/transferts/{transfer.pk}/", {"decision": "accept"})
    judge_client = client_for(judge)
    assert judge_client.get(f"/rapports/{report.pk}/").status_code == 200
    assert judge_client.get(f"/rapports/{report.pk}/reponse/").status_code == 200
    assert judge_client.get(f"/personnes/{person.pk}/").status_code == 404  # the file is gone
    assert client_for(manager).get(f"/rapports/{report.pk}/").status_code == 404


def test_the_list_is_the_managers_and_the_include_lists_incoming(request_, as_role, receiving):
    for role in ROLES:
        status = as_role(role).get("/transferts/").status_code
        assert status == (200 if role == "manager" else 403)
    from django.template.loader import render_to_string

    rendered = render_to_string(
        "transfers/_incoming.html",
        {"transfers": selectors.incoming_pending(receiving.service_id)},
    )
    assert f'href="/transferts/{request_.pk}/"' in rendered
    assert "fr-table" in rendered


def test_the_platform_administrator_sets_the_delay_journaled():
    from django.test import Client

    from tests.factories import UserFactory

    client = Client()
    admin = UserFactory(username="admin.plateforme", is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = "/admin/transfers/transfersettings/add/"
    refused = client.post(
        url, {"auto_accept_days": "10", "first_reminder_days": "12", "last_reminder_days": "1"}
    )
    assert refused.status_code == 200  # the form again, with the constraint's message
    assert "Une relance doit partir avant l&#x27;acceptation automatique" in html(refused)
    response = client.post(
        url, {"auto_accept_days": "20", "first_reminder_days": "7", "last_reminder_days": "2"}
    )
    assert response.status_code == 302
    assert selectors.settings_get().auto_accept_days == 20
    entry = AuditEntry.objects.get(object_type="transfers.transfersettings", action="create")
    assert entry.chain == "platform" and entry.actor == admin
    assert entry.changes["auto_accept_days"] == [None, 20]
    # One row: no second one, none deleted.
    assert client.get(url).status_code == 403


def test_the_list_costs_the_same_whatever_the_number_of_requests(manager, cpip, other_service,
                                                                 receiving, client_for):  # fmt: skip
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from probatio.people.selectors import person_get_for
    from probatio.transfers import services

    def propose_one():
        person = make_person(cpip)
        services.transfer_propose(
            gated=person_get_for(manager, person.pk, action="transfer_file"),
            to_service=other_service,
            reason="residence",
        )

    def count(member) -> int:
        client = client_for(member)
        client.get("/transferts/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/transferts/").status_code == 200
        return len(queries)

    propose_one()
    few = (count(manager), count(receiving))
    for _ in range(6):
        propose_one()
    assert (count(manager), count(receiving)) == few
    assert max(few) <= 12
