"""Committal and release as transitions, on a real database (``transitions.services``): each
changes everything the law and the file need, and nothing else, in one transaction; a refused
one (its French message) stores nothing.

- Committal: the probation period suspended (CP 132-43; its bans keep applying), parole and
  DDSE not suspended (an incident to report), appointments outside prison cancelled with their
  reminders, housing « Détenu·e », the community CPIP kept on the committal, the prison CPIP
  assigned by a manager only, a sentence to serve (partial revocation, CP 132-48) joined to the
  committal with its dates.
- Release, by its kind: end of sentence (CPP 716-3, 717), LSC (CPP 720 I; first interview
  within 5 jours ouvrables, D. 147-17-5), the suspended probation resumed with the days held,
  appointments in prison cancelled, the safety period (CP 132-23), an adjustment under écrou
  (CPP 723-1, 723-7) keeping the committal open, a kind that does not fit refused.
- No SMS or email reaches a person held in a cell; a person under écrou serving a DDSE gets
  them.
- The prison sentence measure's end is the sentence's one end date: the registry's « fin de
  peine » when recorded, else the estimate; the reports read the same."""

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from probatio.agenda import rules as agenda_rules
from probatio.agenda import services as agenda_services
from probatio.agenda.models import Appointment
from probatio.agenda.services import NeedsConfirmation
from probatio.audit.models import AuditEntry
from probatio.core.deadlines import Query, collect
from probatio.measures import services as measure_services
from probatio.measures.models import Measure, Obligation
from probatio.measures.selectors import with_earliest_ends
from probatio.messaging import sending
from probatio.messaging.models import Message
from probatio.people.models import CustodyRecord, Person, SituationEntry, TimelineEvent
from probatio.people.selectors import current_situation, person_get_for
from probatio.reports import answers
from probatio.reports import rules as report_rules
from probatio.reports import services as report_services
from probatio.reports.selectors import report_get_for
from probatio.sentences import rules as sentence_rules
from probatio.sentences import services as sentence_services
from probatio.sentences.models import PenalSituation, Sentence
from probatio.transitions import services
from probatio.transitions.services import AnswerData, CommittalData, ReleaseData
from tests.factories import (
    EstablishmentFactory,
    SiteFactory,
    gate,
    make_decision,
    make_measure,
    make_person,
    make_prisoner,
    make_transmitted_report,
)

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)  # Friday 20 March 2026, 10:00 in Paris
TODAY = date(2026, 3, 20)
COMMITTAL = date(2026, 3, 19)  # recorded the day after
SP_END = date(2027, 1, 10)  # the probation: 24 months from 10/01/2025
CONTACT = {
    "phone": "06 12 34 56 78",
    "sms_consent": True,
    "email": "personne@example.org",
    "email_consent": True,
}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def sms_files(settings, tmp_path):
    settings.SMS_BACKEND = "probatio.messaging.sms.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    return tmp_path / "sms"


@pytest.fixture
def establishment(service):
    return EstablishmentFactory(service=service, name="Maison d'arrêt d'Amiens")


@pytest.fixture
def site(service):
    return SiteFactory(service=service, name="Antenne d'Amiens")


@pytest.fixture
def cpip2(member):
    return member(
        "cpip", user__username="cpip2.test", user__first_name="Noé", user__last_name="Autre"
    )


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return agenda_rules.at_paris(day, time(hour, minute))


def book(membership, person, day, *, site=None, establishment=None, hour=10):
    """An appointment with ``membership``'s user, at a site of the SPIP or in prison."""
    place = (
        {"place_kind": "site", "site": site}
        if site is not None
        else {"place_kind": "prison", "establishment": establishment}
    )
    return agenda_services.appointment_book(gated=gate(membership, person), data={"kind": "follow_up", "starts_at": at(day, hour), "ends_at": at(day, hour, 45),
              **place}, staff=[membership.user], confirmed=True, now=NOW)  # fmt: skip


def commit(membership, person, establishment, *, on=COMMITTAL, prison_cpip=None, number=None):
    return services.committal_record(
        membership=membership,
        gated=person_get_for(membership, person.pk),
        data=CommittalData(
            establishment_id=establishment.pk,
            committal_number=number or f"E{person.pk:05d}",
            committal_date=on,
            prison_cpip=prison_cpip,
        ),
        today=TODAY,
    )


def release(manager, person, cpip_user, site, *, kind, on=TODAY, day=date(2026, 3, 24),
            hour=10, confirmed=False, housing="hosted_family"):  # fmt: skip
    return services.release_record(
        membership=manager,
        gated=person_get_for(manager, person.pk),
        data=ReleaseData(
            kind=kind,
            release_date=on,
            cpip=cpip_user,
            appointment={"site": site, "starts_at": at(day, hour), "ends_at": at(day, hour, 45)},
            housing=housing,
            housing_details="Chez sa sœur",
            confirmed=confirmed,
        ),
        today=TODAY,
        now=NOW,
    )


