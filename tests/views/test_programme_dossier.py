"""The dossier's « Programmes » tab: the person's referrals and enrolments, the sessions to come,
their attendance and the end-of-programme summaries; the referral form, the enrolment's page
and its moves, the completion attestation (PDF) — per role (the caseload's CPIP or not,
managers, the secretariat reading, judges and others refused, another service's file a 404),
bad input shown in French with nothing stored, reads and writes journaled, the pages' queries
bounded; the summary itself, and the programmes' section of a report to the judge."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from probatio.audit.models import AuditEntry
from probatio.people.models import TimelineEvent
from probatio.programmes import person_selectors, rules, summaries
from probatio.programmes import services as programmes
from probatio.programmes.models import Attendance, Enrolment, EnrolmentStep
from tests.factories import gate, make_enrolled, make_group, make_programme
from tests.views.helpers import ROLES, field_error, html, text_of

NOW = datetime(2025, 6, 16, 9, 0, tzinfo=UTC)  # a Monday
PAST_START = date(2025, 5, 6)  # a Tuesday: sessions on 6, 13, 20 and 27 May
NEXT_START = date(2025, 6, 17)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def foreign_manager(member, other_service):
    return member("manager", service=other_service)


class Programmes:
    """The service's programme with a group already held (the caseload's person enrolled,
    attendance recorded at its four sessions, then completed) and a group to come; the
    service-only person referred; the foreign person enrolled in their own service's."""

    def __init__(self, world, cpip, cpip2, manager, foreign_cpip, foreign_manager):
        self.programme = make_programme(manager, name="Prévention des violences conjugales")
        self.other = make_programme(manager, name="Stage de citoyenneté", session_count=2)
        self.closed = make_programme(manager, name="Ancien stage", is_active=False)
        self.past = make_group(
            manager,
            self.programme,
            start_date=PAST_START,
            facilitators=[cpip.user],
            external_facilitators="Claire Roux (association Aide)",
        )
        self.next = make_group(manager, self.programme, start_date=NEXT_START, capacity=2)
        self.person = world.caseload.person
        # Referred, enrolled in the past group before it started.
        with time_machine.travel(datetime(2025, 5, 1, 9, 0, tzinfo=UTC), tick=False):
            self.done = make_enrolled(cpip, self.person, self.past, compulsory=True)
        gated = gate(cpip, self.person)
        for session, status in zip(
            self.past.sessions.order_by("number"),
            ["present", "present", "excused", "unexcused"],
            strict=True,
        ):
            programmes.attendance_record(gated=gated, session=session, status=status)
        programmes.attendance_record(
            gated=gated,
            session=self.past.sessions.get(number=3),
            status="excused",
            note="Certificat médical reçu",
        )
        self.done = programmes.enrolment_move(gated=gated, enrolment=self.done, status="completed")
        # The same person, referred to the other programme (proposed).
        self.proposed = programmes.enrolment_propose(gated=gated, programme=self.other)
        self.theirs = programmes.enrolment_propose(
            gated=gate(cpip2, world.service_only.person), programme=self.programme
        )
        foreign_programme = make_programme(foreign_manager, name="Programme d'ailleurs")
        self.foreign = programmes.enrolment_propose(
            gated=gate(foreign_cpip, world.foreign.person), programme=foreign_programme
        )
        self.by_which = {
            "caseload": self.done,
            "service_only": self.theirs,
            "foreign": self.foreign,
        }


@pytest.fixture
def progs(world, cpip, cpip2, manager, foreign_cpip, foreign_manager):
    return Programmes(world, cpip, cpip2, manager, foreign_cpip, foreign_manager)


def base(person) -> str:
    return f"/personnes/{person.pk}/programmes/"


def url_of(name: str, enrolment) -> str:
    return (
        base(enrolment.person)
        + {
            "tab": "",
            "propose": "orienter/",
            "detail": f"{enrolment.pk}/",
            "attestation": f"{enrolment.pk}/attestation.pdf",
        }[name]
    )


def stored() -> dict:
    return {
        "enrolments": list(
            Enrolment.objects.order_by("pk").values_list("pk", "status", "group", "reason")
        ),
        "steps": EnrolmentStep.objects.count(),
        "attendances": Attendance.objects.count(),
        "timeline": TimelineEvent.objects.count(),
        "audit_writes": AuditEntry.objects.exclude(action__in=["read", "list", "denied"]).count(),
    }


