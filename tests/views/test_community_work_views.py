"""The community work (TIG) pages: the dossier's "TIG" tab and its forms per role (caseload,
service, other service, a judge's files), refusals that change nothing, bad input shown in
French with nothing stored, reads journaled, the tab's queries fixed whatever the number of
sessions; the service's TIG list and its scope, the hosts' pages and their forms (directory
managers only), the import and figures pages per role, the attestation and the end report."""

import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from probatio.audit.models import AuditEntry
from probatio.community_work import rules, services
from probatio.community_work.models import (
    Assignment,
    HostOrganisation,
    Placement,
    Supervisor,
    TigOrder,
    WorkSession,
)
from probatio.people.models import TimelineEvent
from probatio.reintegration import partners
from probatio.reintegration.models import PartnerEditor
from probatio.reports.models import Report
from tests.factories import gate, make_measure, make_person
from tests.views.helpers import ROLES, field_error, html, text_of

NOW = datetime(2025, 6, 16, 9, 0, tzinfo=UTC)  # a Monday
TODAY = date(2025, 6, 16)
STAFF = [r for r in ROLES if r != "judge"]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


# --- The world's TIG ----------------------------------------------------------------------------


def make_host(manager, name, *, approved=date(2024, 1, 1)):
    partner = partners.partner_create(
        membership=manager,
        data={"name": name, "kind": "tig_host", "pathways": ["employment"], "postcode": "80000"},
    )
    return services.host_save(
        membership=manager,
        partner=partner,
        data={"legal_form": "association", "approval_court": "Tribunal judiciaire d'Amiens",
              "approval_date": approved},
    )  # fmt: skip


def make_placement(manager, host, activity, *, capacity=1, schedule="lundi 9:00-12:00 ; "
                   "mercredi 14:00-17:00", supervisor=None):  # fmt: skip
    slots, error = rules.parse_schedule_text(schedule)
    assert error is None
    return services.placement_save(
        membership=manager,
        host=host,
        data={"activity": activity, "address": "1 rue du Marché", "postcode": "80000",
              "city": "Amiens", "capacity": capacity, "schedule": slots,
              "supervisor": supervisor},
    )  # fmt: skip


class Tig:
    """A dossier's TIG: an open order on a TIG measure, placed, with a session; and a second
    TIG measure whose follow-up is not open yet."""

    def __init__(self, author, dossier, placement):
        person = dossier.person
        self.person = person
        self.measure = make_measure(author, person, code="TIG", decision=dossier.decision,
                                    hours=100, duration_months=12, today=TODAY)  # fmt: skip
        self.waiting = make_measure(author, person, code="TIG", decision=dossier.decision,
                                    hours=50, duration_months=12, today=TODAY)  # fmt: skip
        self.order = services.order_open(gated=gate(author, person), data={"measure": self.measure.pk, "hours_ordered": 100, "period_months": 12,
                  "counted_from": date(2025, 1, 10)}, today=TODAY)  # fmt: skip
        self.assignment = services.assign(gated=gate(author, person), order=self.order, data={"placement": placement.pk, "start_date": date(2025, 2, 3)}, today=TODAY)  # fmt: skip
        self.session = services.session_record(gated=gate(author, person), assignment=self.assignment, data={"on": date(2025, 2, 3), "kind": "work", "hours": 3}, today=TODAY)  # fmt: skip


@pytest.fixture
def foreign_manager(member, other_service):
    return member("manager", service=other_service)


@pytest.fixture
def hosts(manager, foreign_manager):
    mine = make_host(manager, "Mairie d'Amiens")
    tutor = services.supervisor_save(membership=manager, host=mine, data={"name": "Claire Roux"})
    theirs = make_host(foreign_manager, "Mairie d'ailleurs")
    return {
        "mine": mine,
        "tutor": tutor,
        "theirs": theirs,
        "p1": make_placement(manager, mine, "Espaces verts", supervisor=tutor),
        "p2": make_placement(manager, mine, "Peinture"),
        "p3": make_placement(manager, mine, "Cuisine", capacity=2),
        "foreign": make_placement(foreign_manager, theirs, "Ailleurs", capacity=3),
    }


@pytest.fixture
def tigs(world, cpip, cpip2, foreign_cpip, hosts):
    return {
        "caseload": Tig(cpip, world.caseload, hosts["p1"]),
        "service_only": Tig(cpip2, world.service_only, hosts["p2"]),
        "foreign": Tig(foreign_cpip, world.foreign, hosts["foreign"]),
    }


def tab_url(person) -> str:
    return f"/personnes/{person.pk}/tig/"


def url_of(name: str, tig: Tig) -> str:
    base = tab_url(tig.person)
    return (
        base
        + {
            "tab": "",
            "order_new": f"nouveau/?mesure={tig.waiting.pk}",
            "order_edit": f"{tig.order.pk}/modifier/",
            "suggestions": f"{tig.order.pk}/postes/",
            "assign": f"{tig.order.pk}/affecter/",
            "assignment_end": f"affectations/{tig.assignment.pk}/fin/",
            "session_new": f"{tig.order.pk}/seances/nouvelle/",
        }[name]
    )


PAGES = ["tab", "order_new", "order_edit", "suggestions", "assign", "assignment_end",
         "session_new"]  # fmt: skip
WRITES = [name for name in PAGES if name not in ("tab", "suggestions")]