def transmitted(membership, person, kind, *, measure, matter=""):
    """A report transmitted to the judge three days ago
    (``tests.factories.make_transmitted_report``)."""
    return make_transmitted_report(membership, person, kind, today=TODAY, measure=measure,
                                   matter=matter)  # fmt: skip


def answer(judge, report, code, *, today=TODAY, **fields):
    fields.setdefault("answered_on", today)
    return services.answer_record(
        membership=judge,
        gated_report=report_get_for(judge, report.pk),
        data=AnswerData(input=answers.Input(code=code, **fields)),
        today=today,
    )


MEASURE_FIELDS = (
    "pk", "status", "start_date", "end_date", "suspended_since", "suspended_days", "end_source",
)  # fmt: skip


def snapshot(person: Person) -> dict:
    """Everything a committal or a release may change, to check that a refused one changed
    nothing at all."""
    person = Person.objects.get(pk=person.pk)
    return {
        "cpip": person.assigned_cpip_id,
        "custody": list(
            CustodyRecord.objects.filter(person=person).values_list(
                "pk", "release_date", "release_kind", "community_cpip"
            )
        ),
        "measures": list(
            Measure.objects.filter(person=person).order_by("pk").values_list(*MEASURE_FIELDS)
        ),
        "obligations": list(
            Obligation.objects.filter(measure__person=person).values_list("pk", "status")
        ),
        "appointments": list(
            Appointment.objects.filter(person=person).order_by("pk").values_list("pk", "status")
        ),
        "messages": list(
            Message.objects.filter(person=person).order_by("pk").values_list("pk", "status")
        ),
        "situation": SituationEntry.objects.filter(person=person).count(),
        "sentences": list(Sentence.objects.filter(person=person).values_list("pk", "situation")),
        "timeline": TimelineEvent.objects.filter(person=person).count(),
        "audit": AuditEntry.objects.exclude(action__in=["read", "list", "denied"]).count(),
    }


def housing_of(person) -> tuple:
    entry = current_situation(Person.objects.get(pk=person.pk))["housing"]
    return entry.status, entry.details, entry.effective_date


# --- Committal ---------------------------------------------------------------------------------


@pytest.fixture
def probationer(cpip, judge):
    """A free person on a 24-month sursis probatoire (from 10/01/2025), with a ban on a town;
    followed by ``cpip``, reachable by SMS and email."""
    person = make_person(cpip, surname="Probatoire", **CONTACT)
    sp = make_measure(cpip, person, judge=judge.user, today=TODAY)
    ban = measure_services.obligation_create(
        gated=gate(cpip, sp.person),
        measure=sp,
        decision=sp.decision,
        obligation_type_code="NE_PAS_PARAITRE",
        data={"start_date": sp.start_date, "zone": "Commune de Testville"},
    )
    return SimpleNamespace(person=person, sp=sp, ban=ban)


def test_a_committal_suspends_the_probation_cancels_outside_appointments_and_hands_over(
    manager, cpip, cpip2, probationer, establishment, site
):
    person, sp = probationer.person, probationer.sp
    outside = book(cpip, person, date(2026, 3, 24), site=site)
    in_prison = book(cpip, person, date(2026, 3, 27), establishment=establishment)
    assert outside.messages.filter(status="pending").count() == 4  # 2 reminders × 2 channels
    before = snapshot(person)

    custody = commit(manager, person, establishment, prison_cpip=cpip2.user)

    custody.refresh_from_db()
    assert (custody.committal_date, custody.release_date) == (COMMITTAL, None)
    assert custody.establishment == establishment
    assert custody.community_cpip == cpip.user  # kept, proposed at the release
    assert Person.objects.get(pk=person.pk).assigned_cpip == cpip2.user
    # The probation period stops running (CP 132-43); its end is fixed only at the release.
    sp.refresh_from_db()
    assert (sp.status, sp.suspended_since, sp.suspended_days, sp.end_date) == (
        "suspended", COMMITTAL, 0, SP_END,
    )  # fmt: skip
    [shown] = with_earliest_ends([sp], today=TODAY)
    assert shown.earliest_end == SP_END + timedelta(days=1)  # « au plus tôt », one day held
    # Its bans keep applying in custody, and the control measures stay.
    obligations = dict(sp.obligations.values_list("obligation_type_id", "status"))
    assert obligations["NE_PAS_PARAITRE"] == "active"
    assert set(obligations.values()) == {"active"}
    # The appointment outside prison is cancelled with its reminders; nothing new is planned
    # (no cancellation notice to a cell). The one in prison stays.
    outside.refresh_from_db()
    assert (outside.status, outside.status_reason) == (
        "cancelled", "Personne écrouée : rendez-vous annulé.",
    )  # fmt: skip
    assert set(outside.messages.values_list("status", flat=True)) == {"cancelled"}
    in_prison.refresh_from_db()
    assert in_prison.status == "planned"
    assert set(in_prison.messages.values_list("status", flat=True)) == {"pending"}
    assert Message.objects.filter(person=person).count() == len(before["messages"])
    assert housing_of(person) == ("in_custody", str(establishment), COMMITTAL)
    line = TimelineEvent.objects.get(
        person=person, title="Écrou : suivi en milieu fermé (Maison d'arrêt d'Amiens)"
    )
    assert line.detail == (
        f"Numéro d'écrou {custody.committal_number} ; délai suspendu : Sursis probatoire ; "
        "1 rendez-vous annulé"
    )
    assert line.actor == manager.user
    assert AuditEntry.objects.filter(
        object_type="measures.measure", object_id=sp.pk,
        summary="Sursis probatoire : délai suspendu pendant la détention",
    ).exists()  # fmt: skip
    # Nothing else: no new measure, obligation or sentence; the ban and the decision as they were.
    after = snapshot(person)
    assert [m[0] for m in after["measures"]] == [m[0] for m in before["measures"]]
    assert [o[0] for o in after["obligations"]] == [o[0] for o in before["obligations"]]
    assert after["sentences"] == before["sentences"] == []
    assert after["situation"] == before["situation"] + 1


