"""The service's settings page, for its managers only."""

import pytest

from probatio.audit.models import AuditEntry
from probatio.organisation.models import Service
from tests.views.helpers import field_error, text_of

VALID = {
    "reminder_1_days": "3",
    "reminder_1_time": "09:30",
    "reminder_2_days": "0",
    "reminder_2_time": "07:45",
    "no_show_threshold": "3",
    "first_interview_default_days": "30",
    "measure_end_horizon_days": "90",
    "proof_grace_days": "15",
    "lc_alert_months": "5",
    "lsc_alert_months": "3",
    "information_alert_months": "2",
    "lsc_plein_droit_alert_months": "4",
    "referral_reminder_days": "20",
    "release_plan_horizon_months": "6",
    "arrival_interview_days": "5",
    "end_report_days": "45",
    "cap_opinion_days": "10",
    "alsace_moselle": "on",
    "notice_from": "08:30",
    "notice_until": "19:30",
    "notice_days": ["1", "2", "3", "4", "5"],
}


@pytest.mark.parametrize(
    ("role", "status"),
    [("manager", 200), ("cpip", 403), ("secretariat", 403), ("judge", 403)],
)
def test_only_managers_open_the_settings(as_role, role, status):
    assert as_role(role).get("/service/parametres/").status_code == status


def test_the_page_shows_the_defaults(as_role):
    text = text_of(as_role("manager").get("/service/parametres/"))
    assert "Rappels de rendez-vous" in text
    html = as_role("manager").get("/service/parametres/").content.decode()
    assert 'value="10:00"' in html and 'value="08:00"' in html


def test_saving_changes_the_service_and_journals_it(as_role, service):
    response = as_role("manager").post("/service/parametres/", VALID)
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.reminder_schedule == [
        {"days_before": 3, "time": "09:30"},
        {"days_before": 0, "time": "07:45"},
    ]
    assert service.no_show_threshold == 3
    assert service.first_interview_default_days == 30
    assert service.measure_end_horizon_days == 90
    assert service.proof_grace_days == 15
    assert (service.lc_alert_months, service.lsc_alert_months) == (5, 3)
    assert service.arrival_interview_days == 5
    assert (service.end_report_days, service.cap_opinion_days) == (45, 10)
    assert service.alsace_moselle
    assert (service.notice_from.isoformat(), service.notice_until.isoformat()) == (
        "08:30:00",
        "19:30:00",
    )
    assert service.notice_days == [1, 2, 3, 4, 5] and not service.notice_on_holidays
    entry = AuditEntry.objects.get(object_type="organisation.service", action="update")
    assert "reminder_schedule" in entry.changes


def test_bad_values_are_refused_in_french(as_role, service):
    response = as_role("manager").post(
        "/service/parametres/", {**VALID, "reminder_1_time": "23:00", "reminder_2_time": ""}
    )
    assert response.status_code == 400
    assert field_error(response, "id_reminder_2_time") == (
        "Indiquez à la fois le nombre de jours et l'heure."
    )
    response = as_role("manager").post(
        "/service/parametres/", {**VALID, "reminder_1_time": "23:00"}
    )
    assert "entre 7 h et 20 h" in text_of(response)
    assert Service.objects.get(pk=service.pk).no_show_threshold == 2


def test_the_page_shows_the_notice_hours(as_role):
    text = text_of(as_role("manager").get("/service/parametres/"))
    assert "Avis d'annulation ou de déplacement : heures d'envoi" in text
    assert "Jours où les avis peuvent partir" in text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"notice_from": "20:00", "notice_until": "08:00"},
            "id_notice_until",
            "L'heure de fin des envois (08:00) doit être après l'heure de début (20:00) : les "
            "avis partent entre ces deux heures, le même jour.",
        ),
        (
            {"notice_from": "09:00", "notice_until": "09:00"},
            "id_notice_until",
            "L'heure de fin des envois (09:00) doit être après l'heure de début (09:00) : les "
            "avis partent entre ces deux heures, le même jour.",
        ),
    ],
)
def test_notice_hours_that_end_before_they_start_are_refused(
    as_role, service, change, field, message
):
    response = as_role("manager").post("/service/parametres/", {**VALID, **change})
    assert response.status_code == 400
    assert field_error(response, field) == message
    service.refresh_from_db()
    assert (service.notice_from.hour, service.notice_until.hour) == (8, 20)
    assert service.no_show_threshold == 2  # nothing of the form saved
    assert not AuditEntry.objects.filter(
        object_type="organisation.service", action="update"
    ).exists()


def test_notice_days_are_required(as_role, service):
    response = as_role("manager").post("/service/parametres/", {**VALID, "notice_days": []})
    assert response.status_code == 400
    assert Service.objects.get(pk=service.pk).notice_days == [1, 2, 3, 4, 5, 6]


def test_each_site_lists_its_own_rooms_without_a_trailing_comma(as_role, manager):
    """Rooms of two sites, the last of the first site not the last of all: « Bureau 1,
    Bureau 2 », never « Bureau 1, Bureau 2, »."""
    from probatio.organisation.models import Room
    from tests.factories import SiteFactory

    first = SiteFactory(service=manager.service, name="Antenne A")
    second = SiteFactory(service=manager.service, name="Antenne B")
    for site, names in ((first, ("Bureau 1", "Bureau 2")), (second, ("Salle 7",))):
        for name in names:
            Room.objects.create(site=site, name=name)
    SiteFactory(service=manager.service, name="Antenne C")
    page = as_role("manager").get("/service/parametres/").content.decode()
    lists = [" ".join(chunk.split("</p>")[0].split()) for chunk in page.split("Bureaux :")[1:]]
    assert not any(text.endswith(",") for text in lists), lists
    assert "Bureau 1, Bureau 2" in lists and "Salle 7" in lists and "aucun" in lists
