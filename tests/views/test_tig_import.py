"""The import of the hour sheets hosts send (CSV ``poste;nom;prenom;date;heures;tuteur;
observations``): reading the file with no database (header, columns, dates, hours), then
matching each line on the placement's code and the person placed there that day, every session
checked as one typed by hand, all of the file or nothing, the same file twice changing nothing;
and the page, for managers and the secretariat only."""

import html as htmllib
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from probatio.audit.models import AuditEntry
from probatio.community_work import imports, rules, services
from probatio.community_work.imports import Line, Problem, parse, parse_hours
from probatio.community_work.models import WorkSession
from probatio.people.models import TimelineEvent
from probatio.reintegration import partners
from tests.factories import gate, make_decision, make_measure, make_person
from tests.views.helpers import text_of

NOW = datetime(2025, 6, 16, 9, 0, tzinfo=UTC)  # a Monday
TODAY = date(2025, 6, 16)
HEADER = "poste;nom;prenom;date;heures;tuteur;observations\n"
URL = "/tig/import/"
D = Decimal


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return (header + "".join(line + "\n" for line in lines)).encode()


# --- Reading the file (no database) ---------------------------------------------------------------


def test_a_good_file_gives_one_line_per_session_with_its_line_number():
    lines, problems = parse(
        csv_bytes(
            "P00001;Ménard;Éloïse;02/06/2025;3,5;Claire Roux;Ponctuelle",
            "p00001;Ménard;Éloïse;2025-06-04;2;;",
            "P00002;Lambert;Hugo;04/06/2025;2,25 h;;",
        )
    )
    assert problems == []
    assert lines == [
        Line(2, "P00001", "Ménard", "Éloïse", date(2025, 6, 2), D("3.5"), "Claire Roux",
             "Ponctuelle"),
        Line(3, "P00001", "Ménard", "Éloïse", date(2025, 6, 4), D(2), "", ""),
        Line(4, "P00002", "Lambert", "Hugo", date(2025, 6, 4), D("2.25"), "", ""),
    ]  # fmt: skip


def test_a_byte_order_mark_and_blank_lines_are_fine_and_line_numbers_stay_those_of_the_file():
    content = "\ufeff".encode() + csv_bytes("", "P00001;Ménard;Éloïse;02/06/2025;3;;", "",
                                            "P00001;Ménard;Éloïse;abc;3;;")  # fmt: skip
    lines, problems = parse(content)
    assert [line.line for line in lines] == [3]
    assert [p.line for p in problems] == [5]


@pytest.mark.parametrize("text", ["3,5", "3.5", " 3,5 ", "3,5h", "3,5 h"])
def test_hours_with_a_comma_or_a_dot(text):
    assert parse_hours(text) == D("3.5")


@pytest.mark.parametrize("text", ["abc", "", "trois", "NaN", "Infinity", "3,5,1"])
def test_hours_not_a_number_are_unreadable(text):
    assert parse_hours(text) is None


def test_hours_written_with_minutes_are_not_read_as_hundreds_of_hours():
    # "3h30" is three hours and a half: it must be read as 3.5 or refused as unreadable, never
    # as 330 hours.
    assert parse_hours("3h30") in (D("3.5"), None)
    assert parse_hours("0h45") in (D("0.75"), None)


def test_unreadable_hours_and_dates_are_listed_with_their_line():
    lines, problems = parse(
        csv_bytes(
            "P00001;Ménard;Éloïse;02/06/2025;abc;;",
            "P00001;Ménard;Éloïse;31/02/2025;3;;",
            "P00001;Ménard;Éloïse;2025/06/02;3;;",
            "P00001;Ménard;Éloïse;03/06/2025;3;;",
        )
    )
    assert [line.line for line in lines] == [5]
    assert problems == [
        Problem(2, "Heures « abc » illisibles : écrivez un nombre, par exemple 3,5."),
        Problem(3, "Date « 31/02/2025 » impossible : ce jour n'existe pas dans le calendrier."),
        Problem(4, "Date « 2025/06/02 » illisible : écrivez-la JJ/MM/AAAA (par exemple "
                   "15/03/2026) ou AAAA-MM-JJ (2026-03-15)."),
    ]  # fmt: skip


