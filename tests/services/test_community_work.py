"""Community work (TIG) on a real database: the order (bounds, its measure or obligation, one per
measure), placing a person (capacity, active placement, approved host, the service's placements,
the TIG's period, the host's supervisors, one active placement), sessions (hours done and
remaining, dates, absences), ending a placement, the progress read in a fixed number of
queries, the échéancier provider, the attestation (PDF) and the end-of-measure report, and the
hosts' figures."""

import io
import threading
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from probatio.access.policy import Action
from probatio.audit.models import AuditEntry
from probatio.community_work import deadlines, documents, rules, selectors, services
from probatio.community_work.models import (
    Assignment,
    HostOrganisation,
    Placement,
    Supervisor,
    TigOrder,
    WorkSession,
)
from probatio.core.deadlines import Query, Severity, collect
from probatio.measures import services as measure_services
from probatio.people.models import Address, Person, TimelineEvent
from probatio.people.selectors import person_get_for
from probatio.reintegration import partners
from probatio.reintegration.models import PartnerEditor
from probatio.reports.models import Report
from tests.factories import (
    CustodyRecordFactory,
    EstablishmentFactory,
    MeasureFactory,
    gate,
    make_decision,
    make_measure,
    make_person,
)

NOW = datetime(2025, 6, 16, 9, 0, tzinfo=UTC)  # a Monday
TODAY = date(2025, 6, 16)
DECIDED = date(2025, 1, 6)
ENFORCEABLE = date(2025, 1, 10)
D = Decimal


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


# --- Helpers (all through the services) -------------------------------------------------------


def tig(membership, person, *, hours=100, months=12, decided=DECIDED, enforceable=ENFORCEABLE,
        offences=None):  # fmt: skip
    """A TIG measure of ``hours`` within ``months``, on a judgment of its own."""
    decision = make_decision(
        membership, person, date=decided, enforceable_date=enforceable, offences=offences,
        today=TODAY,
    )  # fmt: skip
    return make_measure(
        membership, person, code="TIG", decision=decision, hours=hours, duration_months=months,
        today=TODAY,
    )  # fmt: skip


def open_order(membership, person, measure, **data) -> TigOrder:
    return services.order_open(
        gated=gate(membership, person),
        data={
            "measure": measure.pk,
            "hours_ordered": measure.hours,
            "period_months": measure.duration_months,
            "counted_from": measure.decision.enforceable_date,
            **data,
        },
        today=TODAY,
    )


def make_host(manager, name="Mairie d'Amiens", *, postcode="80000", approved=date(2024, 1, 1),
              until=None) -> HostOrganisation:  # fmt: skip
    partner = partners.partner_create(
        membership=manager,
        data={"name": name, "kind": "tig_host", "pathways": ["employment"],
              "postcode": postcode, "phone": "", "email": "", "website": ""},
    )  # fmt: skip
    return services.host_save(
        membership=manager,
        partner=partner,
        data={
            "legal_form": "public_body",
            "approval_court": "Tribunal judiciaire d'Amiens",
            "approval_date": approved,
            "approval_end_date": until,
            "approval_reference": "TIG-2024-01",
        },
    )


def make_supervisor(manager, host, name="Claire Tuteur") -> Supervisor:
    return services.supervisor_save(
        membership=manager, host=host, data={"name": name, "function": "Agent de maîtrise"}
    )


def slots(text: str) -> list[rules.Slot]:
    found, error = rules.parse_schedule_text(text)
    assert error is None, error
    return found


def make_placement(manager, host, *, schedule="lundi 9:00-12:00 ; mercredi 14:00-17:00",
                   capacity=1, postcode="80000", activity="Entretien des espaces verts",
                   supervisor=None, **extra) -> Placement:  # fmt: skip
    return services.placement_save(
        membership=manager,
        host=host,
        data={
            "activity": activity,
            "address": "1 place de l'Hôtel de ville",
            "postcode": postcode,
            "city": "Amiens",
            "capacity": capacity,
            "schedule": slots(schedule),
            "supervisor": supervisor,
            **extra,
        },
    )


def place(membership, person, order, placement, start=date(2025, 2, 3), **data) -> Assignment:
    return services.assign(
        gated=gate(membership, person),
        order=order,
        data={"placement": placement.pk, "start_date": start, **data},
        today=TODAY,
    )


def record(membership, person, assignment, on, hours="3", kind="work", **data) -> WorkSession:
    return services.session_record(
        gated=gate(membership, person),
        assignment=assignment,
        data={"on": on, "kind": kind, "hours": None if hours is None else D(hours), **data},
        today=TODAY,
    )


def messages(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def progress(order, **kwargs):
    return selectors.progress_of([order], today=TODAY, **kwargs)[0]


@pytest.fixture
def host(manager):
    return make_host(manager)


@pytest.fixture
def tutor(manager, host):
    return make_supervisor(manager, host)


@pytest.fixture
def placement(manager, host, tutor):
    return make_placement(manager, host, supervisor=tutor)


@pytest.fixture
def measure(cpip, person):
    return tig(cpip, person)


@pytest.fixture
def order(cpip, person, measure):
    return open_order(cpip, person, measure)


def stored() -> dict[str, int]:
    return {
        "orders": TigOrder.objects.count(),
        "assignments": Assignment.objects.count(),
        "sessions": WorkSession.objects.count(),
        "timeline": TimelineEvent.objects.count(),
        "audit": AuditEntry.objects.exclude(action__in=["read", "list", "denied"]).count(),
    }


# --- Orders ---------------------------------------------------------------------------------------


def test_an_order_opens_with_its_journal_and_its_line_in_the_chronology(cpip, person, measure):
    order = open_order(cpip, person, measure, available_days=["2", 0, 0], skills=" permis B ",
                       postcode="80000")  # fmt: skip
    order.refresh_from_db()
    assert (order.person, order.measure, order.obligation) == (person, measure, None)
    assert (order.hours_ordered, order.period_months, order.counted_from) == (100, 12, ENFORCEABLE)
    assert order.available_days == [0, 2]
    assert order.skills == "permis B"
    assert order.created_by == cpip.user
    entry = AuditEntry.objects.get(object_type="community_work.tigorder", action="create")
    assert entry.person_id == person.pk and entry.object_id == order.pk
    event = TimelineEvent.objects.get(title="TIG de 100 h : suivi ouvert")
    assert event.detail == "Délai de 12 mois à compter du 10/01/2025"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"hours_ordered": 19}, "hours_ordered",
         "Un TIG compte de 20 à 400 heures (CP 131-8) : 19 h n'est pas possible."),
        ({"hours_ordered": 401}, "hours_ordered",
         "Un TIG compte de 20 à 400 heures (CP 131-8) : 401 h n'est pas possible."),
        ({"period_months": 19}, "period_months",
         "Le délai d'exécution d'un TIG est d'un mois à 18 mois (CP 131-22) : 19 mois n'est "
         "pas possible."),
        ({"period_months": 0}, "period_months",
         "Le délai d'exécution d'un TIG est d'un mois à 18 mois (CP 131-22) : 0 mois n'est pas "
         "possible."),
        ({"counted_from": TODAY + timedelta(days=1)}, "counted_from",
         "Cette date ne peut pas être dans le futur."),
        ({"counted_from": None}, "counted_from",
         "Indiquez le jour où la décision est devenue exécutoire."),
        ({"postcode": "8000"}, "postcode",
         "Le code postal compte cinq chiffres (par exemple 80000)."),
        ({"available_days": [7]}, "available_days", "Jour de la semaine inconnu."),
    ],
)  # fmt: skip
def test_an_order_out_of_bounds_is_refused_and_nothing_is_stored(
    cpip, person, measure, data, field, message
):
    before = stored()
    with pytest.raises(ValidationError) as refused:
        open_order(cpip, person, measure, **data)
    assert messages(refused)[field] == [message]
    assert stored() == before


@pytest.mark.parametrize(("hours", "months"), [(20, 1), (400, 18)])
def test_the_bounds_themselves_are_accepted(cpip, person, measure, hours, months):
    order = open_order(cpip, person, measure, hours_ordered=hours, period_months=months)
    assert (order.hours_ordered, order.period_months) == (hours, months)


