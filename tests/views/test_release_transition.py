"""The release from prison to the community: the levée d'écrou, the community CPIP and the
release appointment in one transaction, every record of the file kept on the same person (no
copy), any refused part storing nothing at all; the release plan following the referrals of
its pathways; releases within a month without housing flagged to managers (the service
view)."""

import html as htmllib
import re
from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.agenda import rules as agenda_rules
from probatio.agenda import services as agenda_services
from probatio.agenda.models import Appointment
from probatio.agenda.services import NeedsConfirmation
from probatio.audit.models import AuditEntry
from probatio.core.deadlines import Query, collect
from probatio.measures.models import Decision
from probatio.notes import services as note_services
from probatio.notes.models import InterviewNote
from probatio.people.models import CustodyRecord, Person, TimelineEvent
from probatio.people.selectors import person_get_for
from probatio.reintegration import release, support
from probatio.reintegration import services as reintegration_services
from probatio.reintegration.models import (
    ArrivalInterview,
    DestitutionAid,
    DestitutionAssessment,
    FamilyContact,
    FamilyStep,
    Need,
    NeedChange,
    Partner,
    PartnerReferral,
    ReferralStep,
    ReleasePlan,
    ReleasePlanItem,
)
from probatio.sentences import rules as sentence_rules
from probatio.sentences import services as sentence_services
from probatio.sentences.models import OfficialDate, PenalSituation, Sentence
from probatio.transitions import services as transition_services
from tests.factories import EstablishmentFactory, SiteFactory, gate, make_person, make_prisoner
from tests.views.helpers import field_error, html, text_of

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)  # a Friday
TODAY = date(2026, 3, 20)
RELEASE_DAY = date(2026, 3, 24)  # the Tuesday after


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return agenda_rules.at_paris(day, time(hour, minute))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def establishment(service):
    return EstablishmentFactory(service=service, name="Maison d'arrêt d'Amiens")


@pytest.fixture
def site(service):
    return SiteFactory(service=service, name="Antenne d'Amiens")


@pytest.fixture
def leaving(cpip, establishment):
    """Worked example B (18 months from 2025-01-10): LSC de plein droit on 10/04/2026, 21
    days ahead; followed by ``cpip`` in prison."""
    return make_prisoner(
        cpip, establishment=establishment, sentences=({"months": 18},), surname="Sortant"
    )


def partner_of(service, author, name="Foyer Le Relais", pathways=("housing",)):
    return Partner.objects.create(
        service=service,
        name=name,
        kind="emergency_housing",
        pathways=list(pathways),
        postcode="80000",
        is_active=True,
        created_by=author.user,
    )


def need_of(author, person, pathway="housing"):
    return reintegration_services.need_create(
        gated=gate(author, person),
        data={"pathway": pathway, "details": "Sans solution.", "identified_on": date(2026, 2, 2)},
        today=TODAY,
    )


def referral_of(author, person, partner, need=None, *, status="sent", on=date(2026, 3, 2)):
    return reintegration_services.referral_create(
        gated=gate(author, person),
        data={
            "partner": partner.pk,
            "need": need.pk if need else None,
            "referred_on": on,
            "purpose": "Demande de place.",
            "status": status,
        },
        today=TODAY,
    )


def move(author, person, referral, status, on=TODAY):
    return reintegration_services.referral_move(
        gated=gate(author, person), referral=referral, status=status, on=on, today=TODAY
    )


@pytest.fixture
def full_file(cpip, service, leaving):
    """Everything a file gathers in prison: needs and referrals, the release plan, the arrival
    interview, destitution and aids, family ties, a note."""
    release.plan_create(gated=gate(cpip, leaving), today=TODAY)
    shelter = partner_of(service, cpip)
    housing = need_of(cpip, leaving)
    referral = referral_of(cpip, leaving, shelter, housing)
    move(cpip, leaving, referral, "accepted", on=date(2026, 3, 10))
    need_of(cpip, leaving, "employment")
    support.arrival_interview_record(
        gated=gate(cpip, leaving),
        data={
            "held_on": date(2025, 1, 13),
            "destitution": "at_risk",
            "literacy": "no_difficulty",
            "addiction": "none",
            "family_ties": "weakened",
            "identity_documents": "valid",
        },
        today=TODAY,
    )
    support.destitution_assess(
        gated=gate(cpip, leaving),
        data={"assessed_on": date(2025, 2, 1), "is_destitute": True},
        today=TODAY,
    )
    support.aid_grant(
        gated=gate(cpip, leaving),
        data={"kind": "cash", "amount": 20, "granted_on": date(2025, 2, 3)},
        today=TODAY,
    )
    contact = support.family_contact_save(
        gated=gate(cpip, leaving),
        data={"name": "Léa Martin", "relationship": "child", "visits": "in_place"},
    )
    support.family_step_record(
        gated=gate(cpip, leaving),
        data={"kind": "visit_permit_granted", "contact": contact, "on": date(2025, 3, 1)},
        today=TODAY,
    )
    note_services.note_create(
        gated=gate(cpip, leaving),
        data={
            "interview_date": date(2026, 3, 12),
            "subject": "Préparation à la sortie",
            "body": "Point sur l'hébergement.",
            "confidential": False,
            "restricted_to": "",
        },
    )
    return leaving