# --- Per role -----------------------------------------------------------------------------------

PAGES = ["tab", "propose", "detail", "attestation"]
# Reading: the file's readers (every staff member of the service, a judge on their files).
# Referring: the caseload's CPIP and managers. The attestation: those and the secretariat.
# Columns: tab propose detail attestation (the caseload's enrolment is completed; the
# service-only one is proposed: those who may issue one are sent back to it, with why).
# fmt: off
EXPECTED = {
    ("cpip", "caseload"):              "200 200 200 200",
    ("manager", "caseload"):           "200 200 200 200",
    ("secretariat", "caseload"):       "200 403 200 200",
    ("monitoring", "caseload"):        "200 403 200 403",
    ("psychologist", "caseload"):      "200 403 200 403",
    ("social_worker", "caseload"):     "200 403 200 403",
    ("judge", "caseload"):             "200 403 200 403",
    ("cpip", "service_only"):          "200 403 200 403",
    ("manager", "service_only"):       "200 200 200 302",
    ("secretariat", "service_only"):   "200 403 200 302",
    ("monitoring", "service_only"):    "200 403 200 403",
    ("psychologist", "service_only"):  "200 403 200 403",
    ("social_worker", "service_only"): "200 403 200 403",
    ("judge", "service_only"):         "404 404 404 404",
    **{(role, "foreign"): "404 404 404 404" for role in ROLES},
}
# fmt: on


def expected_of(role, which) -> dict[str, int]:
    return dict(zip(PAGES, map(int, EXPECTED[(role, which)].split()), strict=True))


@pytest.mark.parametrize("which", ["caseload", "service_only", "foreign"])
@pytest.mark.parametrize("role", ROLES)
def test_the_pages_answer_per_role(as_role, progs, role, which):
    client = as_role(role)
    enrolment = progs.by_which[which]
    actual = {name: client.get(url_of(name, enrolment)).status_code for name in PAGES}
    assert actual == expected_of(role, which)


def test_the_tab_sits_after_the_assessment_for_every_reader(as_role, progs):
    page = html(as_role("secretariat").get(base(progs.person)))
    assert f'href="/personnes/{progs.person.pk}/programmes/"' in page
    evaluation = page.find("/evaluation/")
    assert evaluation == -1 or evaluation < page.find("/programmes/")


@pytest.mark.parametrize("role", ["secretariat", "monitoring", "psychologist", "judge"])
def test_a_refused_move_or_referral_changes_nothing(as_role, progs, role):
    client = as_role(role)
    before = stored()
    reads = AuditEntry.objects.filter(action="read").count()
    response = client.post(url_of("propose", progs.done), {"programme": progs.programme.pk})
    assert response.status_code == 403
    response = client.post(
        base(progs.person) + f"{progs.proposed.pk}/etat/", {"status": "suitable"}
    )
    assert response.status_code == 403
    assert stored() == before
    assert AuditEntry.objects.filter(action="read").count() == reads


def test_another_cpip_may_not_refer_outside_their_caseload(client_for, cpip, progs):
    theirs = progs.theirs
    before = stored()
    client = client_for(cpip)
    assert client.post(url_of("propose", theirs), {"programme": progs.other.pk}).status_code == 403
    response = client.post(base(theirs.person) + f"{theirs.pk}/etat/", {"status": "suitable"})
    assert response.status_code == 403
    assert stored() == before


def test_another_files_enrolment_through_this_file_is_a_404(client_for, manager, progs):
    client = client_for(manager)
    mine, theirs = progs.person, progs.theirs
    before = stored()
    assert client.get(base(mine) + f"{theirs.pk}/").status_code == 404
    assert client.post(base(mine) + f"{theirs.pk}/etat/", {"status": "suitable"}).status_code == 404
    assert client.get(base(mine) + f"{theirs.pk}/attestation.pdf").status_code == 404
    assert stored() == before


# --- The tab ------------------------------------------------------------------------------------


