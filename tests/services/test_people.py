"""Writes on persons: one transaction each, with their audit entry and timeline event."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from probatio.audit.models import AuditEntry
from probatio.audit.services import verify_chain
from probatio.people import journal, services
from probatio.people.models import Address, CustodyRecord, Person, SituationEntry, TimelineEvent
from probatio.people.selectors import current_situation, person_list_for
from tests.factories import EstablishmentFactory, PersonFactory, gate, make_person, person_data

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 2)


def counts():
    return (
        Person.objects.count(),
        AuditEntry.objects.count(),
        TimelineEvent.objects.count(),
        Address.objects.count(),
    )


def test_person_create_writes_person_audit_entry_and_timeline(cpip):
    person = services.person_create(
        membership=cpip,
        data=person_data(
            surname="D'Arc-Ménard",
            first_names="Éloïse",
            sex="F",
            birth_date=date(1990, 4, 12),
            aliases="La Pucelle, Jeanne",
        ),
        today=TODAY,
    )
    person.refresh_from_db()
    assert person.service == cpip.service
    assert person.assigned_cpip == cpip.user  # a CPIP's new person joins their caseload
    assert person.search_text == "d arc menard eloise la pucelle jeanne"

    entry = AuditEntry.objects.get(person_id=person.pk)
    assert entry.action == "create"
    assert entry.object_type == "people.person"
    assert entry.object_id == person.pk
    assert entry.actor == cpip.user
    assert entry.role == "cpip"
    assert entry.service_id == cpip.service_id
    # An identity is journaled by name only (audit.fields.IDENTITIES): never the name itself.
    assert entry.changes["surname"] == ["(valeur non conservée)", "(valeur non conservée)"]
    assert entry.changes["birth_date"] == ["(valeur non conservée)", "(valeur non conservée)"]
    assert entry.changes["sex"] == [None, "F"]  # a code keeps its value
    assert "search_text" not in entry.changes

    event = TimelineEvent.objects.get(person=person)
    assert (event.kind, event.title, event.actor) == ("person", "Ouverture du dossier", cpip.user)
    assert (event.object_type, event.object_id) == ("people.person", person.pk)


def test_person_create_by_secretariat_is_not_assigned(secretariat):
    person = make_person(secretariat)
    assert person.assigned_cpip is None


def test_person_create_with_address(cpip):
    person = make_person(
        cpip,
        address={
            "line1": "3 rue des Lilas",
            "postcode": "69003",
            "city": "Lyon",
            "valid_from": date(2025, 1, 1),
        },
    )
    address = person.addresses.get()
    assert (address.city, address.valid_to, address.recorded_by) == ("Lyon", None, cpip.user)
    assert AuditEntry.objects.filter(person_id=person.pk, object_type="people.address").count() == 1


def test_audit_and_timeline_are_in_the_persons_transaction(cpip, monkeypatch):
    """If the timeline cannot be written, neither the person nor its audit entry remain."""
    before = counts()

    def broken(**kwargs):
        raise RuntimeError("timeline unavailable")

    monkeypatch.setattr(journal, "timeline_add", broken)
    with pytest.raises(RuntimeError, match="timeline unavailable"):
        services.person_create(membership=cpip, data=person_data())
    assert counts() == before
    # Only the chain's start is left: the service's creation.
    assert verify_chain(f"service:{cpip.service_id}") == (1, [])


def test_birth_date_in_the_future_is_refused_and_nothing_saved(cpip):
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.person_create(
            membership=cpip,
            data=person_data(birth_date=date(2025, 6, 3)),
            address={
                "line1": "1 rue X",
                "postcode": "75001",
                "city": "Paris",
                "valid_from": date(2025, 1, 1),
            },
            today=TODAY,
        )
    assert error.value.message_dict == {
        "birth_date": ["La date de naissance ne peut pas être dans le futur."]
    }
    assert counts() == before


def test_birth_date_more_than_120_years_ago_is_refused(cpip):
    with pytest.raises(ValidationError) as error:
        services.person_create(
            membership=cpip, data=person_data(birth_date=date(1904, 12, 31)), today=TODAY
        )
    assert list(error.value.message_dict) == ["birth_date"]


def test_overlong_surname_is_refused_by_full_clean_and_nothing_saved(cpip):
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.person_create(membership=cpip, data=person_data(surname="X" * 101))
    assert list(error.value.message_dict) == ["surname"]
    assert "100 caractères" in error.value.message_dict["surname"][0]
    assert counts() == before


def test_invalid_sex_is_refused(cpip):
    with pytest.raises(ValidationError) as error:
        services.person_create(membership=cpip, data=person_data(sex="X"))
    assert "sex" in error.value.message_dict


def test_person_update_records_the_changed_fields(cpip, person):
    services.person_update(
        gated=gate(cpip, person), data={"surname": "Ménard", "phone": "06 12 34 56 78"}
    )
    person.refresh_from_db()
    assert person.search_text.startswith("menard ")
    entry = AuditEntry.objects.filter(person_id=person.pk, action="update").get()
    assert set(entry.changes) == {"surname", "phone"}
    assert entry.changes["surname"] == ["(valeur non conservée)", "(valeur non conservée)"]
    event = TimelineEvent.objects.filter(person=person, title="Identité modifiée").get()
    assert "nom d'usage" in event.detail and "téléphone" in event.detail


def test_person_update_without_change_writes_nothing(cpip, person):
    before = counts()
    services.person_update(gated=gate(cpip, person), data={"surname": person.surname})
    assert counts() == before


def test_factory_search_text_matches_the_service(cpip):
    """The raw factory must index names exactly like person_create does."""
    data = person_data(surname="Le Gall-Ürün", first_names="Zoé Anne", aliases="Zaza,  Z.")
    created = services.person_create(membership=cpip, data=data)
    built = PersonFactory.build(
        **{k: data[k] for k in ("surname", "first_names", "aliases")}, birth_surname=""
    )
    assert built.search_text == created.search_text


# --- addresses ---------------------------------------------------------------------------


def address(valid_from, city="Lyon", **extra):
    return {
        "line1": "12 rue de la République",
        "postcode": "69002",
        "city": city,
        "valid_from": valid_from,
        **extra,
    }


def test_new_address_closes_the_current_one_and_keeps_history(cpip, person):
    first = services.address_add(
        gated=gate(cpip, person), data=address(date(2024, 1, 15), city="Lyon")
    )
    second = services.address_add(
        gated=gate(cpip, person), data=address(date(2025, 3, 1), city="Villeurbanne")
    )
    first.refresh_from_db()
    assert first.valid_to == date(2025, 2, 28)
    assert second.valid_to is None
    assert list(person.addresses.values_list("city", flat=True)) == ["Villeurbanne", "Lyon"]
    closing = AuditEntry.objects.get(
        person_id=person.pk, action="update", object_type="people.address"
    )
    assert closing.changes == {"valid_to": [None, "2025-02-28"]}
    assert TimelineEvent.objects.filter(
        person=person, title="Nouvelle adresse : 69002 Villeurbanne"
    ).exists()


@pytest.mark.parametrize("valid_from", [date(2025, 3, 1), date(2025, 2, 1)])
def test_new_address_must_start_after_the_current_one(cpip, person, valid_from):
    services.address_add(gated=gate(cpip, person), data=address(date(2025, 3, 1)))
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.address_add(gated=gate(cpip, person), data=address(valid_from))
    assert error.value.message_dict == {
        "valid_from": [
            "La nouvelle adresse doit commencer après le 01/03/2025 (début de l'adresse actuelle)."
        ]
    }
    assert counts() == before
    assert person.addresses.get().valid_to is None


def test_address_without_city_is_refused(cpip, person):
    with pytest.raises(ValidationError) as error:
        services.address_add(gated=gate(cpip, person), data=address(date(2025, 1, 1), city=""))
    assert "city" in error.value.message_dict
    assert not person.addresses.exists()


# --- situation ---------------------------------------------------------------------------


def test_situation_keeps_history_and_current_is_the_latest(cpip, person):
    services.situation_record(
        gated=gate(cpip, person),
        domain="housing",
        status="hosted_family",
        details="Chez sa sœur",
        effective_date=date(2024, 5, 1),
        today=TODAY,
    )
    services.situation_record(
        gated=gate(cpip, person),
        domain="housing",
        status="own_home",
        details="Bail signé",
        effective_date=date(2025, 1, 1),
        today=TODAY,
    )
    # Recorded later, but about an earlier date: history, not the current situation.
    services.situation_record(
        gated=gate(cpip, person),
        domain="housing",
        status="shelter",
        details="",
        effective_date=date(2023, 9, 1),
        today=TODAY,
    )
    services.situation_record(
        gated=gate(cpip, person),
        domain="employment",
        status="job_seeker",
        details="",
        effective_date=date(2025, 2, 1),
        today=TODAY,
    )
    assert SituationEntry.objects.filter(person=person, domain="housing").count() == 3
    current = current_situation(person)
    assert set(current) == {"housing", "employment"}
    assert current["housing"].status == "own_home"
    assert current["housing"].status_label == "Logement personnel (propriétaire ou locataire)"
    assert current["employment"].status == "job_seeker"
    assert (
        AuditEntry.objects.filter(person_id=person.pk, object_type="people.situationentry").count()
        == 4
    )


@pytest.mark.parametrize(
    ("domain", "status"), [("housing", "castle"), ("housing", "salary"), ("nowhere", "unknown")]
)
def test_situation_refuses_unknown_status_codes(cpip, person, domain, status):
    with pytest.raises(ValidationError) as error:
        services.situation_record(
            gated=gate(cpip, person),
            domain=domain,
            status=status,
            details="",
            effective_date=date(2025, 1, 1),
            today=TODAY,
        )
    assert error.value.message_dict == {"status": ["Cette situation n'existe pas pour ce domaine."]}
    assert not SituationEntry.objects.exists()


def test_situation_in_the_future_is_refused(cpip, person):
    with pytest.raises(ValidationError) as error:
        services.situation_record(
            gated=gate(cpip, person),
            domain="housing",
            status="own_home",
            details="",
            effective_date=date(2025, 6, 3),
            today=TODAY,
        )
    assert list(error.value.message_dict) == ["effective_date"]


# --- custody -----------------------------------------------------------------------------


def listed_in_custody(membership, person):
    return person_list_for(membership).get(pk=person.pk).in_custody


def test_custody_open_and_close_drive_the_in_custody_annotation(cpip, person):
    prison = EstablishmentFactory(service=cpip.service, name="Lyon-Corbas", kind="MA")
    assert listed_in_custody(cpip, person) is False

    record = services.custody_open(
        gated=gate(cpip, person),
        establishment_id=prison.pk,
        committal_number="A12345",
        committal_date=date(2025, 2, 1),
        today=TODAY,
    )
    assert record.release_date is None
    assert listed_in_custody(cpip, person) is True
    assert [p.pk for p in person_list_for(cpip, setting="custody")] == [person.pk]
    assert list(person_list_for(cpip, setting="community")) == []

    services.custody_close(gated=gate(cpip, person), release_date=date(2025, 5, 20), today=TODAY)
    record.refresh_from_db()
    assert record.release_date == date(2025, 5, 20)
    assert listed_in_custody(cpip, person) is False
    assert [p.pk for p in person_list_for(cpip, setting="community")] == [person.pk]

    titles = list(
        TimelineEvent.objects.filter(person=person, kind="custody")
        .order_by("occurred_at")
        .values_list("title", flat=True)
    )
    assert titles == ["Écrou à Lyon-Corbas", "Levée d'écrou (Lyon-Corbas)"]


def test_custody_open_refuses_a_second_open_record(cpip, person):
    prison = EstablishmentFactory(service=cpip.service)
    services.custody_open(
        gated=gate(cpip, person),
        establishment_id=prison.pk,
        committal_number="1",
        committal_date=date(2025, 1, 1),
        today=TODAY,
    )
    with pytest.raises(ValidationError) as error:
        services.custody_open(
            gated=gate(cpip, person),
            establishment_id=prison.pk,
            committal_number="2",
            committal_date=date(2025, 2, 1),
            today=TODAY,
        )
    assert list(error.value.message_dict) == ["committal_number"]
    assert CustodyRecord.objects.filter(person=person).count() == 1


def test_custody_open_refuses_another_services_establishment(cpip, person, other_service):
    elsewhere = EstablishmentFactory(service=other_service)
    with pytest.raises(ValidationError) as error:
        services.custody_open(
            gated=gate(cpip, person),
            establishment_id=elsewhere.pk,
            committal_number="1",
            committal_date=date(2025, 1, 1),
            today=TODAY,
        )
    assert error.value.message_dict == {"establishment": ["Établissement inconnu pour ce service."]}
    assert not CustodyRecord.objects.exists()


def test_custody_close_checks_dates_and_an_open_record(cpip, person):
    with pytest.raises(ValidationError) as error:
        services.custody_close(gated=gate(cpip, person), release_date=date(2025, 3, 1), today=TODAY)
    assert error.value.message_dict == {"release_date": ["La personne n'a pas d'écrou en cours."]}

    prison = EstablishmentFactory(service=cpip.service)
    services.custody_open(
        gated=gate(cpip, person),
        establishment_id=prison.pk,
        committal_number="1",
        committal_date=date(2025, 2, 1),
        today=TODAY,
    )
    for release in (date(2025, 1, 31), date(2025, 6, 3)):
        with pytest.raises(ValidationError) as error:
            services.custody_close(gated=gate(cpip, person), release_date=release, today=TODAY)
        assert list(error.value.message_dict) == ["release_date"]
    assert person.custody_records.get().release_date is None


# --- assignment --------------------------------------------------------------------------


def test_cpip_assign_records_the_change(manager, cpip, member, person):
    other = member("cpip")
    services.cpip_assign(gated=gate(manager, person), cpip=other.user)
    person.refresh_from_db()
    assert person.assigned_cpip == other.user
    entry = AuditEntry.objects.get(person_id=person.pk, action="update")
    assert entry.changes == {"assigned_cpip": [cpip.user.pk, other.user.pk]}
    assert entry.actor == manager.user
    assert TimelineEvent.objects.filter(
        person=person, kind="assignment", title=f"Suivi attribué à {other.user}"
    ).exists()


@pytest.mark.parametrize("who", ["psychologist", "judge", "cpip_elsewhere", "inactive_cpip"])
def test_cpip_assign_refuses_a_non_cpip(request, manager, member, other_service, person, who):
    if who == "cpip_elsewhere":
        user = member("cpip", service=other_service).user
    elif who == "inactive_cpip":
        user = member("cpip", is_active=False).user
    else:
        user = request.getfixturevalue(who).user
    previous = person.assigned_cpip_id
    with pytest.raises(ValidationError) as error:
        services.cpip_assign(gated=gate(manager, person), cpip=user)
    assert error.value.message_dict == {"cpip": ["Cette personne n'est pas CPIP de ce service."]}
    person.refresh_from_db()
    assert person.assigned_cpip_id == previous
    assert not AuditEntry.objects.filter(person_id=person.pk, action="update").exists()


def test_cpip_unassign(manager, person):
    services.cpip_assign(gated=gate(manager, person), cpip=None)
    person.refresh_from_db()
    assert person.assigned_cpip is None
    assert TimelineEvent.objects.filter(person=person, title="Suivi non attribué").exists()