# Reading: every staff member of the service, a judge on their files. Managing the TIG (order,
# placement, end): the caseload's CPIP and managers. Recording hours: those and the secretariat.
# Columns: tab order_new order_edit suggestions assign assignment_end session_new
# fmt: off
EXPECTED = {
    ("cpip", "caseload"):              "200 200 200 200 200 200 200",
    ("manager", "caseload"):           "200 200 200 200 200 200 200",
    ("secretariat", "caseload"):       "200 403 403 403 403 403 200",
    ("monitoring", "caseload"):        "200 403 403 403 403 403 403",
    ("psychologist", "caseload"):      "200 403 403 403 403 403 403",
    ("social_worker", "caseload"):     "200 403 403 403 403 403 403",
    ("judge", "caseload"):             "200 403 403 403 403 403 403",
    ("cpip", "service_only"):          "200 403 403 403 403 403 403",
    ("manager", "service_only"):       "200 200 200 200 200 200 200",
    ("secretariat", "service_only"):   "200 403 403 403 403 403 200",
    ("monitoring", "service_only"):    "200 403 403 403 403 403 403",
    ("psychologist", "service_only"):  "200 403 403 403 403 403 403",
    ("social_worker", "service_only"): "200 403 403 403 403 403 403",
    ("judge", "service_only"):         "404 404 404 404 404 404 404",
    **{(role, "foreign"): "404 404 404 404 404 404 404" for role in ROLES},
}
# fmt: on


def expected_of(role, which) -> dict[str, int]:
    return dict(zip(PAGES, map(int, EXPECTED[(role, which)].split()), strict=True))


@pytest.mark.parametrize("which", ["caseload", "service_only", "foreign"])
@pytest.mark.parametrize("role", ROLES)
def test_tig_pages_answer_per_role(as_role, tigs, role, which):
    client = as_role(role)
    actual = {name: client.get(url_of(name, tigs[which])).status_code for name in PAGES}
    assert actual == expected_of(role, which)


def good_posts(tigs, hosts) -> dict[str, dict]:
    return {
        "order_new": {"hours_ordered": "50", "period_months": "12", "counted_from": "2025-01-10"},
        "order_edit": {"hours_ordered": "90", "period_months": "12", "counted_from": "2025-01-10"},
        "assign": {"placement": hosts["p3"].pk, "start_date": "2025-06-16"},
        "assignment_end": {"end_date": "2025-06-16", "reason": "Fin"},
        "session_new": {"kind": "work", "on": "2025-06-16", "hours": "3,5"},
    }


def stored() -> dict:
    return {
        "orders": list(TigOrder.objects.order_by("pk").values_list(
            "pk", "hours_ordered", "period_months")),
        "assignments": list(Assignment.objects.order_by("pk").values_list(
            "pk", "status", "end_date")),
        "sessions": WorkSession.objects.count(),
        "reports": Report.objects.count(),
        "timeline": TimelineEvent.objects.count(),
        "audit_writes": AuditEntry.objects.exclude(action__in=["read", "list", "denied"]).count(),
    }  # fmt: skip


REFUSED = [
    (role, which)
    for (role, which), row in EXPECTED.items()
    if any(code != 200 for name, code in expected_of(role, which).items() if name in WRITES)
]


@pytest.mark.parametrize(("role", "which"), REFUSED)
def test_a_refused_write_changes_nothing(as_role, tigs, hosts, role, which):
    client = as_role(role)
    posts = good_posts(tigs, hosts)
    expected = expected_of(role, which)
    before = stored()
    reads = AuditEntry.objects.filter(action="read").count()
    for name in WRITES:
        if expected[name] == 200:
            continue
        response = client.post(url_of(name, tigs[which]), posts[name])
        assert response.status_code == expected[name], name
    assert stored() == before
    # Refused before the file is opened: no reading journaled either.
    assert AuditEntry.objects.filter(action="read").count() == reads


def test_the_caseloads_cpip_runs_the_whole_tig(client_for, cpip, tigs, hosts):
    client = client_for(cpip)
    tig = tigs["caseload"]
    posts = good_posts(tigs, hosts)

    response = client.post(url_of("order_new", tig), posts["order_new"])
    new = TigOrder.objects.get(measure=tig.waiting)
    assert response.status_code == 302
    assert response["Location"] == tab_url(tig.person) + f"#tig-{new.pk}"
    assert (new.hours_ordered, new.period_months, new.created_by) == (50, 12, cpip.user)

    assert client.post(url_of("order_edit", tig), posts["order_edit"]).status_code == 302
    tig.order.refresh_from_db()
    assert tig.order.hours_ordered == 90

    assert client.post(url_of("session_new", tig), posts["session_new"]).status_code == 302
    session = WorkSession.objects.get(assignment=tig.assignment, on=TODAY)
    assert (str(session.hours), session.recorded_by) == ("3.50", cpip.user)

    assert client.post(url_of("assignment_end", tig), posts["assignment_end"]).status_code == 302
    tig.assignment.refresh_from_db()
    assert (tig.assignment.status, tig.assignment.end_date) == ("ended", TODAY)

    assert client.post(url_of("assign", tig), posts["assign"]).status_code == 302
    assert Assignment.objects.get(order=tig.order, status="active").placement == hosts["p3"]

    page = text_of(client.get(tab_url(tig.person)))
    assert "6,5 h effectuées sur 90 h" in page
    assert "Cuisine" in page and "Affectations précédentes" in page


@pytest.mark.parametrize("which", ["caseload", "service_only"])
def test_the_secretariat_records_hours_of_any_file_of_the_service(client_for, secretariat,
                                                                  tigs, which):  # fmt: skip
    tig = tigs[which]
    response = client_for(secretariat).post(
        url_of("session_new", tig), {"kind": "work", "on": "2025-06-16", "hours": "2,25"}
    )
    assert response.status_code == 302
    assert response["Location"] == tab_url(tig.person) + f"#tig-{tig.order.pk}"
    assert WorkSession.objects.get(on=TODAY).recorded_by == secretariat.user