def test_the_tab_shows_enrolments_sessions_attendance_and_summaries(
    client_for, cpip, manager, progs
):
    client = client_for(cpip)
    # Enrolled in the group to come as well: its sessions show.
    enrolment = programmes.enrolment_move(
        gated=gate(cpip, progs.person), enrolment=progs.proposed, status="not_suitable",
        reason="Horaires incompatibles avec l'emploi.",
    )  # fmt: skip
    again = programmes.enrolment_propose(gated=gate(cpip, progs.person), programme=progs.other)
    other_group = make_group(manager, progs.other, start_date=NEXT_START)
    programmes.enrolment_move(gated=gate(cpip, progs.person), enrolment=again, status="suitable")
    programmes.enrolment_move(
        gated=gate(cpip, progs.person), enrolment=again, status="enrolled", group=other_group
    )
    response = client.get(base(progs.person))
    assert response.status_code == 200
    page = text_of(response)
    assert "Prévention des violences conjugales" in page
    assert "obligation judiciaire" in page
    assert "Terminée" in page and "Non adaptée" in page and "Inscrite" in page
    assert "fr-badge--success" in html(response)
    # The sessions to come: those of the group the person is enrolled in now.
    assert "mardi 17/06/2025, 14:00–16:00" in page
    assert "mardi 24/06/2025" in page
    assert "27/05/2025" in page  # the attendance of the past group
    assert "Présent·e : 2 · Absent·e excusé·e : 1 · Absent·e non excusé·e : 1" in page
    # The end-of-programme summary of the completed enrolment.
    summary = text_of(response).split("Bilans de fin de programme")[1]
    assert "du 06/05/2025 au 27/05/2025" in summary
    assert "Programme suivi jusqu'à son terme le 16/06/2025" in summary
    assert "Claire Roux (association Aide)" in summary
    assert "Attestation de suivi (PDF)" in summary
    assert enrolment.status == "not_suitable"


def test_the_tab_read_is_journaled(client_for, monitoring, progs):
    before = AuditEntry.objects.filter(action="read").count()
    response = client_for(monitoring).get(base(progs.person))
    assert response.status_code == 200
    read = AuditEntry.objects.filter(action="read").order_by("-pk").first()
    assert AuditEntry.objects.filter(action="read").count() == before + 1
    assert read.actor == monitoring.user and "programmes" in str(read.context)
    # No referral nor attestation offered to whom may not do them.
    assert "Orienter vers un programme" not in text_of(response)
    assert "Attestation de suivi" not in text_of(response)


def test_an_empty_tab_says_so(client_for, manager, world, progs):
    page = text_of(client_for(manager).get(base(world.service_only.person) + ""))
    assert "Aucune séance à venir." in page and "Aucune présence relevée." in page


# --- Referring ----------------------------------------------------------------------------------


def test_the_caseloads_cpip_refers_and_moves_through_the_whole_path(
    client_for, cpip, manager, progs
):
    client = client_for(cpip)
    page = client.get(url_of("propose", progs.done))
    assert page.status_code == 200
    options = html(page)
    # The service's active programmes only.
    assert "Stage de citoyenneté" in options and "Ancien stage" not in options
    assert "obligation judiciaire" in text_of(page).lower()
    programmes.enrolment_move(
        gated=gate(cpip, progs.person), enrolment=progs.proposed, status="withdrawn",
        reason="Erreur d'orientation.",
    )  # fmt: skip
    response = client.post(
        url_of("propose", progs.done),
        {"programme": progs.other.pk, "compulsory": "on", "reason": "Ordonné par le juge."},
    )
    assert response.status_code == 302
    new = Enrolment.objects.get(person=progs.person, programme=progs.other, status="proposed")
    assert response["Location"] == base(progs.person) + f"{new.pk}/"
    assert (new.compulsory, new.reason, new.referred_by) == (
        True,
        "Ordonné par le juge.",
        cpip.user,
    )
    assert AuditEntry.objects.filter(action="create", object_id=str(new.pk)).exists()

    group = make_group(manager, progs.other, start_date=NEXT_START, capacity=3)
    move = base(progs.person) + f"{new.pk}/etat/"
    detail = client.get(base(progs.person) + f"{new.pk}/")
    # Only the moves allowed from « proposée » are offered.
    offered = html(detail)
    assert 'value="suitable"' in offered and 'value="not_suitable"' in offered
    assert 'value="enrolled"' not in offered and 'value="completed"' not in offered
    assert client.post(move, {"status": "suitable"}).status_code == 302
    detail = client.get(base(progs.person) + f"{new.pk}/")
    assert "3 places restantes" in text_of(detail)
    assert client.post(move, {"status": "waiting", "group": group.pk}).status_code == 302
    assert client.post(move, {"status": "enrolled", "group": group.pk}).status_code == 302
    new.refresh_from_db()
    assert (new.status, new.group) == ("enrolled", group)
    page = text_of(client.get(base(progs.person) + f"{new.pk}/"))
    assert "Historique de l'orientation" in page
    for label in ("Proposée", "Adaptée", "En liste d'attente", "Inscrite"):
        assert label in page
    assert EnrolmentStep.objects.filter(enrolment=new).count() == 4