def test_a_wrong_header_stops_the_reading():
    lines, problems = parse(csv_bytes("P00001;Ménard;Éloïse;02/06/2025;3;;",
                                      header="poste;nom;prenom;date;heures\n"))  # fmt: skip
    assert lines == []
    assert problems == [
        Problem(1, "Ligne d'en-tête incorrecte : « poste;nom;prenom;date;heures;tuteur;"
                   "observations » est attendu, « poste;nom;prenom;date;heures » a été trouvé.")
    ]  # fmt: skip


def test_a_header_with_commas_says_the_separator():
    _, [problem] = parse(csv_bytes(header="poste,nom,prenom,date,heures,tuteur,observations\n"))
    assert problem.line == 1
    assert problem.message.endswith(
        "Les colonnes doivent être séparées par des points-virgules (;)."
    )


def test_the_header_is_read_whatever_its_case():
    lines, problems = parse(csv_bytes("P00001;Ménard;Éloïse;02/06/2025;3;;",
                                      header="Poste;NOM;Prenom;Date;Heures;Tuteur;Observations\n"))  # fmt: skip
    assert problems == [] and len(lines) == 1


def test_wrong_columns_and_missing_values_are_listed_with_their_line():
    lines, problems = parse(
        csv_bytes(
            "P00001;Ménard;Éloïse;02/06/2025;3",
            "P00001;;Éloïse;02/06/2025;3;;",
            ";Ménard;Éloïse;02/06/2025;;;",
            "P00001;Ménard;Éloïse;03/06/2025;3;;",
        )
    )
    assert [line.line for line in lines] == [5]
    assert problems == [
        Problem(2, "7 colonnes séparées par des points-virgules sont attendues, 5 ont été "
                   "trouvées."),
        Problem(3, "Valeur manquante : nom de la personne."),
        Problem(4, "Valeur manquante : code du poste."),
        Problem(4, "Valeur manquante : heures."),
    ]  # fmt: skip


def test_empty_files():
    assert parse(b"") == ([], [Problem(None, "Le fichier est vide.")])
    assert parse(b"\n\n  \n") == ([], [Problem(None, "Le fichier est vide.")])
    assert parse(HEADER.encode()) == (
        [], [Problem(None, "Le fichier ne contient aucune séance après l'en-tête.")]
    )  # fmt: skip


def test_a_file_not_in_utf8_is_refused_naming_its_line():
    content = (HEADER + "P00001;Ménard;Éloïse;02/06/2025;3;;\n").encode("latin-1")
    lines, [problem] = parse(content)
    assert lines == []
    assert problem.line == 2
    assert "n'est pas encodé en UTF-8" in problem.message


# --- Importing (database) ----------------------------------------------------------------------


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def make_host(manager, name):
    partner = partners.partner_create(
        membership=manager,
        data={"name": name, "kind": "tig_host", "pathways": ["employment"], "postcode": "80000"},
    )
    return services.host_save(
        membership=manager,
        partner=partner,
        data={"legal_form": "association", "approval_court": "Tribunal judiciaire d'Amiens",
              "approval_date": date(2024, 1, 1)},
    )  # fmt: skip


def make_placement(manager, host, activity, capacity=2):
    slots, _ = rules.parse_schedule_text("lundi 9:00-12:00 ; mercredi 14:00-17:00")
    return services.placement_save(
        membership=manager,
        host=host,
        data={"activity": activity, "address": "1 rue du Marché", "postcode": "80000",
              "city": "Amiens", "capacity": capacity, "schedule": slots},
    )  # fmt: skip


def placed(cpip, placement, *, hours=100, start=date(2025, 6, 2), **person):
    subject = make_person(cpip, **person)
    decision = make_decision(cpip, subject, today=TODAY)
    measure = make_measure(cpip, subject, code="TIG", decision=decision, hours=hours,
                           duration_months=12, today=TODAY)  # fmt: skip
    order = services.order_open(gated=gate(cpip, subject), data={"measure": measure.pk, "hours_ordered": hours, "period_months": 12,
              "counted_from": date(2025, 1, 10)}, today=TODAY)  # fmt: skip
    assignment = services.assign(gated=gate(cpip, subject), order=order, data={"placement": placement.pk, "start_date": start}, today=TODAY)  # fmt: skip
    return assignment


