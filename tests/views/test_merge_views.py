"""The merge pages, per role: choose the other file, compare, confirm (nothing written before),
the refusals in French, and the absorbed file's addresses leading to the kept one."""

from datetime import date

import pytest

from probatio.audit.models import AuditEntry
from probatio.merges.models import Merge
from probatio.people import services as people
from probatio.people.models import MergedFile, Person, TimelineEvent
from tests.factories import EstablishmentFactory, gate, make_measure, make_person
from tests.views.helpers import ROLES, html, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(cpip, secretariat):
    identity = {"first_names": "Nadia", "sex": "F", "birth_date": date(1990, 5, 17)}
    kept = make_person(cpip, surname="Haddad", phone="06 48 27 15 93", **identity)
    absorbed = make_person(secretariat, surname="Hadad", birth_surname="Benali", **identity)
    make_measure(secretariat, absorbed)
    return kept, absorbed


def written():
    return (
        # What was written (a refusal is journaled as denied, not a write).
        AuditEntry.objects.exclude(action__in=("read", "list", "denied")).count(),
        TimelineEvent.objects.count(),
        Person.objects.count(),
        Merge.objects.count(),
    )


def test_the_dossier_offers_the_merge_to_managers_only(pair, as_role):
    kept, _ = pair
    assert "Fusionner avec un autre dossier" in html(
        as_role("manager").get(f"/personnes/{kept.pk}/")
    )
    for role in ("cpip", "secretariat"):
        assert "Fusionner avec un autre dossier" not in html(
            as_role(role).get(f"/personnes/{kept.pk}/")
        )


@pytest.mark.parametrize("role", [r for r in ROLES if r != "manager"])
def test_other_roles_are_refused_every_page(role, pair, as_role, judge, cpip):
    kept, absorbed = pair
    make_measure(cpip, kept, judge=judge.user)  # one of the judge's files: 403, not 404
    client = as_role(role)
    before = written()
    for url in (
        f"/personnes/{kept.pk}/fusionner/",
        f"/personnes/{kept.pk}/fusionner/{absorbed.pk}/",
        f"/personnes/{kept.pk}/fusionner/{absorbed.pk}/confirmer/",
    ):
        assert client.get(url).status_code in (403, 404), url
    assert client.post(
        f"/personnes/{kept.pk}/fusionner/{absorbed.pk}/confirmer/", {}
    ).status_code in (403, 404)
    assert written()[1:] == before[1:]
    assert Person.objects.filter(pk=absorbed.pk).exists()


def test_the_choice_lists_the_possible_duplicates_and_searches_the_service(
    pair, as_role, other_person
):
    kept, absorbed = pair
    client = as_role("manager")
    page = text_of(client.get(f"/personnes/{kept.pk}/fusionner/"))
    assert "HADAD Nadia" in page and "Fusionner ces dossiers" in page
    found = client.get(f"/personnes/{kept.pk}/fusionner/", {"q": other_person.surname})
    assert other_person.surname.upper() not in text_of(found)  # another service: never shown
    found = client.get(f"/personnes/{kept.pk}/fusionner/", {"q": "hadad"})
    assert f"/personnes/{kept.pk}/fusionner/{absorbed.pk}/" in html(found)


def test_comparison_then_confirmation_write_nothing(pair, as_role):
    kept, absorbed = pair
    client = as_role("manager")
    before = written()
    compare = client.get(f"/personnes/{kept.pk}/fusionner/{absorbed.pk}/")
    assert compare.status_code == 200
    page = text_of(compare)
    assert "Nom d'usage" in page and "Haddad" in page and "Hadad" in page
    assert 'name="surname"' in html(compare) and 'name="keep"' in html(compare)
    assert "Mesures" in page  # what each file holds
    # Half filled (only the surname): the confirmation shows the kept file's values elsewhere.
    confirm = client.get(
        f"/personnes/{kept.pk}/fusionner/{absorbed.pk}/confirmer/",
        {"keep": kept.pk, "surname": absorbed.pk},
    )
    assert confirm.status_code == 200
    assert "Confirmer la fusion" in text_of(confirm) and "Annuler" in text_of(confirm)
    assert written() == before
    # Reopened with nothing: it still opens.
    assert client.get(f"/personnes/{kept.pk}/fusionner/{absorbed.pk}/confirmer/").status_code == 200


