"""The dossier's "Insertion" tab: needs along the reintegration pathways and referrals to the
service's partners. Who may read and write (per role, caseload, service, other service), bad
input refused in French with nothing stored, the chronology, the referral letter, the
échéancier's reminder after the service's delay, and a fixed number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from probatio.audit.models import AuditEntry
from probatio.core.deadlines import Query, collect
from probatio.people.models import Person, TimelineEvent
from probatio.reintegration import services
from probatio.reintegration.models import Need, NeedChange, Partner, PartnerReferral, ReferralStep
from tests.factories import gate, make_person
from tests.views.helpers import ROLES, field_error, html, text_of

pytestmark = pytest.mark.usefixtures("private_files")

TODAY = timezone.localdate


def partner_of(service, author, name="Foyer Le Relais", *, active=True, kind="emergency_housing"):
    return Partner.objects.create(
        service=service,
        name=name,
        kind=kind,
        pathways=["housing"],
        postcode="80000",
        is_active=active,
        created_by=author.user,
    )


def need_of(author, person, pathway="housing", *, days_ago=30):
    return services.need_create(
        gated=gate(author, person),
        data={
            "pathway": pathway,
            "details": "Hébergé chez un ami jusqu'à la fin du mois.",
            "identified_on": TODAY() - timedelta(days=days_ago),
        },
    )


def referral_of(author, person, partner, need=None, *, status="sent", days_ago=20):
    return services.referral_create(
        gated=gate(author, person),
        data={
            "partner": partner.pk,
            "need": need.pk if need else None,
            "referred_on": TODAY() - timedelta(days=days_ago),
            "purpose": "Demande d'hébergement d'urgence.",
            "status": status,
        },
    )


def tab_url(person) -> str:
    return f"/personnes/{person.pk}/insertion/"


# --- Who may read and write ---------------------------------------------------------------------

PAGES = {
    "tab": "/personnes/{p}/insertion/",
    "need_new": "/personnes/{p}/insertion/besoins/nouveau/",
    "need_status": "/personnes/{p}/insertion/besoins/{n}/statut/",
    "referral_new": "/personnes/{p}/insertion/orientations/nouvelle/",
    "referral_move": "/personnes/{p}/insertion/orientations/{r}/etape/",
    "referral_outcome": "/personnes/{p}/insertion/orientations/{r}/retour/",
}

# Reading is reading the file (every staff member of the service, a judge on their files);
# writing is for the CPIP and the social worker of the caseload, and managers.
# Columns: tab need_new need_status referral_new referral_move referral_outcome
# fmt: off
EXPECTED = {
    ("cpip", "caseload"):              "200 200 200 200 200 200",
    ("manager", "caseload"):           "200 200 200 200 200 200",
    ("secretariat", "caseload"):       "200 403 403 403 403 403",
    ("monitoring", "caseload"):        "200 403 403 403 403 403",
    ("psychologist", "caseload"):      "200 403 403 403 403 403",
    ("social_worker", "caseload"):     "200 200 200 200 200 200",
    ("judge", "caseload"):             "200 403 403 403 403 403",
    ("cpip", "service_only"):          "200 403 403 403 403 403",
    ("manager", "service_only"):       "200 200 200 200 200 200",
    ("secretariat", "service_only"):   "200 403 403 403 403 403",
    ("monitoring", "service_only"):    "200 403 403 403 403 403",
    ("psychologist", "service_only"):  "200 403 403 403 403 403",
    ("social_worker", "service_only"): "200 403 403 403 403 403",
    ("judge", "service_only"):         "404 404 404 404 404 404",
    **{(role, "foreign"): "404 404 404 404 404 404" for role in ROLES},
}
# fmt: on


@pytest.fixture
def records(world, cpip, cpip2, foreign_cpip, service, other_service):
    """A need and a referral (sent) in each dossier of the world, to its service's partner."""
    made = {}
    for which, author, its_service in (
        ("caseload", cpip, service),
        ("service_only", cpip2, service),
        ("foreign", foreign_cpip, other_service),
    ):
        person = world[which].person
        partner = partner_of(its_service, author, name=f"Foyer {which}")
        need = need_of(author, person)
        made[which] = (need, referral_of(author, person, partner, need))
    return made


