"""« Conservation des données » and the legal hold of a file, per role: the managers' page (the
rules with their sources, the holds, what would go today and within a year), setting and
lifting a hold from the dossier, the refusals in French with nothing written, and the page's
query count."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from probatio.audit.models import AuditEntry
from probatio.measures.models import Measure
from probatio.retention.models import LegalHold
from tests.factories import make_measure, make_person
from tests.views.helpers import ROLES, html, text_of

pytestmark = pytest.mark.django_db


def closed(membership, *, years_ago: float, surname: str):
    """A file whose only measure ended ``years_ago`` years ago."""
    person = make_person(membership, surname=surname)
    measure = make_measure(membership, person)
    ended = timezone.localdate() - timedelta(days=round(365.25 * years_ago))
    Measure.objects.filter(pk=measure.pk).update(
        status=Measure.Status.ENDED, start_date=min(measure.start_date, ended), end_date=ended
    )
    return person


def test_the_page_shows_the_rules_the_files_due_within_a_year_and_the_holds(
    manager, cpip, client_for
):
    soon = closed(cpip, years_ago=4.5, surname="Bientot")
    gone = closed(cpip, years_ago=5.5, surname="Echu")
    closed(cpip, years_ago=2, surname="Recent")
    held = closed(cpip, years_ago=6, surname="Gele")
    LegalHold.objects.create(
        person=held, reason="Contentieux", set_by=manager.user, set_at=timezone.now()
    )
    response = client_for(manager).get("/service/conservation/")
    assert response.status_code == 200
    page = text_of(response)
    assert "Code pénitentiaire" in page and "CNIL" in page
    files = html(response).split('data-testid="retention-files"')[1].split("</table>")[0]
    assert f"n° {soon.pk}" in files and f"n° {gone.pk}" in files
    assert "RECENT" not in files and f"n° {held.pk})" not in files
    holds = html(response).split('data-testid="retention-holds"')[1]
    assert f"n° {held.pk}" in holds and "Contentieux" in holds
    rules = html(response).split('data-testid="retention-rules"')[1].split("</table>")[0]
    assert "<td>1 dossier</td>" in rules and "<td>2 dossiers</td>" in rules


def test_the_page_journals_the_files_it_names(manager, cpip, client_for):
    soon = closed(cpip, years_ago=4.5, surname="Bientot")
    client_for(manager).get("/service/conservation/")
    entry = AuditEntry.objects.filter(action="list", context__page="retention").get()
    assert entry.context["shown"] == [soon.pk] and entry.service_id == manager.service_id


def test_the_page_is_reached_from_the_service_menu(manager, client_for):
    assert 'href="/service/conservation/"' in html(client_for(manager).get("/service/"))


@pytest.mark.parametrize("role", [r for r in ROLES if r != "manager"])
def test_other_roles_are_refused_the_page_and_the_hold(role, as_role, cpip):
    person = make_person(cpip)
    assert as_role(role).get("/service/conservation/").status_code == 403
    assert as_role(role).get(f"/personnes/{person.pk}/conservation/").status_code in (403, 404)
    assert as_role(role).post(
        f"/personnes/{person.pk}/conservation/", {"reason": "x"}
    ).status_code in (403, 404)
    assert not LegalHold.objects.exists()


def test_another_services_file_is_a_404(manager, member, other_service, client_for):
    theirs = make_person(member("cpip", service=other_service))
    client = client_for(manager)
    assert client.get(f"/personnes/{theirs.pk}/conservation/").status_code == 404
    assert client.post(f"/personnes/{theirs.pk}/conservation/", {"reason": "x"}).status_code == 404
    assert not LegalHold.objects.exists()


def test_a_manager_sets_and_lifts_a_hold_from_the_dossier(manager, cpip, client_for):
    person = make_person(cpip)
    client = client_for(manager)
    assert f'href="/personnes/{person.pk}/conservation/"' in html(
        client.get(f"/personnes/{person.pk}/")
    )
    response = client.post(f"/personnes/{person.pk}/conservation/", {"reason": "Demande du juge"})
    assert response.status_code == 302
    hold = LegalHold.objects.get(person=person)
    assert hold.in_force and hold.set_by == manager.user
    page = html(client.get(f"/personnes/{person.pk}/conservation/"))
    assert "Dossier gelé depuis le" in page and "Lever le gel" in page
    client.post(f"/personnes/{person.pk}/conservation/", {})
    hold.refresh_from_db()
    assert not hold.in_force and hold.lifted_by == manager.user
    assert AuditEntry.objects.filter(object_type="retention.legalhold", action="update").exists()


def test_a_hold_without_reason_is_refused_in_french_and_nothing_written(manager, cpip, client_for):
    person = make_person(cpip)
    before = AuditEntry.objects.exclude(action__in=("read", "list")).count()
    response = client_for(manager).post(f"/personnes/{person.pk}/conservation/", {"reason": " "})
    assert response.status_code == 400
    assert "Erreur" in text_of(response)
    assert not LegalHold.objects.exists()
    assert AuditEntry.objects.exclude(action__in=("read", "list")).count() == before


def test_the_page_costs_a_fixed_number_of_queries(manager, cpip, client_for):
    client = client_for(manager)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/service/conservation/").status_code == 200
        return len(queries.captured_queries)

    closed(cpip, years_ago=4.5, surname="Un")
    count()  # the first request of a session costs its own queries (sign-in, caches)
    small = count()
    for i in range(6):
        person = closed(cpip, years_ago=4.2 + i / 10, surname=f"Lot{i}")
        LegalHold.objects.create(
            person=closed(cpip, years_ago=6, surname=f"G{i}"),
            reason="x",
            set_by=manager.user,
            set_at=timezone.now(),
        )
        assert person
    grown = count()
    assert small == grown <= 15, (small, grown)


def test_the_platform_administrator_edits_a_rule_validated_and_journaled(db):
    from django.test import Client

    from probatio.retention.models import RetentionRule
    from tests.factories import UserFactory

    client = Client()  # the administration's own layout, not the DSFR one

    admin = UserFactory(username="admin.plateforme", is_staff=True, is_superuser=True)
    client.force_login(admin)
    rule = RetentionRule.objects.get(code="messages-envoyes")
    url = f"/admin/retention/retentionrule/{rule.pk}/change/"
    data = {
        "code": rule.code,
        "kind": rule.kind,
        "label": rule.label,
        "duration_months": "-3",
        "counts_from": rule.counts_from,
        "action": "anonymise",
        "legal_source": rule.legal_source,
        "active": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "au moins 1 mois" in response.content.decode()
    rule.refresh_from_db()
    assert rule.duration_months == 12 and rule.action == "delete"
    assert not AuditEntry.objects.filter(object_type="retention.retentionrule").exists()
    response = client.post(url, {**data, "duration_months": "6"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.duration_months, rule.action) == (6, "anonymise")
    entry = AuditEntry.objects.get(object_type="retention.retentionrule", object_id=rule.pk)
    assert entry.chain == "platform" and entry.actor == admin
    assert entry.changes["duration_months"] == [12, 6]
    assert client.post(f"/admin/retention/retentionrule/{rule.pk}/delete/").status_code == 403