@pytest.mark.parametrize(
    ("code", "data"),
    [
        ("LC", {"start_date": date(2025, 9, 1), "duration_months": 18}),
        ("DDSE", {"start_date": date(2026, 2, 1), "duration_months": 4}),
    ],
)
def test_a_committal_does_not_suspend_parole_or_ddse_it_signals_them(
    cpip, probationer, establishment, code, data
):
    person = probationer.person
    measure = make_measure(cpip, person, code=code, today=TODAY, **data)
    end = measure.end_date
    commit(cpip, person, establishment)
    measure.refresh_from_db()
    assert (measure.status, measure.suspended_since, measure.end_date) == ("active", None, end)
    probationer.sp.refresh_from_db()
    assert probationer.sp.status == "suspended"
    line = TimelineEvent.objects.get(person=person, title__startswith="Écrou : suivi")
    assert f"à signaler au juge (rapport d'incident) : {measure.measure_type.short_label}" in (
        line.detail
    )


def test_a_cpip_records_a_committal_but_not_the_prison_cpip(
    cpip, cpip2, probationer, establishment
):
    person = probationer.person
    before = snapshot(person)
    with pytest.raises(PermissionDenied, match="Le choix du ou de la CPIP revient à l'encadrement"):
        commit(cpip, person, establishment, prison_cpip=cpip2.user)
    assert snapshot(person) == before
    custody = commit(cpip, person, establishment)
    assert custody.community_cpip == cpip.user
    assert Person.objects.get(pk=person.pk).assigned_cpip == cpip.user  # until a manager says


def test_a_second_committal_while_held_is_refused_and_stores_nothing(
    cpip, probationer, establishment
):
    person = probationer.person
    commit(cpip, person, establishment)
    before = snapshot(person)
    with pytest.raises(ValidationError) as refused:
        commit(cpip, person, establishment, on=TODAY, number="AUTRE")
    assert refused.value.message_dict == {
        "committal_number": [
            "La personne est déjà écrouée : enregistrez d'abord sa sortie (onglet « Sortie »)."
        ]
    }
    assert snapshot(person) == before


def test_a_committal_refused_late_in_its_course_stores_nothing_at_all(
    manager, cpip, member, other_service, probationer, establishment, site
):
    """The prison CPIP is checked after the committal is opened: the refusal rolls it back,
    with the suspension, the cancellations and the housing."""
    person = probationer.person
    book(cpip, person, date(2026, 3, 24), site=site)
    foreign = member("cpip", service=other_service)
    before = snapshot(person)
    with pytest.raises(ValidationError) as refused:
        commit(manager, person, establishment, prison_cpip=foreign.user)
    assert refused.value.message_dict == {"cpip": ["Cette personne n'est pas CPIP de ce service."]}
    assert snapshot(person) == before
    assert not CustodyRecord.objects.filter(person=person).exists()


