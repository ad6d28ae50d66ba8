"""The allocation pages as each role meets them: the queue, the allocation form with the
workload and its suggestion, the week's view, moving files (preview, conflicts, confirmation),
capacities and the scale, and ``?cpip=none`` wherever a list filters by CPIP."""

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from probatio.agenda import rules as agenda_rules
from probatio.agenda import services as agenda
from probatio.audit.models import AuditEntry
from probatio.caseloads.models import CapacityReduction, WorkloadWeight
from probatio.people.models import Person
from probatio.people.selectors import person_get_for
from tests.factories import SiteFactory, make_measure, make_person
from tests.views.helpers import html, text_of, text_within

TODAY = timezone.localdate()
PAGES = [
    "/service/a-attribuer/",
    "/service/semaine/",
    "/service/semaine/retards/",
    "/service/deplacer/",
    "/service/capacites/",
    "/service/bareme/",
]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("role", ["cpip", "secretariat", "judge", "psychologist", "monitoring"])
def test_only_managers_open_the_allocation_pages(as_role, role, url):
    assert as_role(role).get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_managers_open_them(client_for, manager, cpip, url):
    assert client_for(manager).get(url).status_code == 200


def test_the_queue_lists_files_without_a_cpip_with_their_deadline(
    client_for, manager, secretariat, cpip
):
    waiting = make_person(secretariat, surname="Attente", first_names="Yanis")
    start = TODAY - timedelta(days=30)
    make_measure(secretariat, waiting, start_date=start, decision=None)
    make_person(cpip, surname="Suivi")
    response = client_for(manager).get("/service/a-attribuer/")
    text = text_of(response)
    assert "1 dossier à attribuer" in text
    assert "ATTENTE Yanis" in text and "Nouvelle décision" in text
    assert "SUIVI" not in text
    assert f"/personnes/{waiting.pk}/attribuer/?depuis=queue" in html(response)
    assert AuditEntry.objects.filter(summary="Liste : à attribuer").exists()
    # Filtered by origin: nothing of another origin.
    other = client_for(manager).get("/service/a-attribuer/", {"origin": "transfer_in"})
    assert "Aucun dossier n'attend de CPIP parmi ces critères" in text_of(other)


def test_the_allocation_form_shows_loads_and_a_suggestion_then_allocates(
    client_for, manager, secretariat, leaver, roussel
):
    for i in range(3):
        make_measure(leaver, make_person(leaver, surname=f"Charge{i}"))
    waiting = make_person(secretariat, surname="Attente")
    client = client_for(manager)
    response = client.get(f"/personnes/{waiting.pk}/attribuer/?depuis=queue")
    text = text_of(response)
    assert "Charge de travail de chaque CPIP" in text
    assert "Claire Vaillant" in text and "3,0" in text and "5 %" in text
    # The suggestion: the lowest load (Marc Roussel has none), checked, and overridable.
    assert "Suggestion : Marc Roussel" in text
    assert f'id="cpip-{roussel.user_id}" name="cpip" value="{roussel.user_id}" checked' in html(
        response
    )
    posted = client.post(
        f"/personnes/{waiting.pk}/attribuer/?depuis=queue", {"cpip": str(leaver.user_id)}
    )
    assert posted.status_code == 302 and posted["Location"] == "/service/a-attribuer/"
    waiting.refresh_from_db()
    assert waiting.assigned_cpip_id == leaver.user_id and waiting.awaiting_since is None


def test_allocating_to_someone_who_is_not_a_cpip_of_the_service_is_refused(
    client_for, manager, secretariat, foreign_cpip
):
    waiting = make_person(secretariat, surname="Attente")
    for user_id in (secretariat.user_id, foreign_cpip.user_id):
        response = client_for(manager).post(
            f"/personnes/{waiting.pk}/attribuer/", {"cpip": str(user_id)}
        )
        assert response.status_code == 400
        assert "Sélectionnez un choix valide" in text_of(response)
    waiting.refresh_from_db()
    assert waiting.assigned_cpip_id is None


def test_another_services_file_is_a_404(client_for, manager, other_person):
    assert client_for(manager).get(f"/personnes/{other_person.pk}/attribuer/").status_code == 404


def test_cpip_none_filters_the_service_view_the_schedule_and_the_reports(
    client_for, manager, secretariat, cpip
):
    waiting = make_person(secretariat, surname="Attente")
    make_measure(secretariat, waiting, start_date=TODAY - timedelta(days=60), decision=None)
    followed = make_person(cpip, surname="Suivi")
    make_measure(cpip, followed, start_date=TODAY - timedelta(days=60), decision=None)
    client = client_for(manager)
    service = text_of(client.get("/service/", {"cpip": "none"}))
    assert "ATTENTE" in service and "SUIVI" not in service
    schedule = text_of(client.get("/echeancier/", {"cpip": "none", "horizon": 90}))
    assert "ATTENTE" in schedule and "SUIVI" not in schedule
    everyone = text_of(client.get("/echeancier/", {"horizon": 90}))
    assert "ATTENTE" in everyone and "SUIVI" in everyone
    assert client.get("/rapports/", {"cpip": "none"}).status_code == 200


