"""Merging two files of the same person: everything moved, nothing lost, both chains verified;
the refusals write nothing; the absorbed id leads to the kept file, in its service only."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from probatio.access.policy import Action
from probatio.agenda import rules as agenda_rules
from probatio.agenda import services as agenda
from probatio.assessments.loads import facts_of, parse_measures
from probatio.assessments.models import FileLoad
from probatio.audit.models import AuditEntry
from probatio.audit.services import verify_chain
from probatio.measures.models import Measure
from probatio.merges import rules, services
from probatio.merges.models import Merge
from probatio.messaging.models import Message
from probatio.notes import services as notes
from probatio.notes.models import NoteDraft
from probatio.people import services as people
from probatio.people.models import (
    Address,
    AwaitingReason,
    CustodyRecord,
    MergedFile,
    Person,
    TimelineEvent,
)
from probatio.people.selectors import FileMerged, person_get_for
from tests.factories import (
    EstablishmentFactory,
    SiteFactory,
    gate,
    make_measure,
    make_person,
)

pytestmark = pytest.mark.django_db

TODAY = date(2025, 10, 20)
NOW = datetime(2025, 10, 20, 9, 0, tzinfo=UTC)


def merge(manager, kept, absorbed, **choices):
    return services.merge_files(
        gated=person_get_for(manager, kept.pk, action=Action.MERGE_FILES),
        absorbed=person_get_for(manager, absorbed.pk, action=Action.MERGE_FILES),
        choices=choices,
        today=TODAY,
    )


def counts(person_id: int) -> dict[str, int]:
    """Rows pointing to the person, per relation."""
    return {
        name: rel.related_model._base_manager.filter(**{f"{rel.field.name}_id": person_id}).count()
        for name, rel in services.person_relations().items()
    }


def written():
    return (
        AuditEntry.objects.exclude(action="read").count(),
        TimelineEvent.objects.count(),
        Person.objects.count(),
        MergedFile.objects.count(),
        Merge.objects.count(),
    )


# --- Every relation has a declared way of moving ---------------------------------------------


def test_every_relation_to_a_person_is_declared():
    """A table added later with a foreign key to Person must say how a merge moves it (in
    ``merges.services.HOW``), or this fails: it could otherwise be deleted with the absorbed
    person. Hidden relations (drafts, the support staff's table) count too."""
    found = set(services.person_relations())
    assert {
        f"{rel.related_model._meta.label}.{rel.field.name}"
        for rel in Person._meta.related_objects
        if not rel.many_to_many
    } <= found
    assert "notes.NoteDraft.person" in found  # hidden (related_name="+"), still moved
    assert "people.Person_support_staff.person" in found
    assert sorted(found - set(services.HOW)) == [], "relations to a person not declared"
    assert sorted(set(services.HOW) - found) == [], "declared relations that no longer exist"


def test_an_undeclared_relation_stops_the_merge(manager, secretariat, monkeypatch):
    kept, absorbed = make_person(secretariat), make_person(secretariat)
    monkeypatch.delitem(services.HOW, "measures.Measure.person")
    before = written()
    with pytest.raises(RuntimeError, match="measures.Measure.person"):
        merge(manager, kept, absorbed)
    assert written() == before


# --- A full merge ----------------------------------------------------------------------------


@pytest.fixture
def pair(cpip, secretariat, member, manager):
    """The same person twice: opened by the secretariat with a typo and no CPIP, and followed
    by a CPIP; each with history."""
    psychologist = member("psychologist", user__username="psy.merge")
    social = member("social_worker", user__username="ass.merge")
    identity = {"birth_date": date(1990, 5, 17), "sex": "F", "first_names": "Nadia"}
    kept = make_person(
        cpip,
        surname="Haddad",
        phone="06 48 27 15 93",
        sms_consent=True,
        address={
            "line1": "1 rue A",
            "postcode": "59100",
            "city": "Roubaix",
            "valid_from": date(2024, 1, 1),
        },
        **identity,
    )
    absorbed = make_person(
        secretariat,
        surname="Hadad",
        birth_surname="Benali",
        email="nadia@example.org",
        address={
            "line1": "2 rue B",
            "postcode": "59000",
            "city": "Lille",
            "valid_from": date(2025, 3, 1),
        },
        **identity,
    )
    # Court numbers: one on both files, one of each.
    people.court_number_add(gated=gate(cpip, kept), kind="parquet", number="25/123")
    people.court_number_add(gated=gate(cpip, absorbed), kind="parquet", number="25/123")
    people.court_number_add(gated=gate(cpip, absorbed), kind="jap", number="J-9")
    # Measures, notes, situation, a closed committal on the absorbed file.
    make_measure(cpip, kept, today=TODAY)
    make_measure(secretariat, absorbed, today=TODAY)
    notes.note_create(
        gated=gate(cpip, absorbed),
        data={"interview_date": TODAY, "subject": "Entretien", "body": "Texte"},
        today=TODAY,
    )
    people.situation_record(
        gated=gate(cpip, absorbed),
        domain="housing",
        status="own_home",
        details="",
        effective_date=TODAY,
        today=TODAY,
    )
    establishment = EstablishmentFactory(service_id=cpip.service_id)
    people.custody_open(
        gated=gate(cpip, absorbed),
        establishment_id=establishment.pk,
        committal_number="A1",
        committal_date=date(2024, 1, 1),
        today=TODAY,
    )
    people.custody_close(gated=gate(cpip, absorbed), release_date=date(2024, 6, 1), today=TODAY)
    # Support staff: one on both, one on each.
    people.support_staff_set(gated=gate(manager, kept), users=[psychologist.user])
    people.support_staff_set(gated=gate(manager, absorbed), users=[psychologist.user, social.user])
    # Drafts of the person's own note form, by the same author on both files, and another.
    notes.draft_save(gated=gate(cpip, kept), data={"subject": "Suivi", "body": "Début A"})
    notes.draft_save(gated=gate(cpip, absorbed), data={"subject": "", "body": "Début B"})
    notes.draft_save(gated=gate(psychologist, absorbed), data={"body": "Psy"})
    # An appointment with its reminders (pending), on the absorbed file.
    site = SiteFactory(service_id=cpip.service_id)
    start = agenda_rules.at_paris(date(2025, 10, 27), time(9))
    people.person_update(
        gated=gate(cpip, absorbed), data={"phone": "06 11 22 33 44", "sms_consent": True}
    )
    agenda.appointment_book(
        gated=gate(cpip, absorbed),
        data={
            "kind": "follow_up",
            "place_kind": "site",
            "site": site,
            "starts_at": start,
            "ends_at": start + timedelta(minutes=45),
        },
        staff=[cpip.user],
        now=NOW,
    )
    return kept, absorbed


def test_a_merge_moves_everything_and_loses_nothing(pair, manager, cpip):
    kept, absorbed = pair
    on_kept, on_absorbed = counts(kept.pk), counts(absorbed.pk)
    assert on_absorbed["compliance.Proof.person"] == 0  # (no proof here: a plain move)
    assert on_absorbed["messaging.Message.person"] >= 1
    kept_id, absorbed_id = kept.pk, absorbed.pk

    result = merge(manager, kept, absorbed)

    after = counts(kept_id)
    # What is one on both files is kept once: the same court number, the same professional,
    # the drafts of the same author at the same place (texts put together).
    once = {
        "people.CourtFileNumber.person": 1,
        "people.Person_support_staff.person": 1,
        "notes.NoteDraft.person": 1,
        "deadlines.DueItemsState.person": 1,  # the kept file's, stale: computed again
        "assessments.FileLoad.person": 1,  # the kept file's weight, rewritten
    }
    for name in on_kept:
        if name in ("people.TimelineEvent.person", "people.MergedFile.kept", "merges.Merge.kept"):
            continue  # the merge adds its own lines (below)
        assert after[name] == on_kept[name] + on_absorbed[name] - once.get(name, 0), name
    assert after["people.MergedFile.kept"] == 1
    assert after["merges.Merge.kept"] == 1
    # The kept file weighs what it now holds: both files' open measures.
    stored = FileLoad.objects.get(person_id=kept_id)
    (expected,) = facts_of([kept_id])
    assert (stored.in_custody, stored.measures, stored.level) == (
        expected.in_custody,
        expected.measures,
        expected.level,
    )
    assert (
        sum(n for _, n in parse_measures(stored.measures))
        == Measure.objects.filter(person_id=kept_id, status__in=Measure.OPEN_STATUSES).count()
    )
    assert (
        after["people.TimelineEvent.person"]
        > on_kept["people.TimelineEvent.person"] + (on_absorbed["people.TimelineEvent.person"])
    )
    assert set(counts(absorbed_id).values()) == {0}
    assert not Person.objects.filter(pk=absorbed_id).exists()
    assert MergedFile.objects.get(absorbed_id=absorbed_id).kept_id == kept_id
    assert result.moved["measures.measure"] == 1
    assert result.absorbed_identity["surname"] == "Hadad"
    assert result.merged_by == manager.user


def test_the_merge_is_journaled_in_both_files_and_both_chains_verify(pair, manager):
    kept, absorbed = pair
    kept_id, absorbed_id = kept.pk, absorbed.pk
    merge(manager, kept, absorbed)
    line = TimelineEvent.objects.get(person_id=kept_id, title__startswith="Dossier n°")
    assert line.title == f"Dossier n° {absorbed_id} fusionné dans ce dossier"
    assert "HADAD" in line.detail
    on_kept = AuditEntry.objects.get(person_id=kept_id, object_type="merges.merge")
    on_absorbed = AuditEntry.objects.get(
        person_id=absorbed_id, object_type="people.person", action="delete"
    )
    assert on_kept.summary == f"Fusion : dossier n° {absorbed_id} fusionné dans ce dossier"
    assert on_absorbed.summary == f"Fusion : dossier fusionné dans le dossier n° {kept_id}"
    assert on_absorbed.context["merged_into"] == kept_id
    assert on_kept.chain == on_absorbed.chain == f"service:{manager.service_id}"
    # The absorbed file's earlier entries are history: they keep its id.
    assert AuditEntry.objects.filter(person_id=absorbed_id, action="create").exists()
    count, problems = verify_chain(on_kept.chain)
    assert count > 0 and problems == []
    assert verify_chain("platform")[1] == []


def test_the_identity_cpip_and_address_chosen_are_kept(pair, manager, cpip):
    kept, absorbed = pair
    kept_id = kept.pk
    merge(
        manager,
        kept,
        absorbed,
        surname=rules.KEPT,
        birth_surname=rules.ABSORBED,
        email=rules.ABSORBED,
        phone=rules.KEPT,
        address=rules.ABSORBED,
        assigned_cpip=rules.KEPT,
    )
    person = Person.objects.get(pk=kept_id)
    assert (person.surname, person.birth_surname, person.email) == (
        "Haddad",
        "Benali",
        "nadia@example.org",
    )
    assert person.phone == "+33648271593" and person.sms_consent
    assert person.assigned_cpip == cpip.user
    # The found keys follow the new identity (the duplicate check finds the birth name).
    assert person.birth_surname_key == "benali" and "benali" in person.search_text
    current = Address.objects.get(person_id=kept_id, valid_to__isnull=True)
    assert current.city == "Lille"
    closed = Address.objects.get(person_id=kept_id, city="Roubaix")
    assert closed.valid_to == TODAY - timedelta(days=1)
    # Reminders still to send go to the phone the merged file keeps.
    pending = Message.objects.filter(person_id=kept_id, status="pending", channel="sms")
    assert pending and {m.recipient for m in pending} == {"+33648271593"}
    # The note drafts of the same author and place are one, with both texts.
    draft = NoteDraft.objects.get(person_id=kept_id, author=cpip.user, place_kind="note")
    assert draft.place_id == str(kept_id)
    assert draft.subject == "Suivi" and "Début A" in draft.body and "Début B" in draft.body
    assert NoteDraft.objects.get(person_id=kept_id, place_kind="note", body="Psy").place_id == str(
        kept_id
    )


def test_a_file_without_cpip_after_the_merge_waits_for_a_merge(pair, manager):
    kept, absorbed = pair
    kept_id = kept.pk
    merge(manager, kept, absorbed, assigned_cpip=rules.ABSORBED)  # the secretariat's: none
    person = Person.objects.get(pk=kept_id)
    assert person.assigned_cpip is None
    assert person.awaiting_reason == AwaitingReason.MERGE and person.awaiting_since


def test_a_chain_of_merges_leads_to_the_last_file(manager, secretariat):
    a, b, c = (make_person(secretariat) for _ in range(3))
    a_id, b_id = a.pk, b.pk
    merge(manager, b, a)
    merge(manager, c, Person.objects.get(pk=b_id))
    assert MergedFile.objects.get(absorbed_id=a_id).kept_id == c.pk
    assert MergedFile.objects.get(absorbed_id=b_id).kept_id == c.pk
    assert Merge.objects.filter(kept=c).count() == 2
    with pytest.raises(FileMerged) as redirected:
        person_get_for(manager, a_id)
    assert redirected.value.kept_id == c.pk


# --- The gate's redirection ------------------------------------------------------------------


def test_the_absorbed_id_leads_to_the_kept_file_in_its_service_only(
    manager, secretariat, member, other_service
):
    kept, absorbed = make_person(secretariat), make_person(secretariat)
    absorbed_id = absorbed.pk
    merge(manager, kept, absorbed)
    with pytest.raises(FileMerged) as redirected:
        person_get_for(secretariat, absorbed_id)
    assert (redirected.value.absorbed_id, redirected.value.kept_id) == (absorbed_id, kept.pk)
    stranger = member("manager", service=other_service, user__username="dpip.ailleurs")
    with pytest.raises(Http404) as refused:
        person_get_for(stranger, absorbed_id)
    assert not isinstance(refused.value, FileMerged)


# --- Refusals: a French message, nothing written ----------------------------------------------


def test_a_file_cannot_be_merged_with_itself(manager, secretariat):
    person = make_person(secretariat)
    before = written()
    with pytest.raises(ValidationError) as refused:
        merge(manager, person, person)
    assert "ne peut pas être fusionné avec lui-même" in str(refused.value)
    assert written() == before


def test_two_open_committals_are_refused(manager, cpip, secretariat):
    kept, absorbed = make_person(secretariat), make_person(secretariat)
    for number, person in (("E1", kept), ("E2", absorbed)):
        people.custody_open(
            gated=gate(cpip, person),
            establishment_id=EstablishmentFactory(service_id=cpip.service_id).pk,
            committal_number=number,
            committal_date=date(2025, 1, 1),
            today=TODAY,
        )
    before = written()
    with pytest.raises(ValidationError) as refused:
        merge(manager, kept, absorbed)
    message = " ".join(refused.value.messages)
    assert "Les deux dossiers ont un écrou en cours" in message and "E1" in message
    assert "Rien n'a été modifié" in message
    assert written() == before
    assert CustodyRecord.objects.filter(person=absorbed).count() == 1


def test_one_open_committal_moves_with_its_file(manager, cpip, secretariat):
    kept, absorbed = make_person(secretariat), make_person(secretariat)
    people.custody_open(
        gated=gate(cpip, absorbed),
        establishment_id=EstablishmentFactory(service_id=cpip.service_id).pk,
        committal_number="E3",
        committal_date=date(2025, 1, 1),
        today=TODAY,
    )
    kept_id = kept.pk
    merge(manager, kept, absorbed)
    assert CustodyRecord.objects.get(committal_number="E3").person_id == kept_id


def test_a_bad_identity_choice_stores_nothing(manager, secretariat):
    """Consent to SMS without a mobile: the identity service's own check, keyed by the page's
    group, and the whole merge undone."""
    kept = make_person(secretariat, phone="06 48 27 15 93", sms_consent=True)
    absorbed = make_person(secretariat, phone="01 44 55 66 77")
    before = written()
    with pytest.raises(ValidationError) as refused:
        services.merge_files(
            gated=person_get_for(manager, kept.pk, action=Action.MERGE_FILES),
            absorbed=person_get_for(manager, absorbed.pk, action=Action.MERGE_FILES),
            choices={"phone": "nowhere"},
            today=TODAY,
        )
    assert "phone" in refused.value.message_dict
    assert written() == before


@pytest.mark.parametrize(
    "role", ["cpip", "secretariat", "psychologist", "social_worker", "monitoring"]
)
def test_a_role_without_merge_files_is_refused(role, member, secretariat):
    kept, absorbed = make_person(secretariat), make_person(secretariat)
    membership = member(role, user__username=f"{role}.merge")
    before = written()
    with pytest.raises(PermissionDenied):
        services.merge_files(
            gated=person_get_for(membership, kept.pk),
            absorbed=person_get_for(membership, absorbed.pk),
            choices={},
            today=TODAY,
        )
    assert written() == before


def test_a_raw_person_or_another_actors_file_is_refused(manager, member, secretariat):
    kept, absorbed = make_person(secretariat), make_person(secretariat)
    other_manager = member("manager", user__username="dpip.autre")
    with pytest.raises(PermissionDenied):
        services.merge_files(
            gated=person_get_for(manager, kept.pk, action=Action.MERGE_FILES),
            absorbed=absorbed,
            choices={},
        )
    with pytest.raises(PermissionDenied):
        services.merge_files(
            gated=person_get_for(manager, kept.pk, action=Action.MERGE_FILES),
            absorbed=person_get_for(other_manager, absorbed.pk, action=Action.MERGE_FILES),
            choices={},
        )
    assert Person.objects.filter(pk=absorbed.pk).exists()


def test_another_services_file_never_reaches_the_merge(manager, other_person):
    with pytest.raises(Http404):
        person_get_for(manager, other_person.pk, action=Action.MERGE_FILES)


def test_a_file_already_merged_is_not_merged_twice(manager, secretariat):
    kept, absorbed = make_person(secretariat), make_person(secretariat)
    gated = person_get_for(manager, kept.pk, action=Action.MERGE_FILES)
    stale = person_get_for(manager, absorbed.pk, action=Action.MERGE_FILES)
    services.merge_files(gated=gated, absorbed=stale, choices={}, today=TODAY)
    before = written()
    with pytest.raises(ValidationError) as refused:
        services.merge_files(
            gated=person_get_for(manager, kept.pk, action=Action.MERGE_FILES),
            absorbed=stale,
            choices={},
            today=TODAY,
        )
    assert "n'existe plus" in " ".join(refused.value.messages)
    assert written() == before


def test_a_pending_transfer_is_refused(manager, secretariat, other_service):
    from probatio.transfers.models import Transfer

    kept, absorbed = make_person(secretariat), make_person(secretariat)
    Transfer.objects.create(
        person=absorbed,
        from_service_id=manager.service_id,
        to_service=other_service,
        reason="residence",
        proposed_by=manager.user,
        proposed_at=NOW,
    )
    before = written()
    with pytest.raises(ValidationError) as refused:
        merge(manager, kept, absorbed)
    assert "transfert" in " ".join(refused.value.messages)
    assert written() == before


# --- Rules -------------------------------------------------------------------------------------


def test_the_groups_cover_the_identity_exactly_once():
    fields = [f for g in rules.IDENTITY_GROUPS for f in g.fields]
    assert sorted(fields) == sorted(people.IDENTITY_FIELDS)


def test_a_choice_left_out_keeps_the_kept_files_value():
    kept = {f: f"k-{f}" for f in people.IDENTITY_FIELDS}
    absorbed = {f: f"a-{f}" for f in people.IDENTITY_FIELDS}
    chosen = rules.chosen_identity(kept, absorbed, {"phone": rules.ABSORBED})
    assert chosen["phone"] == "a-phone" and chosen["sms_consent"] == "a-sms_consent"
    assert chosen["surname"] == "k-surname"
    with pytest.raises(ValueError):
        rules.complete({"surname": "other"})


# --- The demo's pair -------------------------------------------------------------------------


def test_the_demo_pair_is_found_and_merged(cpip, secretariat, manager):
    from probatio.access.roles import Role
    from probatio.demo.merges import build_duplicate_pair, duplicate_pair
    from probatio.merges import selectors

    build_duplicate_pair(
        service=manager.service,
        staff={Role.SECRETARIAT: [secretariat], Role.CPIP: [cpip], Role.MANAGER: [manager]},
        rng=None,
        fake=None,
        today=TODAY,
    )
    followed, entered = duplicate_pair(manager.service)
    assert followed.assigned_cpip == cpip.user and entered.assigned_cpip is None
    duplicates, _ = selectors.candidates(manager, followed, "")
    assert [d.person for d in duplicates] == [entered]
    entered_id = entered.pk
    result = merge(manager, followed, entered, email=rules.ABSORBED, address=rules.ABSORBED)
    assert result.moved["measures.measure"] == 1 and result.moved["people.courtfilenumber"] == 1
    person = Person.objects.get(pk=followed.pk)
    assert person.email == "julien.lefevre@exemple.fr" and person.assigned_cpip == cpip.user
    assert person.measures.count() == 2 and person.notes.count() == 1
    assert MergedFile.objects.get(absorbed_id=entered_id).kept == person
    assert duplicate_pair(manager.service) == [person]