RECORDS = {
    "custody": lambda p: CustodyRecord.objects.filter(person=p),
    "penal situation": lambda p: PenalSituation.objects.filter(custody__person=p),
    "sentences": lambda p: Sentence.objects.filter(situation__custody__person=p),
    "decisions": lambda p: Decision.objects.filter(person=p),
    "needs": lambda p: Need.objects.filter(person=p),
    "need changes": lambda p: NeedChange.objects.filter(need__person=p),
    "referrals": lambda p: PartnerReferral.objects.filter(person=p),
    "referral steps": lambda p: ReferralStep.objects.filter(referral__person=p),
    "plan": lambda p: ReleasePlan.objects.filter(person=p),
    "plan items": lambda p: ReleasePlanItem.objects.filter(plan__person=p),
    "interview": lambda p: ArrivalInterview.objects.filter(person=p),
    "assessments": lambda p: DestitutionAssessment.objects.filter(person=p),
    "aids": lambda p: DestitutionAid.objects.filter(person=p),
    "contacts": lambda p: FamilyContact.objects.filter(person=p),
    "steps": lambda p: FamilyStep.objects.filter(person=p),
    "notes": lambda p: InterviewNote.objects.filter(person=p),
}
MODELS = {
    "custody": CustodyRecord,
    "penal situation": PenalSituation,
    "sentences": Sentence,
    "decisions": Decision,
    "needs": Need,
    "need changes": NeedChange,
    "referrals": PartnerReferral,
    "referral steps": ReferralStep,
    "plan": ReleasePlan,
    "plan items": ReleasePlanItem,
    "interview": ArrivalInterview,
    "assessments": DestitutionAssessment,
    "aids": DestitutionAid,
    "contacts": FamilyContact,
    "steps": FamilyStep,
    "notes": InterviewNote,
}


def records_of(person) -> dict[str, list[int]]:
    """The primary keys of every record of the file, by kind."""
    return {
        name: sorted(rows(person).values_list("pk", flat=True)) for name, rows in RECORDS.items()
    }


def totals() -> dict[str, int]:
    return {
        "persons": Person.objects.count(),
        **{name: model.objects.count() for name, model in MODELS.items()},
    }


def appointment(site, day=RELEASE_DAY, start=(10, 0), end=(10, 45)):
    return {"site": site, "starts_at": at(day, *start), "ends_at": at(day, *end)}


def release_of(manager, person, cpip_user, site, *, release_date=TODAY, confirmed=False,
               kind="end_of_sentence", **slot):  # fmt: skip
    """The release transition (``transitions.services.release_record``), at the end of the
    sentence unless said otherwise."""
    return transition_services.release_record(
        membership=manager,
        gated=person_get_for(manager, person.pk),
        data=transition_services.ReleaseData(
            kind=kind,
            release_date=release_date,
            cpip=cpip_user,
            appointment=appointment(site, **slot),
            confirmed=confirmed,
        ),
        today=TODAY,
    )


# --- The release, through the service -------------------------------------------------------------


