"""Name search on PostgreSQL (docs/search.md): the migration's extensions and trigram index,
near spellings ranked by similarity and kept within the service, and the search page that
offers them when the names as typed find nobody."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from probatio.people.selectors import person_list_for
from tests.factories import make_person

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def names(queryset):
    return [p.surname for p in queryset]


@pytest.fixture(autouse=True)
def _postgresql():
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://…"


def _one(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _all(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_the_migration_created_the_extensions_and_a_valid_trigram_index():
    extensions = {name for (name,) in _all("SELECT extname FROM pg_extension")}
    assert {"unaccent", "pg_trgm"} <= extensions
    definition, valid, ready = _one(
        """
        SELECT pg_get_indexdef(i.indexrelid), i.indisvalid, i.indisready
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relname = 'person_search_trgm'
        """
    )
    assert "USING gin (search_text gin_trgm_ops)" in definition
    assert valid and ready
    assert _one("SELECT tablename FROM pg_indexes WHERE indexname = 'person_search_trgm'") == (
        "people_person",
    )
    assert _one(
        "SELECT attstattarget FROM pg_attribute"
        " WHERE attrelid = 'people_person'::regclass AND attname = 'search_text'"
    ) == (1000,)


def test_unaccent_folds_as_the_stored_text_does():
    # Available to SQL-side fills (the search bench); the application folds in Python.
    assert _one("SELECT lower(unaccent('Ménard Éloïse Lefèvre'))") == ("menard eloise lefevre",)


@pytest.fixture
def persons(cpip):
    return {
        name: make_person(cpip, surname=name, first_names="Jérôme")
        for name in ("Dupont", "Dupontel", "Martin", "Lefèvre")
    }


def test_a_near_spelling_finds_close_names_closest_first(cpip, persons):
    found = names(person_list_for(cpip, query="Dupond", near=True))
    assert found[0] == "Dupont"
    assert "Martin" not in found and "Lefèvre" not in found
    assert names(person_list_for(cpip, query="lefevres", near=True)) == ["Lefèvre"]
    assert names(person_list_for(cpip, query="LEFÈVRES jérom", near=True)) == ["Lefèvre"]


def test_near_spellings_are_ranked_by_similarity(cpip, persons):
    found = person_list_for(cpip, query="dupont", near=True)
    scores = [p.near_score for p in found]
    assert scores == sorted(scores, reverse=True)
    assert found[0].surname == "Dupont"


def test_short_words_are_not_compared_by_spelling(cpip, persons):
    assert names(person_list_for(cpip, query="du", near=True)) == []
    assert names(person_list_for(cpip, query="je dupond", near=True))[0] == "Dupont"


def test_near_spellings_never_reach_another_service(cpip, member, other_service, persons):
    theirs = make_person(member("cpip", service=other_service), surname="Dupont")
    found = person_list_for(cpip, query="Dupond", near=True)
    assert theirs.pk not in {p.pk for p in found}
    assert persons["Dupont"].pk in {p.pk for p in found}


def signed_in(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def test_the_search_page_offers_near_spellings_when_nobody_has_the_name(cpip, persons):
    content = signed_in(cpip).get("/personnes/", {"q": "Dupond"}).content.decode()
    assert 'data-testid="near-spellings"' in content
    assert "Orthographes proches" in content
    assert f'href="/personnes/{persons["Dupont"].pk}/"' in content
    assert f'href="/personnes/{persons["Martin"].pk}/"' not in content


def test_the_search_page_shows_exact_names_without_the_hint(cpip, persons):
    content = signed_in(cpip).get("/personnes/", {"q": "dupont"}).content.decode()
    assert "Orthographes proches" not in content
    assert f'href="/personnes/{persons["Dupont"].pk}/"' in content


def test_the_search_page_says_nobody_when_nothing_is_close(cpip, persons):
    content = signed_in(cpip).get("/personnes/", {"q": "zzyzx"}).content.decode()
    assert "Orthographes proches" not in content
    assert "Aucune personne ne correspond à ces critères." in content


@pytest.mark.parametrize(
    ("role", "path"),
    [("cpip", "/personnes/"), ("cpip", "/portefeuille/"), ("manager", "/service/")],
)
def test_the_near_spellings_page_stays_within_the_query_budget(request, persons, role, path):
    # Two more queries than a page of exact matches (the near spellings' count and list):
    # the page still holds the 15 of tests/views/test_query_counts.py.
    client = signed_in(request.getfixturevalue(role))
    client.get(path, {"q": "Dupond"})  # sessions, caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, {"q": "Dupond"})
    assert response.status_code == 200
    assert 'data-testid="near-spellings"' in response.content.decode()
    assert len(queries) <= 15, len(queries)