@pytest.mark.parametrize("which", ["caseload", "service_only", "foreign"])
@pytest.mark.parametrize("role", ROLES)
def test_insertion_pages_answer_per_role(as_role, world, records, role, which):
    client = as_role(role)
    need, referral = records[which]
    actual = {
        name: client.get(url.format(p=world[which].person.pk, n=need.pk, r=referral.pk)).status_code
        for name, url in PAGES.items()
    }
    expected = dict(zip(PAGES, map(int, EXPECTED[(role, which)].split()), strict=True))
    assert actual == expected


@pytest.mark.parametrize("role", ["secretariat", "psychologist", "judge"])
def test_a_reader_sees_the_tab_without_any_button_to_write(as_role, world, records, role):
    response = as_role(role).get(tab_url(world.caseload.person))
    page = text_of(response)
    assert "Foyer caseload" in page and "Logement et hébergement" in page
    for button in ("Identifier un besoin", "Orienter vers un partenaire", "Nouvelle étape"):
        assert button not in page


def test_the_tab_is_in_the_dossier_and_its_reading_journaled(as_role, world, records):
    response = as_role("cpip").get(tab_url(world.caseload.person))
    assert 'aria-current="page">Insertion</a>' in html(response)
    assert AuditEntry.objects.filter(
        person_id=world.caseload.person.pk, action="read", context__tab="insertion"
    ).exists()


def test_a_record_of_another_dossier_is_not_found_through_this_one(as_role, world, records):
    client = as_role("manager")
    theirs_need, theirs_referral = records["service_only"]
    base = f"/personnes/{world.caseload.person.pk}/insertion"
    assert client.get(f"{base}/besoins/{theirs_need.pk}/statut/").status_code == 404
    assert client.get(f"{base}/orientations/{theirs_referral.pk}/etape/").status_code == 404
    assert client.get(f"{base}/orientations/{theirs_referral.pk}/retour/").status_code == 404
    assert client.get(f"{base}/orientations/{theirs_referral.pk}/courrier.pdf").status_code == 404


# --- The whole path through the forms, and the chronology ---------------------------------------


@pytest.fixture
def shelter(service, manager):
    return partner_of(service, manager)


