"""Denials and disclosures (docs/audit.md, « What is logged »).

A signed-in member's 404 raised by a view is journaled as denied in their own service's chain,
with the same reason whether the object exists in another service or not, and the page is the
same in both cases; a read is journaled only when the page was shown; journaling neither adds
a query to an allowed page."""

import re
from datetime import date
from unittest import mock

import pytest
from django.conf import settings
from django.db import DatabaseError, connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from probatio.accounts.middleware import NOT_FOUND_REASON
from probatio.audit import reads as audit_reads
from probatio.audit.models import AuditEntry
from probatio.notes import services as note_services
from probatio.people.selectors import person_get_for
from tests.factories import gate, make_person
from tests.views.helpers import DsfrCheckingClient


def denials(membership):
    return AuditEntry.objects.filter(action="denied", actor=membership.user).order_by("id")


def reads_of(person):
    return AuditEntry.objects.filter(action="read", person_id=person.pk)


def without_token(response) -> str:
    """The page, the CSRF token apart (it differs from one response to the next)."""
    text = response.content.decode()
    return re.sub(r'(name="csrfmiddlewaretoken" value=|csrf[-_]token" content=)"[^"]*"', "", text)


@pytest.fixture
def elsewhere(member, other_service):
    """A CPIP of another service, with a file of their own."""
    return member("cpip", service=other_service, user__username="cpip.autre.service")


def test_another_services_file_and_a_made_up_id_give_the_same_page(client_for, cpip, elsewhere):
    theirs = make_person(elsewhere, surname="Lointain", first_names="Secret")
    missing = theirs.pk + 1000
    client = client_for(cpip)
    existing = client.get(f"/personnes/{theirs.pk}/")
    made_up = client.get(f"/personnes/{missing}/")
    assert existing.status_code == made_up.status_code == 404
    # The same page, the CSRF token and the address asked apart.
    assert without_token(existing).replace(f"/personnes/{theirs.pk}/", "/personnes/N/") == (
        without_token(made_up).replace(f"/personnes/{missing}/", "/personnes/N/")
    )
    assert "Lointain" not in existing.content.decode()


def test_a_404_is_journaled_as_denied_in_the_readers_own_chain(client_for, cpip, elsewhere):
    theirs = make_person(elsewhere, surname="Lointain", first_names="Secret")
    missing = theirs.pk + 1000
    client = client_for(cpip)
    client.get(f"/personnes/{theirs.pk}/")
    client.get(f"/personnes/{missing}/")
    first, second = denials(cpip)
    for entry, asked in ((first, theirs.pk), (second, missing)):
        assert entry.chain == f"service:{cpip.service_id}"
        assert (entry.service_id, entry.role) == (cpip.service_id, "cpip")
        assert (entry.object_type, entry.object_id) == ("people.person", asked)
        assert entry.person_id is None  # never linked to another service's file
        assert entry.context["reason"] == NOT_FOUND_REASON
        assert entry.context["method"] == "GET"
        assert entry.context["path"] == f"/personnes/{asked}/"
        assert entry.context["view"] == "people:detail"
        assert entry.context["asked"] == {"pk": str(asked)}
        assert entry.get_action_display() == "Accès refusé"
    # Both entries say the same thing, apart from the id asked: nothing tells which exists.
    assert {k: v for k, v in first.context.items() if k not in ("path", "asked")} == {
        k: v for k, v in second.context.items() if k not in ("path", "asked")
    }
    assert "Lointain" not in str(
        AuditEntry.objects.filter(service_id=cpip.service_id).values_list(
            "summary", "context", "changes"
        )
    )
    # Nothing in the other service's chain about it.
    assert not AuditEntry.objects.filter(service_id=elsewhere.service_id, action="denied").exists()


def test_a_burst_of_404s_leaves_one_trace_each(client_for, cpip, elsewhere):
    theirs = make_person(elsewhere)
    client = client_for(cpip)
    for n in range(30):
        assert client.get(f"/personnes/{theirs.pk + n}/mesures/").status_code == 404
    assert denials(cpip).count() == 30
    assert sorted(denials(cpip).values_list("object_id", flat=True)) == [
        theirs.pk + n for n in range(30)
    ]


def test_a_sub_object_that_does_not_exist_is_a_denial_not_a_read(client_for, cpip):
    person = make_person(cpip)
    response = client_for(cpip).get(f"/personnes/{person.pk}/notes/999999/")
    assert response.status_code == 404
    assert not reads_of(person).exists()
    [entry] = denials(cpip)
    assert (entry.object_type, entry.object_id) == ("notes.interviewnote", 999999)
    assert entry.context["asked"] == {"pk": str(person.pk), "note_id": "999999"}