def test_the_release_closes_the_custody_assigns_and_books(manager, cpip2, leaving, site):
    release.plan_create(gated=gate(manager, leaving), today=TODAY)
    custody = release_of(manager, leaving, cpip2.user, site)
    custody.refresh_from_db()
    assert custody.release_date == TODAY
    person = Person.objects.get(pk=leaving.pk)
    assert person.assigned_cpip == cpip2.user
    booked = Appointment.objects.get(person=person)
    assert booked.kind == Appointment.Kind.FIRST
    assert booked.place_kind == Appointment.PlaceKind.SITE and booked.site == site
    assert booked.starts_at == at(RELEASE_DAY, 10) and booked.ends_at == at(RELEASE_DAY, 10, 45)
    assert list(booked.staff.all()) == [cpip2.user]
    assert booked.status == Appointment.Status.PLANNED
    item = ReleasePlanItem.objects.get(plan__person=person, code="community_appointment")
    assert item.status == "done"
    assert item.comment == "Rendez-vous le 24/03/2026 à 10:00 avec Noé Autre."
    titles = list(TimelineEvent.objects.filter(person=person).values_list("title", flat=True))
    assert "Levée d'écrou (Maison d'arrêt d'Amiens)" in titles
    assert "Suivi attribué à Noé Autre" in titles
    line = TimelineEvent.objects.get(
        person=person,
        title="Sortie de détention — fin de peine (levée d'écrou) : suivi en milieu ouvert",
    )
    assert line.detail == "CPIP : Noé Autre ; premier rendez-vous le 24/03/2026 à 10:00"
    assert line.kind == "custody" and line.actor == manager.user
    assert AuditEntry.objects.filter(
        object_type="people.custodyrecord", object_id=custody.pk, action="update"
    ).exists()
    assert AuditEntry.objects.filter(
        object_type="people.person", object_id=person.pk, summary="Attribution du suivi"
    ).exists()
    assert AuditEntry.objects.filter(
        object_type="reintegration.releaseplanitem", object_id=item.pk, action="update"
    ).exists()


def test_a_release_without_a_plan_needs_none(manager, cpip2, leaving, site):
    release_of(manager, leaving, cpip2.user, site)
    assert not ReleasePlan.objects.exists()
    assert CustodyRecord.objects.get(person=leaving).release_date == TODAY
    assert Appointment.objects.filter(person=leaving).count() == 1


def test_every_record_is_kept_on_the_same_person(manager, cpip2, full_file, site):
    before_records = records_of(full_file)
    before_totals = totals()
    assert all(before_records.values()), before_records  # one of each at least
    release_of(manager, full_file, cpip2.user, site)
    assert records_of(full_file) == before_records
    assert totals() == before_totals
    person = Person.objects.get(pk=full_file.pk)
    assert person.custody_records.get().release_date == TODAY
    # Still the same rows, with what they held.
    assert ArrivalInterview.objects.get(person=person).custody.release_date == TODAY
    assert set(Need.objects.filter(person=person).values_list("pathway", flat=True)) == {
        "housing",
        "employment",
        "finances",
        "family",
    }
    referral = PartnerReferral.objects.get(person=person)
    assert (referral.status, referral.partner.name) == ("accepted", "Foyer Le Relais")
    plan = ReleasePlan.objects.get(person=person)
    assert plan.custody.release_date == TODAY
    assert plan.items.get(code="housing").status == "in_progress"
    assert FamilyContact.objects.get(person=person).name == "Léa Martin"
    assert Sentence.objects.get(situation__custody__person=person).months == 18


def test_after_release_the_prison_deadlines_stop(manager, cpip, cpip2, full_file, site, service):
    query = Query(
        persons=Person.objects.filter(service=service),
        today=TODAY,
        until=date(2026, 12, 31),
        service_id=service.pk,
    )
    assert collect(query, ["release_plan"]) != []
    release_of(manager, full_file, cpip2.user, site)
    assert collect(query, ["release_plan", "arrival_interview"]) == []
    assert release.housing_alerts(Person.objects.filter(service=service), today=TODAY) == []


def assert_nothing_stored(person, cpip, before_totals, before_timeline, before_audit):
    stored = Person.objects.get(pk=person.pk)
    assert stored.custody_records.get().release_date is None
    assert stored.assigned_cpip_id == cpip.user_id
    assert not Appointment.objects.filter(person=stored).exists()
    assert totals() == before_totals
    assert TimelineEvent.objects.count() == before_timeline
    assert AuditEntry.objects.exclude(action__in=["read", "list", "denied"]).count() == before_audit
    item = ReleasePlanItem.objects.filter(plan__person=stored, code="community_appointment")
    assert [i.status for i in item] in ([], ["to_do"])


@pytest.fixture
def watch():
    """Takes a snapshot of what is stored, to check later that nothing moved."""

    def snapshot():
        return (
            totals(),
            TimelineEvent.objects.count(),
            AuditEntry.objects.exclude(action__in=["read", "list", "denied"]).count(),
        )

    return snapshot