def test_need_referral_acceptance_outcome_and_completion(client_for, cpip, person, shelter):
    client = client_for(cpip)
    today = TODAY()
    response = client.post(
        f"{tab_url(person)}besoins/nouveau/",
        {"pathway": "housing", "details": "Sans solution à la fin du mois.",
         "identified_on": (today - timedelta(days=10)).isoformat()},
    )  # fmt: skip
    need = Need.objects.get(person=person)
    assert response.status_code == 302 and response["Location"].endswith(f"#besoin-{need.pk}")
    assert need.status == "identified"
    response = client.post(
        f"{tab_url(person)}orientations/nouvelle/",
        {"need": need.pk, "partner": shelter.pk, "referred_on": (today - timedelta(days=5)).isoformat(),
         "purpose": "Place en hébergement d'urgence.", "status": "sent"},
    )  # fmt: skip
    referral = PartnerReferral.objects.get(person=person)
    assert response.status_code == 302
    assert (referral.status, referral.status_on) == ("sent", today - timedelta(days=5))
    need.refresh_from_db()
    assert need.status == "in_progress"
    response = client.post(
        f"{tab_url(person)}orientations/{referral.pk}/etape/",
        {"status": "accepted", "on": (today - timedelta(days=2)).isoformat(),
         "comment": "Entrée prévue lundi."},
    )  # fmt: skip
    assert response.status_code == 302
    response = client.post(
        f"{tab_url(person)}orientations/{referral.pk}/retour/",
        {"outcome": "Accueillie au foyer, chambre individuelle."},
    )
    assert response.status_code == 302
    client.post(
        f"{tab_url(person)}orientations/{referral.pk}/etape/",
        {"status": "completed", "on": today.isoformat()},
    )
    referral.refresh_from_db()
    need.refresh_from_db()
    assert referral.status == "completed" and referral.outcome.startswith("Accueillie")
    assert list(referral.steps.values_list("status", flat=True)) == [
        "sent",
        "accepted",
        "completed",
    ]
    assert need.status == "met"
    assert list(need.changes.values_list("status", flat=True)) == [
        "identified",
        "in_progress",
        "met",
    ]
    page = text_of(client.get(tab_url(person)))
    assert "Foyer Le Relais" in page and "Terminée depuis le" in page
    assert "Retour du partenaire : Accueillie au foyer" in page
    assert "Entrée prévue lundi." in page
    timeline = text_of(client.get(f"/personnes/{person.pk}/chronologie/"))
    for line in (
        "Besoin identifié : logement et hébergement",
        "Orientation vers Foyer Le Relais : envoyée",
        "Orientation vers Foyer Le Relais : acceptée",
        "Retour du partenaire : orientation vers Foyer Le Relais",
        "Orientation vers Foyer Le Relais : terminée",
    ):
        assert line in timeline
    assert TimelineEvent.objects.filter(person=person, kind="reintegration").count() == 5
    assert AuditEntry.objects.filter(object_type="reintegration.partnerreferral").count() == 4


def test_a_need_status_changes_with_its_history(client_for, cpip, person):
    need = need_of(cpip, person, "employment")
    response = client_for(cpip).post(
        f"{tab_url(person)}besoins/{need.pk}/statut/",
        {"status": "refused", "changed_on": TODAY().isoformat(), "comment": "Ne souhaite pas."},
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == "refused"
    assert need.changes.last().comment == "Ne souhaite pas."
    assert TimelineEvent.objects.filter(
        person=person, title="Besoin « emploi et formation » : refusé par la personne"
    ).exists()


# --- Bad input: clear French messages, nothing stored --------------------------------------------


def counts():
    return (
        PartnerReferral.objects.count(),
        ReferralStep.objects.count(),
        NeedChange.objects.count(),
        TimelineEvent.objects.filter(kind="reintegration").count(),
    )


def referral_post(client, person, **data):
    values = {
        "partner": "",
        "need": "",
        "referred_on": TODAY().isoformat(),
        "purpose": "Demande d'hébergement.",
        "status": "sent",
        **data,
    }
    return client.post(f"{tab_url(person)}orientations/nouvelle/", values)


def test_an_inactive_partner_is_refused(client_for, cpip, person, service, manager):
    closed = partner_of(service, manager, "Foyer fermé", active=False)
    need = need_of(cpip, person)
    before = counts()
    response = referral_post(client_for(cpip), person, partner=closed.pk, need=need.pk)
    assert response.status_code == 400
    assert field_error(response, "id_partner") == (
        "Ce partenaire est inactif : choisissez un partenaire actif."
    )
    assert "rien n'a été enregistré" in text_of(response)
    assert counts() == before
    need.refresh_from_db()
    assert need.status == "identified"


def test_a_partner_of_another_service_is_not_found(client_for, cpip, person, foreign_cpip):
    elsewhere = partner_of(foreign_cpip.service, foreign_cpip, "Foyer d'ailleurs")
    before = counts()
    response = referral_post(client_for(cpip), person, partner=elsewhere.pk)
    assert response.status_code == 400
    assert field_error(response, "id_partner") == (
        "Partenaire introuvable : choisissez un partenaire du service."
    )
    assert "Foyer d'ailleurs" not in html(response)
    assert counts() == before


def test_the_need_must_be_the_persons(client_for, cpip, person, shelter):
    someone_else = make_person(cpip, surname="Autre")
    theirs = need_of(cpip, someone_else)
    before = counts()
    response = referral_post(client_for(cpip), person, partner=shelter.pk, need=theirs.pk)
    assert response.status_code == 400
    assert field_error(response, "id_need") == "Besoin introuvable dans ce dossier."
    assert counts() == before


def test_a_referral_cannot_be_dated_in_the_future(client_for, cpip, person, shelter):
    before = counts()
    tomorrow = (TODAY() + timedelta(days=1)).isoformat()
    response = referral_post(client_for(cpip), person, partner=shelter.pk, referred_on=tomorrow)
    assert response.status_code == 400
    assert field_error(response, "id_referred_on") == "La date ne peut pas être dans le futur."
    assert counts() == before


def test_a_forbidden_move_is_refused_and_nothing_changes(client_for, cpip, person, shelter):
    referral = referral_of(cpip, person, shelter, status="proposed")
    before = counts()
    response = client_for(cpip).post(
        f"{tab_url(person)}orientations/{referral.pk}/etape/",
        {"status": "accepted", "on": TODAY().isoformat()},
    )
    assert response.status_code == 400
    assert field_error(response, "id_status") == (
        "Une orientation « proposée » ne peut pas passer à « acceptée »."
    )
    assert counts() == before
    referral.refresh_from_db()
    assert referral.status == "proposed"


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (-1, "La date ne peut pas être dans le futur."),
        (25, "La date ne peut pas précéder l'étape précédente"),
    ],
)
def test_a_move_is_dated_between_the_last_step_and_today(
    client_for, cpip, person, shelter, days, message
):
    referral = referral_of(cpip, person, shelter, days_ago=20)
    before = counts()
    response = client_for(cpip).post(
        f"{tab_url(person)}orientations/{referral.pk}/etape/",
        {"status": "accepted", "on": (TODAY() - timedelta(days=days)).isoformat()},
    )
    assert response.status_code == 400
    assert field_error(response, "id_on").startswith(message)
    assert counts() == before