def test_an_order_only_for_a_tig_measure_of_that_person(cpip, person):
    probation = make_measure(cpip, person, today=TODAY)
    someone_else = make_person(cpip)
    theirs = tig(cpip, someone_else)
    before = stored()
    for measure in (probation, theirs):
        with pytest.raises(ValidationError) as refused:
            open_order(cpip, person, measure, hours_ordered=100, period_months=12)
        assert messages(refused)["__all__"] == ["Mesure de TIG introuvable dans ce dossier."]
    assert stored() == before


def test_an_order_is_for_a_measure_or_an_obligation_never_both_nor_none(cpip, person, measure):
    base = {"hours_ordered": 100, "period_months": 12, "counted_from": ENFORCEABLE}
    for source in ({}, {"measure": measure.pk, "obligation": 1}):
        with pytest.raises(ValidationError) as refused:
            services.order_open(gated=gate(cpip, person), data={**base, **source}, today=TODAY)  # fmt: skip
        assert messages(refused)["__all__"] == ["Un TIG relève d'une mesure ou d'une obligation."]
    assert not TigOrder.objects.exists()


def test_an_order_for_a_tig_obligation_of_probation(cpip, person):
    probation = make_measure(cpip, person, today=TODAY)
    obligation = measure_services.obligation_create(gated=gate(cpip, probation.person), measure=probation, decision=probation.decision, obligation_type_code="TIG", data={"start_date": probation.start_date, "status": "active"})  # fmt: skip
    other = measure_services.obligation_create(gated=gate(cpip, probation.person), measure=probation, decision=probation.decision, obligation_type_code="TRAVAIL_FORMATION", data={"start_date": probation.start_date, "status": "active"})  # fmt: skip
    defaults = services.default_order_data(None, obligation)
    assert defaults == {"counted_from": ENFORCEABLE, "period_months": 18, "hours_ordered": None}
    measures, pending = selectors.tig_sources_without_order(person)
    assert measures == []
    assert [(o.pk, o.start_date, o.measure) for o in pending] == [
        (obligation.pk, obligation.start_date, probation)
    ]
    with pytest.raises(ValidationError) as refused:
        services.source_of(person, None, other.pk)
    assert messages(refused)["__all__"] == ["Obligation de TIG introuvable dans ce dossier."]
    order = services.order_open(
        gated=gate(cpip, person),
        data={"obligation": obligation.pk, **defaults, "hours_ordered": 80},
        today=TODAY,
    )
    assert (order.obligation, order.measure, order.hours_ordered) == (obligation, None, 80)
    assert selectors.tig_sources_without_order(person) == ([], [])


def test_the_form_starts_from_the_measures_hours_and_period(cpip, person, measure):
    assert services.default_order_data(measure, None) == {
        "counted_from": ENFORCEABLE,
        "period_months": 12,
        "hours_ordered": 100,
    }
    assert selectors.tig_sources_without_order(person) == ([measure], [])


def test_one_order_per_measure(cpip, person, measure, order):
    before = stored()
    with pytest.raises(ValidationError) as refused:
        open_order(cpip, person, measure)
    assert messages(refused)["__all__"] == ["Le suivi de ce TIG est déjà ouvert."]
    assert stored() == before
    assert TigOrder.objects.get() == order


def test_the_hours_ordered_cannot_go_below_those_done(cpip, person, order, placement):
    assignment = place(cpip, person, order, placement)
    record(cpip, person, assignment, date(2025, 2, 3), "10")
    record(cpip, person, assignment, date(2025, 2, 5), "10")
    record(cpip, person, assignment, date(2025, 2, 10), "10")
    with pytest.raises(ValidationError) as refused:
        services.order_update(gated=gate(cpip, person), order=order, data={"hours_ordered": 29}, today=TODAY)  # fmt: skip
    assert messages(refused)["hours_ordered"] == [
        "30 h sont déjà effectuées : le nombre d'heures ne peut pas être inférieur."
    ]
    order.refresh_from_db()
    assert order.hours_ordered == 100
    services.order_update(gated=gate(cpip, person), order=order, data={"hours_ordered": 30, "extra_suspension_days": 15}, today=TODAY)  # fmt: skip
    order.refresh_from_db()
    assert (order.hours_ordered, order.extra_suspension_days) == (30, 15)
    entry = AuditEntry.objects.get(object_type="community_work.tigorder", action="update")
    assert set(entry.changes) == {"hours_ordered", "extra_suspension_days"}
    assert progress(order).pace.status == rules.COMPLETED


def test_an_order_of_another_person_is_not_updated(cpip, person, order):
    someone_else = make_person(cpip)
    with pytest.raises(ValidationError):
        services.order_update(gated=gate(cpip, someone_else), order=order, data={"hours_ordered": 50}, today=TODAY)  # fmt: skip
    order.refresh_from_db()
    assert order.hours_ordered == 100


def test_the_db_refuses_an_order_out_of_bounds_even_written_directly(cpip, person, order):
    from django.db import IntegrityError, transaction

    for values in ({"hours_ordered": 19}, {"hours_ordered": 401}, {"period_months": 19}):
        with pytest.raises(IntegrityError), transaction.atomic():
            TigOrder.objects.filter(pk=order.pk).update(**values)


# --- Hosts, supervisors, placements -------------------------------------------------------------


def test_hosts_and_placements_are_for_directory_managers_only(manager, cpip, host, tutor):
    partner = host.partner
    data = {"legal_form": "association", "approval_court": "TJ", "approval_date": date(2024, 1, 1)}
    with pytest.raises(PermissionDenied):
        services.host_save(membership=cpip, partner=partner, data=data)
    with pytest.raises(PermissionDenied):
        make_supervisor(cpip, host, "Refusé")
    with pytest.raises(PermissionDenied):
        make_placement(cpip, host)
    assert HostOrganisation.objects.get().legal_form == "public_body"
    assert list(Supervisor.objects.all()) == [tutor]
    assert not Placement.objects.exists()
    # Once a manager authorised them, a CPIP manages the directory.
    PartnerEditor.objects.create(service=cpip.service, user=cpip.user, granted_by=manager.user)
    placement = make_placement(cpip, host)
    assert placement.code == f"P{placement.pk:05d}"


def test_a_placement_stores_its_schedule_and_refuses_a_supervisor_of_another_host(manager, host):
    placement = make_placement(manager, host, schedule="mercredi 14h-17h30 ; lundi 9:00-12:00")
    assert placement.schedule == [
        {"day": 0, "start": "09:00", "end": "12:00"},
        {"day": 2, "start": "14:00", "end": "17:30"},
    ]
    assert placement.weekly_hours == D("6.5")
    other = make_host(manager, "Emmaüs")
    stranger = make_supervisor(manager, other, "Tuteur d'ailleurs")
    with pytest.raises(ValidationError) as refused:
        make_placement(manager, host, supervisor=stranger)
    assert messages(refused)["supervisor"] == ["Choisissez un tuteur de cette structure."]
    with pytest.raises(ValidationError) as refused:
        make_placement(manager, host, capacity=0)
    assert messages(refused)["capacity"] == ["Un poste accueille au moins une personne."]
    assert Placement.objects.count() == 1


def test_host_data_only_for_a_tig_host_partner(manager):
    partner = partners.partner_create(
        membership=manager,
        data={"name": "Mission locale", "kind": "employment", "pathways": ["employment"],
              "postcode": "80000"},
    )  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        services.host_save(membership=manager, partner=partner, data={
            "legal_form": "association", "approval_court": "TJ",
            "approval_date": date(2024, 1, 1)})  # fmt: skip
    assert "structure d'accueil TIG" in messages(refused)["__all__"][0]
    assert not HostOrganisation.objects.exists()
    with pytest.raises(Http404):
        selectors.host_get_for(manager, partner.pk)


def test_another_services_host_does_not_exist(manager, member, other_service, host):
    foreign_manager = member("manager", service=other_service)
    with pytest.raises(Http404):
        selectors.host_get_for(foreign_manager, host.partner_id)
    with pytest.raises(ValidationError):
        services.host_save(membership=foreign_manager, partner=host.partner, data={
            "legal_form": "association", "approval_court": "TJ",
            "approval_date": date(2024, 1, 1)})  # fmt: skip
    placement = make_placement(manager, host)
    with pytest.raises(Http404):
        selectors.placement_get_for(foreign_manager, placement.pk)
    assert selectors.placement_get_for(manager, placement.pk) == placement