@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        (
            "past appointment",
            "starts_at",
            "Un rendez-vous planifié ne peut pas être dans le passé : choisissez une date à venir.",
        ),
        ("foreign cpip", "cpip", "Cette personne n'est pas CPIP de ce service."),
        ("not a cpip", "cpip", "Cette personne n'est pas CPIP de ce service."),
        ("no cpip", "cpip", "Choisissez le ou la CPIP qui suivra la personne en milieu ouvert."),
        (
            "before committal",
            "release_date",
            "La levée d'écrou ne peut pas précéder l'écrou du 10/01/2025.",
        ),
        ("future release", "release_date", "La date de levée d'écrou ne peut pas être future."),
        ("foreign site", "site", "Cette antenne n'appartient pas à votre service."),
    ],
)
def test_a_refused_part_stores_nothing_at_all(
    case, field, message, manager, cpip, cpip2, secretariat, foreign_cpip, other_service, full_file,
    site, watch,
):  # fmt: skip
    kwargs = {"cpip_user": cpip2.user, "site": site, "release_date": TODAY}
    slot = {}
    if case == "past appointment":
        slot = {"day": date(2026, 3, 19)}
    elif case == "foreign cpip":
        kwargs["cpip_user"] = foreign_cpip.user
    elif case == "not a cpip":
        kwargs["cpip_user"] = secretariat.user
    elif case == "no cpip":
        kwargs["cpip_user"] = None
    elif case == "before committal":
        kwargs["release_date"] = date(2025, 1, 9)
    elif case == "future release":
        kwargs["release_date"] = date(2026, 3, 21)
    elif case == "foreign site":
        kwargs["site"] = SiteFactory(service=other_service, name="Antenne d'ailleurs")
    records = records_of(full_file)
    before = watch()
    with pytest.raises(ValidationError) as refused:
        release_of(
            manager,
            full_file,
            kwargs["cpip_user"],
            kwargs["site"],
            release_date=kwargs["release_date"],
            **slot,
        )
    assert refused.value.message_dict == {field: [message]}
    assert_nothing_stored(full_file, cpip, *before)
    assert records_of(full_file) == records


def test_warnings_wait_for_a_confirmation_and_store_nothing_before(
    manager, cpip, cpip2, full_file, site, watch
):
    before = watch()
    with pytest.raises(NeedsConfirmation) as warned:
        release_of(manager, full_file, cpip2.user, site, start=(18, 0), end=(18, 30))
    assert warned.value.warnings == [
        "Le rendez-vous est en dehors des horaires d'ouverture de « Antenne d'Amiens »."
    ]
    assert_nothing_stored(full_file, cpip, *before)
    release_of(manager, full_file, cpip2.user, site, start=(18, 0), end=(18, 30), confirmed=True)
    booked = Appointment.objects.get(person=full_file)
    assert booked.starts_at == at(RELEASE_DAY, 18)
    assert CustodyRecord.objects.get(person=full_file).release_date == TODAY


def test_a_double_booking_of_the_community_cpip_is_a_warning(
    manager, cpip, cpip2, full_file, site, watch
):
    other = make_person(cpip2, surname="Occupé")
    agenda_services.appointment_book(
        gated=gate(cpip2, other),
        data={
            "kind": "follow_up",
            "place_kind": "site",
            "site": site,
            "starts_at": at(RELEASE_DAY, 10),
            "ends_at": at(RELEASE_DAY, 11),
        },
        staff=[cpip2.user],
    )
    before = watch()
    with pytest.raises(NeedsConfirmation) as warned:
        release_of(manager, full_file, cpip2.user, site)
    assert len(warned.value.warnings) == 1
    assert warned.value.warnings[0].startswith("Noé Autre a déjà un rendez-vous")
    assert_nothing_stored(full_file, cpip, *before)


def test_a_person_not_in_prison_cannot_be_released(manager, cpip, cpip2, person, site):
    with pytest.raises(ValidationError) as refused:
        release_of(manager, person, cpip2.user, site)
    assert refused.value.message_dict == {"release_date": ["La personne n'a pas d'écrou en cours."]}
    assert not Appointment.objects.filter(person=person).exists()
    assert Person.objects.get(pk=person.pk).assigned_cpip_id == cpip.user_id


# --- The plan follows the referrals -----------------------------------------------------------------


@pytest.fixture
def planned(cpip, leaving):
    release.plan_create(gated=gate(cpip, leaving), today=TODAY)
    return leaving


def statuses(person) -> dict[str, str]:
    return dict(ReleasePlanItem.objects.filter(plan__person=person).values_list("code", "status"))