def test_a_closed_referral_has_no_next_step(client_for, cpip, person, shelter):
    referral = referral_of(cpip, person, shelter)
    services.referral_move(
        gated=gate(cpip, person), referral=referral, status="refused", on=TODAY()
    )
    client = client_for(cpip)
    response = client.get(f"{tab_url(person)}orientations/{referral.pk}/etape/", follow=True)
    assert "L'orientation est close (refusée) : elle ne change plus." in text_of(response)
    before = counts()
    response = client.post(
        f"{tab_url(person)}orientations/{referral.pk}/etape/",
        {"status": "accepted", "on": TODAY().isoformat()},
    )
    assert response.status_code == 302
    assert counts() == before


def test_the_outcome_waits_for_the_partners_answer(client_for, cpip, person, shelter):
    referral = referral_of(cpip, person, shelter, status="proposed")
    response = client_for(cpip).post(
        f"{tab_url(person)}orientations/{referral.pk}/retour/", {"outcome": "Reçue."}
    )
    assert response.status_code == 400
    assert "une fois l'orientation acceptée" in field_error(response, "id_outcome")
    referral.refresh_from_db()
    assert referral.outcome == ""


# --- The referral letter ----------------------------------------------------------------------------


def test_the_letter_is_generated_and_downloaded_through_the_dossier(
    client_for, as_role, cpip, world, records
):
    person = world.caseload.person
    _, referral = records["caseload"]
    response = client_for(cpip).post(f"{tab_url(person)}orientations/{referral.pk}/courrier/")
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.letter_file and len(referral.letter_sha256) == 64
    url = f"{tab_url(person)}orientations/{referral.pk}/courrier.pdf"
    download = as_role("judge").get(url)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert "no-store" in download["Cache-Control"]
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert as_role("secretariat").post(url.replace(".pdf", "/")).status_code == 403
    elsewhere = url.replace(f"/{person.pk}/", f"/{world.service_only.person.pk}/")
    assert as_role("judge").get(elsewhere).status_code == 404
    assert as_role("foreign_cpip").get(url).status_code == 404
    assert TimelineEvent.objects.filter(
        person=person, title="Courrier d'orientation édité pour Foyer caseload"
    ).exists()


