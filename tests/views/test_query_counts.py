"""The busiest pages run a small, fixed number of queries, whatever the amount of data.

Each page is requested once to warm up (session written, service chosen), its queries are
counted, the data grows (more persons in the caseload than one page holds, more measures,
obligations, notes, timeline events, addresses and situation entries for the viewed person),
and the count must not move.
"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.accounts.models import Membership
from probatio.compliance import selectors as compliance_selectors
from probatio.compliance import services as compliance_services
from probatio.figures.definitions import DEFINITIONS as FIGURES
from probatio.measures import services as measure_services
from probatio.measures.models import Obligation
from probatio.notes import services as note_services
from probatio.people import services as people_services
from probatio.people.selectors import person_get_for
from tests.factories import (
    CustodyRecordFactory,
    EstablishmentFactory,
    MembershipFactory,
    gate,
    make_decision,
    make_enrolled,
    make_group,
    make_intensity_change,
    make_measure,
    make_person,
    make_programme,
)
from tests.views.test_assessment_views import assess, choose

MAX_QUERIES = 15

FIGURES_YEAR = "?type=annee&valeur=2025"
FIGURES_PAGES = {
    "suivi": "/chiffres/",
    "decisions": "/chiffres/rapports-et-decisions/",
    "execution": "/chiffres/execution/",
}

PAGES = {
    # name: (role, url template)
    "caseload": ("cpip", "/portefeuille/"),
    "caseload_filtered": ("cpip", "/portefeuille/?q=dossier&measure_status=active"),
    "service": ("manager", "/service/"),
    "queue": ("manager", "/service/a-attribuer/"),
    "allocate": ("manager", "/personnes/{p}/attribuer/"),
    "week": ("manager", "/service/semaine/"),
    "move_queue": ("manager", "/service/deplacer/?de=none"),
    "capacities": ("manager", "/service/capacites/"),
    "scale": ("manager", "/service/bareme/"),
    "staff": ("manager", "/service/personnel/"),
    "sites": ("manager", "/service/antennes/"),
    "closed_days": ("manager", "/service/fermetures/"),
    "intensity_pending": ("manager", "/service/intensites/"),
    "intensity_rules": ("manager", "/service/parametres/intensite/"),
    "identity": ("cpip", "/personnes/{p}/"),
    "identity_history": ("cpip", "/personnes/{p}/?historique=1"),
    "measures": ("cpip", "/personnes/{p}/mesures/"),
    "timeline": ("cpip", "/personnes/{p}/chronologie/"),
    "timeline_as_manager": ("manager", "/personnes/{p}/chronologie/"),
    "proofs": ("cpip", "/personnes/{p}/justificatifs/"),
    "incidents": ("cpip", "/personnes/{p}/manquements/"),
    "assessment": ("cpip", "/personnes/{p}/evaluation/"),
    "assessment_as_manager": ("manager", "/personnes/{p}/evaluation/"),
    "assessment_new": ("cpip", "/personnes/{p}/evaluation/nouvelle/"),
    "programmes": ("cpip", "/personnes/{p}/programmes/"),
    # The activity figures (docs/figures.md), a closed year (its snapshots looked up), and
    # each figure's export.
    "figures": ("manager", "/chiffres/" + FIGURES_YEAR),
    "figures_decisions": ("manager", "/chiffres/rapports-et-decisions/" + FIGURES_YEAR),
    "figures_execution": ("manager", "/chiffres/execution/" + FIGURES_YEAR),
    "figures_cpip": ("cpip", "/chiffres/execution/" + FIGURES_YEAR),
    **{
        f"figures_export_{d.code}": (
            "manager",
            f"{FIGURES_PAGES[d.group]}{FIGURES_YEAR}&figure={d.code}&format=xlsx",
        )
        for d in FIGURES
    },
    # The lists' exports (docs/exports.md): the whole filtered list, a fixed number of queries.
    "service_export": ("manager", "/service/?format=csv"),
    "service_export_filtered": ("manager", "/service/?format=xlsx&q=dossier&setting=community"),
    "queue_export": ("manager", "/service/a-attribuer/?format=xlsx"),
}


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


def note(membership, person, n: int, **extra):
    return note_services.note_create(
        gated=gate(membership, person),
        data={
            "interview_date": date(2025, 3, 1 + n % 28),
            "subject": f"Entretien n° {n}",
            "body": "Texte de la note. " * 20,
            **extra,
        },
    )


def small_world(cpip, judge):
    """One of each kind of record, so that growing the data changes only amounts."""
    viewed = make_person(
        cpip,
        surname="Dossier",
        first_names="Suivi",
        address={
            "line1": "1 rue A",
            "postcode": "44000",
            "city": "Nantes",
            "valid_from": date(2020, 1, 1),
        },
    )
    measure = make_measure(cpip, viewed, judge=judge.user)
    measure_services.obligation_create(
        gated=gate(cpip, measure.person),
        measure=measure,
        decision=measure.decision,
        obligation_type_code="TRAVAIL_FORMATION",
        data={"start_date": measure.start_date},
    )
    note(cpip, viewed, 0)
    # An assessment and the level chosen after it (the « Évaluation » tab).
    first = assess(cpip, viewed, days_ago=40)
    choose(cpip, viewed, first, first.proposed_level)
    people_services.situation_record(
        gated=gate(cpip, viewed),
        domain="housing",
        status="hosted_family",
        details="",
        effective_date=date(2020, 1, 1),
    )
    people_services.court_number_add(gated=gate(cpip, viewed), kind="jap", number="JAP-1")
    neighbour = make_person(cpip, surname="Voisin", first_names="Simple")
    CustodyRecordFactory(person=neighbour)  # someone in prison: the sentence alerts are read
    held = make_person(cpip, surname="Dossier", first_names="Détenu")  # found by the filter too
    make_measure(cpip, held)
    CustodyRecordFactory(person=held)
    # A file in the allocation queue, with a measure (its first interview is read).
    waiting = make_person(cpip, surname="Attente", first_names="Première")
    make_measure(cpip, waiting)
    people_services.cpip_assign(gated=gate(manager_of(cpip), waiting), cpip=None)
    # A change of follow-up intensity waiting for a manager (the managers' list).
    make_intensity_change(cpip, neighbour)
    # A referral to a programme, enrolled in a group held weekly since two months ago, one
    # attendance recorded (the « Programmes » tab).
    refer(cpip, viewed, sessions=1)
    return viewed


def refer(cpip, person, *, sessions: int, end: bool = False, name="Programme"):
    """``person`` enrolled in a group of a new programme started eight weeks ago, present at
    its first ``sessions``; ``end``: the programme completed."""
    from probatio.programmes import services as programme_services

    manager = manager_of(cpip)
    programme = make_programme(manager, name=name, session_count=6)
    group = make_group(
        manager, programme, start_date=date.today() - timedelta(weeks=8), facilitators=[cpip.user]
    )
    enrolment = make_enrolled(cpip, person, group)
    for session in group.sessions.order_by("number")[:sessions]:
        programme_services.attendance_record(
            gated=gate(cpip, person), session=session, status="present"
        )
    if end:
        programme_services.enrolment_move(
            gated=gate(cpip, person), enrolment=enrolment, status="completed"
        )


def manager_of(membership):
    """A manager of the membership's service (the first, made if none)."""
    found = Membership.objects.filter(service_id=membership.service_id, role="manager").first()
    return found or MembershipFactory(role="manager", service_id=membership.service_id)