def test_confirming_merges_and_the_old_address_leads_to_the_kept_file(pair, as_role):
    kept, absorbed = pair
    kept_id, absorbed_id = kept.pk, absorbed.pk
    client = as_role("manager")
    response = client.post(
        f"/personnes/{kept_id}/fusionner/{absorbed_id}/confirmer/",
        {"keep": kept_id, "surname": kept_id, "birth_surname": absorbed_id},
    )
    assert response.status_code == 302 and response.url == f"/personnes/{kept_id}/"
    person = Person.objects.get(pk=kept_id)
    assert (person.surname, person.birth_surname) == ("Haddad", "Benali")
    assert not Person.objects.filter(pk=absorbed_id).exists()
    assert MergedFile.objects.filter(absorbed_id=absorbed_id, kept_id=kept_id).exists()
    timeline = client.get(f"/personnes/{kept_id}/chronologie/")
    assert f"Dossier n° {absorbed_id} fusionné dans ce dossier" in text_of(timeline)
    log = client.get(f"/personnes/{kept_id}/journal-des-acces/")
    assert f"Fusion : dossier n° {absorbed_id} fusionné dans ce dossier" in text_of(log)
    history = client.get(f"/personnes/{kept_id}/fusionner/")
    assert f"dossier n° {absorbed_id} (HADAD Nadia) fusionné dans ce dossier" in text_of(history)
    # The old addresses: the same page of the kept file, query kept.
    old = client.get(f"/personnes/{absorbed_id}/chronologie/?page=1")
    assert old.status_code == 302 and old.url == f"/personnes/{kept_id}/chronologie/?page=1"
    assert client.get(f"/personnes/{absorbed_id}/").url == f"/personnes/{kept_id}/"
    # A form sent to the old address is not replayed: nothing saved, told so.
    posted = client.post(f"/personnes/{absorbed_id}/modifier/", {"surname": "X"}, follow=True)
    assert "rien n'a été enregistré" in text_of(posted)
    assert Person.objects.get(pk=kept_id).surname == "Haddad"


def test_keeping_the_other_number(pair, as_role):
    kept, absorbed = pair
    first_id, second_id = kept.pk, absorbed.pk
    response = as_role("manager").post(
        f"/personnes/{first_id}/fusionner/{second_id}/confirmer/", {"keep": second_id}
    )
    assert response.url == f"/personnes/{second_id}/"
    assert not Person.objects.filter(pk=first_id).exists()
    # The choices default to the kept file's values: the second file's surname stays.
    assert Person.objects.get(pk=second_id).surname == "Hadad"


def test_another_services_user_gets_a_404_for_the_old_address(
    pair, as_role, client_for, member, other_service
):
    kept, absorbed = pair
    absorbed_id = absorbed.pk
    as_role("manager").post(f"/personnes/{kept.pk}/fusionner/{absorbed_id}/confirmer/", {})
    stranger = client_for(member("manager", service=other_service, user__username="dpip.loin"))
    assert stranger.get(f"/personnes/{absorbed_id}/").status_code == 404


def test_merging_a_file_with_itself_is_refused_in_french(pair, as_role):
    kept, _ = pair
    client = as_role("manager")
    before = written()
    for response in (
        client.get(f"/personnes/{kept.pk}/fusionner/{kept.pk}/"),
        client.post(f"/personnes/{kept.pk}/fusionner/{kept.pk}/confirmer/", {}),
    ):
        assert response.status_code == 400
        assert "ne peut pas être fusionné avec lui-même" in text_of(response)
    assert written() == before


def test_another_services_file_is_a_404(pair, as_role, other_person):
    kept, _ = pair
    client = as_role("manager")
    before = written()
    assert client.get(f"/personnes/{kept.pk}/fusionner/{other_person.pk}/").status_code == 404
    assert (
        client.post(f"/personnes/{kept.pk}/fusionner/{other_person.pk}/confirmer/", {}).status_code
        == 404
    )
    assert written() == before
    assert AuditEntry.objects.filter(action="denied").count() == 2  # both refusals
    assert Person.objects.filter(pk=other_person.pk).exists()


def test_two_open_committals_are_refused_with_the_french_message(pair, as_role, cpip):
    kept, absorbed = pair
    for number, person in (("E1", kept), ("E2", absorbed)):
        people.custody_open(
            gated=gate(cpip, person),
            establishment_id=EstablishmentFactory(service_id=cpip.service_id).pk,
            committal_number=number,
            committal_date=date(2025, 1, 1),
        )
    client = as_role("manager")
    assert "Deux écrous en cours" in text_of(
        client.get(f"/personnes/{kept.pk}/fusionner/{absorbed.pk}/")
    )
    before = written()
    response = client.post(f"/personnes/{kept.pk}/fusionner/{absorbed.pk}/confirmer/", {})
    assert response.status_code == 400
    assert "Les deux dossiers ont un écrou en cours" in text_of(response)
    assert written() == before


def test_a_bad_choice_is_shown_on_the_comparison(pair, as_role):
    kept, absorbed = pair
    response = as_role("manager").get(
        f"/personnes/{kept.pk}/fusionner/{absorbed.pk}/confirmer/", {"surname": "999999"}
    )
    assert response.status_code == 400
    assert "Erreur" in text_of(response)


def test_the_duplicate_warning_of_the_identity_form_offers_the_merge(pair, as_role):
    kept, absorbed = pair
    data = {
        "surname": "Hadad",
        "first_names": "Nadia",
        "sex": "F",
        "birth_date": "1990-05-17",
        "birth_place": "Roubaix",
        "birth_country": "France",
        "nationality": "française",
        "languages": "français",
        "legal_status": "condamne",
    }
    link = f"/personnes/{kept.pk}/fusionner/{absorbed.pk}/"
    shown = as_role("manager").post(f"/personnes/{kept.pk}/modifier/", data)
    assert "Fusionner ces dossiers" in text_of(shown) and link in html(shown)
    # Whoever may not merge is not offered it.
    assert link not in html(as_role("secretariat").post(f"/personnes/{kept.pk}/modifier/", data))