class Setup:
    def __init__(self, cpip, manager):
        self.town = make_host(manager, "Mairie d'Amiens")
        self.bank = make_host(manager, "Banque alimentaire")
        self.tutor = services.supervisor_save(membership=manager, host=self.town,
                                              data={"name": "Claire Roux"})  # fmt: skip
        self.other_tutor = services.supervisor_save(membership=manager, host=self.bank,
                                                    data={"name": "Marc Petit"})  # fmt: skip
        self.green = make_placement(manager, self.town, "Espaces verts")
        self.food = make_placement(manager, self.bank, "Colis")
        self.eloise = placed(cpip, self.green, surname="Ménard", first_names="Éloïse Marie")
        self.hugo = placed(cpip, self.food, surname="Lambert", first_names="Hugo")
        self.small = placed(cpip, self.green, hours=20, surname="Petit", first_names="Léa")


@pytest.fixture
def world(frozen, cpip, manager):
    return Setup(cpip, manager)


def run(membership, *lines, name="feuille.csv"):
    return imports.import_sessions(membership=membership, file_name=name,
                                   content=csv_bytes(*lines), today=TODAY)  # fmt: skip


def stored() -> dict:
    return {
        "sessions": list(WorkSession.objects.order_by("pk").values_list(
            "assignment_id", "on", "hours")),
        "timeline": TimelineEvent.objects.count(),
        "audit_writes": AuditEntry.objects.exclude(action__in=["read", "list", "denied"]).count(),
    }  # fmt: skip


def test_a_good_file_records_every_session(manager, world):
    green, food = world.green.code, world.food.code
    result = run(
        manager,
        f"{green};MÉNARD;eloise;02/06/2025;3,5;claire roux;Ponctuelle",
        f"{green.lower()};Ménard;Éloïse Marie;04/06/2025;3;;",
        f"{food};Lambert;Hugo;2025-06-04;2,25;Marc Petit;",
    )
    assert result.problems == []
    assert (result.created, result.unchanged, result.refused) == (3, 0, False)
    first = WorkSession.objects.get(assignment=world.eloise, on=date(2025, 6, 2))
    assert (first.hours, first.signed_by, first.remarks, first.source) == (
        D("3.5"), world.tutor, "Ponctuelle", "import"
    )  # fmt: skip
    assert first.recorded_by == manager.user
    assert WorkSession.objects.get(assignment=world.hugo).signed_by == world.other_tutor
    assert services.done_hours(world.eloise.order) == D("6.5")
    assert AuditEntry.objects.filter(object_type="community_work.worksession",
                                     action="create").count() == 3  # fmt: skip
    assert TimelineEvent.objects.filter(title="TIG : 3,5 h effectuées").count() == 1


def test_the_same_file_twice_changes_nothing(manager, secretariat, world):
    lines = (
        f"{world.green.code};Ménard;Éloïse;02/06/2025;3,5;;",
        f"{world.food.code};Lambert;Hugo;04/06/2025;2;;",
    )
    assert run(manager, *lines).created == 2
    before = stored()
    again = run(secretariat, *lines)
    assert (again.created, again.unchanged, again.problems) == (0, 2, [])
    assert stored() == before
    # A session typed by hand with the same hours is left alone too.
    services.session_record(gated=gate(manager, world.hugo.order.person), assignment=world.hugo, data={"on": date(2025, 6, 9), "hours": D(3)}, today=TODAY)  # fmt: skip
    third = run(manager, *lines, f"{world.food.code};Lambert;Hugo;09/06/2025;3;;")
    assert (third.created, third.unchanged) == (0, 3)


def test_different_hours_on_a_day_already_recorded_is_a_problem(manager, world):
    run(manager, f"{world.green.code};Ménard;Éloïse;02/06/2025;3,5;;")
    before = stored()
    result = run(manager, f"{world.green.code};Ménard;Éloïse;02/06/2025;3;;")
    assert result.problems == [
        Problem(2, "Une séance de 3,5 h est déjà enregistrée le 02/06/2025 : corrigez-la dans "
                   "le dossier plutôt que par l'import.")
    ]  # fmt: skip
    assert stored() == before


def test_a_file_with_one_problem_records_nothing(manager, world):
    before = stored()
    result = run(
        manager,
        f"{world.green.code};Ménard;Éloïse;02/06/2025;3;;",
        "P99999;Ménard;Éloïse;04/06/2025;3;;",
        f"{world.food.code};Lambert;Hugo;04/06/2025;2;;",
    )
    assert result.refused
    assert result.created == 0
    assert result.problems == [
        Problem(3, "Poste « P99999 » inconnu dans votre service : vérifiez son code (il figure "
                   "sur la fiche du poste).")
    ]  # fmt: skip
    assert stored() == before