def test_a_sentence_to_serve_joins_the_committal_and_its_dates_are_computed(
    cpip, judge, probationer, establishment
):
    """A partial revocation (CP 132-48) while free: the revoked part waits for a committal;
    the probation goes on, then the committal suspends it."""
    person, sp = probationer.person, probationer.sp
    report = transmitted(cpip, person, report_rules.INCIDENT, measure=sp)
    answer(judge, report, answers.REVOCATION_PARTIAL, term_months=4)
    waiting = Sentence.objects.get(person=person)
    assert waiting.situation is None and waiting.months == 4

    custody = commit(cpip, person, establishment)

    waiting.refresh_from_db()
    situation = PenalSituation.objects.get(custody=custody)
    assert waiting.situation == situation
    # Start = the committal (no remand), end = 4 months later (sentence-dates, rules 2 and 3).
    assert (situation.start_date, situation.end_date) == (COMMITTAL, date(2026, 7, 19))
    assert situation.release_date == date(2026, 7, 18)  # 19 July is a Sunday (CPP 716-3)
    assert situation.lc_eligibility_date is not None
    assert sentence_services.prison_facts(person).end_date == date(2026, 7, 19)
    sp.refresh_from_db()
    assert sp.status == "suspended"
    line = TimelineEvent.objects.get(person=person, title__startswith="Écrou : suivi")
    assert "1 peine à exécuter jointe à l'écrou" in line.detail
    assert AuditEntry.objects.filter(
        object_type="sentences.sentence", object_id=waiting.pk,
        summary="Peine à exécuter jointe à l'écrou",
    ).exists()  # fmt: skip


# --- Release ------------------------------------------------------------------------------------


@pytest.fixture
def prisoner(cpip, judge, establishment):
    """Worked example B: 18 months from 10/01/2025, end 10/07/2026; the prison sentence's
    measure ordered by ``judge``; followed by ``cpip`` in prison."""
    person = make_prisoner(cpip, establishment=establishment, sentences=({"months": 18},),
                           surname="Sortant", **CONTACT)  # fmt: skip
    decision = make_decision(cpip, person, date=date(2024, 12, 1),
                             enforceable_date=date(2024, 12, 11))  # fmt: skip
    prison = make_measure(cpip, person, code="EMPRISONNEMENT", decision=decision,
                          judge=judge.user, start_date=date(2025, 1, 10), today=TODAY)  # fmt: skip
    return SimpleNamespace(person=person, prison=prison, custody=person.custody_records.get())


def test_a_release_at_the_end_of_the_sentence(manager, cpip, cpip2, prisoner, site):
    person = prisoner.person
    before = snapshot(person)
    custody = release(manager, person, cpip2.user, site, kind="end_of_sentence")
    custody.refresh_from_db()
    assert (custody.release_date, custody.release_kind) == (TODAY, "end_of_sentence")
    prison = Measure.objects.get(pk=prisoner.prison.pk)
    assert (prison.status, prison.end_date, prison.end_source) == ("ended", TODAY, "release")
    assert Person.objects.get(pk=person.pk).assigned_cpip == cpip2.user
    assert housing_of(person) == ("hosted_family", "Chez sa sœur", TODAY)
    first = Appointment.objects.get(person=person)
    assert (first.kind, first.site, first.starts_at) == ("first", site, at(date(2026, 3, 24), 10))
    assert list(first.staff.all()) == [cpip2.user]
    line = TimelineEvent.objects.get(
        person=person,
        title="Sortie de détention — fin de peine (levée d'écrou) : suivi en milieu ouvert",
    )
    assert line.detail == "CPIP : Noé Autre ; premier rendez-vous le 24/03/2026 à 10:00"
    # Nothing of the prison side goes: the sentence and its dates stay with the committal.
    after = snapshot(person)
    assert after["sentences"] == before["sentences"] != []
    assert PenalSituation.objects.get(custody=custody).end_date == date(2026, 7, 10)
    assert [m[0] for m in after["measures"]] == [m[0] for m in before["measures"]]


def granted_lsc(cpip, judge, prisoner) -> Measure:
    """The judge grants the LSC on 18/03/2026, as a parole, from 20/03/2026 (pending)."""
    report = transmitted(cpip, prisoner.person, report_rules.OPINION, measure=prisoner.prison,
                         matter=answers.LSC)  # fmt: skip
    result = answer(judge, report, answers.GRANTED, today=date(2026, 3, 18),
                    effective_on=TODAY, modality="LC")  # fmt: skip
    lsc = Measure.objects.get(decision=result.decision)
    assert (lsc.measure_type_id, lsc.status, lsc.start_date, lsc.end_date) == (
        "LSC", "pending", TODAY, date(2026, 7, 10),
    )  # fmt: skip
    return lsc


