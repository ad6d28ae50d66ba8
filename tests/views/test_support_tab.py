"""The dossier's "Accompagnement" tab (arrival interview, destitution, family ties), its forms
and the managers' destitution figures: who may read and write (per role, caseload, service,
other service), refusals that change nothing, bad input shown in French with nothing stored,
every read journaled, and a fixed number of queries."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probatio.audit.models import AuditEntry
from probatio.people.models import TimelineEvent
from probatio.reintegration import support
from probatio.reintegration.models import (
    ArrivalInterview,
    DestitutionAid,
    DestitutionAssessment,
    FamilyContact,
    FamilyStep,
    Need,
)
from tests.factories import EstablishmentFactory, gate, make_person, make_prisoner
from tests.views.helpers import ROLES, field_error, html, text_of

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 20)
COMMITTAL = date(2026, 3, 16)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def base(person) -> str:
    return f"/personnes/{person.pk}/accompagnement/"


PAGES = {
    "tab": "",
    "interview_new": "entretien-arrivant/",
    "destitution_new": "indigence/",
    "aid_new": "aides/nouvelle/",
    "contact_new": "proches/nouveau/",
    "contact_edit": "proches/{c}/modifier/",
    "step_new": "demarches/nouvelle/",
}
WRITES = [name for name in PAGES if name != "tab"]

# Reading is reading the file (every staff member of the service, a judge on their files);
# writing needs record_reintegration: the CPIP and the social worker of the caseload, managers.
# Columns: tab interview_new destitution_new aid_new contact_new contact_edit step_new
# fmt: off
EXPECTED = {
    ("cpip", "caseload"):              "200 200 200 200 200 200 200",
    ("manager", "caseload"):           "200 200 200 200 200 200 200",
    ("secretariat", "caseload"):       "200 403 403 403 403 403 403",
    ("monitoring", "caseload"):        "200 403 403 403 403 403 403",
    ("psychologist", "caseload"):      "200 403 403 403 403 403 403",
    ("social_worker", "caseload"):     "200 200 200 200 200 200 200",
    ("judge", "caseload"):             "200 403 403 403 403 403 403",
    ("cpip", "service_only"):          "200 403 403 403 403 403 403",
    ("manager", "service_only"):       "200 200 200 200 200 200 200",
    ("secretariat", "service_only"):   "200 403 403 403 403 403 403",
    ("monitoring", "service_only"):    "200 403 403 403 403 403 403",
    ("psychologist", "service_only"):  "200 403 403 403 403 403 403",
    ("social_worker", "service_only"): "200 403 403 403 403 403 403",
    ("judge", "service_only"):         "404 404 404 404 404 404 404",
    **{(role, "foreign"): "404 404 404 404 404 404 404" for role in ROLES},
}
# fmt: on
REFUSED = [key for key, row in EXPECTED.items() if row.split()[1] != "200"]


def stored() -> dict[str, int]:
    """The rows the tab's forms write, with the journal's writes (reads left out: every page
    of the dossier journals its reading) and the chronology."""
    return {
        "interviews": ArrivalInterview.objects.count(),
        "needs": Need.objects.count(),
        "assessments": DestitutionAssessment.objects.count(),
        "aids": DestitutionAid.objects.count(),
        "contacts": FamilyContact.objects.count(),
        "steps": FamilyStep.objects.count(),
        "timeline": TimelineEvent.objects.count(),
        "audit_writes": AuditEntry.objects.exclude(action__in=["read", "list", "denied"]).count(),
    }


@pytest.fixture
def records(world, cpip, cpip2, foreign_cpip, service, other_service):
    """Each dossier of the world in prison (committed on 16/03/2026) with one family contact;
    returns the contact of each."""
    EstablishmentFactory(service=service, name="Maison d'arrêt d'Amiens")
    EstablishmentFactory(service=other_service, name="Maison d'arrêt d'ailleurs")
    made = {}
    for which, author in (("caseload", cpip), ("service_only", cpip2), ("foreign", foreign_cpip)):
        person = make_prisoner(author, person=world[which].person, committal_date=COMMITTAL)
        made[which] = support.family_contact_save(
            gated=gate(author, person),
            data={"name": f"Proche {which}", "relationship": "parent", "visits": "wished"},
        )
    return made


def url_of(name: str, person, contact) -> str:
    return base(person) + PAGES[name].format(c=contact.pk)


@pytest.mark.parametrize("which", ["caseload", "service_only", "foreign"])
@pytest.mark.parametrize("role", ROLES)
def test_support_pages_answer_per_role(as_role, world, records, role, which):
    client = as_role(role)
    person, contact = world[which].person, records[which]
    actual = {name: client.get(url_of(name, person, contact)).status_code for name in PAGES}
    expected = dict(zip(PAGES, map(int, EXPECTED[(role, which)].split()), strict=True))
    assert actual == expected


GOOD_POSTS = {
    "interview_new": {
        "held_on": "2026-03-18",
        "destitution": "yes",
        "literacy": "no_difficulty",
        "addiction": "none",
        "family_ties": "weakened",
        "identity_documents": "valid",
    },
    "destitution_new": {"assessed_on": "2026-03-19", "is_destitute": "1"},
    "aid_new": {"kind": "cash", "amount": "20.00", "granted_on": "2026-03-19"},
    "contact_new": {
        "name": "Léa Martin",
        "relationship": "child",
        "visits": "wished",
        "phone_calls": "none",
        "mail": "in_place",
    },
    "contact_edit": {
        "name": "Changé",
        "relationship": "friend",
        "visits": "in_place",
        "phone_calls": "in_place",
        "mail": "in_place",
    },
    "step_new": {"kind": "visit_permit_requested", "on": "2026-03-19"},
}


@pytest.mark.parametrize(("role", "which"), REFUSED)
def test_a_refused_write_changes_nothing(as_role, world, records, role, which):
    client = as_role(role)
    person, contact = world[which].person, records[which]
    expected = int(EXPECTED[(role, which)].split()[1])
    before = stored()
    reads = AuditEntry.objects.filter(action="read").count()
    for name in WRITES:
        response = client.post(url_of(name, person, contact), GOOD_POSTS[name])
        assert response.status_code == expected, name
    assert stored() == before
    contact.refresh_from_db()
    assert (contact.name, contact.relationship) == (f"Proche {which}", "parent")
    # Refused before the file is opened: no reading journaled either.
    assert AuditEntry.objects.filter(action="read").count() == reads


@pytest.mark.parametrize("role", ["cpip", "manager", "social_worker"])
def test_each_form_stores_for_the_roles_that_record(as_role, world, records, role):
    client = as_role(role)
    person, contact = world.caseload.person, records["caseload"]
    for name in WRITES:
        response = client.post(url_of(name, person, contact), GOOD_POSTS[name])
        assert response.status_code == 302, (name, text_of(response)[:500])
    assert ArrivalInterview.objects.get(person=person).destitution == "yes"
    assert set(Need.objects.filter(person=person).values_list("pathway", flat=True)) == {
        "finances",
        "family",
    }
    assert DestitutionAssessment.objects.get(person=person).is_destitute is True
    assert DestitutionAid.objects.get(person=person).amount == Decimal("20.00")
    contact.refresh_from_db()
    assert (contact.name, contact.relationship, contact.visits) == ("Changé", "friend", "in_place")
    assert FamilyContact.objects.filter(person=person, name="Léa Martin").exists()
    assert FamilyStep.objects.get(person=person).kind == "visit_permit_requested"


# --- What the tab shows -----------------------------------------------------------------------------


@pytest.fixture
def prisoner(cpip, service):
    EstablishmentFactory(service=service, name="Maison d'arrêt d'Amiens")
    return make_prisoner(cpip, committal_date=COMMITTAL, surname="Arrivant")


def test_the_interview_due_is_shown_until_it_is_recorded(client_for, cpip, prisoner, service):
    client = client_for(cpip)
    page = text_of(client.get(base(prisoner)))
    assert (
        "Écrou du 16/03/2026 (Maison d'arrêt d'Amiens) : entretien arrivant à mener au plus tard "
        "le 23/03/2026 ." in page
    )
    assert "en retard" not in page
    assert "Enregistrer l'entretien arrivant" in page
    service.arrival_interview_days = 2
    service.save()
    page = text_of(client.get(base(prisoner)))
    assert "à mener au plus tard le 18/03/2026 , en retard." in page


def test_the_echeancier_lists_the_interview_to_hold(client_for, cpip, prisoner):
    client = client_for(cpip)
    page = text_of(client.get("/echeancier/?kind=arrival_interview"))
    assert "Entretien arrivant à mener (écrou du 16/03/2026)" in page
    support.arrival_interview_record(
        gated=gate(cpip, prisoner),
        data={**GOOD_POSTS["interview_new"], "held_on": date(2026, 3, 18)},
        today=TODAY,
    )
    page = text_of(client.get("/echeancier/?kind=arrival_interview"))
    assert "Entretien arrivant à mener" not in page


def test_recording_the_interview_through_the_form(client_for, cpip, prisoner):
    client = client_for(cpip)
    form = client.get(f"{base(prisoner)}entretien-arrivant/")
    assert form.status_code == 200
    assert 'value="2026-03-20"' in html(form)  # today by default
    response = client.post(
        f"{base(prisoner)}entretien-arrivant/",
        {
            **GOOD_POSTS["interview_new"],
            "literacy": "cannot_read",
            "observations": "Souhaite un suivi scolaire.",
        },
        follow=True,
    )
    assert response.redirect_chain == [(f"{base(prisoner)}#arrivant", 302)]
    page = text_of(response)
    assert "Entretien arrivant enregistré." in page
    assert (
        "Besoins identifiés au repérage : ressources et prestations, savoirs de base et "
        "illettrisme, famille et relations." in page
    )
    assert "Entretien du 18/03/2026 mené par Camille Conseil" in page
    assert "Lecture et écriture Ne lit pas, n'écrit pas le français" in page
    assert "Observations : Souhaite un suivi scolaire." in page
    assert "à mener au plus tard" not in page
    assert "Enregistrer l'entretien arrivant" not in page
    insertion = text_of(client.get(f"/personnes/{prisoner.pk}/insertion/"))
    assert "Ne lit pas, n'écrit pas le français. (entretien arrivant)" in insertion


def test_destitution_and_aids_are_shown_with_their_total(client_for, cpip, prisoner):
    client = client_for(cpip)
    assert "Situation non évaluée pour cet écrou." in text_of(client.get(base(prisoner)))
    client.post(f"{base(prisoner)}indigence/", {"assessed_on": "2026-03-17", "is_destitute": "0"})
    client.post(
        f"{base(prisoner)}indigence/",
        {"assessed_on": "2026-03-19", "is_destitute": "1", "comment": "Pécule vide."},
    )
    client.post(
        f"{base(prisoner)}aides/nouvelle/",
        {"kind": "cash", "amount": "20.00", "granted_on": "2026-03-19"},
    )
    client.post(
        f"{base(prisoner)}aides/nouvelle/",
        {"kind": "hygiene", "item": "Kit arrivant", "granted_on": "2026-03-19"},
    )
    client.post(
        f"{base(prisoner)}aides/nouvelle/",
        {"kind": "phone", "amount": "5.50", "granted_on": "2026-03-20"},
    )
    page = text_of(client.get(base(prisoner)))
    assert "Reconnue indigente au 19/03/2026 — Pécule vide." in page
    assert "17/03/2026 : non indigente" in page  # the previous assessment
    assert "Aides accordées pendant cet écrou — total 25,50 €" in page
    assert "19/03/2026 Kit d'hygiène — Kit arrivant Camille Conseil" in page
    assert "20/03/2026 Crédit de téléphone 5,50 € — Camille Conseil" in page


def test_family_ties_are_shown_with_their_steps(client_for, cpip, prisoner):
    client = client_for(cpip)
    client.post(
        f"{base(prisoner)}proches/nouveau/",
        {**GOOD_POSTS["contact_new"], "city": "Abbeville", "comment": "Vit chez sa mère."},
    )
    contact = FamilyContact.objects.get(person=prisoner)
    response = client.post(
        f"{base(prisoner)}demarches/nouvelle/",
        {"kind": "visit_permit_granted", "contact": contact.pk, "on": "2026-03-19"},
    )
    assert response.status_code == 302 and response["Location"].endswith("#liens")
    page = text_of(client.get(base(prisoner)))
    assert "Léa Martin Vit chez sa mère. Enfant Souhaité Non En place Abbeville" in page
    assert "19/03/2026 : Permis de visite délivré (Léa Martin) (Camille Conseil)" in page


def test_a_person_not_in_prison_has_only_family_ties(client_for, cpip, person):
    page = text_of(client_for(cpip).get(base(person)))
    assert (
        "La personne n'a jamais été écrouée : l'entretien arrivant a lieu à chaque écrou." in page
    )
    assert "Évaluer la situation" not in page and "Enregistrer une aide" not in page
    assert "Ajouter un proche" in page and "Aucun proche enregistré." in page


@pytest.mark.parametrize("role", ["secretariat", "monitoring", "psychologist", "judge"])
def test_a_reader_sees_the_tab_without_any_button_to_write(as_role, world, records, role):
    response = as_role(role).get(base(world.caseload.person))
    assert response.status_code == 200
    page = text_of(response)
    assert "Proche caseload" in page and "Entretien arrivant" in page
    for button in (
        "Enregistrer l'entretien arrivant",
        "Évaluer la situation",
        "Enregistrer une aide",
        "Ajouter un proche",
        "Enregistrer une démarche",
    ):
        assert button not in page
    assert "/modifier/" not in html(response)


def test_the_tab_is_in_the_dossier_and_each_reading_journaled(as_role, world, records):
    client = as_role("psychologist")
    person = world.caseload.person
    response = client.get(base(person))
    assert 'aria-current="page">Accompagnement</a>' in html(response)
    reads = AuditEntry.objects.filter(
        person_id=person.pk, action="read", context__tab="accompagnement"
    )
    assert reads.count() == 1
    entry = reads.get()
    assert entry.summary == "Consultation du dossier (accompagnement)"
    client.get(base(person))
    as_role("judge").get(base(person))
    assert reads.count() == 3
    assert set(reads.values_list("role", flat=True)) == {"psychologist", "judge"}


def test_a_contact_of_another_dossier_is_not_found_through_this_one(as_role, world, records):
    client = as_role("manager")
    theirs = records["service_only"]
    url = f"{base(world.caseload.person)}proches/{theirs.pk}/modifier/"
    assert client.get(url).status_code == 404
    assert client.post(url, GOOD_POSTS["contact_edit"]).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Proche service_only"


# --- Bad input: French messages, status 400, nothing stored -----------------------------------------


def post_refused(client, url, data):
    before = stored()
    response = client.post(url, data)
    assert response.status_code == 400
    assert stored() == before
    return response


def test_a_negative_aid_is_refused(client_for, cpip, prisoner):
    response = post_refused(
        client_for(cpip),
        f"{base(prisoner)}aides/nouvelle/",
        {"kind": "cash", "amount": "-5.00", "granted_on": "2026-03-19"},
    )
    assert field_error(response, "id_amount") == "Le montant ne peut pas être négatif."
    assert "rien n'a été enregistré" in text_of(response)


def test_cash_without_an_amount_is_refused(client_for, cpip, prisoner):
    response = post_refused(
        client_for(cpip),
        f"{base(prisoner)}aides/nouvelle/",
        {"kind": "cash", "amount": "", "item": "Rien", "granted_on": "2026-03-19"},
    )
    assert field_error(response, "id_amount") == "Indiquez le montant de l'aide financière."


def test_an_aid_without_item_or_amount_is_refused(client_for, cpip, prisoner):
    response = post_refused(
        client_for(cpip),
        f"{base(prisoner)}aides/nouvelle/",
        {"kind": "clothing", "amount": "", "item": "", "granted_on": "2026-03-19"},
    )
    assert field_error(response, "id_item") == "Indiquez ce qui a été remis, ou son montant."


def test_an_interview_in_the_future_is_refused(client_for, cpip, prisoner):
    response = post_refused(
        client_for(cpip),
        f"{base(prisoner)}entretien-arrivant/",
        {**GOOD_POSTS["interview_new"], "held_on": "2026-03-21"},
    )
    assert field_error(response, "id_held_on") == "La date ne peut pas être dans le futur."


def test_an_interview_before_the_committal_is_refused(client_for, cpip, prisoner):
    response = post_refused(
        client_for(cpip),
        f"{base(prisoner)}entretien-arrivant/",
        {**GOOD_POSTS["interview_new"], "held_on": "2026-03-10"},
    )
    assert field_error(response, "id_held_on") == (
        "La date ne peut pas précéder l'écrou du 16/03/2026."
    )


def test_an_interview_without_every_answer_is_refused(client_for, cpip, prisoner):
    data = dict(GOOD_POSTS["interview_new"])
    del data["addiction"]
    response = post_refused(client_for(cpip), f"{base(prisoner)}entretien-arrivant/", data)
    assert field_error(response, "id_addiction") != ""


def test_a_second_interview_is_refused(client_for, cpip, prisoner):
    client = client_for(cpip)
    url = f"{base(prisoner)}entretien-arrivant/"
    assert client.post(url, GOOD_POSTS["interview_new"]).status_code == 302
    response = post_refused(client, url, {**GOOD_POSTS["interview_new"], "held_on": "2026-03-20"})
    assert "L'entretien arrivant de cet écrou est déjà enregistré." in text_of(response)
    assert ArrivalInterview.objects.get(person=prisoner).held_on == date(2026, 3, 18)


@pytest.mark.parametrize(
    ("page", "message"),
    [
        ("entretien-arrivant/", "l'entretien arrivant concerne une personne détenue."),
        ("indigence/", "la situation d'indigence concerne une personne détenue."),
        ("aides/nouvelle/", "une aide à une personne indigente concerne une personne détenue."),
    ],
)
def test_prison_forms_refuse_a_person_not_in_prison(client_for, cpip, person, page, message):
    data = {
        "entretien-arrivant/": GOOD_POSTS["interview_new"],
        "indigence/": GOOD_POSTS["destitution_new"],
        "aides/nouvelle/": GOOD_POSTS["aid_new"],
    }[page]
    response = post_refused(client_for(cpip), f"{base(person)}{page}", data)
    assert f"La personne n'est pas écrouée : {message}" in text_of(response)


def test_an_assessment_before_the_committal_is_refused(client_for, cpip, prisoner):
    response = post_refused(
        client_for(cpip),
        f"{base(prisoner)}indigence/",
        {"assessed_on": "2026-03-01", "is_destitute": "1"},
    )
    assert field_error(response, "id_assessed_on") == (
        "La date ne peut pas précéder l'écrou du 16/03/2026."
    )


def test_a_contact_without_name_is_refused(client_for, cpip, prisoner):
    response = post_refused(
        client_for(cpip),
        f"{base(prisoner)}proches/nouveau/",
        {**GOOD_POSTS["contact_new"], "name": ""},
    )
    assert field_error(response, "id_name") == "Ce champ est obligatoire."


def test_a_step_with_a_contact_of_another_person_is_refused(client_for, cpip, prisoner):
    someone = make_person(cpip, surname="Autre")
    theirs = support.family_contact_save(
        gated=gate(cpip, someone), data={"name": "Paul Autre", "relationship": "sibling"}
    )
    client = client_for(cpip)
    form = html(client.get(f"{base(prisoner)}demarches/nouvelle/"))
    assert "Paul Autre" not in form
    response = post_refused(
        client,
        f"{base(prisoner)}demarches/nouvelle/",
        {"kind": "other", "contact": theirs.pk, "on": "2026-03-19"},
    )
    assert "choix valide" in field_error(response, "id_contact")


def test_a_step_in_the_future_is_refused(client_for, cpip, prisoner):
    response = post_refused(
        client_for(cpip),
        f"{base(prisoner)}demarches/nouvelle/",
        {"kind": "other", "on": "2026-03-21"},
    )
    assert field_error(response, "id_on") == "La date ne peut pas être dans le futur."


# --- Queries of the tab -------------------------------------------------------------------------------


def count_tab(client, person) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(base(person)).status_code == 200
    return len(queries.captured_queries)


def add_support(membership, person, n: int):
    contact = support.family_contact_save(
        gated=gate(membership, person),
        data={"name": f"Proche {n}", "relationship": "sibling", "phone": "0600000000"},
    )
    support.family_step_record(
        gated=gate(membership, person),
        data={"kind": "phone_authorised", "contact": contact, "on": TODAY},
        today=TODAY,
    )
    support.aid_grant(
        gated=gate(membership, person),
        data={"kind": "cash", "amount": Decimal("10.00"), "granted_on": TODAY},
        today=TODAY,
    )
    support.destitution_assess(
        gated=gate(membership, person),
        data={"assessed_on": TODAY, "is_destitute": bool(n % 2)},
        today=TODAY,
    )


def test_the_tab_takes_a_fixed_number_of_queries(client_for, cpip, manager, prisoner):
    support.arrival_interview_record(
        gated=gate(cpip, prisoner),
        data={**GOOD_POSTS["interview_new"], "held_on": date(2026, 3, 18)},
        today=TODAY,
    )
    add_support(cpip, prisoner, 0)
    client = client_for(cpip)
    client.get(base(prisoner))  # warm-up
    small = count_tab(client, prisoner)
    for n in range(1, 7):
        add_support(manager if n % 2 else cpip, prisoner, n)
    large = count_tab(client, prisoner)
    assert large == small, f"queries with one of each: {small}; with seven: {large}"
    assert "total 70,00 €" in text_of(client.get(base(prisoner)))
    assert small <= 15


def test_the_tab_of_a_person_not_in_prison_takes_a_fixed_number_of_queries(
    client_for, cpip, person
):
    add_family = [
        lambda n: support.family_contact_save(
            gated=gate(cpip, person), data={"name": f"Proche {n}", "relationship": "friend"}
        )
    ]
    add_family[0](0)
    client = client_for(cpip)
    client.get(base(person))
    small = count_tab(client, person)
    for n in range(1, 6):
        contact = add_family[0](n)
        support.family_step_record(
            gated=gate(cpip, person),
            data={"kind": "family_information", "contact": contact, "on": TODAY},
            today=TODAY,
        )
    assert count_tab(client, person) == small


# --- The managers' destitution figures -----------------------------------------------------------------

FIGURES = "/detention/indigence/"


@pytest.fixture
def helped(cpip, service, member, other_service):
    """At Amiens, two persons assessed (one destitute), three aids for 35,50 €; at Liancourt,
    none; elsewhere (another service), a large aid never counted."""
    amiens = EstablishmentFactory(service=service, name="Maison d'arrêt d'Amiens")
    EstablishmentFactory(service=service, name="Centre de détention de Liancourt")
    one = make_prisoner(cpip, establishment=amiens, committal_date=date(2025, 12, 1), surname="Un")
    two = make_prisoner(
        cpip, establishment=amiens, committal_date=date(2025, 12, 1), surname="Deux"
    )
    for who, destitute in ((one, True), (two, False)):
        support.destitution_assess(
            gated=gate(cpip, who),
            data={"assessed_on": date(2026, 1, 10), "is_destitute": destitute},
            today=TODAY,
        )
    for who, kind, amount, item in (
        (one, "cash", Decimal("20.00"), ""),
        (one, "hygiene", None, "Kit"),
        (two, "cash", Decimal("15.50"), ""),
    ):
        support.aid_grant(
            gated=gate(cpip, who),
            data={"kind": kind, "amount": amount, "item": item, "granted_on": date(2026, 2, 1)},
            today=TODAY,
        )
    foreign = member("cpip", service=other_service)
    far = make_prisoner(
        foreign,
        establishment=EstablishmentFactory(service=other_service, name="Maison d'arrêt d'ailleurs"),
        committal_date=date(2025, 12, 1),
    )
    support.aid_grant(
        gated=gate(foreign, far),
        data={"kind": "cash", "amount": Decimal("999.00"), "granted_on": date(2026, 2, 1)},
        today=TODAY,
    )


def figures_rows(response) -> list[str]:
    table = re.search(r'data-testid="destitution-figures".*?</table>', html(response), re.S)
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in rows[1:]]


def test_a_manager_sees_the_figures_per_establishment(client_for, manager, helped):
    response = client_for(manager).get(FIGURES)
    assert response.status_code == 200
    page = text_of(response)
    assert "Du 01/01/2026 au 20/03/2026" in page  # the year so far by default
    assert (
        "Établissement Reconnues indigentes Évaluées pendant la période Personnes aidées Aides "
        "Montant Aides par type" in page
    )
    assert figures_rows(response) == [
        "Centre de détention de Liancourt 0 0 0 0 0,00 € —",
        "Maison d'arrêt d'Amiens 1 2 2 3 35,50 € Aide financière (numéraire) : 2 Kit d'hygiène : 1",
    ]
    assert "ailleurs" not in page and "999" not in page


def test_the_figures_follow_the_period(client_for, manager, helped):
    client = client_for(manager)
    response = client.get(FIGURES, {"start": "2026-01-01", "end": "2026-01-31"})
    assert response.status_code == 200
    assert "Du 01/01/2026 au 31/01/2026" in text_of(response)
    assert figures_rows(response)[1] == "Maison d'arrêt d'Amiens 1 2 0 0 0,00 € —"
    # On 1 February: nobody assessed that day, one person still destitute at their latest
    # assessment (10 January), the three aids of the day.
    response = client.get(FIGURES, {"start": "2026-02-01", "end": "2026-02-01"})
    assert figures_rows(response)[1].startswith("Maison d'arrêt d'Amiens 1 0 2 3 35,50 €")
    # Before anyone was assessed: nobody destitute yet.
    response = client.get(FIGURES, {"start": "2025-12-01", "end": "2026-01-09"})
    assert figures_rows(response)[1] == "Maison d'arrêt d'Amiens 0 0 0 0 0,00 € —"


def test_a_period_ending_before_it_starts_is_refused(client_for, manager, helped):
    response = client_for(manager).get(FIGURES, {"start": "2026-02-01", "end": "2026-01-01"})
    assert response.status_code == 400
    assert field_error(response, "id_end") == "La fin de la période ne peut pas précéder son début."


def test_the_figures_are_journaled(client_for, manager, helped):
    client_for(manager).get(FIGURES, {"start": "2026-01-01", "end": "2026-02-28"})
    entry = AuditEntry.objects.get(action="list", object_type="reintegration.destitutionaid")
    assert entry.actor_id == manager.user_id and entry.service_id == manager.service_id
    assert entry.summary == "Chiffres : indigence par établissement"
    assert entry.context == {"start": "2026-01-01", "end": "2026-02-28"}


@pytest.mark.parametrize("role", [r for r in ROLES if r != "manager"])
def test_the_figures_are_for_managers_only(as_role, helped, role):
    response = as_role(role).get(FIGURES)
    assert response.status_code == 403
    assert "35,50" not in html(response)
    assert not AuditEntry.objects.filter(action="list").exists()


def test_another_services_manager_sees_only_their_own(client_for, member, other_service, helped):
    theirs = client_for(member("manager", service=other_service))
    response = theirs.get(FIGURES)
    assert figures_rows(response) == [
        "Maison d'arrêt d'ailleurs 0 0 1 1 999,00 € Aide financière (numéraire) : 1"
    ]