# --- Assignments --------------------------------------------------------------------------------


def test_an_assignment_takes_the_placements_schedule_and_supervisor(cpip, person, order,
                                                                    placement, tutor):  # fmt: skip
    assignment = place(cpip, person, order, placement)
    assert assignment.status == rules.ACTIVE
    assert assignment.supervisor == tutor
    assert assignment.schedule == placement.schedule
    assert assignment.weekly_hours == D(6)
    assert AuditEntry.objects.filter(
        object_type="community_work.assignment", action="create", person_id=person.pk
    ).exists()
    assert TimelineEvent.objects.filter(
        title="TIG : poste « Entretien des espaces verts » (Mairie d'Amiens)"
    ).exists()
    p = progress(order)
    assert p.assignment == assignment
    assert p.pace.offered_per_week == D(6)


def test_a_full_placement_is_refused_until_a_place_is_freed(cpip, member, person, order,
                                                            placement):  # fmt: skip
    place(cpip, person, order, placement)
    second = make_person(cpip)
    second_order = open_order(cpip, second, tig(cpip, second))
    before = stored()
    with pytest.raises(ValidationError) as refused:
        place(cpip, second, second_order, placement)
    assert messages(refused)["placement"] == [
        "Ce poste est complet (1 personne pour 1 place) : choisissez-en un autre ou "
        "attendez qu'une place se libère."
    ]
    assert stored() == before
    # The first person leaves: the place is free again.
    services.assignment_end(gated=gate(cpip, person), assignment=order.assignments.get(), end_date=date(2025, 6, 13), reason="Fin", today=TODAY)  # fmt: skip
    taken = place(cpip, second, second_order, placement, start=date(2025, 6, 16))
    assert taken.placement == placement
    assert Assignment.objects.filter(placement=placement, status="active").get() == taken


def test_a_placement_with_room_for_two_takes_two(cpip, manager, host, person, order):
    wide = make_placement(manager, host, capacity=2)
    place(cpip, person, order, wide)
    second = make_person(cpip)
    place(cpip, second, open_order(cpip, second, tig(cpip, second)), wide)
    third = make_person(cpip)
    with pytest.raises(ValidationError) as refused:
        place(cpip, third, open_order(cpip, third, tig(cpip, third)), wide)
    assert "complet (2 personnes pour 2 places)" in messages(refused)["placement"][0]


def test_an_inactive_placement_or_partner_is_refused(cpip, manager, host, person, order):
    closed = make_placement(manager, host, is_active=False)
    with pytest.raises(ValidationError) as refused:
        place(cpip, person, order, closed)
    assert messages(refused)["placement"] == ["Ce poste n'est plus proposé."]
    open_one = make_placement(manager, host)
    host.partner.is_active = False
    host.partner.save()
    with pytest.raises(ValidationError) as refused:
        place(cpip, person, order, open_one)
    assert messages(refused)["placement"] == ["Ce poste n'est plus proposé."]
    assert not Assignment.objects.exists()


def test_a_host_whose_approval_expired_or_not_yet_started_is_refused(cpip, manager, person, order):
    expired = make_host(manager, "Ressourcerie", approved=date(2023, 1, 1), until=date(2025, 1, 31))
    future = make_host(manager, "Croix-Rouge", approved=date(2025, 3, 1))
    for host in (expired, future):
        with pytest.raises(ValidationError) as refused:
            place(cpip, person, order, make_placement(manager, host), start=date(2025, 2, 3))
        assert messages(refused)["placement"] == [
            "La structure n'est pas habilitée à cette date : vérifiez son habilitation."
        ]
    assert not Assignment.objects.exists()
    # On its last day of approval, the expired host still takes the person.
    last_day = place(cpip, person, order, expired.placements.get(), start=date(2025, 1, 31))
    assert last_day.start_date == date(2025, 1, 31)


def test_another_services_placement_is_not_found(cpip, member, other_service, person, order):
    foreign_manager = member("manager", service=other_service)
    theirs = make_placement(foreign_manager, make_host(foreign_manager, "Mairie d'ailleurs"))
    with pytest.raises(ValidationError) as refused:
        place(cpip, person, order, theirs)
    assert messages(refused)["placement"] == ["Poste introuvable : choisissez un poste du service."]
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("start", [date(2025, 1, 9), date(2026, 1, 11)])
def test_the_start_must_be_within_the_tigs_period(cpip, person, order, placement, start):
    with pytest.raises(ValidationError) as refused:
        place(cpip, person, order, placement, start=start)
    assert messages(refused)["start_date"] == [
        "Le début doit se situer dans le délai du TIG, du 10/01/2025 au 10/01/2026."
    ]
    assert not Assignment.objects.exists()


def test_the_period_bounds_themselves_are_accepted(cpip, person, order, placement, manager, host):
    place(cpip, person, order, placement, start=ENFORCEABLE)
    second = make_person(cpip)
    other = make_placement(manager, host)
    late = place(cpip, second, open_order(cpip, second, tig(cpip, second)), other,
                 start=date(2026, 1, 10))  # fmt: skip
    assert late.start_date == date(2026, 1, 10)


def test_the_supervisor_must_be_an_active_one_of_that_host(cpip, manager, person, order,
                                                          placement, host):  # fmt: skip
    stranger = make_supervisor(manager, make_host(manager, "Emmaüs"), "Tuteur d'Emmaüs")
    retired = services.supervisor_save(
        membership=manager, host=host, data={"name": "Ancien tuteur", "is_active": False}
    )
    for supervisor in (stranger, retired):
        with pytest.raises(ValidationError) as refused:
            place(cpip, person, order, placement, supervisor=supervisor.pk)
        assert messages(refused)["supervisor"] == ["Choisissez un tuteur de cette structure."]
    assert not Assignment.objects.exists()


def test_a_second_active_assignment_is_refused(cpip, manager, host, person, order, placement):
    first = place(cpip, person, order, placement)
    other = make_placement(manager, host, activity="Peinture", capacity=3)
    before = stored()
    with pytest.raises(ValidationError) as refused:
        place(cpip, person, order, other)
    assert messages(refused)["__all__"] == [
        "Ce TIG a déjà une affectation en cours : terminez-la d'abord."
    ]
    assert stored() == before
    assert list(Assignment.objects.filter(order=order)) == [first]


def test_a_completed_tig_is_not_placed_again(cpip, manager, host, person, placement):
    order = open_order(cpip, person, tig(cpip, person, hours=20))
    assignment = place(cpip, person, order, placement)
    record(cpip, person, assignment, date(2025, 2, 3), "10")
    record(cpip, person, assignment, date(2025, 2, 5), "10")
    services.assignment_end(gated=gate(cpip, person), assignment=assignment, end_date=date(2025, 2, 5), reason="", today=TODAY)  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        place(cpip, person, order, make_placement(manager, host))
    assert messages(refused)["__all__"] == ["Toutes les heures de ce TIG sont effectuées."]


# --- Sessions -----------------------------------------------------------------------------------


@pytest.fixture
def assignment(cpip, person, order, placement):
    return place(cpip, person, order, placement)


def test_sessions_add_up_to_the_hours_done_and_remaining(cpip, person, order, assignment, tutor):
    record(cpip, person, assignment, date(2025, 2, 3), "3", signed_by=tutor, remarks="Ponctuel.")
    record(cpip, person, assignment, date(2025, 2, 5), "2.75")
    record(cpip, person, assignment, date(2025, 2, 10), None, kind="absence_unexcused")
    assert services.done_hours(order) == D("5.75")
    p = progress(order)
    assert (p.done, p.remaining) == (D("5.75"), D("94.25"))
    assert p.percent == 5
    absence = WorkSession.objects.get(kind="absence_unexcused")
    assert absence.hours == 0
    first = WorkSession.objects.get(on=date(2025, 2, 3))
    assert (first.signed_by, first.remarks, first.source) == (tutor, "Ponctuel.", "staff")
    assert TimelineEvent.objects.filter(title="TIG : 3 h effectuées").exists()
    assert TimelineEvent.objects.filter(title="TIG : absence non justifiée").exists()
    assert (
        AuditEntry.objects.filter(
            object_type="community_work.worksession", action="create", person_id=person.pk
        ).count()
        == 3
    )