def test_an_lsc_release_opens_the_lsc_and_books_within_5_jours_ouvrables(
    manager, cpip, cpip2, judge, prisoner, site, service
):
    lsc = granted_lsc(cpip, judge, prisoner)
    person = prisoner.person
    # Released on Friday 20/03: the deadline is Thursday 26/03 (Saturday 21 counts).
    release(manager, person, cpip2.user, site, kind="lsc", day=date(2026, 3, 26))
    lsc.refresh_from_db()
    assert (lsc.status, lsc.start_date, lsc.end_date) == ("active", TODAY, date(2026, 7, 10))
    custody = CustodyRecord.objects.get(person=person)
    assert (custody.release_date, custody.release_kind) == (TODAY, "lsc")
    prison = Measure.objects.get(pk=prisoner.prison.pk)
    assert (prison.status, prison.end_date, prison.end_source) == ("ended", TODAY, "release")
    line = TimelineEvent.objects.get(person=person, title__startswith="Sortie de détention")
    assert line.title == (
        "Sortie de détention — libération sous contrainte : suivi en milieu ouvert"
    )
    assert line.detail == (
        "CPIP : Noé Autre ; premier rendez-vous le 26/03/2026 à 10:00 (délai légal : le "
        "26/03/2026, 5 jours ouvrables) ; mesures : LSC"
    )
    # The échéancier reads the same deadline, from the release recorded.
    [item] = collect(
        Query(persons=Person.objects.filter(pk=person.pk), today=TODAY,
              until=date(2026, 12, 31), service_id=service.pk),
        ["first_interview"],
    )  # fmt: skip
    assert item.due == date(2026, 3, 26)
    assert item.label == "Premier entretien fixé le 26/03/2026 à 10:00 (délai le 26/03/2026)"
    assert (
        "5 jours ouvrables après la levée d'écrou" in item.detail and "D. 147-17-5" in item.detail
    )


def test_a_first_appointment_after_the_lsc_deadline_needs_confirming_and_stores_nothing(
    manager, cpip, cpip2, judge, prisoner, site
):
    lsc = granted_lsc(cpip, judge, prisoner)
    person = prisoner.person
    before = snapshot(person)
    with pytest.raises(NeedsConfirmation) as late:
        release(manager, person, cpip2.user, site, kind="lsc", day=date(2026, 3, 27))
    assert late.value.warnings == [
        "Le premier rendez-vous est fixé après le délai légal (5 jours ouvrables après la "
        "sortie, libération sous contrainte, D. 147-17-5) : au plus tard le 26/03/2026."
    ]
    assert snapshot(person) == before  # the whole release rolled back
    release(manager, person, cpip2.user, site, kind="lsc", day=date(2026, 3, 27), confirmed=True)
    lsc.refresh_from_db()
    assert lsc.status == "active"
    assert Appointment.objects.get(person=person).starts_at == at(date(2026, 3, 27), 10)
    assert CustodyRecord.objects.get(person=person).release_date == TODAY


def committed_for_two_months(manager, cpip, person, establishment) -> CustodyRecord:
    """Committed on 12/01/2026 for a 2-month sentence (end 12/03/2026)."""
    custody = commit(manager, person, establishment, on=date(2026, 1, 12))
    sentence_services.sentence_add(gated=gate(cpip, person), custody=custody, data={"decision": make_decision(cpip, person, date=date(2025, 12, 1),
                                        enforceable_date=date(2025, 12, 11)),
              "description": "Emprisonnement ferme", "months": 2})  # fmt: skip
    return custody


def test_the_probation_suspended_at_committal_resumes_with_the_days_held(
    manager, cpip, cpip2, probationer, establishment, site
):
    """Committed on 12/01/2026 for 2 months, released at the end of the sentence on 12/03:
    59 days held push the end of the probation from 10/01/2027 to 10/03/2027."""
    person, sp = probationer.person, probationer.sp
    committed_for_two_months(manager, cpip, person, establishment)
    sp.refresh_from_db()
    [shown] = with_earliest_ends([sp], today=date(2026, 3, 12))
    assert shown.earliest_end == date(2027, 3, 10)  # « au plus tôt » the day of the release

    release(manager, person, cpip2.user, site, kind="end_of_sentence", on=date(2026, 3, 12))

    sp.refresh_from_db()
    assert (sp.status, sp.suspended_since, sp.suspended_days) == ("active", None, 59)
    assert (sp.start_date, sp.duration_months, sp.end_date) == (
        date(2025, 1, 10), 24, date(2027, 3, 10),
    )  # fmt: skip
    assert shown.earliest_end == sp.end_date  # what the page showed is what the release fixed
    assert set(sp.obligations.values_list("status", flat=True)) == {"active"}
    assert TimelineEvent.objects.filter(
        person=person, title="Sursis probatoire : le délai reprend après la détention",
        detail="59 jours de détention : fin reportée au 10/03/2027",
    ).exists()  # fmt: skip
    line = TimelineEvent.objects.get(person=person, title__startswith="Sortie de détention")
    # The probation after prison: one month from the release (CPP 741-1).
    assert "(délai légal : le 12/04/2026, 1 mois) ; mesures : Sursis probatoire" in line.detail