# --- Bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("post", "field", "message"),
    [
        ({"hours_ordered": "19"}, "id_hours_ordered",
         "Un TIG compte de 20 à 400 heures (CP 131-8) : 19 h n'est pas possible."),
        ({"hours_ordered": "401"}, "id_hours_ordered",
         "Un TIG compte de 20 à 400 heures (CP 131-8) : 401 h n'est pas possible."),
        ({"period_months": "19"}, "id_period_months",
         "Le délai d'exécution d'un TIG est d'un mois à 18 mois (CP 131-22) : 19 mois n'est "
         "pas possible."),
        ({"counted_from": "2025-07-01"}, "id_counted_from",
         "Cette date ne peut pas être dans le futur."),
    ],
)  # fmt: skip
def test_a_bad_order_is_shown_in_french_and_nothing_is_stored(client_for, cpip, tigs, post,
                                                              field, message):  # fmt: skip
    tig = tigs["caseload"]
    before = stored()
    data = {"hours_ordered": "50", "period_months": "12", "counted_from": "2025-01-10", **post}
    response = client_for(cpip).post(url_of("order_new", tig), data)
    assert response.status_code == 400
    assert field_error(response, field) == message
    assert stored() == before


def test_a_second_order_for_the_same_measure_is_refused(client_for, cpip, tigs):
    tig = tigs["caseload"]
    url = tab_url(tig.person) + f"nouveau/?mesure={tig.measure.pk}"
    before = stored()
    response = client_for(cpip).post(url, {"hours_ordered": "100", "period_months": "12",
                                           "counted_from": "2025-01-10"})  # fmt: skip
    assert response.status_code == 400
    assert "Le suivi de ce TIG est déjà ouvert." in text_of(response)
    assert stored() == before


@pytest.mark.parametrize(
    ("post", "field", "message"),
    [
        ({"hours": "10,5"}, "id_hours", "Une séance compte 10 heures au plus."),
        ({"hours": "3,3"}, "id_hours",
         "Les heures se comptent par quarts d'heure (par exemple 3,5 ou 2,25)."),
        ({"hours": ""}, "id_hours", "Indiquez les heures effectuées."),
        ({"on": "2025-06-17"}, "id_on", "La date ne peut pas être dans le futur."),
        ({"on": "2025-01-31"}, "id_on",
         "Cette date est en dehors de l'affectation (du 03/02/2025)."),
        ({"on": "2025-02-03"}, "id_on", "Une séance de ce type est déjà enregistrée ce jour-là."),
        ({"kind": "absence_excused"}, "id_hours",
         "Une absence ou un incident ne compte pas d'heures."),
        ({"hours": "500"}, "id_hours", "Une séance compte 10 heures au plus."),
    ],
)  # fmt: skip
def test_a_bad_session_is_shown_in_french_and_nothing_is_stored(client_for, cpip, tigs, post,
                                                                field, message):  # fmt: skip
    before = stored()
    data = {"kind": "work", "on": "2025-06-16", "hours": "3", **post}
    response = client_for(cpip).post(url_of("session_new", tigs["caseload"]), data)
    assert response.status_code == 400
    assert field_error(response, field) == message
    assert stored() == before
    # The title says so, and the summary (focused on load) links to the field.
    assert re.search(r"<title>Erreur : ", html(response))
    summary = re.search(r"<div[^>]*data-focus-on-load[^>]*>(.*?)</div>", html(response), re.S)
    assert summary and f'href="#{field}"' in summary.group(1)


def test_hours_beyond_those_left_are_refused(client_for, cpip, tigs):
    tig = tigs["caseload"]
    TigOrder.objects.filter(pk=tig.order.pk).update(hours_ordered=20)
    client = client_for(cpip)
    for day in ("2025-06-02", "2025-06-04"):
        assert client.post(url_of("session_new", tig),
                           {"kind": "work", "on": day, "hours": "8"}).status_code == 302  # fmt: skip
    before = stored()
    response = client.post(url_of("session_new", tig),
                           {"kind": "work", "on": "2025-06-09", "hours": "1,5"})  # fmt: skip
    assert response.status_code == 400
    assert field_error(response, "id_hours") == (
        "Ces heures dépassent celles qui restent à effectuer (1 h) : vérifiez la feuille d'heures."
    )
    assert stored() == before


def test_a_full_placement_is_refused_in_french(client_for, cpip, tigs, hosts):
    tig = tigs["caseload"]
    client = client_for(cpip)
    client.post(url_of("assignment_end", tig), {"end_date": "2025-06-13", "reason": ""})
    before = stored()
    # Peinture (one place) is taken by the other dossier of the service.
    response = client.post(url_of("assign", tig),
                           {"placement": hosts["p2"].pk, "start_date": "2025-06-16"})  # fmt: skip
    assert response.status_code == 400
    assert field_error(response, "id_placement") == (
        "Ce poste est complet (1 personne pour 1 place) : choisissez-en un autre ou "
        "attendez qu'une place se libère."
    )
    # Another service's placement is not even offered.
    response = client.post(url_of("assign", tig),
                           {"placement": hosts["foreign"].pk, "start_date": "2025-06-16"})  # fmt: skip
    assert response.status_code == 400
    assert field_error(response, "id_placement")
    assert stored() == before


def test_an_assignment_does_not_end_before_its_last_session(client_for, cpip, tigs):
    tig = tigs["caseload"]
    before = stored()
    response = client_for(cpip).post(url_of("assignment_end", tig),
                                     {"end_date": "2025-02-02", "reason": ""})  # fmt: skip
    assert response.status_code == 400
    assert field_error(response, "id_end_date") == "La fin ne peut pas précéder le début."
    assert stored() == before


