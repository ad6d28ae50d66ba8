"""The access log of a file, as a manager reads it: French labels everywhere (also for entries
journaled before the labels were French: the journal is never rewritten), the CPIP before and
after a reassignment by name, filters by user and by days, paged, in a fixed number of
queries."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from probatio.audit import services as audit
from probatio.audit.labels import read_label, summary_label
from tests.views.helpers import html, text_of

pytestmark = pytest.mark.django_db


def log_url(person) -> str:
    return f"/personnes/{person.pk}/journal-des-acces/"


def legacy(manager, person, summary: str, **fields):
    """An entry as an older version wrote it."""
    with transaction.atomic():
        audit.record(
            actor=manager.user,
            action=fields.pop("action", audit.Action.READ),
            service_id=manager.service_id,
            role="manager",
            object_type="people.person",
            object_id=person.pk,
            person_id=person.pk,
            summary=summary,
            **fields,
        )


# --- the labels -----------------------------------------------------------------------------


def test_internal_read_labels_are_turned_into_french():
    assert read_label("identite") == "identité et situation"
    assert read_label("formulaire assign") == "formulaire d'attribution du suivi"
    assert read_label("formulaire obligation_edit") == "formulaire de modification d'une obligation"
    assert read_label("formulaire some_new_form") == "formulaire"
    assert read_label("chronologie") == "chronologie"
    assert summary_label("Consultation du dossier (identite)") == (
        "Consultation du dossier (identité et situation)"
    )
    assert "SOINS" not in summary_label("Nouvelle obligation : SOINS")
    assert summary_label("Nouvelle obligation : SOINS").startswith("Nouvelle obligation : ")
    assert summary_label("TIG : affectation X") == "TIG : affectation X"


def test_the_log_shows_french_labels_for_old_and_new_entries(as_role, world, manager):
    person = world.caseload.person
    client = as_role("manager")
    client.get(f"/personnes/{person.pk}/")
    client.get(f"/personnes/{person.pk}/attribuer/")
    client.get(f"/personnes/{person.pk}/adresses/nouvelle/")
    legacy(manager, person, "Consultation du dossier (formulaire assign)", context={"tab": "x"})
    legacy(manager, person, "Consultation du dossier (formulaire obligation_create)")
    legacy(manager, person, "Nouvelle obligation : RESIDENCE", action=audit.Action.CREATE)
    legacy(manager, person, "Modification de l'obligation NE_PAS_CONTACTER", action="update")
    page = client.get(log_url(person))
    text = text_of(page)
    assert "Consultation du dossier (identité et situation)" in text
    assert "Consultation du dossier (formulaire de nouvelle adresse)" in text
    # Written now and written before (« formulaire assign »): the same French words.
    assert text.count("Consultation du dossier (formulaire d'attribution du suivi)") == 2
    assert "Consultation du dossier (formulaire de nouvelle obligation)" in text
    assert "Nouvelle obligation : Établir sa résidence en un lieu déterminé" in text
    assert "Modification de l'obligation NE_PAS_CONTACTER" not in text
    for internal in (
        "(identite)",
        "formulaire assign",
        "formulaire address_add",
        "RESIDENCE",
        "NE_PAS_CONTACTER",
        "obligation_create",
    ):
        assert internal not in text, internal


def test_the_obligations_written_now_are_named_by_their_label(as_role, world):
    """The obligation of the world's file was created through the service: its entry reads
    in French at the source."""
    text = text_of(as_role("manager").get(log_url(world.caseload.person)))
    assert "Nouvelle obligation : " in text
    assert world.caseload.obligation.obligation_type.code not in text


def test_a_reassignment_shows_the_cpip_before_and_after_by_name(as_role, world, cpip, cpip2):
    person = world.caseload.person
    client = as_role("manager")
    response = client.post(f"/personnes/{person.pk}/attribuer/", {"cpip": str(cpip2.user.pk)})
    assert response.status_code == 302
    text = text_of(client.get(log_url(person)))
    assert "Attribution du suivi CPIP référent·e : Camille Conseil → Noé Autre" in text
    # Unassigned, then: the name before, a dash after.
    client.post(f"/personnes/{person.pk}/attribuer/", {"cpip": ""})
    assert "CPIP référent·e : Noé Autre → —" in text_of(client.get(log_url(person)))


def test_an_identity_change_names_the_fields_not_the_identity(as_role, world, manager):
    person = world.caseload.person
    legacy(
        manager,
        person,
        "Modification de l'identité",
        action="update",
        changes={"surname": ["Vasseur", "Roux"], "sex": ["F", "M"], "aliases": ["a", "b"]},
    )
    text = text_of(as_role("manager").get(log_url(person)))
    assert "Sexe : Femme → Homme" in text
    # An identity is named only (audit.fields.IDENTITIES), even in an entry written before.
    assert "Nom d'usage (valeur non conservée)" in text
    assert "Alias (valeur non conservée)" in text
    assert "Vasseur" not in text and "Roux" not in text


# --- the filters ----------------------------------------------------------------------------


def test_the_log_filters_by_user(as_role, world, cpip, psychologist):
    person = world.caseload.person
    as_role("cpip").get(f"/personnes/{person.pk}/mesures/")
    as_role("psychologist").get(f"/personnes/{person.pk}/chronologie/")
    client = as_role("manager")
    page = client.get(log_url(person))
    assert f'<option value="{psychologist.user.pk}"' in html(page)
    only = client.get(log_url(person), {"agent": psychologist.user.pk})
    text = text_of(only)
    assert "Consultation du dossier (chronologie)" in text
    assert "Consultation du dossier (mesures)" not in text
    assert "(filtrées)" in text


def test_the_log_filters_by_days(as_role, world, manager):
    person = world.caseload.person
    for day in (date(2025, 3, 1), date(2025, 3, 10), date(2025, 3, 20)):
        with time_machine.travel(datetime(day.year, day.month, day.day, 22, 30, tzinfo=UTC)):
            # 23:30 in Paris: still that day there.
            legacy(manager, person, f"Consultation du dossier (jour {day.day})")
    client = as_role("manager")
    text = text_of(client.get(log_url(person), {"du": "2025-03-05", "au": "2025-03-20"}))
    assert "(jour 10)" in text and "(jour 20)" in text
    assert "(jour 1)" not in text
    text = text_of(client.get(log_url(person), {"au": "2025-03-01"}))
    assert "(jour 1)" in text and "(jour 10)" not in text
    wrong = client.get(log_url(person), {"du": "2025-03-20", "au": "2025-03-01"})
    assert wrong.status_code == 400
    assert "La fin de la période ne peut pas précéder son début." in text_of(wrong)


def test_the_log_is_paged_keeping_its_filters_in_a_fixed_number_of_queries(
    client_for, world, manager, cpip, member
):
    person = world.caseload.person
    client = client_for(manager)
    url = f"{log_url(person)}?agent={manager.user.pk}&du=2000-01-01"

    def count() -> int:
        client.get(url)  # warm-up
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries.captured_queries)

    legacy(
        manager,
        person,
        "Attribution du suivi",
        action="update",
        changes={"assigned_cpip": [None, cpip.user.pk]},
    )
    few = count()
    others = [member("cpip") for _ in range(5)]
    for n in range(60):
        legacy(
            manager,
            person,
            "Attribution du suivi",
            action="update",
            changes={"assigned_cpip": [others[n % 5].user.pk, cpip.user.pk]},
        )
        with transaction.atomic():
            audit.record(
                actor=others[n % 5].user,
                action="read",
                service_id=manager.service_id,
                role="cpip",
                person_id=person.pk,
                summary="Consultation du dossier (x)",
            )
    assert count() == few
    page = client.get(url)
    assert "agent=" in html(page) and "page=2" in html(page)
    second = client.get(url + "&page=2")
    assert second.status_code == 200
    assert "Consultation du dossier (x)" not in text_of(second)


def test_the_log_is_for_managers_only(as_role, world):
    for role in ("cpip", "secretariat", "judge"):
        assert as_role(role).get(log_url(world.caseload.person)).status_code in (403, 404)