def test_a_release_recorded_late_warns_of_the_8_day_deadline_when_ssj_was_incurred(
    manager, cpip, cpip2, judge, establishment, site
):
    """The judgment says the offence allows socio-judicial follow-up: the first interview after
    prison is due within 8 days (C. pénit. R. 621-1, R. 621-2). Released on 12/03, recorded on
    20/03: every appointment is late, to confirm; unconfirmed, nothing is stored."""
    person = make_person(cpip, surname="Encouru")
    sp = make_measure(cpip, person, decision=make_decision(cpip, person, ssj_incurred=True),
                      judge=judge.user, today=TODAY)  # fmt: skip
    committed_for_two_months(manager, cpip, person, establishment)
    before = snapshot(person)
    with pytest.raises(NeedsConfirmation) as late:
        release(manager, person, cpip2.user, site, kind="end_of_sentence", on=date(2026, 3, 12))
    assert late.value.warnings == [
        "Le premier rendez-vous est fixé après le délai légal (8 jours après la sortie, sursis "
        "probatoire après détention (suivi renforcé, SSJ encouru ou antécédent), CPP 741-1 ; "
        "C. pénit. R. 621-1, R. 621-2) : au plus tard le 20/03/2026."
    ]
    assert snapshot(person) == before
    release(manager, person, cpip2.user, site, kind="end_of_sentence", on=date(2026, 3, 12),
            confirmed=True)  # fmt: skip
    sp.refresh_from_db()
    assert (sp.status, sp.suspended_days, sp.end_date) == ("active", 59, date(2027, 3, 10))


def test_a_release_cancels_the_appointments_in_prison_and_keeps_the_others(
    manager, cpip, cpip2, prisoner, establishment, site
):
    person = prisoner.person
    in_prison = book(cpip, person, date(2026, 3, 25), establishment=establishment)
    outside = book(cpip, person, date(2026, 3, 31), site=site)
    release(manager, person, cpip2.user, site, kind="end_of_sentence")
    in_prison.refresh_from_db()
    assert (in_prison.status, in_prison.status_reason) == (
        "cancelled", "Sortie de détention : rendez-vous en détention annulé.",
    )  # fmt: skip
    # No SMS or email about it: the person never had one while held.
    assert not in_prison.messages.exists()
    outside.refresh_from_db()
    assert outside.status == "planned"


@pytest.fixture
def with_safety_period(cpip, prisoner):
    """A safety period of 15 months from the start (10/01/2025): until 10/04/2026; a parole
    recorded (as a new measure) from 15/04/2026."""
    sentence_services.terms_update(gated=gate(cpip, prisoner.person), custody=prisoner.custody, data={"safety_months": 15})  # fmt: skip
    make_measure(cpip, prisoner.person, code="LC", start_date=date(2026, 4, 15),
                 duration_months=6, status="pending", today=TODAY)  # fmt: skip
    return prisoner


def test_a_release_on_parole_is_refused_during_the_safety_period_not_the_end_of_sentence(
    manager, cpip2, with_safety_period, site
):
    person = with_safety_period.person
    assert sentence_services.prison_facts(person).safety_end == date(2026, 4, 10)
    before = snapshot(person)
    with pytest.raises(ValidationError) as refused:
        release(manager, person, cpip2.user, site, kind="lc")
    assert refused.value.message_dict == {
        "kind": [
            "Période de sûreté en cours jusqu'au 10/04/2026 : aucune libération conditionnelle, "
            "sous contrainte ni aucun aménagement avant cette date (CP 132-23). Seules la fin de "
            "peine ou la fin de la détention provisoire sont possibles."
        ]
    }
    assert snapshot(person) == before
    release(manager, person, cpip2.user, site, kind="end_of_sentence")
    assert CustodyRecord.objects.get(person=person).release_kind == "end_of_sentence"


def test_an_adjustment_under_ecrou_keeps_the_committal_open(manager, cpip, cpip2, prisoner, site):
    """A DDSE granted by the JAP (CPP 723-7): the person leaves the cell, not the écrou."""
    person = prisoner.person
    ddse = make_measure(cpip, person, code="DDSE_AMENAGEMENT", start_date=date(2026, 3, 23),
                        duration_months=3, status="pending", today=TODAY)  # fmt: skip
    release(manager, person, cpip2.user, site, kind="adjustment")
    custody = CustodyRecord.objects.get(person=person)
    assert (custody.release_date, custody.release_kind) == (None, "")
    prison = Measure.objects.get(pk=prisoner.prison.pk)
    assert prison.status == "active" and prison.end_source != "release"
    ddse.refresh_from_db()
    assert (ddse.status, ddse.start_date, ddse.end_date) == ("active", TODAY, date(2026, 6, 23))
    assert Person.objects.get(pk=person.pk).assigned_cpip == cpip2.user
    assert housing_of(person)[0] == "hosted_family"


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (
            "lsc",
            "Aucune mesure « libération sous contrainte » n'est enregistrée pour cette "
            "personne : enregistrez d'abord la décision du juge (réponse à l'avis du SPIP, ou "
            "nouvelle mesure) (CPP 720 I).",
        ),
        (
            "adjustment",
            "Aucune mesure « aménagement sous écrou : semi-liberté, placement à l'extérieur ou "
            "DDSE » n'est enregistrée pour cette personne : enregistrez d'abord la décision du "
            "juge (réponse à l'avis du SPIP, ou nouvelle mesure) (CPP 723-1, 723-7).",
        ),
        (
            "end_of_remand",
            "Une peine d'emprisonnement est enregistrée sur cet écrou : la personne n'est pas en "
            "détention provisoire. Choisissez la nature de la sortie parmi les autres.",
        ),
    ],
)
def test_a_release_kind_that_does_not_fit_is_refused_and_stores_nothing(
    manager, cpip2, prisoner, site, kind, message
):
    before = snapshot(prisoner.person)
    with pytest.raises(ValidationError) as refused:
        release(manager, prisoner.person, cpip2.user, site, kind=kind)
    assert refused.value.message_dict == {"kind": [message]}
    assert snapshot(prisoner.person) == before