def test_anothers_order_or_assignment_through_this_dossier_is_a_404(client_for, manager, tigs,
                                                                   hosts):  # fmt: skip
    client = client_for(manager)
    mine, theirs = tigs["caseload"], tigs["service_only"]
    base = tab_url(mine.person)
    before = stored()
    for url, data in (
        (f"{base}{theirs.order.pk}/modifier/", {"hours_ordered": "90", "period_months": "12",
                                                "counted_from": "2025-01-10"}),
        (f"{base}{theirs.order.pk}/seances/nouvelle/", {"kind": "work", "on": "2025-06-16",
                                                        "hours": "2"}),
        (f"{base}{theirs.order.pk}/affecter/", {"placement": hosts["p3"].pk,
                                               "start_date": "2025-06-16"}),
        (f"{base}affectations/{theirs.assignment.pk}/fin/", {"end_date": "2025-06-16"}),
        (f"{base}{tigs['foreign'].order.pk}/modifier/", {"hours_ordered": "90"}),
    ):  # fmt: skip
        assert client.get(url).status_code == 404, url
        assert client.post(url, data).status_code == 404, url
    assert client.get(f"{base}{theirs.order.pk}/attestation.pdf").status_code == 404
    assert stored() == before


@pytest.mark.parametrize("query", ["", "?mesure=999999", "?obligation=999999", "?mesure={sp}",
                                   "?mesure={theirs}", "?mesure={waiting}&obligation=1"])  # fmt: skip
def test_a_new_order_needs_a_tig_measure_of_this_dossier(client_for, cpip, world, tigs, query):
    tig = tigs["caseload"]
    query = query.format(sp=world.caseload.measure.pk, theirs=tigs["service_only"].waiting.pk,
                         waiting=tig.waiting.pk)  # fmt: skip
    client = client_for(cpip)
    url = tab_url(tig.person) + "nouveau/" + query
    assert client.get(url).status_code == 404
    assert client.post(url, {"hours_ordered": "50", "period_months": "12",
                             "counted_from": "2025-01-10"}).status_code == 404  # fmt: skip
    assert TigOrder.objects.count() == 3


@pytest.mark.parametrize("query", ["?mesure=abc", "?obligation=abc"])
def test_an_id_that_is_not_a_number_is_a_404(client_for, cpip, tigs, query):
    url = tab_url(tigs["caseload"].person) + "nouveau/" + query
    assert client_for(cpip).get(url).status_code == 404


def test_a_tig_obligation_of_probation_is_followed_from_the_tab(client_for, cpip, world, tigs):
    from probatio.measures import services as measure_services

    dossier = world.caseload
    obligation = measure_services.obligation_create(gated=gate(cpip, dossier.measure.person), measure=dossier.measure, decision=dossier.decision, obligation_type_code="TIG", data={"start_date": dossier.measure.start_date,
                                          "status": "active"})  # fmt: skip
    client = client_for(cpip)
    tab = client.get(tab_url(dossier.person))
    assert "Obligation d'accomplir un TIG" in text_of(tab)
    url = tab_url(dossier.person) + f"nouveau/?obligation={obligation.pk}"
    assert url in html(tab)
    form = client.get(url)
    assert form.status_code == 200
    response = client.post(url, {"hours_ordered": "60", "period_months": "18",
                                 "counted_from": "2025-01-10"})  # fmt: skip
    assert response.status_code == 302
    order = TigOrder.objects.get(obligation=obligation)
    assert (order.measure, order.hours_ordered, order.period_months) == (None, 60, 18)
    text = text_of(client.get(tab_url(dossier.person)))
    assert "TIG de 60 heures (obligation d'un Sursis probatoire)" in text
    assert "Obligation d'accomplir un TIG" not in text


def test_a_placement_id_that_is_not_a_number_leaves_the_choice_empty(client_for, cpip, tigs):
    assert client_for(cpip).get(url_of("assign", tigs["caseload"]) + "?poste=abc"
                                ).status_code == 200  # fmt: skip


def test_recording_a_session_without_placement_sends_back_to_the_tab(client_for, cpip, tigs):
    tig = tigs["caseload"]
    order = services.order_open(gated=gate(cpip, tig.person), data={"measure": tig.waiting.pk, "hours_ordered": 50, "period_months": 12,
              "counted_from": date(2025, 1, 10)}, today=TODAY)  # fmt: skip
    response = client_for(cpip).get(tab_url(tig.person) + f"{order.pk}/seances/nouvelle/",
                                    follow=True)  # fmt: skip
    assert response.redirect_chain[-1][0] == tab_url(tig.person) + f"#tig-{order.pk}"
    assert "Ce TIG n'a pas encore de poste : affectez d'abord la personne." in text_of(response)


# --- What the tab shows, reads journaled, queries -------------------------------------------------


def test_the_tab_shows_hours_deadline_pace_and_placement(client_for, cpip, tigs):
    tig = tigs["caseload"]
    response = client_for(cpip).get(tab_url(tig.person))
    text = text_of(response)
    assert "TIG de 100 heures" in text
    assert "3 h effectuées sur 100 h — reste 97 h" in text
    assert "Échéance : 10/01/2026" in text
    assert "Dans les temps" in text
    assert "Espaces verts — Mairie d'Amiens" in text
    assert "Tuteur : Claire Roux" in text
    # The second TIG measure waits for its follow-up.
    assert "le suivi du TIG n'est pas encore ouvert" in text
    assert f"nouveau/?mesure={tig.waiting.pk}" in html(response)


def test_the_tab_hides_the_forms_from_those_who_only_read(client_for, psychologist, cpip, tigs):
    tig = tigs["caseload"]
    response = client_for(psychologist).get(tab_url(tig.person))
    page = html(response)
    assert "3 h effectuées" in text_of(response)
    for name in ("order_new", "order_edit", "suggestions", "assignment_end", "session_new"):
        assert url_of(name, tig).split("?")[0] not in page, name
    assert f"{tig.order.pk}/attestation.pdf" not in page  # issued by those who record hours
    # The caseload's CPIP gets them.
    mine = html(client_for(cpip).get(tab_url(tig.person)))
    for name in ("order_new", "order_edit", "assignment_end", "session_new"):
        assert url_of(name, tig).split("?")[0] in mine, name
    assert f"{tig.order.pk}/attestation.pdf" in mine