def test_an_unknown_address_is_not_journaled(client_for, cpip):
    assert client_for(cpip).get("/nulle-part/").status_code == 404
    assert not denials(cpip).exists()


def test_a_refusal_after_the_gate_journals_no_read(client_for, cpip, member):
    """A note reserved to the psychologist: the gate let the file through, the note is refused
    (403): a denial, no read."""
    psychologist = member("psychologist", user__username="psy.reserve")
    person = make_person(cpip)
    note = note_services.note_create(
        gated=gate(psychologist, person),
        data={
            "interview_date": date(2025, 3, 1),
            "subject": "Réservé",
            "body": "Texte réservé.",
            "restricted_to": "psychologist",
        },
    )
    reads = reads_of(person).count()
    assert client_for(cpip).get(f"/personnes/{person.pk}/notes/{note.pk}/").status_code == 403
    assert reads_of(person).count() == reads
    [entry] = denials(cpip)
    assert entry.context["reason"] == "Cette note est réservée."


def test_a_page_shown_journals_its_read_naming_what_was_shown(client_for, cpip):
    person = make_person(cpip)
    note = note_services.note_create(
        gated=gate(cpip, person),
        data={"interview_date": date(2025, 3, 1), "subject": "Sujet", "body": "Texte."},
    )
    assert client_for(cpip).get(f"/personnes/{person.pk}/notes/{note.pk}/").status_code == 200
    [entry] = reads_of(person)
    assert (entry.object_type, entry.object_id) == ("notes.interviewnote", note.pk)
    assert entry.context == {"tab": f"note {note.pk}", "document": f"notes.interviewnote:{note.pk}"}
    assert not denials(cpip).exists()


def test_the_gate_outside_a_request_journals_at_once(cpip):
    person = make_person(cpip)
    person_get_for(cpip, person.pk, log_read="identite")
    assert reads_of(person).count() == 1


def test_reads_are_held_inside_a_request_and_dropped_unless_written(cpip):
    person = make_person(cpip)
    with audit_reads.held() as pending:
        person_get_for(cpip, person.pk, log_read="identite")
        assert not reads_of(person).exists()
    assert len(pending) == 1
    audit_reads.write_held(pending)
    assert reads_of(person).count() == 1


def test_a_page_whose_read_cannot_be_journaled_is_not_served(cpip):
    person = make_person(cpip, surname="Invisible")
    client = DsfrCheckingClient(raise_request_exception=False)
    client.force_login(cpip.user)
    with mock.patch.object(
        audit_reads.audit, "record_many", side_effect=DatabaseError("journal indisponible")
    ):
        response = client.get(f"/personnes/{person.pk}/")
    assert response.status_code == 500
    assert "INVISIBLE" not in response.content.decode().upper()
    assert not reads_of(person).exists()


def dossier_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_journaling_denials_and_holding_reads_adds_no_query(client_for, cpip):
    person = make_person(cpip)
    client = client_for(cpip)
    url = f"/personnes/{person.pk}/"
    client.get(url)  # warm-up: session written
    with_it = dossier_queries(client, url)
    without = [m for m in settings.MIDDLEWARE if not m.endswith("DeniedJournalMiddleware")]
    with override_settings(MIDDLEWARE=without):
        client.get(url)
        without_it = dossier_queries(client, url)
    assert with_it == without_it
    assert reads_of(person).count() == 4  # journaled both ways


def test_an_id_too_long_for_any_row_is_journaled_without_an_object_id(client_for, cpip):
    huge = "9" * 25
    assert client_for(cpip).get(f"/personnes/{huge}/").status_code == 404
    [entry] = denials(cpip)
    assert (entry.object_type, entry.object_id) == ("people.person", None)
    assert entry.context["asked"] == {"pk": huge}


def test_a_missing_measure_is_a_denial_naming_the_measure_asked(client_for, cpip):
    person = make_person(cpip)
    response = client_for(cpip).get(f"/personnes/{person.pk}/mesures/424242/modifier/")
    assert response.status_code == 404
    assert not reads_of(person).exists()
    [entry] = denials(cpip)
    assert (entry.object_type, entry.object_id) == ("measures.measure", 424242)


def test_a_form_sent_back_with_its_errors_journals_its_read(client_for, cpip):
    """The page of a refused form still shows the file: its read is journaled; a saved form
    redirects and has its write's entry instead (docs/audit.md)."""
    person = make_person(cpip)
    response = client_for(cpip).post(f"/personnes/{person.pk}/modifier/", {"surname": ""})
    assert response.status_code == 400
    [entry] = reads_of(person)
    assert entry.context == {"tab": "modification de l'identité"}
    assert not denials(cpip).exists()