def test_the_week_counts_link_to_their_lists(client_for, manager, cpip, secretariat):
    make_person(cpip, surname="Recu")
    make_person(secretariat, surname="Attente")
    response = client_for(manager).get("/service/semaine/")
    page = html(response)
    assert f'href="/service/?cpip={cpip.user_id}&amp;received=week">1</a>' in page
    assert '<a href="/service/a-attribuer/">1 à attribuer</a>' in page
    received = text_of(
        client_for(manager).get("/service/", {"cpip": cpip.user_id, "received": "week"})
    )
    assert "RECU" in received


def test_the_week_overdue_counts_run_a_fixed_number_of_queries(
    client_for, manager, cpip, django_assert_max_num_queries
):
    client = client_for(manager)
    client.get("/service/semaine/retards/")
    for i in range(6):
        make_measure(
            cpip,
            make_person(cpip, surname=f"Retard{i}"),
            start_date=TODAY - timedelta(days=90),
            decision=None,
        )
    # The échéancier's stored items are computed after each commit (not run inside a test's
    # transaction) and each night: made current here, as production finds them.
    from django.utils import timezone

    from probatio.deadlines.services import refresh

    refresh.ensure_current(manager.service_id, timezone.localdate())
    with django_assert_max_num_queries(15):
        response = client.get("/service/semaine/retards/", HTTP_HX_REQUEST="true")
    assert "Échéances en retard" in text_of(response)


def at(day: date, hour: int):
    return agenda_rules.at_paris(day, time(hour, 0))


def weekday_in(days: int) -> date:
    day = TODAY + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_moving_a_leavers_files_previews_then_confirms(
    client_for, manager, leaver, roussel, service
):
    site = SiteFactory(service=service)
    persons = [make_person(leaver, surname=f"Depart{i}") for i in range(3)]
    mine = make_person(roussel, surname="DejaLa")
    start = at(weekday_in(3), 10)
    for person, who in ((persons[0], leaver), (mine, roussel)):
        agenda.appointment_book(
            gated=person_get_for(who, person.pk),
            data={"kind": "follow_up", "place_kind": "site", "site": site,
                  "starts_at": start, "ends_at": start + timedelta(minutes=45)},
            staff=[who.user],
            confirmed=True,
        )  # fmt: skip
    client = client_for(manager)
    page = client.get("/service/deplacer/", {"de": leaver.user_id})
    assert "Dossiers à déplacer (3)" in text_of(page)
    data = {
        "etape": "preview",
        "persons": [p.pk for p in persons],
        "targets": [roussel.user_id],
        "appointments": "move",
        "reason": "departure",
    }
    preview = client.post("/service/deplacer/", data)
    text = text_of(preview)
    assert "Rien n'est encore enregistré" in text
    assert "Conflits dans les nouveaux agendas" in text and "Marc Roussel" in text
    assert Person.objects.filter(assigned_cpip=leaver.user).count() == 3
    confirm = {**data, "etape": "confirm"}
    confirm.update({f"plan-{p.pk}": roussel.user_id for p in persons})
    refused = client.post("/service/deplacer/", confirm)
    assert "Cochez cette case pour confirmer" in text_of(refused)
    assert Person.objects.filter(assigned_cpip=leaver.user).count() == 3
    done = client.post("/service/deplacer/", {**confirm, "confirmed": "on"})
    assert done.status_code == 302
    assert Person.objects.filter(assigned_cpip=roussel.user).count() == 4
    log = text_of(client.get(f"/personnes/{persons[0].pk}/journal-des-acces/"))
    assert "Changement de CPIP : Claire Vaillant → Marc Roussel (Départ du CPIP)" in log


def test_a_move_without_target_or_reason_says_so(client_for, manager, leaver):
    person = make_person(leaver, surname="Reste")
    response = client_for(manager).post(
        "/service/deplacer/", {"etape": "preview", "persons": [person.pk], "appointments": "move"}
    )
    assert response.status_code == 400
    text = text_of(response)
    assert "rien n'a été enregistré" in text
    assert "Ce champ est obligatoire" in text