@pytest.mark.parametrize("role", ["psychologist", "judge", "manager"])
def test_reading_the_tab_is_journaled(as_role, request, tigs, role):
    person = tigs["caseload"].person
    before = AuditEntry.objects.filter(action="read", person_id=person.pk).count()
    assert as_role(role).get(tab_url(person)).status_code == 200
    entry = AuditEntry.objects.filter(action="read", person_id=person.pk).latest("pk")
    assert AuditEntry.objects.filter(action="read", person_id=person.pk).count() == before + 1
    assert entry.actor == request.getfixturevalue(role).user
    assert entry.context == {"tab": "tig"}


def count_tab(client, person) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(tab_url(person)).status_code == 200
    return len(queries.captured_queries)


def test_the_tab_reads_the_same_number_of_queries_with_one_or_many_sessions(client_for, cpip,
                                                                           tigs, hosts):  # fmt: skip
    tig = tigs["caseload"]
    client = client_for(cpip)
    client.get(tab_url(tig.person))  # caches warmed
    one = count_tab(client, tig.person)
    for day in (date(2025, 2, 5), date(2025, 2, 10), date(2025, 2, 12), date(2025, 2, 17)):
        services.session_record(gated=gate(cpip, tig.person), assignment=tig.assignment, data={"on": day, "kind": "work", "hours": 3,
                                      "signed_by": hosts["tutor"], "remarks": "Bien."}, today=TODAY)  # fmt: skip
    services.session_record(gated=gate(cpip, tig.person), assignment=tig.assignment, data={"on": date(2025, 2, 19), "kind": "absence_unexcused"}, today=TODAY)  # fmt: skip
    assert WorkSession.objects.filter(assignment=tig.assignment).count() == 6
    assert count_tab(client, tig.person) == one


# --- The attestation and the end report -----------------------------------------------------------