def test_hours_beyond_those_ordered_are_refused(cpip, person, placement):
    order = open_order(cpip, person, tig(cpip, person, hours=20))
    assignment = place(cpip, person, order, placement)
    record(cpip, person, assignment, date(2025, 2, 3), "10")
    record(cpip, person, assignment, date(2025, 2, 5), "9.75")
    before = stored()
    with pytest.raises(ValidationError) as refused:
        record(cpip, person, assignment, date(2025, 2, 10), "0.5")
    assert messages(refused)["hours"] == [
        "Ces heures dépassent celles qui restent à effectuer (0,25 h) : vérifiez la feuille "
        "d'heures."
    ]
    assert stored() == before
    record(cpip, person, assignment, date(2025, 2, 10), "0.25")
    assert progress(order).pace.status == rules.COMPLETED


@pytest.mark.parametrize(
    ("on", "message"),
    [
        (date(2025, 2, 2), "Cette date est en dehors de l'affectation (du 03/02/2025)."),
        (TODAY + timedelta(days=1), "La date ne peut pas être dans le futur."),
        (None, "Indiquez la date."),
    ],
)
def test_a_session_is_dated_within_its_assignment_and_never_in_the_future(
    cpip, person, assignment, on, message
):
    with pytest.raises(ValidationError) as refused:
        record(cpip, person, assignment, on, "3")
    assert messages(refused)["on"] == [message]
    assert not WorkSession.objects.exists()


def test_a_session_after_the_end_of_the_assignment_is_refused(cpip, person, assignment):
    services.assignment_end(gated=gate(cpip, person), assignment=assignment, end_date=date(2025, 3, 31), reason="", today=TODAY)  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        record(cpip, person, assignment, date(2025, 4, 2), "3")
    assert messages(refused)["on"] == [
        "Cette date est en dehors de l'affectation (du 03/02/2025 au 31/03/2025)."
    ]
    # On its last day, still fine.
    record(cpip, person, assignment, date(2025, 3, 31), "3")


def test_the_same_day_twice_is_refused(cpip, person, order, assignment):
    record(cpip, person, assignment, date(2025, 2, 3), "3")
    before = stored()
    with pytest.raises(ValidationError) as refused:
        record(cpip, person, assignment, date(2025, 2, 3), "2")
    assert messages(refused)["on"] == ["Une séance de ce type est déjà enregistrée ce jour-là."]
    assert stored() == before
    assert services.done_hours(order) == D(3)


def test_absences_and_incidents_carry_no_hours(cpip, person, order, assignment):
    with pytest.raises(ValidationError) as refused:
        record(cpip, person, assignment, date(2025, 2, 3), "3", kind="absence_excused")
    assert messages(refused)["hours"] == ["Une absence ou un incident ne compte pas d'heures."]
    record(cpip, person, assignment, date(2025, 2, 3), None, kind="absence_excused")
    record(cpip, person, assignment, date(2025, 2, 5), None, kind="incident", remarks="Retard.")
    assert services.done_hours(order) == 0
    with pytest.raises(ValidationError) as refused:
        record(cpip, person, assignment, date(2025, 2, 10), None, kind="holiday")
    assert messages(refused)["kind"] == ["Choisissez le type de séance."]


def test_a_session_signed_by_a_supervisor_of_another_host_is_refused(cpip, manager, person,
                                                                    assignment):  # fmt: skip
    stranger = make_supervisor(manager, make_host(manager, "Emmaüs"), "Tuteur d'Emmaüs")
    with pytest.raises(ValidationError) as refused:
        record(cpip, person, assignment, date(2025, 2, 3), "3", signed_by=stranger)
    assert messages(refused)["signed_by"] == ["Choisissez un tuteur de la structure."]
    assert not WorkSession.objects.exists()


def test_a_session_of_another_persons_assignment_is_refused(cpip, assignment):
    someone_else = make_person(cpip)
    with pytest.raises(ValidationError):
        record(cpip, someone_else, assignment, date(2025, 2, 3), "3")
    assert not WorkSession.objects.exists()


# --- Ending an assignment -----------------------------------------------------------------------


def test_an_assignment_does_not_end_before_its_last_session(cpip, person, order, assignment):
    record(cpip, person, assignment, date(2025, 3, 12), "3")
    with pytest.raises(ValidationError) as refused:
        services.assignment_end(gated=gate(cpip, person), assignment=assignment, end_date=date(2025, 3, 11), reason="", today=TODAY)  # fmt: skip
    assert messages(refused)["end_date"] == [
        "Une séance est enregistrée le 12/03/2025 : la fin ne peut pas la précéder."
    ]
    assignment.refresh_from_db()
    assert (assignment.status, assignment.end_date) == ("active", None)
    ended = services.assignment_end(gated=gate(cpip, person), assignment=assignment, end_date=date(2025, 3, 12), reason=" Déménagement ", today=TODAY)  # fmt: skip
    ended.refresh_from_db()
    assert (ended.status, ended.end_date, ended.end_reason) == (
        "ended",
        date(2025, 3, 12),
        "Déménagement",
    )
    assert progress(order).assignment is None
    with pytest.raises(ValidationError) as refused:
        services.assignment_end(gated=gate(cpip, person), assignment=ended, end_date=date(2025, 3, 13), reason="", today=TODAY)  # fmt: skip
    assert messages(refused)["__all__"] == ["Cette affectation est déjà terminée."]


def test_a_placement_with_hours_cannot_be_cancelled(cpip, person, assignment):
    record(cpip, person, assignment, date(2025, 3, 12), "3")
    with pytest.raises(ValidationError) as refused:
        services.assignment_end(gated=gate(cpip, person), assignment=assignment, end_date=date(2025, 3, 12), reason="", cancel=True, today=TODAY)  # fmt: skip
    assert "terminez l'affectation plutôt que de l'annuler" in messages(refused)["cancel"][0]
    assignment.refresh_from_db()
    assert assignment.status == "active"


@pytest.mark.parametrize(
    ("end", "message"),
    [
        (date(2025, 2, 2), "La fin ne peut pas précéder le début."),
        (TODAY + timedelta(days=1), "La fin ne peut pas être dans le futur."),
        (None, "Indiquez la date de fin."),
    ],
)
def test_bad_end_dates_are_refused(cpip, person, assignment, end, message):
    with pytest.raises(ValidationError) as refused:
        services.assignment_end(gated=gate(cpip, person), assignment=assignment, end_date=end, reason="", today=TODAY)  # fmt: skip
    assert messages(refused)["end_date"] == [message]
    assignment.refresh_from_db()
    assert assignment.status == "active"


def test_a_cancelled_assignment(cpip, person, order, assignment):
    services.assignment_end(gated=gate(cpip, person), assignment=assignment, end_date=date(2025, 2, 3), reason="Jamais venu", cancel=True, today=TODAY)  # fmt: skip
    assignment.refresh_from_db()
    assert assignment.status == "cancelled"
    assert progress(order).pace.status == rules.NO_PLACEMENT


# --- Progress -----------------------------------------------------------------------------------


def test_custody_and_house_arrest_inside_the_period_extend_the_deadline(cpip, person, order,
                                                                        service):  # fmt: skip
    prison = EstablishmentFactory(service=service)
    CustodyRecordFactory(person=person, establishment=prison,
                         committal_date=date(2025, 2, 1), release_date=date(2025, 2, 10))  # fmt: skip
    MeasureFactory(person=person, measure_type_id="ARSE", start_date=date(2025, 3, 1),
                   end_date=date(2025, 3, 5), duration_months=None)  # fmt: skip
    # A custody before the period does not count.
    CustodyRecordFactory(person=person, establishment=prison,
                         committal_date=date(2024, 1, 1), release_date=date(2024, 2, 1))  # fmt: skip
    p = progress(order)
    assert p.deadline.base == date(2026, 1, 10)
    assert p.deadline.suspended_days == 15
    assert p.deadline.day == date(2026, 1, 25)