def test_an_accepted_housing_referral_moves_the_housing_item(cpip, service, planned):
    shelter = partner_of(service, cpip)
    referral = referral_of(cpip, planned, shelter, need_of(cpip, planned))
    assert statuses(planned)["housing"] == "to_do"  # sent only: waiting for the partner
    move(cpip, planned, referral, "accepted")
    item = ReleasePlanItem.objects.get(plan__person=planned, code="housing")
    assert item.status == "in_progress"
    assert item.comment == "Orientation vers Foyer Le Relais acceptée le 20/03/2026."
    entry = AuditEntry.objects.get(
        object_type="reintegration.releaseplanitem", object_id=item.pk, action="update"
    )
    assert entry.changes["status"] == ["to_do", "in_progress"]
    others = {code: s for code, s in statuses(planned).items() if code != "housing"}
    assert set(others.values()) == {"to_do"}


def test_staffs_comment_is_kept_when_a_referral_moves_the_item(cpip, service, planned):
    housing = ReleasePlanItem.objects.get(plan__person=planned, code="housing")
    release.item_update(
        gated=gate(cpip, planned), item=housing, data={"status": "to_do", "comment": "SIAO"}
    )
    shelter = partner_of(service, cpip)
    move(cpip, planned, referral_of(cpip, planned, shelter, need_of(cpip, planned)), "accepted")
    housing.refresh_from_db()
    assert housing.comment == "SIAO — Orientation vers Foyer Le Relais acceptée le 20/03/2026."


def test_a_plan_opened_after_an_acceptance_starts_with_the_item_in_progress(cpip, service, leaving):
    shelter = partner_of(service, cpip)
    move(cpip, leaving, referral_of(cpip, leaving, shelter, need_of(cpip, leaving)), "accepted")
    release.plan_create(gated=gate(cpip, leaving), today=TODAY)
    housing = ReleasePlanItem.objects.get(plan__person=leaving, code="housing")
    assert housing.status == "in_progress"
    assert housing.comment == "Orientation vers Foyer Le Relais acceptée le 20/03/2026."
    assert set(statuses(leaving).values()) == {"to_do", "in_progress"}


def test_a_completed_referral_does_not_mark_the_item_done(cpip, service, planned):
    shelter = partner_of(service, cpip)
    referral = referral_of(cpip, planned, shelter, need_of(cpip, planned))
    move(cpip, planned, referral, "accepted", on=date(2026, 3, 10))
    move(cpip, planned, referral, "completed")
    assert statuses(planned)["housing"] == "in_progress"


def test_a_done_item_is_left_untouched(cpip, service, planned):
    housing = ReleasePlanItem.objects.get(plan__person=planned, code="housing")
    release.item_update(
        gated=gate(cpip, planned),
        item=housing,
        data={"status": "done", "comment": "Place au CHRS confirmée."},
    )
    updates = AuditEntry.objects.filter(
        object_type="reintegration.releaseplanitem", object_id=housing.pk
    ).count()
    shelter = partner_of(service, cpip)
    referral = referral_of(cpip, planned, shelter, need_of(cpip, planned))
    move(cpip, planned, referral, "accepted")
    housing.refresh_from_db()
    assert (housing.status, housing.comment) == ("done", "Place au CHRS confirmée.")
    assert (
        AuditEntry.objects.filter(
            object_type="reintegration.releaseplanitem", object_id=housing.pk
        ).count()
        == updates
    )


def test_a_finances_referral_moves_both_finances_items(cpip, service, planned):
    bank = partner_of(service, cpip, "Point conseil budget", pathways=("finances",))
    referral = referral_of(cpip, planned, bank, need_of(cpip, planned, "finances"))
    move(cpip, planned, referral, "accepted")
    moved = {code for code, s in statuses(planned).items() if s == "in_progress"}
    assert moved == {"income", "bank_account"}


def test_a_referral_without_need_moves_nothing(cpip, service, planned):
    shelter = partner_of(service, cpip)
    referral = referral_of(cpip, planned, shelter)
    move(cpip, planned, referral, "accepted")
    assert set(statuses(planned).values()) == {"to_do"}


def test_the_plan_of_a_past_committal_is_left_untouched(cpip, manager, cpip2, service, planned):
    site = SiteFactory(service=service)
    shelter = partner_of(service, cpip)
    referral = referral_of(cpip, planned, shelter, need_of(cpip, planned))
    release_of(manager, planned, cpip2.user, site)
    move(cpip2, planned, referral, "accepted")
    assert statuses(planned)["housing"] == "to_do"


# --- Releases within a month without housing ---------------------------------------------------------


def alerts(service):
    return release.housing_alerts(Person.objects.filter(service=service), today=TODAY)


def named(person) -> tuple[str, str]:
    """The name and CPIP a housing alert carries."""
    return f"{person.surname.upper()} {person.first_names}", person.assigned_cpip.get_full_name()