def test_capacities_and_scale_refuse_values_out_of_range(client_for, manager, cpip):
    client = client_for(manager)
    bad = client.post(
        f"/service/capacites/{cpip.pk}/",
        {"formulaire": "quotite", "quotite-working_time": "150"},
    )
    assert bad.status_code == 400
    assert "inférieure ou égale à 100" in text_of(bad)
    cpip.refresh_from_db()
    assert cpip.working_time == 100
    good = client.post(
        f"/service/capacites/{cpip.pk}/", {"formulaire": "quotite", "quotite-working_time": "80"}
    )
    assert good.status_code == 302
    cpip.refresh_from_db()
    assert cpip.working_time == 80
    reduction = client.post(
        f"/service/capacites/{cpip.pk}/",
        {
            "formulaire": "reduction",
            "reduction-reason": "long_leave",
            "reduction-share": "100",
            "reduction-start_date": TODAY.isoformat(),
            "reduction-end_date": (TODAY - timedelta(days=2)).isoformat(),
        },
    )
    assert reduction.status_code == 400
    assert "La fin doit être postérieure" in text_of(reduction)
    assert not CapacityReduction.objects.exists()
    scale = client.post(
        "/service/bareme/",
        {"subject": "DDSE", "setting": "any", "points": "30", "valid_from": TODAY.isoformat()},
    )
    assert scale.status_code == 400
    assert "entre 0 et 20 points" in text_of(scale) or "inférieur ou égal à 200" in text_of(scale)
    assert not WorkloadWeight.objects.filter(service__isnull=False).exists()


def test_another_services_cpip_capacity_is_a_404(client_for, manager, foreign_cpip):
    assert client_for(manager).get(f"/service/capacites/{foreign_cpip.pk}/").status_code == 404


@pytest.fixture
def two_antennes(manager, leaver, roussel):
    """Claire Vaillant at the manager's antenne, Marc Roussel at another one."""
    own = SiteFactory(service=manager.service, name="Antenne du Nord")
    other = SiteFactory(service=manager.service, name="Antenne du Sud")
    for membership, site in ((manager, own), (leaver, own), (roussel, other)):
        membership.site = site
        membership.save(update_fields=["site"])
    return own, other


TABLES = {
    "/service/": "workload",
    "/service/semaine/": "week",
    "/service/semaine/retards/": "week-overdue",
    "/service/capacites/": "capacities",
}


@pytest.mark.parametrize("url", TABLES)
def test_a_small_service_shows_every_cpip_and_offers_each_antenne(
    client_for, manager, two_antennes, url
):
    response = client_for(manager).get(url)
    table = text_within(response, TABLES[url])
    assert "Claire Vaillant" in table and "Marc Roussel" in table
    form = text_within(response, "team-form")
    assert "Toutes les antennes (2 CPIP)" in form
    assert "Antenne du Nord (1 CPIP)" in form and "Antenne du Sud (1 CPIP)" in form
    # One antenne chosen: its CPIPs only, named in the caption.
    north, south = two_antennes
    chosen = client_for(manager).get(url, {"antenne": str(south.pk)})
    table = text_within(chosen, TABLES[url])
    assert "Marc Roussel" in table and "Claire Vaillant" not in table
    assert "Antenne du Sud" in table


@pytest.mark.parametrize("url", TABLES)
def test_a_large_service_opens_on_the_managers_antenne(
    client_for, manager, two_antennes, monkeypatch, url
):
    monkeypatch.setattr("probatio.caseloads.rules.TEAM_VIEW_FROM", 1)
    response = client_for(manager).get(url)
    table = text_within(response, TABLES[url])
    assert "Claire Vaillant" in table and "Marc Roussel" not in table
    assert "ce tableau montre ceux de « Antenne du Nord »" in text_of(response)
    every = client_for(manager).get(url, {"antenne": "toutes"})
    table = text_within(every, TABLES[url])
    assert "Claire Vaillant" in table and "Marc Roussel" in table
    assert "ce tableau montre" not in text_of(every)


def test_an_antenne_without_cpips_says_so_and_shows_the_default(
    client_for, manager, two_antennes, other_service
):
    foreign = SiteFactory(service=other_service)
    response = client_for(manager).get("/service/", {"antenne": str(foreign.pk)})
    assert response.status_code == 200
    assert "Aucun CPIP du service ne travaille dans cette antenne" in text_of(response)
    table = text_within(response, "workload")
    assert "Claire Vaillant" in table and "Marc Roussel" in table


def test_the_week_keeps_its_antenne_in_its_links(client_for, manager, two_antennes):
    north, _ = two_antennes
    page = html(client_for(manager).get("/service/semaine/", {"antenne": str(north.pk)}))
    assert f"/service/semaine/retards/?antenne={north.pk}" in page
    service = html(client_for(manager).get("/service/", {"antenne": str(north.pk)}))
    assert f'name="antenne" value="{north.pk}"' in service  # the persons' filter keeps it