def test_an_ongoing_custody_counts_until_today(cpip, person, order, service):
    CustodyRecordFactory(person=person, establishment=EstablishmentFactory(service=service),
                         committal_date=date(2025, 6, 7), release_date=None)  # fmt: skip
    found = selectors.suspensions_of([person.pk], today=TODAY)
    assert found[person.pk] == [(date(2025, 6, 7), TODAY)]
    assert progress(order).deadline.suspended_days == 10


def test_no_placement_two_months_after_the_decision(cpip, person, order):
    p = progress(order)
    assert p.pace.status == rules.NO_PLACEMENT
    assert p.no_placement_since == date(2025, 3, 10)
    recent_person = make_person(cpip)
    recent = open_order(cpip, recent_person,
                        tig(cpip, recent_person, decided=date(2025, 5, 1),
                            enforceable=date(2025, 5, 1)))  # fmt: skip
    assert progress(recent).no_placement_since is None  # alert from 01/07/2025


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries.captured_queries)


def add_tig_with_sessions(cpip, manager, host, n: int):
    person = make_person(cpip)
    order = open_order(cpip, person, tig(cpip, person))
    assignment = place(cpip, person, order, make_placement(manager, host, activity=f"Poste {n}"))
    record(cpip, person, assignment, date(2025, 2, 3), "3")
    record(cpip, person, assignment, date(2025, 2, 5), None, kind="absence_excused")
    return person


def test_progress_reads_a_fixed_number_of_queries_whatever_the_number_of_orders(
    cpip, manager, host
):
    add_tig_with_sessions(cpip, manager, host, 0)
    everyone = Person.objects.filter(service=cpip.service)

    def counts():
        plain = list(TigOrder.objects.all())
        annotated = list(selectors.orders_of(everyone))
        return (
            count_queries(lambda: selectors.progress_of(plain, today=TODAY)),
            count_queries(lambda: selectors.progress_of(annotated, today=TODAY)),
            count_queries(lambda: selectors.progress_of(annotated, today=TODAY,
                                                        with_details=True)),
        )  # fmt: skip

    one = counts()
    for n in range(1, 5):
        add_tig_with_sessions(cpip, manager, host, n)
    assert TigOrder.objects.count() == 5
    assert counts() == one
    rows = selectors.progress_of(list(selectors.orders_of(everyone)), today=TODAY,
                                 with_details=True)  # fmt: skip
    assert [r.done for r in rows] == [D(3)] * 5
    assert all(len(r.sessions) == 2 and len(r.assignments) == 1 for r in rows)


def test_orders_of_annotates_the_hours_done(cpip, person, order, assignment):
    record(cpip, person, assignment, date(2025, 2, 3), "3.5")
    record(cpip, person, assignment, date(2025, 2, 5), "2")
    record(cpip, person, assignment, date(2025, 2, 10), None, kind="absence_unexcused")
    [annotated] = selectors.orders_of(Person.objects.filter(pk=person.pk))
    assert annotated.done_hours == D("5.5")
    assert progress(annotated).done == D("5.5")


def test_open_orders_leave_out_closed_measures(cpip, person, order, measure):
    assert list(selectors.open_orders_of(Person.objects.all())) == [order]
    measure.status = "ended"
    measure.save()
    assert list(selectors.open_orders_of(Person.objects.all())) == []


# --- Matching -----------------------------------------------------------------------------------


def test_suggestions_rank_the_service_placements_that_suit(cpip, manager, member, other_service,
                                                          person, order):  # fmt: skip
    services.order_update(gated=gate(cpip, person), order=order, data={
        "available_days": [0, 2], "postcode": "80000", "needs_public_transport": True,
        "skills": "permis B"}, today=TODAY)  # fmt: skip
    host = make_host(manager)
    near = make_placement(manager, host, activity="Près", postcode="80000",
                          schedule="lundi 9-12")  # fmt: skip
    same_dept = make_placement(manager, host, activity="Même département", postcode="80100",
                               schedule="lundi 9-12 ; mercredi 9-12")  # fmt: skip
    both_days = make_placement(manager, host, activity="Deux jours", postcode="80000",
                               schedule="lundi 9-12 ; mercredi 9-12")  # fmt: skip
    far = make_placement(manager, host, activity="Loin", postcode="60000")
    no_bus = make_placement(manager, host, activity="Sans bus", public_transport=False)
    licence = make_placement(manager, host, activity="Permis", skills="Permis B")
    truck = make_placement(manager, host, activity="Poids lourd", skills="permis C")
    make_placement(manager, host, activity="Fermé", is_active=False)
    expired = make_host(manager, "Expirée", approved=date(2023, 1, 1), until=date(2025, 5, 31))
    make_placement(manager, expired, activity="Habilitation expirée")
    foreign_manager = member("manager", service=other_service)
    make_placement(foreign_manager, make_host(foreign_manager, "Ailleurs"), activity="Ailleurs")
    # Full until 30/06: available on 01/07, after those free today.
    full = make_placement(manager, host, activity="Complet", postcode="80000",
                          schedule="lundi 9-12 ; mercredi 9-12")  # fmt: skip
    other = make_person(cpip)
    place(cpip, other, open_order(cpip, other, tig(cpip, other)), full,
          end_date=date(2025, 6, 30))  # fmt: skip
    # Full with no planned end: no date to offer, among those that do not suit.
    closed_for_good = make_placement(manager, host, activity="Sans date")
    third = make_person(cpip)
    place(cpip, third, open_order(cpip, third, tig(cpip, third)), closed_for_good)

    suitable, others = selectors.suggestions_for(order, manager.service_id, today=TODAY)
    assert [s.placement.activity for s in suitable] == [
        "Deux jours", "Permis", "Près", "Même département", "Complet",
    ]  # fmt: skip
    assert suitable[0].days_in_common == ["lundi", "mercredi"]
    assert suitable[0].free == 1 and suitable[0].available_on == TODAY
    assert suitable[-1].available_on == date(2025, 7, 1) and suitable[-1].free == 0
    reasons = {p.activity: why for p, why in others}
    assert reasons == {
        "Loin": ["hors du département de la personne"],
        "Sans bus": ["non desservi par les transports en commun"],
        "Poids lourd": ["compétence requise : permis c"],
        "Sans date": ["complet, sans fin d'affectation prévue"],
    }
    assert {near, same_dept, both_days, licence, full} == {s.placement for s in suitable}
    assert {far, no_bus, truck, closed_for_good} == {p for p, _ in others}


def test_wishes_take_the_current_address_when_the_order_has_no_postcode(cpip, person, order):
    Address.objects.create(person=person, line1="2 rue Neuve", postcode="80090", city="Amiens",
                           valid_from=date(2024, 1, 1))  # fmt: skip
    Address.objects.create(person=person, line1="Ancienne", postcode="62000", city="Arras",
                           valid_from=date(2020, 1, 1), valid_to=date(2023, 12, 31))  # fmt: skip
    wishes = selectors.wishes_of(order)
    assert (wishes.postcode, wishes.department) == ("80090", "80")
    order.postcode = "02100"
    assert selectors.wishes_of(order).department == "02"


def test_occupancy_gives_free_places_and_when_one_frees(cpip, manager, host, person, order):
    wide = make_placement(manager, host, capacity=2)
    place(cpip, person, order, wide, end_date=date(2025, 6, 10))  # planned end already past
    info = selectors.occupancy([wide], today=TODAY)[wide.pk]
    assert (info["free"], info["available_on"]) == (1, TODAY)
    second = make_person(cpip)
    place(cpip, second, open_order(cpip, second, tig(cpip, second)), wide,
          end_date=date(2025, 8, 31))  # fmt: skip
    info = selectors.occupancy([wide], today=TODAY)[wide.pk]
    # Full: a planned end already past frees nothing until that placement is ended, so a place
    # frees the day after the other's planned end.
    assert (info["free"], info["available_on"]) == (0, date(2025, 9, 1))
    assert len(info["assignments"]) == 2


# --- The échéancier -----------------------------------------------------------------------------


