"""Every read of a dossier and every list page leaves exactly one entry in the journal."""

import pytest

from probatio.audit.models import AuditEntry
from probatio.audit.services import verify_chain
from tests.views.helpers import html, text_of

TABS = [
    ("/personnes/{p}/", "identite"),
    ("/personnes/{p}/mesures/", "mesures"),
    ("/personnes/{p}/chronologie/", "chronologie"),
    ("/personnes/{p}/journal-des-acces/", "journal des accès"),
    ("/personnes/{p}/notes/{n}/", "note {n}"),
    ("/personnes/{p}/modifier/", "modification de l'identité"),
]


def entries_since(last_id: int):
    return list(AuditEntry.objects.filter(pk__gt=last_id).order_by("pk"))


def last_id() -> int:
    last = AuditEntry.objects.order_by("-pk").first()
    return last.pk if last else 0


@pytest.mark.parametrize(("template", "tab"), TABS)
def test_reading_a_tab_writes_one_read_entry(client_for, manager, world, template, tab):
    client = client_for(manager)
    client.get("/service/")  # warm-up: session and list entry out of the way
    dossier = world.caseload
    start = last_id()
    response = client.get(template.format(p=dossier.person.pk, n=dossier.note.pk))
    assert response.status_code == 200
    written = entries_since(start)
    assert len(written) == 1
    entry = written[0]
    assert entry.action == "read"
    assert entry.person_id == dossier.person.pk
    assert entry.actor == manager.user
    assert entry.role == "manager"
    assert entry.service_id == manager.service_id
    if "{n}" in template:  # a note opened: the entry names the note
        note = dossier.note.pk
        assert (entry.object_type, entry.object_id) == ("notes.interviewnote", note)
        assert entry.context == {"tab": f"note {note}", "document": f"notes.interviewnote:{note}"}
    else:
        assert (entry.object_type, entry.object_id) == ("people.person", dossier.person.pk)
        assert entry.context == {"tab": tab}


def test_a_refused_or_missing_dossier_writes_no_read_entry(client_for, cpip, world):
    client = client_for(cpip)
    client.get("/portefeuille/")
    start = last_id()
    assert client.get(f"/personnes/{world.foreign.person.pk}/").status_code == 404
    assert (
        client.get(f"/personnes/{world.caseload.person.pk}/journal-des-acces/").status_code == 403
    )
    # No read entry; both refusals (the 404 and the 403) are journaled as such.
    entries = entries_since(start)
    assert [e for e in entries if e.action != AuditEntry.Action.DENIED] == []
    assert [e.context["path"] for e in entries] == [
        f"/personnes/{world.foreign.person.pk}/",
        f"/personnes/{world.caseload.person.pk}/journal-des-acces/",
    ]


LISTS = [
    ("/portefeuille/", "mine", "cpip"),
    ("/personnes/", "search", "cpip"),
    ("/service/", "service", "manager"),
]


@pytest.mark.parametrize(("url", "page", "role"), LISTS)
def test_a_list_page_writes_one_list_entry_with_its_filters(as_role, world, url, page, role):
    client = as_role(role)
    client.get("/")  # warm-up
    start = last_id()
    query = {
        "q": "menard",
        "measure_type": "SURSIS_PROBATOIRE",
        "measure_status": "active",
        "setting": "community",
    }
    response = client.get(url, query)
    assert response.status_code == 200
    written = entries_since(start)
    assert [e.action for e in written] == ["list"]
    assert written[0].person_id is None
    assert written[0].context == {
        "page": page,
        "page_number": 1,
        "filters": {
            "query": "menard",
            "measure_type": "SURSIS_PROBATOIRE",
            "measure_status": "active",
            "setting": "community",
            "files": "followed",  # the default « Dossiers : Suivis », named in the journal
        },
    }


def test_a_list_without_filters_logs_only_the_default_files_filter(as_role, world):
    client = as_role("cpip")
    client.get("/")
    start = last_id()
    client.get("/portefeuille/")
    (entry,) = entries_since(start)
    # Only the default « Dossiers : Suivis », which decides what the list shows.
    assert entry.context == {"page": "mine", "page_number": 1, "filters": {"files": "followed"}}


def test_an_htmx_fragment_is_logged_too(as_role, world):
    client = as_role("cpip")
    client.get("/")
    start = last_id()
    client.get("/portefeuille/", {"q": "men"}, headers={"HX-Request": "true"})
    (entry,) = entries_since(start)
    assert entry.action == "list"
    assert entry.context["filters"] == {"query": "men", "files": "followed"}


def test_the_access_log_tab_lists_the_reads(as_role, world):
    person = world.caseload.person
    as_role("cpip").get(f"/personnes/{person.pk}/mesures/")
    as_role("psychologist").get(f"/personnes/{person.pk}/chronologie/")
    manager = as_role("manager")
    first = manager.get(f"/personnes/{person.pk}/journal-des-acces/")
    # Its own read is journaled once the page was shown: not on the page itself.
    assert "Consultation du dossier (journal des accès)" not in text_of(first)
    response = manager.get(f"/personnes/{person.pk}/journal-des-acces/")
    assert response.status_code == 200
    text = text_of(response)
    assert "Journal des accès au dossier" in text
    assert "Camille Conseil CPIP Consultation Consultation du dossier (mesures)" in text
    assert "Paul Psy Psychologue Consultation Consultation du dossier (chronologie)" in text
    # The previous read of the log is there too, and the creation of the dossier.
    assert "Consultation du dossier (journal des accès)" in text
    assert "Création Création du dossier" in text
    # Nothing about another person.
    other = world.service_only.person
    assert f"({other.pk})" not in html(response)


def test_the_access_log_shows_nothing_of_other_persons(as_role, world):
    as_role("cpip").get(f"/personnes/{world.service_only.person.pk}/")
    response = as_role("manager").get(f"/personnes/{world.caseload.person.pk}/journal-des-acces/")
    text = text_of(response)
    rows = text.count("Consultation du dossier (identité et situation)")
    assert rows == 0


def test_the_journal_chain_stays_valid_after_the_pages(as_role, world, manager):
    client = as_role("cpip")
    client.get("/portefeuille/")
    client.get(f"/personnes/{world.caseload.person.pk}/")
    client.post(
        f"/personnes/{world.caseload.person.pk}/notes/nouvelle/",
        {"interview_date": "2025-05-05", "subject": "Suivi", "body": "RAS"},
    )
    count, problems = verify_chain(f"service:{manager.service_id}")
    assert count > 0
    assert problems == []


# Pages of the dossier other than its tabs: they show the person's header, and the edit forms
# show the records themselves (the victim's identity on a no-contact order, for instance).
FORM_PAGES = [
    "/personnes/{p}/decisions/nouvelle/",
    "/personnes/{p}/mesures/nouvelle/",
    "/personnes/{p}/mesures/{m}/modifier/",
    "/personnes/{p}/mesures/{m}/obligations/nouvelle/",
    "/personnes/{p}/obligations/{o}/modifier/",
    "/personnes/{p}/notes/nouvelle/",
]


@pytest.mark.parametrize("template", FORM_PAGES)
def test_reading_a_dossier_form_page_is_journaled(client_for, manager, world, template):
    client = client_for(manager)
    client.get("/service/")
    dossier = world.caseload
    start = last_id()
    response = client.get(
        template.format(p=dossier.person.pk, m=dossier.measure.pk, o=dossier.obligation.pk)
    )
    assert response.status_code == 200
    written = entries_since(start)
    assert [(e.action, e.person_id) for e in written] == [("read", dossier.person.pk)]