@pytest.mark.parametrize("role", ["secretariat", "manager", "cpip"])
def test_the_attestation_is_a_pdf_issued_by_those_who_record_hours(as_role, tigs, role):
    tig = tigs["caseload"]
    response = as_role(role).get(tab_url(tig.person) + f"{tig.order.pk}/attestation.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="attestation-tig-{tig.order.pk}.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    entry = AuditEntry.objects.filter(action="read", person_id=tig.person.pk).latest("pk")
    # The entry names the document handed out: the TIG order the attestation is about.
    assert (entry.object_type, entry.object_id) == ("community_work.tigorder", tig.order.pk)
    assert entry.context == {
        "tab": "tig : attestation",
        "document": f"community_work.tigorder:{tig.order.pk}",
    }


@pytest.mark.parametrize("role", ["judge", "psychologist"])
def test_the_attestation_is_not_issued_by_those_who_only_read_the_file(as_role, tigs, role):
    # A judge reads the tab of their files, but the SPIP issues the attestation, not them.
    tig = tigs["caseload"]
    assert as_role(role).get(tab_url(tig.person)).status_code == 200
    url = tab_url(tig.person) + f"{tig.order.pk}/attestation.pdf"
    assert as_role(role).get(url).status_code == 403


def test_the_attestation_of_a_file_out_of_reach_is_a_404(as_role, tigs):
    for role, which in (("judge", "service_only"), ("cpip", "foreign")):
        tig = tigs[which]
        url = tab_url(tig.person) + f"{tig.order.pk}/attestation.pdf"
        assert as_role(role).get(url).status_code == 404


def test_the_end_report_is_started_by_those_who_draft_reports(as_role, tigs):
    tig = tigs["caseload"]
    url = tab_url(tig.person) + f"{tig.order.pk}/rapport-de-fin/"
    assert as_role("secretariat").post(url).status_code == 403
    assert as_role("cpip").get(url).status_code == 405
    # On pace: not yet (the button is not shown, and a direct request is refused).
    response = as_role("cpip").post(url)
    assert response.status_code == 302 and response["Location"].startswith(tab_url(tig.person))
    assert not Report.objects.exists()
    with time_machine.travel(datetime(2026, 1, 12, 9, 0, tzinfo=UTC), tick=False):  # overdue
        response = as_role("cpip").post(url)
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:detail", args=[report.pk])
    compliance = next(s for s in report.sections if s["key"] == "compliance")
    assert compliance["text"].startswith(
        "Travail d'intérêt général de 100 heures, délai de 12 mois à compter du 10/01/2025"
    )


# --- The service's TIG list --------------------------------------------------------------------------


INDEX = "/tig/"


def rows_of(response) -> list[str]:
    return [
        " ".join(row.split())
        for row in text_of(response).split("Personne Heures Échéance État Poste")[1:]
    ]


def test_a_cpip_sees_the_tig_of_their_caseload_only(client_for, cpip, cpip2, tigs):
    text = text_of(client_for(cpip).get(INDEX))
    assert "Les TIG des personnes que vous suivez" in text
    assert "MÉNARD" in text.upper() and "LAMBERT" not in text.upper()
    other = text_of(client_for(cpip2).get(INDEX))
    assert "LAMBERT" in other.upper() and "MÉNARD" not in other.upper()
    assert "LOINTAIN" not in text.upper() + other.upper()


@pytest.mark.parametrize("role", ["manager", "secretariat"])
def test_managers_and_the_secretariat_see_the_service(as_role, tigs, role):
    response = as_role(role).get(INDEX)
    assert response.status_code == 200
    text = text_of(response).upper()
    assert "LES TIG EN COURS DANS LE SERVICE" in text
    assert "MÉNARD" in text and "LAMBERT" in text and "LOINTAIN" not in text


def test_the_list_is_filtered_by_state(client_for, manager, cpip2, tigs, hosts):
    # The other dossier moves to a placement offering an hour a week: late.
    theirs = tigs["service_only"]
    services.assignment_end(gated=gate(cpip2, theirs.person), assignment=theirs.assignment, end_date=TODAY, reason="", today=TODAY)  # fmt: skip
    short = make_placement(manager, hosts["mine"], "Accueil", schedule="mardi 9:00-10:00")
    services.assign(gated=gate(cpip2, theirs.person), order=theirs.order, data={"placement": short.pk, "start_date": TODAY}, today=TODAY)  # fmt: skip
    client = client_for(manager)
    response = client.get(INDEX + "?etat=late")
    late = text_of(response).upper()
    assert "LAMBERT" in late and "MÉNARD" not in late
    assert "TOUS (2)" in late  # the tag for all counts all, whatever the filter
    assert 'aria-current="page">En retard' in html(response)
    on_pace = text_of(client.get(INDEX + "?etat=on_pace")).upper()
    assert "MÉNARD" in on_pace and "LAMBERT" not in on_pace
    everything = text_of(client.get(INDEX + "?etat=nimportequoi")).upper()
    assert "MÉNARD" in everything and "LAMBERT" in everything
    entry = AuditEntry.objects.filter(action="list", object_type="community_work.tigorder"
                                      ).order_by("pk")  # fmt: skip
    assert [e.context["filters"] for e in entry] == [{"etat": "late"}, {"etat": "on_pace"}, {}]


def test_the_list_is_shown_by_pages_at_risk_first(client_for, manager, tigs, monkeypatch):
    """A large service's TIG are shown by pages (the counts and the order over all of them);
    the state chosen is kept from page to page."""
    from probatio.community_work import views

    monkeypatch.setattr(views, "PER_PAGE", 1)
    client = client_for(manager)
    first, second = client.get(INDEX), client.get(INDEX + "?page=2")
    assert first.context["page"].paginator.count == 2
    assert "TOUS (2)" in text_of(first).upper()
    names = [text_of(r).upper() for r in (first, second)]
    assert ("MÉNARD" in names[0]) != ("MÉNARD" in names[1])  # one on each page
    assert ("LAMBERT" in names[0]) != ("LAMBERT" in names[1])
    assert 'aria-label="Pagination : travaux' in html(first)
    state = client.get(INDEX + "?etat=on_pace")
    assert state.context["query_string"] == "etat=on_pace"  # the pages' links keep it
    entry = AuditEntry.objects.filter(object_type="community_work.tigorder").latest("pk")
    assert entry.context["page_number"] == 1


def test_the_service_list_reads_the_same_number_of_queries_with_one_or_many_tig(
    client_for, manager, cpip, member, hosts
):
    client = client_for(manager)

    def add(n):
        other_cpip = member("cpip")
        person = make_person(other_cpip)
        measure = make_measure(other_cpip, person, code="TIG", hours=100, duration_months=12,
                               today=TODAY)  # fmt: skip
        order = services.order_open(gated=gate(other_cpip, person), data={"measure": measure.pk, "hours_ordered": 100,
                                          "period_months": 12,
                                          "counted_from": date(2025, 1, 10)}, today=TODAY)  # fmt: skip
        placement = make_placement(manager, hosts["mine"], f"Poste {n}")
        services.assign(gated=gate(other_cpip, person), order=order, data={"placement": placement.pk, "start_date": date(2025, 2, 3)}, today=TODAY)  # fmt: skip

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(INDEX).status_code == 200
        return len(queries.captured_queries)

    add(0)
    count()  # caches warmed
    one = count()
    for n in range(1, 5):
        add(n)
    assert TigOrder.objects.count() == 5
    # Each row shows its person's CPIP: read with the orders, not one query per row.
    assert count() == one


# --- Service pages per role ---------------------------------------------------------------------


SERVICE_PAGES = {"index": "/tig/", "hosts": "/tig/structures/", "import": "/tig/import/",
                 "figures": "/tig/chiffres/"}  # fmt: skip
# fmt: off
SERVICE_EXPECTED = {
    "cpip":          "200 200 403 403",
    "manager":       "200 200 200 200",
    "secretariat":   "200 200 200 403",
    "monitoring":    "403 200 403 403",
    "psychologist":  "403 200 403 403",
    "social_worker": "403 200 403 403",
    "judge":         "403 403 403 403",
}
# fmt: on


@pytest.mark.parametrize("role", ROLES)
def test_service_pages_answer_per_role(as_role, tigs, role):
    client = as_role(role)
    actual = {name: client.get(url).status_code for name, url in SERVICE_PAGES.items()}
    assert actual == dict(zip(SERVICE_PAGES, map(int, SERVICE_EXPECTED[role].split()),
                              strict=True))  # fmt: skip


def test_the_figures_page_shows_each_host(client_for, manager, tigs):
    response = client_for(manager).get("/tig/chiffres/")
    text = text_of(response)
    assert "Mairie d'Amiens" in text and "Mairie d'ailleurs" not in text
    assert AuditEntry.objects.filter(action="list",
                                     object_type="community_work.hostorganisation").exists()  # fmt: skip


# --- Hosts and their forms ------------------------------------------------------------------------


def host_url(host, suffix="") -> str:
    return f"/tig/structures/{host.partner_id}/{suffix}"


@pytest.mark.parametrize("role", STAFF)
def test_every_staff_member_reads_the_hosts(as_role, hosts, role):
    client = as_role(role)
    listing = text_of(client.get("/tig/structures/"))
    assert "Mairie d'Amiens" in listing and "Mairie d'ailleurs" not in listing
    detail = client.get(host_url(hosts["mine"]))
    assert detail.status_code == 200
    text = text_of(detail)
    assert "Espaces verts" in text and "Claire Roux" in text
    assert f"poste {hosts['p1'].code}" in text
    assert client.get(host_url(hosts["theirs"])).status_code == 404


def test_a_judge_does_not_read_the_hosts(as_role, hosts):
    assert as_role("judge").get(host_url(hosts["mine"])).status_code == 403


def host_forms(hosts) -> dict[str, tuple[str, dict]]:
    return {
        "host_edit": (host_url(hosts["mine"], "habilitation/"), {
            "legal_form": "public_body", "approval_court": "TJ d'Amiens",
            "approval_date": "2024-02-01"}),
        "supervisor_new": (host_url(hosts["mine"], "tuteurs/nouveau/"), {
            "name": "Paul Martin", "is_active": "on"}),
        "supervisor_edit": (host_url(hosts["mine"], f"tuteurs/{hosts['tutor'].pk}/"), {
            "name": "Claire Roux-Martin", "is_active": "on"}),
        "placement_new": (host_url(hosts["mine"], "postes/nouveau/"), {
            "activity": "Tri des dons", "address": "3 rue Haute", "postcode": "80000",
            "city": "Amiens", "schedule": "lundi 9:00-12:00 ; mercredi 14h-17h30",
            "capacity": "2", "public_transport": "on", "is_active": "on"}),
        "placement_edit": (host_url(hosts["mine"], f"postes/{hosts['p1'].pk}/"), {
            "activity": "Espaces verts et fleurs", "address": "1 rue du Marché",
            "postcode": "80000", "city": "Amiens", "schedule": "mardi 9:00-12:00",
            "capacity": "1", "is_active": "on"}),
    }  # fmt: skip


def host_rows() -> dict:
    return {
        "hosts": list(HostOrganisation.objects.values_list("pk", "legal_form", "approval_date")),
        "supervisors": list(Supervisor.objects.order_by("pk").values_list("pk", "name")),
        "placements": list(Placement.objects.order_by("pk").values_list("pk", "activity",
                                                                        "schedule")),
        "audit_writes": AuditEntry.objects.exclude(action__in=["read", "list", "denied"]).count(),
    }  # fmt: skip


@pytest.mark.parametrize("role", ["cpip", "secretariat", "psychologist", "social_worker"])
def test_host_forms_are_refused_to_staff_not_authorised(as_role, hosts, role):
    client = as_role(role)
    before = host_rows()
    for name, (url, data) in host_forms(hosts).items():
        assert client.get(url).status_code == 403, name
        assert client.post(url, data).status_code == 403, name
    assert host_rows() == before
    assert "Ajouter un poste" not in text_of(client.get(host_url(hosts["mine"])))


def test_host_forms_open_to_a_cpip_once_authorised(client_for, cpip, manager, hosts):
    PartnerEditor.objects.create(service=cpip.service, user=cpip.user, granted_by=manager.user)
    client = client_for(cpip)
    for name, (url, _) in host_forms(hosts).items():
        assert client.get(url).status_code == 200, name
    assert "Ajouter un poste" in text_of(client.get(host_url(hosts["mine"])))
    url, data = host_forms(hosts)["placement_new"]
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == host_url(hosts["mine"])
    made = Placement.objects.get(activity="Tri des dons")
    assert made.code == f"P{made.pk:05d}"
    assert made.schedule == [{"day": 0, "start": "09:00", "end": "12:00"},
                             {"day": 2, "start": "14:00", "end": "17:30"}]  # fmt: skip
    assert made.capacity == 2


def test_the_manager_saves_every_host_form(client_for, manager, hosts):
    client = client_for(manager)
    for name, (url, data) in host_forms(hosts).items():
        response = client.post(url, data)
        assert response.status_code == 302, (name, text_of(response)[:400])
    host = HostOrganisation.objects.get(pk=hosts["mine"].pk)
    assert (host.legal_form, host.approval_date) == ("public_body", date(2024, 2, 1))
    assert Supervisor.objects.filter(name="Paul Martin", host=host).exists()
    hosts["tutor"].refresh_from_db()
    assert hosts["tutor"].name == "Claire Roux-Martin"
    hosts["p1"].refresh_from_db()
    assert hosts["p1"].activity == "Espaces verts et fleurs"
    assert hosts["p1"].schedule == [{"day": 1, "start": "09:00", "end": "12:00"}]


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("lundi matin", "Créneau « lundi matin » non compris : écrivez par exemple « lundi "
                        "9:00-12:00 ; mercredi 14:00-17:00 »."),
        ("mardi 9-12 ; mardi 11-13", "Deux créneaux du mardi se chevauchent."),
    ],
)  # fmt: skip
def test_a_bad_schedule_is_shown_in_french_and_nothing_is_stored(client_for, manager, hosts,
                                                                 schedule, message):  # fmt: skip
    url, data = host_forms(hosts)["placement_new"]
    before = host_rows()
    response = client_for(manager).post(url, {**data, "schedule": schedule})
    assert response.status_code == 400
    assert field_error(response, "id_schedule") == message
    assert host_rows() == before