def items_of(service, *persons, today=TODAY, until=None):
    query = Query(
        persons=Person.objects.filter(pk__in=[p.pk for p in persons]),
        today=today,
        until=until or today + timedelta(days=60),
        service_id=service.pk,
    )
    return collect(query, kinds=["community_work"])


def test_a_tig_without_placement_two_months_after_the_decision_is_an_alert(cpip, service, person,
                                                                          order):  # fmt: skip
    [item] = items_of(service, person)
    assert item.due == date(2025, 3, 10)
    assert item.severity == Severity.ALERT
    assert item.label == (
        "TIG sans poste deux mois après la décision : 100 h à effectuer avant le 10/01/2026"
    )
    assert item.kind == "community_work"
    assert item.url == f"/personnes/{person.pk}/tig/#tig-{order.pk}"
    assert item.staff_ids == {cpip.user_id}


def test_a_recent_tig_without_placement_is_an_alert_due_today(cpip, service):
    person = make_person(cpip)
    open_order(cpip, person, tig(cpip, person, decided=date(2025, 5, 1),
                                 enforceable=date(2025, 5, 1)))  # fmt: skip
    [item] = items_of(service, person)
    assert (item.due, item.severity) == (TODAY, Severity.ALERT)
    assert item.label == "TIG sans poste en cours : 100 h à effectuer avant le 01/05/2026"


def test_a_late_tig_is_an_alert_due_today(cpip, manager, host, service, person, order):
    short = make_placement(manager, host, schedule="lundi 9:00-10:00")
    assignment = place(cpip, person, order, short)
    record(cpip, person, assignment, date(2025, 2, 3), "1")
    [item] = items_of(service, person)
    assert (item.due, item.severity) == (TODAY, Severity.ALERT)
    # 99 h over 209 days (16/06/2025 to 10/01/2026 inclusive) = 29.857… weeks: 3.3 h a week.
    assert item.label == (
        "TIG en retard : 99 h à effectuer avant le 10/01/2026, 3,3 h par semaine nécessaires, "
        "1 h offertes par le poste"
    )


def test_a_tig_on_pace_far_from_its_deadline_gives_nothing(cpip, service, person, order,
                                                          assignment):  # fmt: skip
    assert progress(order).pace.status == rules.ON_PACE
    assert items_of(service, person) == []


def test_the_deadline_is_announced_sixty_days_ahead(cpip, manager, host, service):
    person = make_person(cpip)
    # Counted from 10/01/2025 for 7 months: deadline 10/08/2025, 55 days from today.
    order = open_order(cpip, person, tig(cpip, person, hours=20), period_months=7)
    assignment = place(cpip, person, order, make_placement(manager, host))
    record(cpip, person, assignment, date(2025, 2, 3), "10")
    [item] = items_of(service, person)
    assert (item.due, item.severity) == (date(2025, 8, 10), Severity.INFO)
    assert item.label == "Fin du délai du TIG : 10 h encore à effectuer"
    # 61 days before it, nothing yet.
    assert items_of(service, person, today=date(2025, 6, 10)) == []
    assert [i.severity for i in items_of(service, person, today=date(2025, 6, 11))] == [
        Severity.INFO
    ]


def test_an_overdue_tig_is_an_alert_on_its_deadline(cpip, manager, host, service):
    person = make_person(cpip)
    # Counted from 10/01/2025 for 4 months: deadline 10/05/2025, past.
    order = open_order(cpip, person, tig(cpip, person, hours=40), period_months=4)
    assignment = place(cpip, person, order, make_placement(manager, host))
    record(cpip, person, assignment, date(2025, 2, 3), "10")
    [item] = items_of(service, person)
    assert (item.due, item.severity) == (date(2025, 5, 10), Severity.ALERT)
    assert item.label == "Délai du TIG dépassé le 10/05/2025 : 30 h non effectuées"
    assert item.is_overdue(TODAY)


def test_a_completed_tig_gives_nothing(cpip, manager, host, service):
    person = make_person(cpip)
    order = open_order(cpip, person, tig(cpip, person, hours=20), period_months=4)
    assignment = place(cpip, person, order, make_placement(manager, host))
    record(cpip, person, assignment, date(2025, 2, 3), "10")
    record(cpip, person, assignment, date(2025, 2, 5), "10")
    services.assignment_end(gated=gate(cpip, person), assignment=assignment, end_date=date(2025, 2, 5), reason="", today=TODAY)  # fmt: skip
    assert items_of(service, person) == []


def test_the_provider_reads_a_fixed_number_of_queries(cpip, manager, host, service):
    def add(n):
        add_tig_with_sessions(cpip, manager, host, n)  # on pace: no item
        waiting = make_person(cpip)
        open_order(cpip, waiting, tig(cpip, waiting))  # no placement: an alert
        return waiting

    first = add(0)
    query = Query(persons=Person.objects.filter(service=service), today=TODAY,
                  until=TODAY + timedelta(days=60), service_id=service.pk)  # fmt: skip
    one = count_queries(lambda: deadlines.tig_items(query))
    waiting = [first] + [add(n) for n in range(1, 4)]
    assert count_queries(lambda: deadlines.tig_items(query)) == one
    assert sorted(i.person_id for i in deadlines.tig_items(query)) == sorted(p.pk for p in waiting)


# --- Documents ----------------------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def worked(cpip, manager, host, tutor, placement):
    """A person with a TIG of 40 h: 12 h at the town hall, 8 h at a second host, absences."""
    person = make_person(cpip, surname="Dupont", first_names="Jean", birth_date=date(1990, 5, 4))
    measure = tig(cpip, person, hours=40, offences=[
        {"label": "Dégradation de mobilier urbain", "qualification": "delit", "natinf": "7875"}
    ])  # fmt: skip
    order = open_order(cpip, person, measure)
    first = place(cpip, person, order, placement)
    record(cpip, person, first, date(2025, 2, 3), "6", signed_by=tutor, remarks="Travail soigné.")
    record(cpip, person, first, date(2025, 2, 5), "6")
    record(cpip, person, first, date(2025, 2, 10), None, kind="absence_unexcused")
    services.assignment_end(gated=gate(cpip, person), assignment=first, end_date=date(2025, 2, 12), reason="", today=TODAY)  # fmt: skip
    second_host = make_host(manager, "Banque alimentaire")
    second = place(cpip, person, order,
                   make_placement(manager, second_host, activity="Préparation des colis"),
                   start=date(2025, 3, 3))  # fmt: skip
    record(cpip, person, second, date(2025, 3, 3), "3")
    record(cpip, person, second, date(2025, 3, 5), "5")
    record(cpip, person, second, date(2025, 3, 10), None, kind="incident",
           remarks="Tenue inadaptée.")  # fmt: skip
    return person, order


def test_the_attestation_proves_the_hours_and_nothing_more(cpip, worked):
    person, order = worked
    attestation = documents.attestation_for(progress(order, with_details=True), today=TODAY)  # fmt: skip
    assert attestation.person_name == "Jean DUPONT"
    assert attestation.hours_done == D(20)
    assert not attestation.complete
    assert [(line.host, line.hours, line.first, line.last) for line in attestation.lines] == [
        ("Mairie d'Amiens", D(12), date(2025, 2, 3), date(2025, 2, 5)),
        ("Banque alimentaire", D(8), date(2025, 3, 3), date(2025, 3, 5)),
    ]
    assert (attestation.first, attestation.last) == (date(2025, 2, 3), date(2025, 3, 5))
    content = documents.render_attestation(attestation)
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert "Jean DUPONT" in text
    assert "né le 04/05/1990" in text  # the person's sex is known
    assert attestation.measure == (
        "Travail d'intérêt général — Tribunal judiciaire de Test, décision du 06/01/2025"
    )
    assert "heures" in text
    assert "20 h" in text and "40 heures" in text
    assert "Mairie d'Amiens" in text and "Banque alimentaire" in text
    assert "10/01/2026" in text  # still to be completed by the deadline
    assert "Dégradation" not in text and "mobilier" not in text
    assert "Tenue inadaptée" not in text