def test_every_problem_is_listed_with_its_line(manager, world):
    green = world.green.code
    before = stored()
    result = run(
        manager,
        f"{green};Martin;Paul;02/06/2025;3;;",  # nobody of that name
        f"{world.food.code};Ménard;Éloïse;02/06/2025;3;;",  # placed elsewhere
        f"{green};Ménard;Éloïse;30/05/2025;3;;",  # before the assignment started
        f"{green};Ménard;Éloïse;04/06/2025;3;Inconnu;",  # unknown supervisor
        f"{green};Ménard;Éloïse;09/06/2025;3;Marc Petit;",  # a supervisor of another host
        f"{green};Ménard;Éloïse;18/06/2025;3;;",  # in the future
        f"{green};Ménard;Éloïse;11/06/2025;10,5;;",  # more than 10 hours
        f"{green};Ménard;Éloïse;16/06/2025;3,3;;",  # not in quarters
        f"{green};Ménard;Éloïse;abc;3;;",  # unreadable date
    )
    assert result.problems == [
        Problem(2, f"Aucune personne « Martin Paul » n'est affectée au poste {green} le "
                   "02/06/2025."),
        Problem(3, f"Aucune personne « Ménard Éloïse » n'est affectée au poste "
                   f"{world.food.code} le 02/06/2025."),
        Problem(4, f"Aucune personne « Ménard Éloïse » n'est affectée au poste {green} le "
                   "30/05/2025."),
        Problem(5, "Tuteur « Inconnu » inconnu pour ce poste."),
        Problem(6, "Tuteur « Marc Petit » inconnu pour ce poste."),
        Problem(7, "La date ne peut pas être dans le futur."),
        Problem(8, "Une séance compte 10 heures au plus."),
        Problem(9, "Les heures se comptent par quarts d'heure (par exemple 3,5 ou 2,25)."),
        Problem(10, "Date « abc » illisible : écrivez-la JJ/MM/AAAA (par exemple 15/03/2026) "
                    "ou AAAA-MM-JJ (2026-03-15)."),
    ]  # fmt: skip
    assert stored() == before


def test_hours_beyond_those_left_count_the_files_lines_together(manager, world):
    green = world.green.code
    before = stored()
    # Léa has 20 hours to do: 8 + 8 fit, the third line passes them.
    result = run(
        manager,
        f"{green};Petit;Léa;02/06/2025;8;;",
        f"{green};Petit;Léa;04/06/2025;8;;",
        f"{green};Petit;Léa;09/06/2025;8;;",
    )
    assert result.problems == [
        Problem(4, "Ces heures dépassent celles qui restent à effectuer (4 h) : vérifiez la "
                   "feuille d'heures.")
    ]  # fmt: skip
    assert stored() == before
    ok = run(manager, f"{green};Petit;Léa;02/06/2025;8;;", f"{green};Petit;Léa;04/06/2025;8;;",
             f"{green};Petit;Léa;09/06/2025;4;;")  # fmt: skip
    assert ok.created == 3
    assert services.done_hours(world.small.order) == 20


def test_hours_already_recorded_count_too(manager, world):
    services.session_record(gated=gate(manager, world.small.order.person), assignment=world.small, data={"on": date(2025, 6, 2), "hours": D(10)}, today=TODAY)  # fmt: skip
    result = run(manager, f"{world.green.code};Petit;Léa;04/06/2025;10,25;;")
    assert [p.message for p in result.problems] == ["Une séance compte 10 heures au plus."]
    result = run(manager, f"{world.green.code};Petit;Léa;04/06/2025;10;;",
                 f"{world.green.code};Petit;Léa;09/06/2025;0,25;;")  # fmt: skip
    assert result.problems == [
        Problem(3, "Ces heures dépassent celles qui restent à effectuer (0 h) : vérifiez la "
                   "feuille d'heures.")
    ]  # fmt: skip