def test_capacity_below_the_persons_placed_is_refused(client_for, cpip, cpip2, manager, tigs,
                                                      hosts):  # fmt: skip
    kitchen = hosts["p3"]
    for author, which in ((cpip, "caseload"), (cpip2, "service_only")):
        tig = tigs[which]
        services.assignment_end(gated=gate(author, tig.person), assignment=tig.assignment, end_date=TODAY, reason="", today=TODAY)  # fmt: skip
        services.assign(gated=gate(author, tig.person), order=tig.order, data={"placement": kitchen.pk, "start_date": TODAY}, today=TODAY)  # fmt: skip
    url = host_url(hosts["mine"], f"postes/{kitchen.pk}/")
    data = {"activity": "Cuisine", "address": "1 rue du Marché", "postcode": "80000",
            "city": "Amiens", "schedule": "lundi 9:00-12:00", "is_active": "on"}  # fmt: skip
    client = client_for(manager)
    before = host_rows()
    response = client.post(url, {**data, "capacity": "1"})
    assert response.status_code == 400
    assert field_error(response, "id_capacity") == (
        "2 personnes y sont affectées : la capacité ne peut pas être inférieure."
    )
    for capacity in ("0", "-1"):
        response = client.post(url, {**data, "capacity": capacity})
        assert response.status_code == 400
        assert field_error(response, "id_capacity") == "Un poste accueille au moins une personne."
    response = client.post(url, {**data, "capacity": "3", "postcode": "ABCDE"})
    assert response.status_code == 400
    assert field_error(response, "id_postcode") == (
        "Le code postal compte cinq chiffres (par exemple 80000)."
    )
    assert host_rows() == before
    assert client.post(url, {**data, "capacity": "2"}).status_code == 302


