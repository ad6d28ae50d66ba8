"""Name search (docs/search.md), on both databases: case, accents and punctuation do not count,
a word may be the start (or any part) of a name, another service's persons never appear; the
search page says when it shows near spellings, which only PostgreSQL offers."""

import pytest
from django.db import connection
from django.test import Client

from probatio.people import search
from probatio.people.selectors import person_list_for
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def names(queryset):
    return [p.surname for p in queryset]


@pytest.fixture
def dupont(cpip):
    return make_person(cpip, surname="Dupont", first_names="Jérôme")


@pytest.fixture
def others(cpip):
    make_person(cpip, surname="Martin", first_names="Anaïs")
    make_person(cpip, surname="Lefèvre", first_names="Noël")


@pytest.mark.parametrize(
    "query", ["Dupont", "DUPONT", "dupônt", "DÛPÖNT", "dup", "DUP", "Dup jér", "jerome", "JÉRÔME"]
)
def test_case_accents_and_prefixes_do_not_count(cpip, dupont, others, query):
    assert names(person_list_for(cpip, query=query)) == ["Dupont"]


def test_a_word_may_stand_anywhere_in_a_name(cpip, dupont, others):
    # The search has always matched inside a word (``LIKE '%word%'``), on both databases.
    assert names(person_list_for(cpip, query="pont")) == ["Dupont"]
    assert names(person_list_for(cpip, query="fev")) == ["Lefèvre"]


def test_a_near_spelling_is_not_an_exact_match(cpip, dupont, others):
    assert names(person_list_for(cpip, query="Dupond")) == []


def test_another_services_persons_never_appear(cpip, member, other_service, dupont):
    make_person(member("cpip", service=other_service), surname="Dupont", first_names="Jérôme")
    found = person_list_for(cpip, query="dup")
    assert [p.pk for p in found] == [dupont.pk]


def test_near_spellings_only_on_postgresql():
    assert search.near_spellings_supported() is (connection.vendor == "postgresql")


def signed_in(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def test_the_search_page_finds_by_prefix_without_accents(cpip, dupont, others):
    content = signed_in(cpip).get("/personnes/", {"q": "DUPÔ"}).content.decode()
    assert f'href="/personnes/{dupont.pk}/"' in content
    assert 'data-testid="near-spellings"' not in content


@pytest.mark.skipif(
    connection.vendor == "postgresql", reason="SQLite: no near spellings, nothing found"
)
def test_sqlite_search_page_finds_nobody_for_a_near_spelling(cpip, dupont):
    content = signed_in(cpip).get("/personnes/", {"q": "Dupond"}).content.decode()
    assert "Aucune personne ne correspond à ces critères." in content
    assert "Orthographes proches" not in content