def test_only_a_manager_records_a_release(cpip, cpip2, prisoner, site):
    before = snapshot(prisoner.person)
    with pytest.raises(PermissionDenied):
        release(cpip, prisoner.person, cpip2.user, site, kind="end_of_sentence")
    assert snapshot(prisoner.person) == before


# --- Messages and a cell ------------------------------------------------------------------------


def sent_files(sms_files) -> int:
    return len(list(sms_files.iterdir())) if sms_files.exists() else 0


def test_no_message_reaches_a_person_held_even_planned_before_the_committal(
    manager, cpip, cpip2, probationer, establishment, site, sms_files
):
    person = probationer.person
    outside = book(cpip, person, date(2026, 3, 24), site=site)
    in_prison = book(cpip, person, date(2026, 3, 27), establishment=establishment, hour=9)
    commit(cpip, person, establishment)
    # Every reminder comes due; none goes.
    assert sending.send_due_everywhere(now=at(date(2026, 3, 27), 8, 30)) == {"cancelled": 4}
    assert sent_files(sms_files) == 0 and mail.outbox == []
    assert set(outside.messages.values_list("status", flat=True)) == {"cancelled"}
    for message in in_prison.messages.all():
        assert (message.status, message.last_error, message.sent_at) == (
            "cancelled", sending.HELD_IN_CELL, None,
        )  # fmt: skip
    # Released: the first appointment's reminders go again.
    sentence_services.sentence_add(gated=gate(cpip, person), custody=CustodyRecord.objects.get(person=person), data={"decision": probationer.sp.decision, "description": "Peine", "days": 1})  # fmt: skip
    release(manager, person, cpip2.user, site, kind="end_of_sentence", day=date(2026, 3, 30))
    in_prison.refresh_from_db()
    assert in_prison.status == "cancelled"  # by the release, and no notice of it to the person
    assert not Message.objects.filter(person=person, purpose="cancelled").exists()
    assert sending.send_due_everywhere(now=at(date(2026, 3, 30), 8, 30)) == {"sent": 4}
    assert sent_files(sms_files) == 2 and len(mail.outbox) == 2


def test_a_person_under_ecrou_serving_a_ddse_gets_the_reminders(
    manager, cpip, cpip2, prisoner, site, sms_files
):
    make_measure(cpip, prisoner.person, code="DDSE_AMENAGEMENT", start_date=date(2026, 3, 23),
                 duration_months=3, status="pending", today=TODAY)  # fmt: skip
    release(manager, prisoner.person, cpip2.user, site, kind="adjustment")
    assert CustodyRecord.objects.get(person=prisoner.person).release_date is None  # still écroué
    assert sending.send_due_everywhere(now=at(date(2026, 3, 24), 8, 30)) == {"sent": 4}
    assert sent_files(sms_files) == 2 and len(mail.outbox) == 2


# --- The one end date of the sentence -----------------------------------------------------------


def prefill_line(cpip, person, measure) -> str:
    report = report_services.report_create(
        membership=cpip, gated=person_get_for(cpip, person.pk), kind=report_rules.OPINION,
        measure=measure, matter=answers.LSC, today=TODAY,
    )  # fmt: skip
    [line] = [
        line
        for section in report.sections
        for line in section["text"].splitlines()
        if line.startswith("Mesure : Peine d'emprisonnement")
    ]
    return line


def registry_end(membership, person, custody, day: date) -> None:
    """The registry's « fin de peine », entered (``official_date_set`` runs in a write's
    transaction)."""
    with transaction.atomic():
        sentence_services.official_date_set(gated=gate(membership, person), custody=custody, kind=sentence_rules.FIN_PEINE, day=day)  # fmt: skip