def test_a_release_within_a_month_without_plan_is_flagged(service, leaving):
    assert alerts(service) == [
        release.HousingAlert(leaving.pk, date(2026, 4, 10), "lsc_plein_droit", *named(leaving))
    ]


@pytest.mark.parametrize(
    ("status", "flagged"),
    [("to_do", True), ("in_progress", True), ("done", False), ("not_applicable", False)],
)
def test_only_housing_secured_removes_the_flag(cpip, service, planned, status, flagged):
    item = ReleasePlanItem.objects.get(plan__person=planned, code="housing")
    if status != "to_do":
        release.item_update(gated=gate(cpip, planned), item=item, data={"status": status})
    assert [a.person_id for a in alerts(service)] == ([planned.pk] if flagged else [])


def test_securing_another_item_does_not_remove_the_flag(cpip, service, planned):
    item = ReleasePlanItem.objects.get(plan__person=planned, code="transport")
    release.item_update(gated=gate(cpip, planned), item=item, data={"status": "done"})
    assert [a.person_id for a in alerts(service)] == [planned.pk]


def test_releases_further_away_and_persons_not_in_prison_are_not_flagged(
    cpip, manager, cpip2, service, leaving
):
    make_prisoner(cpip, sentences=({"years": 4},), surname="Longue")
    make_person(cpip, surname="Dehors")
    assert [a.person_id for a in alerts(service)] == [leaving.pk]
    release_of(manager, leaving, cpip2.user, SiteFactory(service=service))
    assert alerts(service) == []


def test_an_official_release_date_within_a_month_is_flagged(cpip, service):
    long = make_prisoner(cpip, sentences=({"years": 4},), surname="Longue")
    assert alerts(service) == []
    sentence_services.official_date_set(
        gated=gate(cpip, long),
        custody=long.custody_records.get(),
        kind=sentence_rules.LIBERATION,
        day=date(2026, 4, 2),
    )
    assert alerts(service) == [
        release.HousingAlert(long.pk, date(2026, 4, 2), "official", *named(long))
    ]


def test_the_alerts_come_soonest_first(cpip, service, leaving):
    sooner = make_prisoner(cpip, sentences=({"years": 4},), surname="Avant")
    OfficialDate.objects.create(
        custody=sooner.custody_records.get(),
        kind=sentence_rules.LIBERATION,
        date=date(2026, 3, 30),
        source=OfficialDate.Source.ENTERED,
        recorded_by=cpip.user,
    )
    assert [(a.person_id, a.expected) for a in alerts(service)] == [
        (sooner.pk, date(2026, 3, 30)),
        (leaving.pk, date(2026, 4, 10)),
    ]


def test_only_the_persons_given_are_flagged(service, leaving, member, other_service):
    foreign = member("cpip", service=other_service)
    far = make_prisoner(foreign, sentences=({"months": 18},), surname="Ailleurs")
    assert [a.person_id for a in alerts(service)] == [leaving.pk]
    assert [a.person_id for a in alerts(other_service)] == [far.pk]


def test_the_alerts_take_one_query_whatever_the_number(cpip, service, leaving):
    for n in range(4):
        make_prisoner(cpip, sentences=({"months": 18},), surname=f"Sortant{n}")
    with CaptureQueriesContext(connection) as queries:
        found = alerts(service)
    assert len(found) == 5
    assert len(queries.captured_queries) == 1


# --- The release form --------------------------------------------------------------------------------


def form_url(person) -> str:
    return f"/personnes/{person.pk}/sortie/liberation/"


def form_data(cpip_user, site, **overrides):
    return {
        "kind": "end_of_sentence",
        "release_date": TODAY.isoformat(),
        "cpip": cpip_user.pk,
        "housing": "hosted_family",
        "day": RELEASE_DAY.isoformat(),
        "start_time": "10:00",
        "end_time": "10:45",
        "site": site.pk,
        **overrides,
    }


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("manager", 200),
        ("cpip", 403),  # even the person's own CPIP: assigning a CPIP is the managers'
        ("secretariat", 403),
        ("monitoring", 403),
        ("psychologist", 403),
        ("social_worker", 403),
        ("judge", 404),  # not one of the judge's files
        ("foreign_cpip", 404),
    ],
)
def test_the_release_form_is_for_managers(as_role, leaving, site, cpip2, role, status):
    client = as_role(role)
    assert client.get(form_url(leaving)).status_code == status
    response = client.post(form_url(leaving), form_data(cpip2.user, site))
    assert response.status_code == (302 if role == "manager" else status)
    released = CustodyRecord.objects.get(person=leaving).release_date is not None
    assert released is (role == "manager")


