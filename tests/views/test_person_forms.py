"""Creating and editing a person through the pages: valid data, refusals, duplicate guard."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from probatio.audit.models import AuditEntry
from probatio.people.models import Address, Person, TimelineEvent
from tests.factories import make_person
from tests.views.helpers import field_error, html, text_of

pytestmark = pytest.mark.django_db


def identity(**overrides) -> dict:
    data = {
        "surname": "Ménard",
        "first_names": "Éloïse",
        "sex": "F",
        "birth_date": "1991-07-14",
        "birth_place": "Nantes",
        "birth_country": "France",
        "nationality": "française",
        "languages": "français",
        "legal_status": "condamne",
    }
    data.update(overrides)
    return data


@pytest.fixture
def cpip_client(client_for, cpip):
    return client_for(cpip)


def test_creation_form_is_shown(cpip_client):
    response = cpip_client.get("/personnes/nouvelle/")
    assert response.status_code == 200
    assert "Créer le dossier" in html(response)


def test_creating_a_person_opens_the_dossier(cpip_client, cpip):
    response = cpip_client.post(
        "/personnes/nouvelle/",
        identity(
            **{
                "address-line1": "3 rue des Lilas",
                "address-postcode": "44000",
                "address-city": "Nantes",
                "address-valid_from": "2024-05-01",
            }
        ),
    )
    person = Person.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/personnes/{person.pk}/"
    assert person.service == cpip.service
    assert person.assigned_cpip == cpip.user
    assert (person.surname, person.first_names, person.birth_date) == (
        "Ménard",
        "Éloïse",
        date(1991, 7, 14),
    )
    assert Address.objects.get(person=person).city == "Nantes"
    entry = AuditEntry.objects.get(action="create", object_type="people.person")
    assert entry.person_id == person.pk
    assert entry.actor == cpip.user
    assert TimelineEvent.objects.filter(person=person, kind="person").exists()
    page = cpip_client.get(response["Location"])
    assert "Le dossier de MÉNARD Éloïse est créé." in html(page)
    assert "3 rue des Lilas" in html(page)


def test_secretariat_registers_a_person_without_cpip(client_for, secretariat):
    response = client_for(secretariat).post("/personnes/nouvelle/", identity())
    assert response.status_code == 302
    assert Person.objects.get().assigned_cpip is None


NOTHING_SAVED = (0, 0)


def saved() -> tuple[int, int]:
    # The service's own creation starts its chain: not a record of the form.
    created = AuditEntry.objects.filter(action="create").exclude(object_type="organisation.service")
    return Person.objects.count(), created.count()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"birth_date": "FUTURE"},
            "id_birth_date",
            "La date de naissance ne peut pas être dans le futur.",
        ),
        ({"surname": ""}, "id_surname", "Ce champ est obligatoire."),
        (
            {"surname": "N" * 101},
            "id_surname",
            "Assurez-vous que cette valeur comporte au plus 100 caractères (actuellement 101).",
        ),
        ({"first_names": ""}, "id_first_names", "Ce champ est obligatoire."),
        ({"birth_date": "31/02/1990"}, "id_birth_date", "Saisissez une date valide."),
    ],
)
def test_invalid_identity_is_refused_next_to_the_field(cpip_client, overrides, field, message):
    if overrides.get("birth_date") == "FUTURE":
        overrides = {"birth_date": (timezone.localdate() + timedelta(days=1)).isoformat()}
    response = cpip_client.post("/personnes/nouvelle/", identity(**overrides))
    assert response.status_code == 400
    assert field_error(response, field) == message
    assert "rien n'a été enregistré" in text_of(response)
    assert saved() == NOTHING_SAVED


def test_an_incomplete_address_is_refused_and_announced(cpip_client):
    response = cpip_client.post(
        "/personnes/nouvelle/", identity(**{"address-line1": "3 rue des Lilas"})
    )
    assert response.status_code == 400
    assert (
        field_error(response, "id_address-city")
        == "Ce champ est obligatoire quand une adresse est saisie."
    )
    assert saved() == NOTHING_SAVED
    # Like any other refused field, the error summary at the top of the form says so.
    assert "rien n'a été enregistré" in text_of(response)


def test_duplicate_guard_warns_with_the_reasons_then_creates_on_confirmation(cpip_client, cpip):
    existing = make_person(
        cpip,
        surname="Haddad",
        first_names="Nadia",
        sex="F",
        birth_date=date(1991, 7, 14),
        phone="06 12 34 56 78",
        email="nadia.haddad@exemple.fr",
    )
    before = saved()
    data = identity(
        surname="Benali",
        birth_surname="HADDAD",
        first_names="nadia",
        phone="+33 6 12 34 56 78",
        email="Nadia.Haddad@exemple.fr",
    )
    response = cpip_client.post("/personnes/nouvelle/", data)
    assert response.status_code == 200
    content = html(response)
    assert 'data-testid="duplicate-warning"' in content
    assert "Cette personne est peut-être déjà suivie par le service" in text_of(response)
    assert f'href="/personnes/{existing.pk}/"' in content
    assert (
        "Concordances : son nom d'usage est le nom de naissance saisi, mêmes prénoms, "
        "même date de naissance, même téléphone, même courriel." in text_of(response)
    )
    assert "Créer quand même" in content
    assert saved() == before
    # Showing them is journaled: who saw which persons.
    shown = AuditEntry.objects.filter(action="list").latest("pk")
    assert shown.context == {"page": "duplicates", "persons": [existing.pk]}

    confirmed = cpip_client.post(
        "/personnes/nouvelle/",
        {**data, "confirm_duplicate": "1", "duplicates_seen": [str(existing.pk)]},
    )
    assert confirmed.status_code == 302
    assert Person.objects.count() == 2
    new = Person.objects.exclude(pk=existing.pk).get()
    assert confirmed["Location"] == f"/personnes/{new.pk}/"


def test_a_confirmation_covers_only_the_persons_shown(cpip_client, cpip):
    first = make_person(cpip, surname="Ménard", first_names="Éloïse", birth_date=date(1991, 7, 14))
    second = make_person(cpip, surname="Roux", first_names="Léa", email="eloise@exemple.fr")
    before = saved()
    response = cpip_client.post(
        "/personnes/nouvelle/",
        {
            **identity(email="eloise@exemple.fr"),
            "confirm_duplicate": "1",
            "duplicates_seen": [str(first.pk)],
        },
    )
    assert response.status_code == 200
    assert f'href="/personnes/{second.pk}/"' in html(response)
    assert saved() == before


def test_no_duplicate_warning_for_another_birth_date_or_service(
    cpip_client, cpip, member, other_service
):
    make_person(cpip, surname="Ménard", first_names="Éloïse", birth_date=date(1991, 7, 15))
    make_person(
        member("cpip", service=other_service),
        surname="Ménard",
        first_names="Éloïse",
        birth_date=date(1991, 7, 14),
    )
    response = cpip_client.post("/personnes/nouvelle/", identity())
    assert response.status_code == 302


def test_another_services_identical_person_is_never_mentioned(
    cpip_client, cpip, member, other_service
):
    """Same names, birth date, phone and e-mail in another service: no warning, no name, no
    link; the warning for a person of the service does not mention the other one either."""
    same = {
        "surname": "Ménard",
        "first_names": "Éloïse",
        "birth_date": date(1991, 7, 14),
        "phone": "0612345678",
        "email": "eloise@exemple.fr",
    }
    far = make_person(member("cpip", service=other_service), **same, birth_surname="Lefort")
    near = make_person(cpip, surname="Roux", first_names="Léa", email="eloise@exemple.fr")
    data = identity(phone="0612345678", email="eloise@exemple.fr")
    check = cpip_client.get("/personnes/nouvelle/doublons/", data)
    response = cpip_client.post("/personnes/nouvelle/", data)
    for page in (check, response):
        content = html(page)
        assert f"/personnes/{near.pk}/" in content
        assert f"/personnes/{far.pk}/" not in content
        assert "LEFORT" not in content.upper()
        assert content.count('data-testid="duplicate"') == 1


def test_editing_the_identity_into_a_duplicate_warns_then_saves_on_confirmation(client_for, cpip):
    other = make_person(cpip, surname="Haddad", first_names="Nadia", phone="0612345678")
    person = make_person(cpip, surname="Benali", first_names="Nadia", sex="F")
    client = client_for(cpip)
    data = identity(surname="Benali", first_names="Nadia", phone="06 12 34 56 78")
    response = client.post(f"/personnes/{person.pk}/modifier/", data)
    assert response.status_code == 200
    assert f'href="/personnes/{other.pk}/"' in html(response)
    assert "Concordances : mêmes prénoms, même téléphone." in text_of(response)
    assert "Enregistrer quand même" in html(response)
    person.refresh_from_db()
    assert person.phone == ""
    confirmed = client.post(
        f"/personnes/{person.pk}/modifier/",
        {**data, "confirm_duplicate": "1", "duplicates_seen": [str(other.pk)]},
    )
    assert confirmed.status_code == 302
    person.refresh_from_db()
    assert person.phone == "+33612345678"
    # Once saved, another edit that leaves the compared fields alone does not warn again.
    again = client.post(f"/personnes/{person.pk}/modifier/", {**data, "languages": "arabe"})
    assert again.status_code == 302


def test_the_live_check_shows_the_warning_without_a_confirm_button(cpip_client, cpip):
    existing = make_person(
        cpip, surname="Ménard", first_names="Éloïse", birth_date=date(1991, 7, 14)
    )
    response = cpip_client.get(
        "/personnes/nouvelle/doublons/",
        {"surname": "MENARD", "first_names": "eloise", "birth_date": "1991-07-14"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert f'href="/personnes/{existing.pk}/"' in html(response)
    assert "Créer quand même" not in html(response)
    empty = cpip_client.get("/personnes/nouvelle/doublons/", {"surname": "Inconnu"})
    assert "duplicate-warning" not in html(empty)


def test_the_live_check_is_refused_to_a_role_that_does_not_create(as_role, world):
    assert as_role("judge").get("/personnes/nouvelle/doublons/").status_code == 403


def test_the_duplicate_check_runs_a_fixed_number_of_queries(client_for, cpip):
    """The warning page and the live check cost the same with one matching person or with
    many persons in the service (one query on the stored keys)."""
    client = client_for(cpip)
    make_person(cpip, surname="Ménard", first_names="Éloïse", birth_date=date(1991, 7, 14))
    data = identity(phone="0612345678", email="eloise@exemple.fr")
    query = {k: data[k] for k in ("surname", "first_names", "birth_date")}

    def counts():
        client.get("/personnes/nouvelle/doublons/", query)  # warm-up
        with CaptureQueriesContext(connection) as live:
            assert "duplicate-warning" in html(client.get("/personnes/nouvelle/doublons/", query))
        with CaptureQueriesContext(connection) as warned:
            assert client.post("/personnes/nouvelle/", data).status_code == 200
        return len(live.captured_queries), len(warned.captured_queries)

    few = counts()
    for n in range(30):
        make_person(
            cpip, surname=f"Autre{n}", first_names="Jean", birth_date=date(1970, 1, 1 + n % 28)
        )
        make_person(
            cpip,
            surname="Ménard",
            first_names=f"Sœur{n}",
            birth_date=date(1991, 7, 14),
            phone="06 12 34 56 78",
        )
    assert counts() == few


def test_editing_the_identity(cpip_client, cpip):
    person = make_person(cpip, surname="Ménard", first_names="Éloïse")
    response = cpip_client.get(f"/personnes/{person.pk}/modifier/")
    assert response.status_code == 200
    assert 'value="Ménard"' in html(response)
    data = identity(surname="Ménard-Durand", birth_date=person.birth_date.isoformat())
    response = cpip_client.post(f"/personnes/{person.pk}/modifier/", data)
    assert response.status_code == 302
    assert response["Location"] == f"/personnes/{person.pk}/"
    person.refresh_from_db()
    assert person.surname == "Ménard-Durand"
    # The change is journaled naming the field (never the name itself: audit.fields), and
    # shown in the chronology.
    entry = AuditEntry.objects.get(action="update", person_id=person.pk)
    assert entry.changes["surname"] == ["(valeur non conservée)", "(valeur non conservée)"]
    assert TimelineEvent.objects.filter(person=person, title="Identité modifiée").count() == 1


def test_editing_with_a_future_birth_date_saves_nothing(cpip_client, cpip):
    person = make_person(cpip, surname="Ménard", first_names="Éloïse")
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = cpip_client.post(
        f"/personnes/{person.pk}/modifier/", identity(surname="Autre", birth_date=future)
    )
    assert response.status_code == 400
    assert (
        field_error(response, "id_birth_date")
        == "La date de naissance ne peut pas être dans le futur."
    )
    person.refresh_from_db()
    assert person.surname == "Ménard"
    # The dossier's header names the person as recorded, not as typed in the refused form
    # (the typed value stays in the field, for correction).
    assert '<h1 class="fr-h2 fr-mb-1w">MÉNARD Éloïse</h1>' in html(response)
    assert 'value="Autre"' in html(response)


def test_editing_is_refused_outside_the_caseload(client_for, cpip2, cpip):
    person = make_person(cpip, surname="Ménard")
    response = client_for(cpip2).post(
        f"/personnes/{person.pk}/modifier/", identity(surname="Piraté")
    )
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.surname == "Ménard"


def test_creating_is_refused_to_roles_without_registration(client_for, psychologist):
    response = client_for(psychologist).post("/personnes/nouvelle/", identity())
    assert response.status_code == 403
    assert Person.objects.count() == 0