def test_a_manager_refers_anyone_of_the_service(client_for, manager, world, progs):
    person = world.service_only.person
    response = client_for(manager).post(base(person) + "orienter/", {"programme": progs.other.pk})
    assert response.status_code == 302
    assert Enrolment.objects.get(person=person, programme=progs.other).referred_by == manager.user


def test_a_second_active_enrolment_is_refused_on_the_field(client_for, cpip, progs):
    before = stored()
    response = client_for(cpip).post(
        url_of("propose", progs.done),
        {"programme": progs.other.pk, "compulsory": "on", "reason": "Motif tapé"},
    )
    assert response.status_code == 400
    assert field_error(response, "id_programme") == (
        "Cette personne a déjà une orientation en cours vers ce programme."
    )
    # What was typed is kept.
    page = html(response)
    assert (
        "Motif tapé" in page
        and "checked" in page.split('name="compulsory"')[1][:200]
        or ("checked" in page.split('id="id_compulsory"')[0][-300:])
    )
    assert stored() == before


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({}, "Choisissez le programme."),
        ({"programme": "999999"}, "Choisissez un programme proposé par le service."),
        ({"programme": "abc"}, "Choisissez un programme proposé par le service."),
    ],
)
def test_a_bad_referral_is_refused_in_french(client_for, cpip, progs, post, message):
    before = stored()
    response = client_for(cpip).post(url_of("propose", progs.done), post)
    assert response.status_code == 400
    error = field_error(response, "id_programme")
    assert error and (message is None or error == message)
    assert stored() == before


def test_an_inactive_or_foreign_programme_is_not_accepted(client_for, cpip, progs):
    before = stored()
    client = client_for(cpip)
    for programme in (progs.closed, progs.foreign.programme):
        response = client.post(url_of("propose", progs.done), {"programme": programme.pk})
        assert response.status_code == 400
        assert field_error(response, "id_programme")
    assert stored() == before


# --- Moving -------------------------------------------------------------------------------------


def detail_of(enrolment) -> str:
    return base(enrolment.person) + f"{enrolment.pk}/"


def test_a_move_without_its_required_reason_is_refused_in_place(client_for, cpip, progs):
    before = stored()
    response = client_for(cpip).post(
        detail_of(progs.proposed) + "etat/", {"status": "not_suitable"}
    )
    assert response.status_code == 400
    assert field_error(response, "id_reason") == "Indiquez le motif."
    assert stored() == before


def test_a_move_the_rules_refuse_is_refused_in_place(client_for, cpip, progs):
    before = stored()
    response = client_for(cpip).post(detail_of(progs.proposed) + "etat/", {"status": "completed"})
    assert response.status_code == 400
    assert field_error(response, "id_status") == (
        "Une orientation « proposée » ne peut pas passer à « terminée »."
    )
    response = client_for(cpip).post(detail_of(progs.proposed) + "etat/", {"status": ""})
    assert response.status_code == 400
    assert field_error(response, "id_status") == "Choisissez le nouvel état."
    assert stored() == before


def test_an_ended_enrolment_moves_no_more(client_for, cpip, progs):
    before = stored()
    client = client_for(cpip)
    assert "Changer l'état" not in text_of(client.get(detail_of(progs.done)))
    response = client.post(detail_of(progs.done) + "etat/", {"status": "enrolled"}, follow=True)
    assert "Cette orientation est close (terminée)" in text_of(response)
    assert stored() == before


