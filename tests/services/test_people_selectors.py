"""Reads of persons: list scoping, search, filters, the dossier gate and duplicate detection."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from probatio.access.policy import Action
from probatio.audit.models import AuditEntry
from probatio.measures import services as measure_services
from probatio.people import services as people_services
from probatio.people.selectors import person_get_for, person_list_for, possible_duplicates
from tests.factories import CustodyRecordFactory, gate, make_measure, make_person

pytestmark = pytest.mark.django_db


def names(queryset):
    return [p.surname for p in queryset]


@pytest.fixture
def eloise(cpip):
    return make_person(
        cpip, surname="D'Arc-Ménard", first_names="Éloïse", sex="F", birth_date=date(1991, 7, 14)
    )


@pytest.fixture
def paul(secretariat):
    return make_person(
        secretariat, surname="Martin", first_names="Paul", birth_date=date(1980, 1, 2)
    )


# --- search ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "eloise",
        "ÉLOÏSE",
        "MENARD",
        "ménard",
        "d'arc-menard",
        "  eloise   MÉNARD ",
        "arc elo",
        "Eloïse D'Arc-Ménard",
    ],
)
def test_search_ignores_accents_case_and_punctuation(cpip, eloise, paul, query):
    assert names(person_list_for(cpip, query=query)) == ["D'Arc-Ménard"]


@pytest.mark.parametrize("query", ["eloise martin", "menardx", "jeanne"])
def test_search_requires_every_word(cpip, eloise, paul, query):
    assert names(person_list_for(cpip, query=query)) == []


def test_search_finds_birth_surname_and_aliases(cpip):
    make_person(
        cpip,
        surname="Dupont",
        birth_surname="Lefèvre",
        first_names="Anne",
        aliases="Nanou, La Brune",
    )
    assert names(person_list_for(cpip, query="lefevre")) == ["Dupont"]
    assert names(person_list_for(cpip, query="nanou")) == ["Dupont"]
    assert names(person_list_for(cpip, query="brune")) == ["Dupont"]


def test_empty_query_lists_the_whole_service_sorted(cpip, eloise, paul):
    assert names(person_list_for(cpip)) == ["D'Arc-Ménard", "Martin"]


# --- scoping -----------------------------------------------------------------------------


def test_other_services_persons_are_never_listed(cpip, member, other_service, eloise):
    colleague = member("cpip", service=other_service)
    twin = make_person(colleague, surname="D'Arc-Ménard", first_names="Éloïse")
    for role in ("cpip", "manager", "secretariat", "monitoring", "psychologist", "social_worker"):
        mine = member(role)
        listed = set(person_list_for(mine, query="eloise").values_list("pk", flat=True))
        assert listed == {eloise.pk}, role
    assert set(person_list_for(colleague).values_list("pk", flat=True)) == {twin.pk}


def test_judge_lists_only_their_own_files(cpip, judge, member, eloise, paul):
    other_judge = member("judge")
    make_measure(cpip, eloise, judge=judge.user)
    make_measure(cpip, paul, judge=other_judge.user)
    make_person(cpip, surname="Sans-Mesure")
    assert names(person_list_for(judge)) == ["D'Arc-Ménard"]
    assert names(person_list_for(other_judge)) == ["Martin"]
    assert names(person_list_for(judge, query="martin")) == []


def test_judge_file_from_any_of_several_measures_is_listed_once(cpip, judge, eloise):
    make_measure(cpip, eloise, judge=judge.user)
    make_measure(cpip, eloise, code="TIG", judge=judge.user, duration_months=12, hours=100)
    assert [p.pk for p in person_list_for(judge)] == [eloise.pk]


def test_caseload_only(cpip, member, psychologist, eloise, paul):
    colleague = member("cpip")
    theirs = make_person(colleague, surname="Bernard")
    assert names(person_list_for(cpip, caseload_only=True)) == ["D'Arc-Ménard"]
    assert names(person_list_for(colleague, caseload_only=True)) == ["Bernard"]
    # Support staff (psychologist, social worker…) have the persons they follow as caseload.
    assert names(person_list_for(psychologist, caseload_only=True)) == []
    theirs.support_staff.add(psychologist.user)
    paul.support_staff.add(psychologist.user)
    assert names(person_list_for(psychologist, caseload_only=True)) == ["Bernard", "Martin"]


def test_filter_by_cpip(manager, cpip, eloise, paul):
    assert names(person_list_for(manager, cpip_id=cpip.user_id)) == ["D'Arc-Ménard"]


# --- filters on measures and setting -----------------------------------------------------


@pytest.fixture
def with_measures(cpip, eloise, paul):
    sursis = make_measure(cpip, eloise)
    tig = make_measure(cpip, eloise, code="TIG", duration_months=18, hours=120)
    measure_services.measure_update(
        gated=gate(cpip, tig.person), measure=tig, data={"status": "revoked"}
    )
    # Entered while it ran: a 4-month DDSE from January 2025 is active on 1 February 2025.
    make_measure(cpip, paul, code="DDSE", duration_months=4, today=date(2025, 2, 1))
    return sursis, tig


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"measure_type": "SURSIS_PROBATOIRE"}, ["D'Arc-Ménard"]),
        ({"measure_type": "DDSE"}, ["Martin"]),
        ({"measure_type": "LC"}, []),
        ({"measure_status": "active"}, ["D'Arc-Ménard", "Martin"]),
        ({"measure_status": "revoked"}, ["D'Arc-Ménard"]),
        ({"measure_type": "TIG", "measure_status": "revoked"}, ["D'Arc-Ménard"]),
        # Type and status must hold for the same measure.
        ({"measure_type": "SURSIS_PROBATOIRE", "measure_status": "revoked"}, []),
        ({"measure_type": "DDSE", "measure_status": "active"}, ["Martin"]),
    ],
)
def test_filters_on_measures(cpip, with_measures, filters, expected):
    assert names(person_list_for(cpip, **filters)) == expected


def test_filter_on_setting(cpip, eloise, paul):
    CustodyRecordFactory(person=paul)
    CustodyRecordFactory(
        person=eloise, committal_date=date(2023, 1, 1), release_date=date(2024, 1, 1)
    )  # released: back in the community
    assert names(person_list_for(cpip, setting="custody")) == ["Martin"]
    assert names(person_list_for(cpip, setting="community")) == ["D'Arc-Ménard"]
    assert names(person_list_for(cpip, setting="")) == ["D'Arc-Ménard", "Martin"]


# --- the dossier gate --------------------------------------------------------------------


def test_gate_returns_the_person_with_facts(cpip, eloise):
    gated = person_get_for(cpip, eloise.pk)
    assert gated.person == eloise
    assert gated.facts.is_caseload is True
    assert gated.allows(Action.CREATE_RECORD)
    assert not gated.allows(Action.ASSIGN_CPIP)
    assert gated.can.create_record is True
    assert gated.can.assign_cpip is False


def test_gate_another_services_person_is_404(member, other_service, eloise):
    for role in ("cpip", "manager", "secretariat", "judge"):
        with pytest.raises(Http404):
            person_get_for(member(role, service=other_service), eloise.pk)


def test_gate_unknown_person_or_no_membership_is_404(cpip):
    with pytest.raises(Http404):
        person_get_for(cpip, 999999)
    with pytest.raises(Http404):
        person_get_for(None, 1)


def test_gate_judge_outside_their_files_is_404(cpip, judge, member, eloise, paul):
    make_measure(cpip, eloise, judge=judge.user)
    make_measure(cpip, paul, judge=member("judge").user)
    assert person_get_for(judge, eloise.pk).facts.is_judge_file is True
    with pytest.raises(Http404):
        person_get_for(judge, paul.pk)


def test_gate_judge_may_not_read_notes_of_their_files(cpip, judge, eloise):
    make_measure(cpip, eloise, judge=judge.user)
    with pytest.raises(PermissionDenied):
        person_get_for(judge, eloise.pk, action=Action.READ_NOTES)
    assert person_get_for(judge, eloise.pk, action=Action.READ_VICTIM).person == eloise


def test_gate_secretariat_may_not_write_notes(secretariat, eloise):
    assert person_get_for(secretariat, eloise.pk).person == eloise
    with pytest.raises(PermissionDenied):
        person_get_for(secretariat, eloise.pk, action=Action.WRITE_NOTE)


def test_gate_cpip_creates_records_only_in_their_caseload(cpip, member, eloise, paul):
    assert person_get_for(cpip, eloise.pk, action=Action.CREATE_RECORD).person == eloise
    with pytest.raises(PermissionDenied):
        person_get_for(cpip, paul.pk, action=Action.CREATE_RECORD)
    with pytest.raises(PermissionDenied):
        person_get_for(member("cpip"), eloise.pk, action=Action.CREATE_RECORD)


def test_gate_support_staff_caseload(social_worker, paul):
    with pytest.raises(PermissionDenied):
        person_get_for(social_worker, paul.pk, action=Action.EDIT_IDENTITY)
    paul.support_staff.add(social_worker.user)
    gated = person_get_for(social_worker, paul.pk, action=Action.EDIT_IDENTITY)
    assert gated.facts.is_caseload is True


def test_gate_logs_the_read_with_its_tab(cpip, eloise):
    before = AuditEntry.objects.filter(action="read").count()
    person_get_for(cpip, eloise.pk, log_read="mesures")
    entries = AuditEntry.objects.filter(action="read")
    assert entries.count() == before + 1
    entry = entries.latest("id")
    assert entry.person_id == eloise.pk
    assert entry.context == {"tab": "mesures"}
    assert (entry.actor, entry.role, entry.service_id) == (cpip.user, "cpip", cpip.service_id)
    assert entry.object_type == "people.person" and entry.object_id == eloise.pk
    assert "mesures" in entry.summary


def test_gate_does_not_log_without_log_read_nor_on_refusal(secretariat, eloise):
    before = AuditEntry.objects.count()
    person_get_for(secretariat, eloise.pk)
    with pytest.raises(PermissionDenied):
        person_get_for(secretariat, eloise.pk, action=Action.WRITE_NOTE, log_read="notes")
    assert AuditEntry.objects.count() == before


# --- duplicates --------------------------------------------------------------------------


def found(membership, exclude_pk=None, **identity):
    return [
        (d.person, d.reasons)
        for d in possible_duplicates(membership, identity, exclude_pk=exclude_pk)
    ]


def test_duplicates_ignore_accents_case_hyphens_and_word_order(cpip, eloise, paul):
    assert found(
        cpip, surname="ménard d'arc", first_names="ELOISE", birth_date=date(1991, 7, 14)
    ) == [(eloise, ["même nom d'usage", "mêmes prénoms", "même date de naissance"])]


def test_duplicates_need_the_birth_date_with_a_name(cpip, eloise):
    assert (
        found(cpip, surname="D'Arc-Ménard", first_names="Éloïse", birth_date=date(1991, 7, 15))
        == []
    )
    assert found(cpip, surname="Roux", first_names="Léa", birth_date=date(1991, 7, 14)) == []
    # The same surname and birth date, other first names: still worth a look (twins, a
    # second first name typed or not), the reasons say what agrees.
    assert found(
        cpip, surname="D'Arc-Ménard", first_names="Éloïse Marie", birth_date=date(1991, 7, 14)
    ) == [(eloise, ["même nom d'usage", "même date de naissance"])]


def test_a_new_usage_name_is_found_by_the_birth_name_phone_and_email(cpip):
    """The reported case: same birth name, first name, birth date, phone and e-mail, only a
    different usage name."""
    nadia = make_person(
        cpip,
        surname="Haddad",
        first_names="Nadia",
        sex="F",
        birth_date=date(1990, 5, 17),
        phone="06 12 34 56 78",
        email="nadia.haddad@exemple.fr",
    )
    assert found(
        cpip,
        surname="Benali",
        birth_surname="Haddad",
        first_names="Nadia",
        birth_date=date(1990, 5, 17),
        phone="0612345678",
        email="NADIA.HADDAD@exemple.fr",
    ) == [
        (
            nadia,
            [
                "son nom d'usage est le nom de naissance saisi",
                "mêmes prénoms",
                "même date de naissance",
                "même téléphone",
                "même courriel",
            ],
        )
    ]
    assert found(cpip, surname="Autre", phone="+33 6 12 34 56 78") == [(nadia, ["même téléphone"])]


def test_duplicates_exclude_the_person_itself_and_other_services(
    cpip, member, other_service, eloise
):
    identity = {
        "surname": "D'Arc-Ménard",
        "first_names": "Éloïse",
        "birth_date": date(1991, 7, 14),
        "email": "eloise@exemple.fr",
    }
    assert found(cpip, exclude_pk=eloise.pk, **identity) == []
    far = member("cpip", service=other_service)
    make_person(far, **identity)
    # Another service's identical person is never found, from either side.
    assert [p for p, _ in found(cpip, **identity)] == [eloise]
    assert found(far, **{**identity, "email": ""}) != []  # its own, not eloise
    assert eloise not in [p for p, _ in found(far, **identity)]


def test_duplicates_compare_the_whole_surname(cpip):
    """ "Martin" is not a duplicate of "Martinez" born the same day."""
    martinez = make_person(
        cpip, surname="Martinez", first_names="Jean", birth_date=date(1985, 3, 3)
    )
    assert found(cpip, surname="Martin", first_names="Paul", birth_date=date(1985, 3, 3)) == []
    assert [p for p, _ in found(cpip, surname="Martinez", birth_date=date(1985, 3, 3))] == [
        martinez
    ]


def test_the_keys_are_kept_up_to_date_by_the_identity_edit(cpip, eloise):
    people_services.person_update(
        gated=gate(cpip, eloise), data={"surname": "Roux", "email": "E.Roux@exemple.fr"}
    )
    assert found(cpip, surname="ROUX", birth_date=date(1991, 7, 14)) != []
    assert found(cpip, email="e.roux@exemple.fr") != []
    assert found(cpip, surname="D'Arc-Ménard", birth_date=date(1991, 7, 14), first_names="x") == []


def test_the_check_is_one_query_whatever_the_size_of_the_service(
    cpip, eloise, django_assert_num_queries
):
    identity = {
        "surname": "D'Arc-Ménard",
        "first_names": "Éloïse",
        "birth_date": date(1991, 7, 14),
        "phone": "0612345678",
        "email": "eloise@exemple.fr",
    }
    with django_assert_num_queries(1):
        assert len(found(cpip, **identity)) == 1
    for n in range(12):
        make_person(
            cpip,
            surname="D'Arc-Ménard",
            first_names=f"Sœur {n}",
            birth_date=date(1991, 7, 14),
            phone="06 12 34 56 78",
        )
    with django_assert_num_queries(1):
        shown = found(cpip, **identity)
    assert len(shown) == 10  # the first ten, by name