def test_dates_after_the_end_of_an_assignment_are_refused(manager, cpip, world):
    services.assignment_end(gated=gate(cpip, world.hugo.order.person), assignment=world.hugo, end_date=date(2025, 6, 4), reason="", today=TODAY)  # fmt: skip
    result = run(manager, f"{world.food.code};Lambert;Hugo;04/06/2025;2;;",
                 f"{world.food.code};Lambert;Hugo;09/06/2025;2;;")  # fmt: skip
    assert result.problems == [
        Problem(3, f"Aucune personne « Lambert Hugo » n'est affectée au poste {world.food.code} "
                   "le 09/06/2025.")
    ]  # fmt: skip


def test_a_cancelled_assignment_takes_no_hours(manager, cpip, world):
    services.assignment_end(gated=gate(cpip, world.hugo.order.person), assignment=world.hugo, end_date=date(2025, 6, 4), reason="", cancel=True, today=TODAY)  # fmt: skip
    result = run(manager, f"{world.food.code};Lambert;Hugo;04/06/2025;2;;")
    assert [p.line for p in result.problems] == [2]
    assert not WorkSession.objects.exists()


def test_another_services_placement_is_unknown(member, other_service, world):
    foreign_manager = member("manager", service=other_service)
    result = run(foreign_manager, f"{world.green.code};Ménard;Éloïse;02/06/2025;3;;")
    assert result.problems == [
        Problem(2, f"Poste « {world.green.code} » inconnu dans votre service : vérifiez son "
                   "code (il figure sur la fiche du poste).")
    ]  # fmt: skip
    assert not WorkSession.objects.exists()


def test_a_file_that_cannot_be_read_records_nothing(manager, world):
    result = imports.import_sessions(membership=manager, file_name="C:\\Users\\x\\feuille.csv",
                                     content=b"", today=TODAY)  # fmt: skip
    assert result.file_name == "feuille.csv"
    assert result.problems == [Problem(None, "Le fichier est vide.")]
    assert not WorkSession.objects.exists()


# --- The page --------------------------------------------------------------------------------------


def upload(*lines: str, name: str = "feuille.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, csv_bytes(*lines), content_type="text/csv")


def problem_rows(response) -> list[tuple[str, str]]:
    table = re.search(r'id="problems".*?<tbody>(.*?)</tbody>', response.content.decode(), re.S)
    assert table, "no table of problems on the page"
    return [
        (line.strip(), " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", message)).split()))
        for line, message in re.findall(
            r"<tr><td>(.*?)</td><td>(.*?)</td></tr>", table.group(1), re.S
        )
    ]


@pytest.mark.parametrize("role", ["manager", "secretariat"])
def test_managers_and_the_secretariat_import(request, client_for, world, role):
    membership = request.getfixturevalue(role)
    client = client_for(membership)
    page = client.get(URL)
    assert page.status_code == 200
    assert "poste;nom;prenom;date;heures;tuteur;observations" in text_of(page)
    assert 'enctype="multipart/form-data"' in page.content.decode()
    response = client.post(URL, {"file": upload(
        f"{world.green.code};Ménard;Éloïse;02/06/2025;3,5;;",
        f"{world.food.code};Lambert;Hugo;04/06/2025;2;;")}, follow=True)  # fmt: skip
    assert response.redirect_chain == [(URL, 302)]
    assert "Feuille d'heures importée : 2 séances enregistrées, 0 déjà connue." in (
        text_of(response)
    )
    assert set(WorkSession.objects.values_list("recorded_by", flat=True)) == {membership.user_id}


@pytest.mark.parametrize("role", ["cpip", "monitoring", "psychologist", "social_worker",
                                  "judge"])  # fmt: skip
def test_other_roles_may_not_import_and_nothing_is_stored(as_role, world, role):
    client = as_role(role)
    assert client.get(URL).status_code == 403
    response = client.post(URL, {"file": upload(
        f"{world.green.code};Ménard;Éloïse;02/06/2025;3,5;;")})  # fmt: skip
    assert response.status_code == 403
    assert not WorkSession.objects.exists()


def test_a_refused_file_lists_its_problems_and_stores_nothing(client_for, manager, world):
    before = stored()
    response = client_for(manager).post(URL, {"file": upload(
        f"{world.green.code};Ménard;Éloïse;02/06/2025;3,5;;",
        f"{world.green.code};Ménard;Éloïse;04/06/2025;abc;;",
        "P99999;Lambert;Hugo;04/06/2025;2;;", name="juin.csv")})  # fmt: skip
    assert response.status_code == 400
    assert "Fichier « juin.csv » refusé : rien n'a été enregistré" in text_of(response)
    assert problem_rows(response) == [
        ("3", "Heures « abc » illisibles : écrivez un nombre, par exemple 3,5."),
        ("4", "Poste « P99999 » inconnu dans votre service : vérifiez son code (il figure sur "
              "la fiche du poste)."),
    ]  # fmt: skip
    assert stored() == before