def test_a_full_group_is_refused_in_place(client_for, cpip, manager, world, progs):
    group = progs.next  # two places
    from tests.factories import make_person

    for name in ("Un", "Deux"):
        other = make_person(cpip, surname=name, first_names="Test")
        make_enrolled(cpip, other, group)
    gated = gate(cpip, progs.person)
    enrolment = programmes.enrolment_propose(gated=gated, programme=progs.programme)
    programmes.enrolment_move(gated=gated, enrolment=enrolment, status="suitable")
    client = client_for(cpip)
    assert "complet" in text_of(client.get(detail_of(enrolment)))
    before = stored()
    response = client.post(
        detail_of(enrolment) + "etat/", {"status": "enrolled", "group": group.pk}
    )
    assert response.status_code == 400
    assert field_error(response, "id_group") == "Le groupe est complet (2 places)."
    response = client.post(detail_of(enrolment) + "etat/", {"status": "enrolled"})
    assert response.status_code == 400
    assert field_error(response, "id_group") == "Choisissez le groupe."
    assert stored() == before
    # The waiting list takes them.
    response = client.post(detail_of(enrolment) + "etat/", {"status": "waiting", "group": group.pk})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.group) == ("waiting", group)


def test_the_enrolment_page_shows_the_attendance_notes(client_for, secretariat, progs):
    response = client_for(secretariat).get(detail_of(progs.done))
    page = text_of(response)
    assert "Certificat médical reçu" in page
    assert "Présent·e : 2 · Absent·e excusé·e : 1 · Absent·e non excusé·e : 1" in page
    assert "Bilan de fin de programme" in page and "Séances tenues 4" in page
    # Read only for the secretariat: no move form, the attestation offered.
    assert "Changer l'état" not in page
    assert "Attestation de suivi (PDF)" in page
    read = AuditEntry.objects.filter(action="read").order_by("-pk").first()
    assert read.actor == secretariat.user and "orientation" in str(read.context)


def test_the_summary_shows_once_the_person_is_enrolled(client_for, cpip, manager, progs):
    client = client_for(manager)
    page = text_of(client.get(detail_of(progs.proposed)))
    assert "Suivi à ce jour" not in page and "Bilan de fin de programme" not in page
    gated = gate(manager, progs.theirs.person)
    programmes.enrolment_move(gated=gated, enrolment=progs.theirs, status="suitable")
    programmes.enrolment_move(
        gated=gated, enrolment=progs.theirs, status="enrolled", group=progs.next
    )
    page = text_of(client.get(detail_of(progs.theirs)))
    assert "Suivi à ce jour" in page and "Séances tenues 0" in page


# --- The attestation ----------------------------------------------------------------------------


def test_the_attestation_is_a_pdf_of_the_completed_programme(client_for, cpip, progs):
    before = AuditEntry.objects.filter(action="read").count()
    response = client_for(cpip).get(url_of("attestation", progs.done))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert AuditEntry.objects.filter(action="read").count() == before + 1
    read = AuditEntry.objects.filter(action="read").order_by("-pk").first()
    assert "attestation" in str(read.context)
    text = " ".join(
        " ".join(page.extract_text().split())
        for page in PdfReader(io.BytesIO(response.content)).pages
    )
    assert "Attestation de suivi d'un programme" in text
    assert "Éloïse MÉNARD, née le 14/07/1991" in text
    assert "Prévention des violences conjugales" in text
    assert "du 06/05/2025 au 27/05/2025" in text
    assert "2 séances sur 4 tenues" in text
    assert progs.programme.service.name in text
    assert "Signature" in text


def test_no_attestation_before_the_end(client_for, cpip, progs):
    response = client_for(cpip).get(url_of("attestation", progs.proposed), follow=True)
    assert response.redirect_chain == [(detail_of(progs.proposed), 302)]
    assert (
        "L'attestation n'est délivrée que pour un programme suivi jusqu'à son terme : cette "
        "orientation est « proposée »."
    ) in text_of(response)


# --- Queries ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["tab", "detail", "propose", "attestation"])
def test_the_pages_stay_within_15_queries(client_for, cpip, progs, name):
    client = client_for(cpip)
    client.get(url_of(name, progs.done))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url_of(name, progs.done))
    assert response.status_code == 200
    assert len(queries) <= 15, "\n".join(q["sql"][:150] for q in queries)