def grow(viewed, *, cpip, cpip2, manager, psychologist, monitoring, secretariat, judge):
    service_id = cpip.service_id
    # The caseload: more than one page, with measures and custody.
    for n in range(30):
        someone = make_person(cpip, surname=f"Dossier{n:02d}", first_names="Autre")
        make_measure(cpip, someone, judge=judge.user if n % 2 else None)
        if n % 5 == 0:
            CustodyRecordFactory(person=someone)
    # Other CPIPs' caseloads and persons without CPIP (the service page).
    for n in range(8):
        theirs = make_person(cpip2, surname=f"Collègue{n}", first_names="Autre")
        make_measure(cpip2, theirs)
        make_person(secretariat, surname=f"Attente{n}", first_names="Sans")
    # The viewed person: more of everything.
    decision = make_decision(
        cpip,
        viewed,
        offences=[
            {"label": f"Infraction {n}", "qualification": "delit", "natinf": ""} for n in range(4)
        ],
    )
    measures = [
        make_measure(cpip, viewed, decision=decision, judge=judge.user),
        make_measure(cpip, viewed, decision=decision, code="TIG", hours=140, duration_months=18),
        make_measure(cpip, viewed, decision=decision),
    ]
    for measure in measures:
        for code in ("TRAVAIL_FORMATION", "NE_PAS_CONTACTER", "SOINS"):
            data = {"start_date": measure.start_date}
            if code == "NE_PAS_CONTACTER":
                data["victim_name"] = "Mme X"
            measure_services.obligation_create(
                gated=gate(cpip, measure.person),
                measure=measure,
                decision=decision,
                obligation_type_code=code,
                data=data,
            )
    # Proofs (some reviewed) and incidents.
    gated = person_get_for(cpip, viewed.pk)
    for obligation in Obligation.objects.filter(measure__person=viewed, proof_frequency="monthly"):
        slots = compliance_selectors.slots_of(
            obligation, today=date.today(), grace_days=10, changes=[]
        )
        for n, slot in enumerate(slots[:4]):
            proof = compliance_services.proof_register(
                membership=cpip,
                gated=gated,
                obligation_id=obligation.pk,
                period_start=slot.key,
                document_type="Bulletin de salaire",
                received_on=slot.due,
            )
            if n % 2:
                compliance_services.proof_review(
                    membership=cpip, gated=gated, proof=proof, accept=True
                )
    for kind in ("new_offence", "victim_report"):
        compliance_services.incident_record(
            membership=cpip,
            gated=gated,
            data={"kind": kind, "occurred_on": date(2025, 3, 1), "source": "police",
                  "description": "Faits signalés.", "steps_taken": ["summons"]},
        )  # fmt: skip
    for n in range(12):
        note(cpip, viewed, n, confidential=n % 3 == 0)
    for n in range(25):
        assess(cpip, viewed, days_ago=45 + n)
    for n in range(3):
        note(psychologist, viewed, 100 + n, restricted_to="psychologist")
        note(monitoring, viewed, 200 + n)
        note(manager, viewed, 300 + n, confidential=True)
    for n in range(4):
        people_services.address_add(
            gated=gate(cpip, viewed),
            data={
                "line1": f"{n + 2} rue B",
                "postcode": "44000",
                "city": "Nantes",
                "valid_from": date(2021 + n, 1, 1),
            },
        )
    for domain, status in (
        ("housing", "own_home"),
        ("employment", "training"),
        ("resources", "salary"),
        ("family", "couple"),
        ("health", "care_followed"),
        ("addiction", "no_known_need"),
        ("housing", "shelter"),
        ("employment", "job_seeker"),
    ):
        people_services.situation_record(
            gated=gate(cpip, viewed),
            domain=domain,
            status=status,
            details="",
            effective_date=date(2024, 1 + len(status) % 12, 1),
        )
    for n in range(3):
        people_services.court_number_add(
            gated=gate(cpip, viewed), kind="parquet", number=f"25/{n:04d}"
        )
    establishment = EstablishmentFactory(service_id=service_id)
    people_services.custody_open(
        gated=gate(cpip, viewed),
        establishment_id=establishment.pk,
        committal_number="001",
        committal_date=date(2023, 1, 1),
    )
    people_services.custody_close(gated=gate(cpip, viewed), release_date=date(2023, 6, 1))
    people_services.custody_open(
        gated=gate(cpip, viewed),
        establishment_id=establishment.pk,
        committal_number="002",
        committal_date=date(2024, 2, 1),
    )
    viewed.support_staff.add(psychologist.user, monitoring.user)
    # More referrals, attendance and ended programmes (their summaries).
    for n in range(3):
        refer(cpip, viewed, sessions=5, end=True, name=f"Programme terminé {n}")