def test_another_services_manager_gets_a_404(
    client_for, member, other_service, leaving, site, cpip2
):
    theirs = client_for(member("manager", service=other_service))
    assert theirs.get(form_url(leaving)).status_code == 404
    assert theirs.post(form_url(leaving), form_data(cpip2.user, site)).status_code == 404
    assert CustodyRecord.objects.get(person=leaving).release_date is None


def test_the_release_button_is_shown_to_managers_only(client_for, manager, cpip, leaving):
    assert "Enregistrer la sortie et le passage en milieu ouvert" in text_of(
        client_for(manager).get(f"/personnes/{leaving.pk}/sortie/")
    )
    assert "Enregistrer la sortie et le passage en milieu ouvert" not in text_of(
        client_for(cpip).get(f"/personnes/{leaving.pk}/sortie/")
    )


def test_the_form_offers_the_services_cpips_only(client_for, manager, cpip2, foreign_cpip, leaving):
    page = html(client_for(manager).get(form_url(leaving)))
    assert "Noé Autre" in page and "Camille Conseil" in page
    assert "Lou Ailleurs" not in page


def test_a_release_through_the_form(client_for, manager, cpip, cpip2, full_file, site):
    client = client_for(manager)
    form = client.get(form_url(full_file))
    assert form.status_code == 200
    assert AuditEntry.objects.filter(
        person_id=full_file.pk, action="read", context__tab="sortie de détention"
    ).exists()
    response = client.post(form_url(full_file), form_data(cpip2.user, site), follow=True)
    assert response.redirect_chain == [(f"/personnes/{full_file.pk}/sortie/", 302)]
    page = text_of(response)
    assert (
        "Sortie enregistrée : la personne est suivie en milieu ouvert par Noé Autre, premier "
        "rendez-vous fixé." in page
    )
    assert "Milieu ouvert" in page and "Milieu fermé" not in page
    assert "CPIP référent·e : Noé Autre" in page
    assert "La personne n'est pas écrouée" in page
    assert (
        "Rendez-vous au SPIP (milieu ouvert) après la sortie : fait — Rendez-vous le 24/03/2026 "
        "à 10:00 avec Noé Autre." in page
    )
    assert "Hébergement ou logement à la sortie : en cours" in page
    # The file goes on: the same needs and referrals, the same family ties.
    insertion = text_of(client.get(f"/personnes/{full_file.pk}/insertion/"))
    assert "Foyer Le Relais" in insertion
    accompagnement = text_of(client.get(f"/personnes/{full_file.pk}/accompagnement/"))
    assert "Léa Martin" in accompagnement


def test_the_released_person_shows_in_the_community_on_the_lists(
    client_for, manager, cpip, cpip2, leaving, site
):
    def row_of(response):
        link = f'href="/personnes/{leaving.pk}/"'
        rows = [r for r in html(response).split("<tr>")[1:] if link in r]
        assert len(rows) == 1
        return " ".join(text_of_fragment(rows[0]).split())

    manager_client = client_for(manager)
    before = row_of(manager_client.get("/service/"))
    assert "Milieu fermé" in before and "Camille Conseil" in before
    assert manager_client.post(form_url(leaving), form_data(cpip2.user, site)).status_code == 302
    after = row_of(manager_client.get("/service/"))
    assert "Milieu ouvert" in after and "Noé Autre" in after
    mine = client_for(cpip2).get("/portefeuille/")
    assert "Milieu ouvert" in row_of(mine)
    assert f"/personnes/{leaving.pk}/" not in html(client_for(cpip).get("/portefeuille/"))


def text_of_fragment(fragment: str) -> str:
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", fragment.split("</tr>")[0]))


def test_an_appointment_in_the_past_is_refused_and_nothing_stored(
    client_for, manager, cpip, cpip2, full_file, site, watch
):
    before = watch()
    response = client_for(manager).post(
        form_url(full_file), form_data(cpip2.user, site, day="2026-03-19")
    )
    assert response.status_code == 400
    assert "Un rendez-vous planifié ne peut pas être dans le passé" in text_of(response)
    assert_nothing_stored(full_file, cpip, *before)


@pytest.mark.parametrize(
    "refused",
    [
        {"day": "2026-03-19"},  # an appointment in the past: refused
        {"start_time": "18:00", "end_time": "18:30"},  # outside opening hours: to confirm
    ],
    ids=["refusal", "warnings"],
)
def test_a_page_that_did_not_release_still_names_the_cpip_in_charge(
    client_for, manager, cpip2, leaving, site, refused
):
    response = client_for(manager).post(form_url(leaving), form_data(cpip2.user, site, **refused))
    assert response.status_code == 400
    assert Person.objects.get(pk=leaving.pk).assigned_cpip.get_full_name() == "Camille Conseil"
    page = text_of(response)
    assert "Milieu fermé" in page  # the custody is still open, rightly shown
    assert "CPIP référent·e : Camille Conseil" in page
    assert "CPIP référent·e : Noé Autre" not in page