def test_another_services_host_forms_are_404(client_for, manager, hosts):
    client = client_for(manager)
    for suffix in ("habilitation/", "tuteurs/nouveau/", "postes/nouveau/",
                   f"postes/{hosts['foreign'].pk}/"):  # fmt: skip
        assert client.get(host_url(hosts["theirs"], suffix)).status_code == 404
    # A placement or supervisor of another host through this host's page.
    other = make_host(manager, "Emmaüs")
    assert client.get(host_url(other, f"postes/{hosts['p1'].pk}/")).status_code == 404
    assert client.get(host_url(other, f"tuteurs/{hosts['tutor'].pk}/")).status_code == 404


def test_suggestions_list_the_services_placements_that_suit(client_for, cpip, tigs, hosts):
    tig = tigs["caseload"]
    response = client_for(cpip).get(url_of("suggestions", tig))
    text = text_of(response)
    assert "Cuisine" in text
    assert "Ailleurs" not in text
    assert f"affecter/?poste={hosts['p3'].pk}" in html(response)


def test_the_judge_reads_the_tab_without_links_to_what_they_cannot_open(client_for, judge, tigs):
    tig = tigs["caseload"]
    response = client_for(judge).get(tab_url(tig.person))
    page = html(response)
    assert "Espaces verts — Mairie d'Amiens" in text_of(response)
    assert "/tig/structures/" not in page  # the directory is for the SPIP's staff
    assert "attestation.pdf" not in page


def test_a_completed_tig_offers_no_session_to_record(client_for, cpip, tigs):
    tig = tigs["caseload"]
    TigOrder.objects.filter(pk=tig.order.pk).update(hours_ordered=20)  # 3 h already done
    for day in (date(2025, 2, 5), date(2025, 2, 10)):
        services.session_record(gated=gate(cpip, tig.person), assignment=tig.assignment, data={"on": day, "kind": "work", "hours": Decimal("8.5")}, today=TODAY)  # fmt: skip
    response = client_for(cpip).get(tab_url(tig.person))
    page = html(response)
    assert "Toutes les heures sont effectuées." in text_of(response)
    assert url_of("session_new", tig) not in page
    assert f"{tig.order.pk}/attestation.pdf" in page


def test_only_placements_of_hosts_approved_today_are_offered(client_for, manager, cpip, tigs,
                                                             hosts):  # fmt: skip
    lapsed = make_host(manager, "Ressourcerie", approved=date(2020, 1, 1))
    services.host_save(membership=manager, partner=lapsed.partner,
                       data={"legal_form": "association", "approval_court": "TJ d'Amiens",
                             "approval_date": date(2020, 1, 1),
                             "approval_end_date": date(2025, 1, 1)})  # fmt: skip
    old = make_placement(manager, lapsed, "Tri")
    tig = tigs["caseload"]
    services.assignment_end(gated=gate(cpip, tig.person), assignment=tig.assignment, end_date=TODAY, reason="", today=TODAY)  # fmt: skip
    page = html(client_for(cpip).get(url_of("assign", tig)))
    assert f'value="{old.pk}"' not in page
    assert f'value="{hosts["p2"].pk}"' in page


def test_an_approval_ending_before_it_starts_is_named_on_its_field(client_for, manager, hosts):
    url, data = host_forms(hosts)["host_edit"]
    response = client_for(manager).post(
        url, {**data, "approval_date": "2024-06-01", "approval_end_date": "2024-05-01"}
    )
    assert response.status_code == 400
    assert field_error(response, "id_approval_end_date") == (
        "La fin de l'habilitation ne peut pas précéder son début."
    )


def test_nobody_is_presumed_to_have_signed_a_session(client_for, cpip, tigs):
    """The placement's usual supervisor (Claire Roux) is offered, not chosen: a session is
    « signée par » the tutor the agent picks, or nobody."""
    tig = tigs["caseload"]
    page = html(client_for(cpip).get(url_of("session_new", tig)))
    signed_by = page.split('name="signed_by"')[1].split("</select>")[0]
    assert "Claire Roux" in signed_by
    assert "selected" not in signed_by.split("Claire Roux")[0].rsplit("<option", 1)[1]
    assert (
        client_for(cpip)
        .post(url_of("session_new", tig), {"kind": "work", "on": "2025-06-16", "hours": "2"})
        .status_code
        == 302
    )
    assert WorkSession.objects.get(assignment=tig.assignment, on=TODAY).signed_by is None


def test_the_attestation_leaves_its_signature_to_whoever_signs(client_for, cpip, tigs):
    """Who prints the attestation is not who signs it: the block is blank, to fill in."""
    tig = tigs["caseload"]
    response = client_for(cpip).get(tab_url(tig.person) + f"{tig.order.pk}/attestation.pdf")
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    block = text.split("Pour le service")[1]
    assert "Nom et qualité" in block and "Signature" in block
    assert cpip.user.get_full_name() not in block