def test_the_prison_measure_ends_on_the_registry_date_else_on_the_estimate(cpip, prisoner):
    person, custody, prison = prisoner.person, prisoner.custody, prisoner.prison
    sentence_services.sync_prison_measures(custody, person)
    prison.refresh_from_db()
    assert (prison.end_date, prison.end_source) == (date(2026, 7, 10), "estimate")
    assert prefill_line(cpip, person, prison).endswith("du 10/01/2025 au 10/07/2026.")

    registry_end(cpip, person, custody, date(2026, 7, 8))
    prison.refresh_from_db()
    assert (prison.end_date, prison.end_source) == (date(2026, 7, 8), "official")
    assert sentence_services.prison_facts(person).end_date == date(2026, 7, 8)
    assert prefill_line(cpip, person, prison).endswith("du 10/01/2025 au 08/07/2026.")
    # A new estimate (10 days of remand deducted) does not override the registry's date.
    sentence_services.terms_update(gated=gate(cpip, person), custody=custody, data={"remand_days": 10})  # fmt: skip
    assert PenalSituation.objects.get(custody=custody).end_date == date(2026, 6, 30)
    prison.refresh_from_db()
    assert (prison.end_date, prison.end_source) == (date(2026, 7, 8), "official")


def test_after_the_release_the_prison_measure_keeps_the_release_date(
    manager, cpip, cpip2, prisoner, site
):
    person, custody = prisoner.person, prisoner.custody
    release(manager, person, cpip2.user, site, kind="end_of_sentence")
    registry_end(cpip, person, custody, date(2026, 7, 8))
    prison = Measure.objects.get(pk=prisoner.prison.pk)
    assert (prison.status, prison.end_date, prison.end_source) == ("ended", TODAY, "release")


def test_a_release_granted_for_another_way_out_is_void_once_the_person_leaves(
    manager, cpip, cpip2, with_safety_period, site
):
    """The parole granted from 15/04/2026 never started: at the end of sentence it is void
    (« non avenue »), journaled, instead of staying « à venir » for ever."""
    person = with_safety_period.person
    lc = Measure.objects.get(person=person, measure_type_id="LC")
    release(manager, person, cpip2.user, site, kind="end_of_sentence")
    lc.refresh_from_db()
    assert lc.status == "void"
    assert AuditEntry.objects.filter(
        object_type="measures.measure", object_id=lc.pk, action="update"
    ).exists()


def test_an_lsc_carried_out_as_a_ddse_keeps_the_person_under_ecrou(
    manager, cpip, cpip2, prisoner, site
):
    """A release under constraint in the form of a DDSE (CPP 720): the person leaves the cell,
    not the écrou; messages reach them again."""
    person = prisoner.person
    lsc = make_measure(cpip, person, code="LSC", start_date=TODAY, duration_months=6,
                       modality="DDSE", today=TODAY)  # fmt: skip
    release(manager, person, cpip2.user, site, kind="lsc")
    custody = CustodyRecord.objects.get(person=person)
    assert custody.release_date is None
    lsc.refresh_from_db()
    assert lsc.status == "active"
    from probatio.messaging.services import held_in_cell

    assert not held_in_cell(person.pk)


def test_a_change_of_establishment_is_a_custody_event_not_a_release(
    cpip, manager, prisoner, service
):
    """The committal goes on under the new establishment and number: the sentence, its dates,
    what it suspended stay; nothing is released."""
    person = prisoner.person
    other = EstablishmentFactory(service=service, name="Centre de détention de Liancourt")
    situation = PenalSituation.objects.get(custody=prisoner.custody)
    ends = (situation.end_date, situation.lc_eligibility_date)
    services.establishment_change(
        membership=cpip, gated=person_get_for(cpip, person.pk), establishment_id=other.pk,
        committal_number="7788", on=TODAY, today=TODAY,
    )  # fmt: skip
    custody = CustodyRecord.objects.get(person=person)
    assert (custody.pk, custody.release_date) == (prisoner.custody.pk, None)
    assert (custody.establishment, custody.committal_number) == (other, "7788")
    situation.refresh_from_db()
    assert (situation.end_date, situation.lc_eligibility_date) == ends
    assert Measure.objects.get(pk=prisoner.prison.pk).status == "active"
    assert TimelineEvent.objects.filter(person=person, title__startswith="Transfert :").exists()
    with pytest.raises(ValidationError, match="déjà écrouée dans cet établissement"):
        services.establishment_change(
            membership=cpip, gated=person_get_for(cpip, person.pk), establishment_id=other.pk,
            committal_number="7789", on=TODAY, today=TODAY,
        )  # fmt: skip
    foreign = EstablishmentFactory()
    with pytest.raises(ValidationError, match="Établissement inconnu"):
        services.establishment_change(
            membership=cpip, gated=person_get_for(cpip, person.pk), establishment_id=foreign.pk,
            committal_number="1", on=TODAY, today=TODAY,
        )  # fmt: skip
    assert CustodyRecord.objects.get(person=person).committal_number == "7788"