def test_a_placement_with_no_hour_is_left_out_of_the_attestation(cpip, manager, person, order,
                                                                 assignment):  # fmt: skip
    record(cpip, person, assignment, date(2025, 2, 3), None, kind="absence_excused")
    attestation = documents.attestation_for(progress(order, with_details=True), today=TODAY)  # fmt: skip
    assert attestation.lines == []
    assert attestation.first is None
    assert "Aucune heure enregistrée à ce jour." in pdf_text(
        documents.render_attestation(attestation)
    )


def test_the_report_text_gives_hours_placements_absences_incidents_and_remarks(worked):
    _, order = worked
    text = documents.report_text(progress(order, with_details=True))
    assert text.splitlines() == [
        "Travail d'intérêt général de 40 heures, délai de 12 mois à compter du 10/01/2025 "
        "(échéance le 10/01/2026).",
        "Heures effectuées : 20 h sur 40 h. Reste à effectuer : 20 h.",
        "- Entretien des espaces verts (Mairie d'Amiens) : 12 h, du 03/02/2025 au 05/02/2025.",
        "- Préparation des colis (Banque alimentaire) : 8 h, du 03/03/2025 au 05/03/2025.",
        "Absences signalées par la structure : 1, dont 1 non justifiée.",
        "Incident signalé le 10/03/2025 : Tenue inadaptée.",
        "Observations des structures d'accueil :",
        "- 03/02/2025 : Travail soigné.",
    ]


# The day after the deadline (10/01/2026): 20 hours left, the TIG is overdue.
AFTER_DEADLINE = date(2026, 1, 11)


def test_the_end_report_waits_for_the_tig_to_be_completed_or_overdue(cpip, worked):
    person, order = worked
    gated = person_get_for(cpip, person.pk, action=Action.DRAFT_REPORT)
    with pytest.raises(ValidationError, match="une fois toutes les heures effectuées"):
        documents.end_report_create(membership=cpip, gated=gated,
                                    progress=progress(order, with_details=True),
                                    today=TODAY)  # fmt: skip
    assert not Report.objects.exists()


def test_the_end_report_starts_its_compliance_section_with_the_tig(cpip, worked):
    person, order = worked
    gated = person_get_for(cpip, person.pk, action=Action.DRAFT_REPORT)
    p = selectors.progress_of([order], today=AFTER_DEADLINE, with_details=True)[0]
    assert p.pace.status == rules.OVERDUE
    report = documents.end_report_create(
        membership=cpip, gated=gated, progress=p, today=AFTER_DEADLINE
    )
    report.refresh_from_db()
    assert report.kind == "end_of_measure"
    assert report.measure == order.measure
    assert report.status == "draft"
    compliance = next(s for s in report.sections if s["key"] == "compliance")
    assert compliance["text"].startswith(documents.report_text(p) + "\n\n")
    assert compliance["text"].startswith("Travail d'intérêt général de 40 heures")


def test_only_those_who_draft_reports_start_the_end_report(secretariat, worked):
    person, order = worked
    gated = person_get_for(secretariat, person.pk)
    with pytest.raises(PermissionDenied):
        documents.end_report_create(
            membership=secretariat,
            gated=gated,
            progress=selectors.progress_of([order], today=AFTER_DEADLINE, with_details=True)[0],
            today=AFTER_DEADLINE,
        )


# --- The hosts' figures ---------------------------------------------------------------------------


def test_host_figures_count_places_occupied_and_hours_per_month(cpip, manager, host, placement):
    wide = make_placement(manager, host, activity="Peinture", capacity=3)
    make_placement(manager, host, activity="Fermé", capacity=5, is_active=False)
    empty = make_host(manager, "Banque alimentaire")
    people = []
    for target in (placement, wide, wide):
        person = make_person(cpip)
        order = open_order(cpip, person, tig(cpip, person))
        people.append((person, place(cpip, person, order, target)))
    (p1, a1), (p2, a2), _ = people
    record(cpip, p1, a1, date(2025, 2, 3), "3")
    record(cpip, p1, a1, date(2025, 2, 5), "2.5")
    record(cpip, p2, a2, date(2025, 6, 2), "4")
    record(cpip, p2, a2, date(2025, 6, 4), None, kind="absence_excused")
    # A session thirteen months ago is outside the twelve months shown.
    old_person = make_person(cpip)
    old_order = open_order(cpip, old_person, tig(cpip, old_person, months=18,
                                                 decided=date(2024, 4, 1),
                                                 enforceable=date(2024, 4, 1)))  # fmt: skip
    old = place(cpip, old_person, old_order, wide, start=date(2024, 5, 6),
                end_date=date(2024, 5, 31))  # fmt: skip
    record(cpip, old_person, old, date(2024, 5, 6), "7")
    services.assignment_end(gated=gate(cpip, old_person), assignment=old, end_date=date(2024, 5, 31), reason="", today=TODAY)  # fmt: skip

    with CaptureQueriesContext(connection) as queries:
        rows = selectors.host_figures(manager.service_id, today=TODAY)
    assert len(queries.captured_queries) == 4
    assert [r.host.partner.name for r in rows] == ["Banque alimentaire", "Mairie d'Amiens"]
    bank, town = rows
    assert (bank.host, bank.placements, bank.places, bank.occupied, bank.total_hours) == (
        empty,
        0,
        0,
        0,
        0,
    )
    assert (town.placements, town.places, town.occupied) == (2, 4, 3)
    assert list(town.hours_by_month) == selectors.months_back(TODAY, 12)
    assert town.hours_by_month[date(2025, 2, 1)] == D("5.5")
    assert town.hours_by_month[date(2025, 6, 1)] == D(4)
    assert town.hours_by_month[date(2025, 3, 1)] == 0
    assert town.total_hours == D("9.5")


def test_months_back():
    assert selectors.months_back(date(2025, 6, 16), 12)[0] == date(2024, 7, 1)
    assert selectors.months_back(date(2025, 6, 16), 12)[-1] == date(2025, 6, 1)
    assert selectors.months_back(date(2025, 3, 31), 3) == [
        date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)
    ]  # fmt: skip


# --- Joined into the caseload's list -------------------------------------------------------------


def joined(person) -> selectors.Progress:
    persons = list(selectors.with_tig(Person.objects.filter(pk=person.pk), today=TODAY))
    found = selectors.progress_from_annotations(persons, today=TODAY)
    assert len(found) == 1
    return found[0]


def same_progress(a: selectors.Progress, b: selectors.Progress) -> None:
    assert (a.order.pk, a.done, a.deadline, a.pace, a.no_placement_since) == (
        b.order.pk,
        b.done,
        b.deadline,
        b.pace,
        b.no_placement_since,
    )


def test_the_joined_progress_is_the_same_as_the_progress(cpip, person, order, assignment):
    same_progress(joined(person), progress(order))  # placed, nothing done yet
    record(cpip, person, assignment, date(2025, 2, 3), "3")
    record(cpip, person, assignment, date(2025, 2, 5), "2.5")
    same_progress(joined(person), progress(order))
    services.assignment_end(gated=gate(cpip, person), assignment=assignment, end_date=date(2025, 2, 5), reason="", today=TODAY)  # fmt: skip
    same_progress(joined(person), progress(order))  # no placement any more


def test_the_joined_progress_counts_custody_too(cpip, person, order):
    CustodyRecordFactory(
        person=person, committal_date=date(2025, 3, 1), release_date=date(2025, 3, 20)
    )
    p = joined(person)
    assert p.deadline.suspended_days == 20
    same_progress(p, progress(order))


def test_the_joined_progress_reads_no_query_without_custody(
    cpip, person, order, assignment, django_assert_num_queries
):
    persons = list(selectors.with_tig(Person.objects.filter(pk=person.pk), today=TODAY))
    with django_assert_num_queries(0):
        selectors.progress_from_annotations(persons, today=TODAY)


def test_the_caseloads_tig_items_are_those_of_the_echeancier(cpip, person, order, assignment):
    tig_items = deadlines.tig_items
    services.assignment_end(gated=gate(cpip, person), assignment=assignment, end_date=date(2025, 2, 3), reason="", today=TODAY)  # fmt: skip
    persons = Person.objects.filter(pk=person.pk)
    base = {
        "persons": persons,
        "today": TODAY,
        "until": TODAY + timedelta(days=365),
        "service_id": person.service_id,
        "with_staff": False,
    }
    joined_items = tig_items(
        Query(
            **base,
            tig_progress=selectors.progress_from_annotations(
                list(selectors.with_tig(persons, today=TODAY)), today=TODAY
            ),
        )
    )
    assert joined_items == tig_items(Query(**base))
    assert any("sans poste" in item.label for item in joined_items)