def test_a_person_not_in_prison_is_not_released_through_the_form(
    client_for, manager, cpip2, person, site
):
    response = client_for(manager).post(form_url(person), form_data(cpip2.user, site))
    assert response.status_code == 400
    assert field_error(response, "id_release_date") == "La personne n'a pas d'écrou en cours."
    assert not Appointment.objects.filter(person=person).exists()


def test_a_release_before_the_committal_is_refused(
    client_for, manager, cpip, cpip2, leaving, site, watch
):
    before = watch()
    response = client_for(manager).post(
        form_url(leaving), form_data(cpip2.user, site, release_date="2025-01-09")
    )
    assert response.status_code == 400
    assert field_error(response, "id_release_date") == (
        "La levée d'écrou ne peut pas précéder l'écrou du 10/01/2025."
    )
    assert_nothing_stored(leaving, cpip, *before)


def test_a_cpip_of_another_service_is_not_offered(
    client_for, manager, cpip, foreign_cpip, leaving, site, watch
):
    before = watch()
    response = client_for(manager).post(form_url(leaving), form_data(foreign_cpip.user, site))
    assert response.status_code == 400
    assert "choix valide" in field_error(response, "id_cpip")
    assert_nothing_stored(leaving, cpip, *before)


def test_warnings_are_shown_then_confirmed(client_for, manager, cpip, cpip2, leaving, site, watch):
    client = client_for(manager)
    before = watch()
    late = form_data(cpip2.user, site, start_time="18:00", end_time="18:30")
    response = client.post(form_url(leaving), late)
    assert response.status_code == 400
    page = text_of(response)
    assert "en dehors des horaires d'ouverture de « Antenne d'Amiens »" in page
    assert "J'ai lu les avertissements et je confirme ce rendez-vous" in page
    assert_nothing_stored(leaving, cpip, *before)
    response = client.post(form_url(leaving), {**late, "confirm": "on"})
    assert response.status_code == 302
    assert Appointment.objects.get(person=leaving).starts_at == at(RELEASE_DAY, 18)


# --- The service view's housing alert ------------------------------------------------------------------


def test_the_service_view_flags_releases_without_housing(client_for, manager, cpip, planned):
    client = client_for(manager)
    response = client.get("/service/")
    assert response.status_code == 200
    assert 'data-testid="housing-alerts"' in html(response)
    page = text_of(response)
    assert "Sorties dans moins d'un mois sans hébergement assuré" in page
    assert f"{planned} : sortie prévue le 10/04/2026 — CPIP Camille Conseil" in page
    assert f'href="/personnes/{planned.pk}/sortie/"' in html(response)
    item = ReleasePlanItem.objects.get(plan__person=planned, code="housing")
    release.item_update(gated=gate(cpip, planned), item=item, data={"status": "done"})
    response = client.get("/service/")
    assert 'data-testid="housing-alerts"' not in html(response)
    assert "sans hébergement assuré" not in text_of(response)


def test_no_housing_alert_when_nobody_leaves_soon(client_for, manager, cpip):
    make_prisoner(cpip, sentences=({"years": 4},), surname="Longue")
    response = client_for(manager).get("/service/")
    assert response.status_code == 200
    assert 'data-testid="housing-alerts"' not in html(response)


def test_the_service_view_is_for_managers(client_for, cpip, leaving):
    assert client_for(cpip).get("/service/").status_code == 403


def test_a_lsc_de_plein_droit_already_past_is_not_expected_any_more(
    client_for, cpip, service, leaving
):
    """Committed on 01/12/2024 for 18 months: LSC de plein droit on 01/03/2026, not granted
    (still in prison on 20/03/2026); the end of the sentence, 01/06/2026, is expected."""
    still_in = make_prisoner(
        cpip, committal_date=date(2024, 12, 1), sentences=({"months": 18},), surname="Resté"
    )
    assert [a.person_id for a in alerts(service)] == [leaving.pk]
    page = text_of(client_for(cpip).get(f"/personnes/{still_in.pk}/sortie/"))
    assert "Sortie prévue le 01/06/2026 (fin de peine estimée)." in page
    assert "sans hébergement assuré" not in page