@pytest.fixture
def team(cpip, cpip2, manager, psychologist, monitoring, secretariat, judge):
    return {
        "cpip": cpip,
        "cpip2": cpip2,
        "manager": manager,
        "psychologist": psychologist,
        "monitoring": monitoring,
        "secretariat": secretariat,
        "judge": judge,
    }


def count_all(clients, viewed) -> dict[str, int]:
    counts = {}
    for page, (role, template) in PAGES.items():
        counts[page] = count_queries(clients[role], template.format(p=viewed.pk))
    return counts


def test_queries_are_few_and_do_not_grow_with_the_data(client_for, team):
    viewed = small_world(team["cpip"], team["judge"])
    clients = {role: client_for(team[role]) for role in ("cpip", "manager")}
    for role, template in PAGES.values():
        clients[role].get(template.format(p=viewed.pk))  # warm-up: session written
    small = count_all(clients, viewed)
    grow(viewed, **team)
    large = count_all(clients, viewed)
    too_many = {page: n for page, n in small.items() if n > MAX_QUERIES}
    assert too_many == {}, f"more than {MAX_QUERIES} queries: {too_many}"
    assert large == small, f"queries with little data: {small}; with more: {large}"


def test_the_grown_data_is_really_there(client_for, team):
    """Guard for the test above: the grown caseload spans two pages, the dossier shows the
    added records."""
    viewed = small_world(team["cpip"], team["judge"])
    grow(viewed, **team)
    client = client_for(team["cpip"])
    caseload = client.get("/portefeuille/").content.decode()
    assert "1 / 2" in caseload
    assert "33 personnes" in caseload
    measures = client.get(f"/personnes/{viewed.pk}/mesures/").content.decode()
    assert measures.count("Ajouter une obligation") == 4
    timeline = client.get(f"/personnes/{viewed.pk}/chronologie/").content.decode()
    assert timeline.count("probatio-timeline__item--") == 30
    identity = client.get(f"/personnes/{viewed.pk}/").content.decode()
    assert "5 rue B" in identity and "25/0002" in identity