def test_an_empty_file_is_refused_for_the_whole_file(client_for, manager, world):
    response = client_for(manager).post(URL, {"file": SimpleUploadedFile(
        "vide.csv", HEADER.encode(), content_type="text/csv")})  # fmt: skip
    assert response.status_code == 400
    assert problem_rows(response) == [
        ("Fichier", "Le fichier ne contient aucune séance après l'en-tête.")
    ]


def test_no_file_sent_is_a_french_error(client_for, manager, world):
    # The browser sends the form's fields (its token at least) even with no file chosen.
    response = client_for(manager).post(URL, {"file": ""})
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in text_of(response)


# --- Lines that match more than one TIG, repeated days, hours after the deadline ------------------


@pytest.mark.parametrize("text", ["1e1", "-3", "+3", "1 000", "3,125"])
def test_hours_only_as_a_plain_number(text):
    assert parse_hours(text) is None


def test_a_line_matching_two_persons_placed_there_is_refused(manager, cpip, world):
    placed(cpip, world.food, surname="Lambert", first_names="Hugo")  # a namesake, same post
    before = stored()
    result = run(manager, f"{world.food.code};Lambert;Hugo;02/06/2025;3;;")
    assert result.problems == [
        Problem(2, f"Plusieurs TIG correspondent à « Lambert Hugo » sur le poste "
                   f"{world.food.code} le 02/06/2025 (homonymes, ou deux TIG de la même "
                   "personne) : saisissez cette séance dans le dossier.")
    ]  # fmt: skip
    assert stored() == before


def test_two_lines_for_the_same_day_are_a_problem_of_the_file(manager, world):
    before = stored()
    result = run(
        manager,
        f"{world.green.code};Ménard;Éloïse;02/06/2025;3;;",
        f"{world.green.code};Ménard;Éloïse;02/06/2025;2;;",
    )
    assert result.problems == [
        Problem(3, "La ligne 2 porte déjà une séance le 02/06/2025 pour cette personne : "
                   "regroupez les heures du jour sur une seule ligne.")
    ]  # fmt: skip
    assert stored() == before


def test_hours_after_the_deadline_are_refused(manager, cpip, world):
    subject = make_person(cpip, surname="Roy", first_names="Max")
    decision = make_decision(cpip, subject, today=TODAY)
    measure = make_measure(cpip, subject, code="TIG", decision=decision, hours=20,
                           duration_months=2, today=TODAY)  # fmt: skip
    order = services.order_open(gated=gate(cpip, subject), data={"measure": measure.pk, "hours_ordered": 20, "period_months": 2,
              "counted_from": date(2025, 4, 7)}, today=TODAY)  # fmt: skip
    services.assign(gated=gate(cpip, subject), order=order, data={"placement": world.food.pk, "start_date": date(2025, 5, 5)}, today=TODAY)  # fmt: skip
    before = stored()
    result = run(
        manager,
        f"{world.food.code};Roy;Max;02/06/2025;3;;",  # within the period (until 07/06)
        f"{world.food.code};Roy;Max;09/06/2025;3;;",
    )
    assert result.problems == [
        Problem(3, "Cette date dépasse la fin du délai du TIG, le 07/06/2025 : les heures "
                   "effectuées après ce délai ne peuvent pas être comptées.")
    ]  # fmt: skip
    assert stored() == before


def test_a_day_already_recorded_as_missed_is_a_problem(manager, world):
    services.session_record(gated=gate(manager, world.hugo.order.person), assignment=world.hugo, data={"on": date(2025, 6, 4), "kind": "absence_unexcused"}, today=TODAY)  # fmt: skip
    before = stored()
    result = run(manager, f"{world.food.code};Lambert;Hugo;04/06/2025;2;;")
    assert result.problems == [
        Problem(2, "Ce jour-là est déjà enregistré comme « absence non justifiée » : un jour est "
                   "effectué ou manqué, pas les deux.")
    ]  # fmt: skip
    assert stored() == before