# --- The deadline bounds the sessions; a planned end passed; two TIGs of one person --------------


def short_order(cpip, person):
    """20 h within 2 months from 07/04/2025: the period ends on 07/06/2025."""
    measure = tig(cpip, person, hours=20, months=2, decided=date(2025, 4, 1),
                  enforceable=date(2025, 4, 7))  # fmt: skip
    return open_order(cpip, person, measure)


def test_hours_after_the_deadline_are_refused_and_nothing_is_stored(cpip, person, placement):
    order = short_order(cpip, person)
    assert progress(order).deadline.day == date(2025, 6, 7)
    assignment = place(cpip, person, order, placement, start=date(2025, 5, 5))
    record(cpip, person, assignment, date(2025, 6, 7), "3")  # the last day still counts
    for kind, hours in (("work", "3"), ("absence_unexcused", None)):
        with pytest.raises(ValidationError) as refused:
            record(cpip, person, assignment, date(2025, 6, 9), hours, kind=kind)
        assert messages(refused)["on"] == [
            "Cette date dépasse la fin du délai du TIG, le 07/06/2025 : les heures effectuées "
            "après ce délai ne peuvent pas être comptées."
        ]
    assert list(WorkSession.objects.values_list("on", flat=True)) == [date(2025, 6, 7)]


def test_a_planned_end_beyond_the_deadline_is_refused(cpip, person, placement):
    order = short_order(cpip, person)
    with pytest.raises(ValidationError) as refused:
        place(cpip, person, order, placement, start=date(2025, 5, 5), end_date=date(2025, 6, 8))
    assert messages(refused)["end_date"] == [
        "La fin prévue ne peut pas dépasser la fin du délai du TIG, le 07/06/2025."
    ]
    assert not Assignment.objects.exists()
    place(cpip, person, order, placement, start=date(2025, 5, 5), end_date=date(2025, 6, 7))


def test_a_placement_past_its_planned_end_offers_no_hours(cpip, person, order, placement):
    place(cpip, person, order, placement, end_date=date(2025, 3, 1))
    p = progress(order)
    # Still active (it frees its place once ended), but no session can be recorded there.
    assert p.assignment is not None and p.assignment_expired
    assert p.pace.status == rules.NO_PLACEMENT
    assert p.pace.offered_per_week == 0
    same_progress(joined(person), p)
    [item] = items_of(person.service, person)
    assert item.label.startswith("TIG sans poste deux mois après la décision")
    # The day of its planned end, it still runs.
    on_the_day = selectors.progress_of([order], today=date(2025, 3, 1))[0]
    assert not on_the_day.assignment_expired and on_the_day.pace.offered_per_week == 6


def test_the_caseload_reads_every_open_tig_of_a_person_who_has_two(
    cpip, manager, host, service, person, order, placement
):
    # The first TIG on pace; the second, later, with 200 h and one hour a week: late.
    place(cpip, person, order, placement)
    second = open_order(cpip, person, tig(cpip, person, hours=200, decided=date(2025, 2, 3),
                                          enforceable=date(2025, 2, 10)))  # fmt: skip
    place(cpip, person, second, make_placement(manager, host, schedule="jeudi 9:00-10:00"),
          start=date(2025, 2, 17))  # fmt: skip
    base = {
        "persons": Person.objects.filter(pk=person.pk),
        "today": TODAY,
        "until": TODAY + timedelta(days=365),
        "service_id": service.pk,
        "with_staff": False,
    }
    joined_progress = selectors.progress_from_annotations(
        list(selectors.with_tig(base["persons"], today=TODAY)), today=TODAY
    )
    assert sorted(p.order.pk for p in joined_progress) == [order.pk, second.pk]
    joined_items = deadlines.tig_items(Query(**base, tig_progress=joined_progress))
    assert joined_items == deadlines.tig_items(Query(**base))
    assert any(item.label.startswith("TIG en retard") for item in joined_items)


def test_house_arrest_that_never_ran_does_not_suspend_the_period(cpip, person, order):
    MeasureFactory(person=person, measure_type_id="DDSE", start_date=date(2025, 3, 1),
                   end_date=date(2025, 4, 1), duration_months=1, status="void")  # fmt: skip
    assert progress(order).deadline.suspended_days == 0
    MeasureFactory(person=person, measure_type_id="DDSE", start_date=date(2025, 3, 1),
                   end_date=date(2025, 3, 10), duration_months=None, status="ended")  # fmt: skip
    assert progress(order).deadline.suspended_days == 10


def test_the_report_text_gives_the_remarks_on_absences_too(cpip, person, order, placement):
    assignment = place(cpip, person, order, placement)
    record(cpip, person, assignment, date(2025, 2, 3), None, kind="absence_excused",
           remarks="Rendez-vous médical, justificatif remis.")  # fmt: skip
    text = documents.report_text(progress(order, with_details=True))
    assert "- 03/02/2025 : absence justifiée, Rendez-vous médical, justificatif remis." in (
        text.splitlines()
    )


def test_host_figures_count_apart_the_persons_on_a_placement_no_longer_offered(
    cpip, manager, host, person, order, placement
):
    place(cpip, person, order, placement)
    services.placement_save(membership=manager, host=host, placement=placement,
                            data={**{n: getattr(placement, n) for n in services.PLACEMENT_FIELDS},
                                  "schedule": placement.slots, "is_active": False})  # fmt: skip
    [row] = selectors.host_figures(manager.service_id, today=TODAY)
    assert (row.placements, row.places, row.occupied, row.on_withdrawn) == (0, 0, 0, 1)


@pytest.mark.postgres
# Threads need committed rows; the catalogue (migration data) is restored if a transactional test
# before this one flushed it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_capacity_is_not_lowered_below_a_placement_being_made(
    cpip, manager, host, person, order
):
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://…"
    wide = make_placement(manager, host, capacity=2)
    other = make_person(cpip)
    place(cpip, other, open_order(cpip, other, tig(cpip, other)), wide)
    placed = threading.Event()
    errors: list[BaseException] = []

    def placing():  # takes the second place, and commits half a second later
        try:
            with transaction.atomic():
                place(cpip, person, order, wide)
                placed.set()
                time.sleep(0.5)
        except BaseException as exc:
            errors.append(exc)
            placed.set()
        finally:
            connection.close()

    def lowering():  # meanwhile, a manager sets the capacity to one
        try:
            placed.wait(5)
            data = {n: getattr(wide, n) for n in services.PLACEMENT_FIELDS}
            services.placement_save(membership=manager, host=host, placement=wide,
                                    data={**data, "schedule": wide.slots, "capacity": 1})  # fmt: skip
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=placing), threading.Thread(target=lowering)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert [type(e) for e in errors] == [ValidationError]
    assert "2 personnes y sont affectées" in str(errors[0])
    wide.refresh_from_db()
    assert wide.capacity == 2
    assert Assignment.objects.filter(placement=wide, status="active").count() == 2


def test_a_day_is_worked_or_missed_not_both(cpip, person, order, assignment):
    record(cpip, person, assignment, date(2025, 2, 3), "3")
    for kind in ("absence_unexcused", "absence_excused"):
        with pytest.raises(ValidationError) as refused:
            record(cpip, person, assignment, date(2025, 2, 3), None, kind=kind)
        assert messages(refused)["on"] == [
            "Ce jour-là est déjà enregistré comme « séance effectuée » : un jour est effectué ou "
            "manqué, pas les deux."
        ]
    record(cpip, person, assignment, date(2025, 2, 5), None, kind="absence_excused")
    with pytest.raises(ValidationError) as refused:
        record(cpip, person, assignment, date(2025, 2, 5), "3")
    assert messages(refused)["on"][0].startswith("Ce jour-là est déjà enregistré comme « absence")
    # An incident may happen on a day of work.
    record(cpip, person, assignment, date(2025, 2, 3), None, kind="incident", remarks="Retard.")
    assert WorkSession.objects.count() == 3