def test_the_move_form_with_its_groups_stays_within_15_queries(client_for, cpip, manager, progs):
    """The busiest enrolment page: « adaptée », its move form offering the groups to join."""
    gated = gate(cpip, progs.person)
    suitable = programmes.enrolment_move(gated=gated, enrolment=progs.proposed, status="suitable")
    client = client_for(cpip)
    url = detail_of(suitable)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200 and 'value="enrolled"' in html(response)
    first = len(queries)
    assert first <= 15, "\n".join(q["sql"][:150] for q in queries)
    for day in (NEXT_START, NEXT_START + timedelta(days=7)):
        make_group(manager, progs.other, start_date=day, facilitators=[cpip.user])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert len(queries) == first


def test_the_tabs_queries_do_not_grow_with_the_enrolments(client_for, cpip, manager, progs):
    client = client_for(cpip)
    client.get(base(progs.person))
    with CaptureQueriesContext(connection) as queries:
        client.get(base(progs.person))
    first = len(queries)
    gated = gate(cpip, progs.person)
    programmes.enrolment_move(gated=gated, enrolment=progs.proposed, status="withdrawn",
                              reason="Déménagement")  # fmt: skip
    again = programmes.enrolment_propose(gated=gated, programme=progs.other)
    group = make_group(manager, progs.other, start_date=PAST_START, facilitators=[cpip.user])
    programmes.enrolment_move(gated=gated, enrolment=again, status="suitable")
    programmes.enrolment_move(gated=gated, enrolment=again, status="enrolled", group=group)
    for session in group.sessions.all():
        programmes.attendance_record(gated=gated, session=session, status="present")
    programmes.enrolment_move(gated=gated, enrolment=again, status="completed")
    with CaptureQueriesContext(connection) as queries:
        client.get(base(progs.person))
    assert len(queries) == first


# --- The summary --------------------------------------------------------------------------------


def test_the_summary_of_a_completed_enrolment(progs):
    enrolments = list(person_selectors.enrolments_in_file(progs.person))
    summary = summaries.summaries_for(enrolments)[progs.done.pk]
    assert summary.programme == "Prévention des violences conjugales"
    assert summary.group.startswith("groupe du 06/05/2025")
    assert (summary.first_session, summary.last_session) == (date(2025, 5, 6), date(2025, 5, 27))
    assert (summary.sessions_held, summary.attended, summary.excused, summary.unexcused) == (
        4, 2, 1, 1,
    )  # fmt: skip
    assert summary.status == "completed" and summary.ended
    assert summary.ended_on == date(2025, 6, 16)
    assert summary.compulsory
    assert summary.facilitators[-1] == "Claire Roux (association Aide)"
    assert len(summary.facilitators) == 2
    text = summary.text()
    assert text.splitlines()[0].startswith(
        "Programme « Prévention des violences conjugales » (obligation judiciaire), groupe du "
        "06/05/2025"
    )
    assert "4 séances tenues, 2 présences, 1 absence excusée, 1 absence non excusée." in text


class Row:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def paris(day: date, hour: int = 14) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=rules.PARIS)