# --- The échéancier ---------------------------------------------------------------------------------


def reminders(service, today=None, persons=None):
    today = today or TODAY()
    query = Query(
        persons=persons if persons is not None else Person.objects.filter(service=service),
        today=today,
        until=today + timedelta(days=30),
        service_id=service.pk,
    )
    return collect(query, ["referral"])


def test_a_referral_without_answer_is_chased_up_after_the_delay_and_not_before(
    client_for, cpip, person, service, shelter
):
    late = referral_of(cpip, person, shelter, days_ago=15)
    recent = referral_of(cpip, make_person(cpip, surname="Récent"), shelter, days_ago=14)
    items = reminders(service)
    assert [item.person_id for item in items] == [person.pk]
    item = items[0]
    assert item.due == TODAY() and item.url.endswith(f"#orientation-{late.pk}")
    assert item.label.startswith("Relancer Foyer Le Relais : orientation envoyée le")
    assert cpip.user_id in item.staff_ids
    page = text_of(client_for(cpip).get("/echeancier/?kind=referral"))
    assert "Relancer Foyer Le Relais" in page
    # The service's delay decides; an answer ends the reminder.
    service.referral_reminder_days = 10
    service.save()
    assert {i.person_id for i in reminders(service)} == {person.pk, recent.person_id}
    services.referral_move(gated=gate(cpip, person), referral=late, status="accepted", on=TODAY())
    assert [i.person_id for i in reminders(service)] == [recent.person_id]


def test_a_proposed_referral_is_not_chased_up(cpip, person, service, shelter):
    referral_of(cpip, person, shelter, status="proposed", days_ago=40)
    assert reminders(service) == []


def test_the_reminders_take_one_query_whatever_the_number_of_persons(cpip, service, shelter):
    for n in range(6):
        referral_of(cpip, make_person(cpip, surname=f"Relance{n}"), shelter, days_ago=16 + n)
    service = type(service).objects.get(pk=service.pk)
    query = Query(
        persons=Person.objects.filter(service=service),
        today=TODAY(),
        until=TODAY(),
        service_id=service.pk,
        service=service,
    )
    with CaptureQueriesContext(connection) as queries:
        items = collect(query, ["referral"])
    assert len(items) == 6 and len(queries.captured_queries) == 1


# --- Queries of the tab -------------------------------------------------------------------------------


def count_tab(client, person) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(tab_url(person)).status_code == 200
    return len(queries.captured_queries)


def test_the_tab_takes_a_fixed_number_of_queries(client_for, cpip, manager, person, service):
    client = client_for(cpip)
    shelter = partner_of(service, manager)
    need = need_of(cpip, person)
    referral_of(cpip, person, shelter, need)
    client.get(tab_url(person))  # warm-up
    small = count_tab(client, person)
    for pathway in ("employment", "health", "finances", "rights"):
        more = need_of(cpip, person, pathway)
        services.need_status_set(
            gated=gate(manager, person), need=more, status="met", changed_on=TODAY()
        )
    for n in range(4):
        other = partner_of(service, manager, f"Partenaire {n}")
        referral = referral_of(cpip, person, other, days_ago=10)
        services.referral_move(
            gated=gate(manager, person), referral=referral, status="accepted", on=TODAY()
        )
        services.referral_outcome_set(gated=gate(cpip, person), referral=referral, outcome="Reçue.")
    large = count_tab(client, person)
    assert large == small, f"queries with little data: {small}; with more: {large}"
    assert small <= 15