def test_the_summary_of_a_withdrawal_counts_only_the_sessions_while_enrolled():
    """Pure: rows in, summary out. Withdrawn after the second session: the third and fourth
    are not held for them; one not recorded shows as such."""
    programme = Row(name="Stage", aim="")
    group = Row(start_date=date(2025, 5, 6), site=None)
    enrolment = Row(
        pk=1, programme=programme, group=group, compulsory=False, status="withdrawn",
        reason="Déménagement",
    )  # fmt: skip
    steps = [
        Row(status="proposed", at=paris(date(2025, 4, 1))),
        Row(status="suitable", at=paris(date(2025, 4, 2))),
        Row(status="enrolled", at=paris(date(2025, 5, 2))),
        Row(status="withdrawn", at=paris(date(2025, 5, 14))),
    ]
    enrolled_at, ended_at = summaries.moments(steps, "withdrawn")
    assert (enrolled_at, ended_at) == (paris(date(2025, 5, 2)), paris(date(2025, 5, 14)))
    sessions = [
        Row(pk=n, starts_at=paris(date(2025, 5, 6) + timedelta(weeks=n - 1)), cancelled=False)
        for n in (1, 2, 3, 4)
    ]
    attendances = [Row(session_id=1, status="present")]
    summary = summaries.summarise(
        enrolment, enrolled_at=enrolled_at, ended_at=ended_at, sessions=sessions,
        attendances=attendances, facilitators=[], now=paris(date(2025, 6, 16)),
    )  # fmt: skip
    assert (summary.sessions_held, summary.attended, summary.not_recorded) == (2, 1, 1)
    assert (summary.first_session, summary.last_session) == (date(2025, 5, 6), date(2025, 5, 13))
    assert summary.outcome == "Abandon" and summary.ended_on == date(2025, 5, 14)
    lines = summary.lines()
    assert lines[0] == "Programme « Stage », groupe du 06/05/2025 : abandon le 14/05/2025."
    assert lines[1] == "Motif : Déménagement"
    assert lines[2] == (
        "Séances du 06/05/2025 au 13/05/2025 : 2 séances tenues, 1 présence, 0 absence excusée, "
        "0 absence non excusée ; présence non relevée à 1 séance."
    )


def test_the_summary_of_a_referral_never_enrolled():
    enrolment = Row(
        pk=1, programme=Row(name="Stage"), group=None, compulsory=False, status="not_suitable",
        reason="Pas de place dans l'emploi du temps",
    )  # fmt: skip
    summary = summaries.summarise(
        enrolment, enrolled_at=None, ended_at=None, sessions=[], attendances=[],
        facilitators=[], now=paris(date(2025, 6, 16)),
    )  # fmt: skip
    assert summary.sessions_held == 0 and summary.first_session is None
    assert summary.lines() == [
        "Programme « Stage » : non adaptée.",
        "Motif : Pas de place dans l'emploi du temps",
    ]


# --- The report to the judge --------------------------------------------------------------------


def new_report(cpip, dossier, kind):
    from probatio.people.selectors import person_get_for
    from probatio.reports import services as report_services

    return report_services.report_create(
        membership=cpip,
        gated=person_get_for(cpip, dossier.person.pk),
        kind=kind,
        measure=dossier.measure,
        incident=None,
        today=NOW.date(),
    )


def section_of(report, key="programmes") -> str | None:
    return next((s["text"] for s in report.sections if s["key"] == key), None)


@pytest.mark.usefixtures("private_files")
def test_the_progress_and_end_reports_are_prefilled_with_the_summaries(cpip, world, progs):
    from probatio.reports import rules as report_rules

    programmes.enrolment_move(
        gated=gate(cpip, progs.person), enrolment=progs.proposed, status="not_suitable",
        reason="Horaires incompatibles avec l'emploi.",
    )  # fmt: skip
    for kind in (report_rules.SITUATION, report_rules.END_OF_MEASURE):
        text = section_of(new_report(cpip, world.caseload, kind))
        paragraphs = text.split("\n\n")
        assert paragraphs[0] == (
            "Programme « Stage de citoyenneté » : non adaptée (orientation du 16/06/2025).\n"
            "Motif : Horaires incompatibles avec l'emploi."
        )
        assert paragraphs[1].splitlines() == [
            "Programme « Prévention des violences conjugales » (obligation judiciaire), groupe "
            f"du 06/05/2025 ({progs.past.site.name}) : programme suivi jusqu'à son terme le "
            "16/06/2025 (orientation du 01/05/2025).",
            "Séances du 06/05/2025 au 27/05/2025 : 4 séances tenues, 2 présences, 1 absence "
            "excusée, 1 absence non excusée.",
            "Animation : Camille Conseil, Claire Roux (association Aide).",
        ]
        # No attendance note goes to the judge.
        assert "Certificat médical" not in text
    assert section_of(new_report(cpip, world.caseload, report_rules.EVALUATION)) is None


@pytest.mark.usefixtures("private_files")
def test_without_a_referral_the_section_says_so(cpip, world):
    from probatio.reports import rules as report_rules

    text = section_of(new_report(cpip, world.caseload, report_rules.SITUATION))
    assert text == "Aucune orientation vers un programme."
