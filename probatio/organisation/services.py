"""Writes on the service's own settings, by its managers (journaled)."""

from collections.abc import Collection
from datetime import time
from typing import Any

from django.db import transaction

from probatio.audit import services as audit
from probatio.core.errors import field_errors
from probatio.organisation.models import Service

SETTING_FIELDS = [
    "reminder_schedule",
    "no_show_threshold",
    "first_interview_default_days",
    "measure_end_horizon_days",
    "proof_grace_days",
    "lc_alert_months",
    "lsc_alert_months",
    "information_alert_months",
    "lsc_plein_droit_alert_months",
    "referral_reminder_days",
    "release_plan_horizon_months",
    "arrival_interview_days",
    "end_report_days",
    "cap_opinion_days",
    "alsace_moselle",
    "notice_from",
    "notice_until",
    "notice_days",
    "notice_on_holidays",
]


def check_reminder_schedule(schedule: list[dict]) -> None:
    seen = set()
    for entry in schedule:
        days, clock = int(entry["days_before"]), str(entry["time"])
        if not 0 <= days <= 14:
            raise field_errors(reminder_schedule="Un rappel part entre 0 et 14 jours avant.")
        hours, _, minutes = clock.partition(":")
        if not (hours.isdigit() and minutes.isdigit() and 7 <= int(hours) <= 20):
            raise field_errors(
                reminder_schedule="Les rappels partent entre 7 h et 20 h (heure de Paris)."
            )
        if (days, clock) in seen:
            raise field_errors(reminder_schedule="Deux rappels sont identiques.")
        seen.add((days, clock))


def check_quiet_hours(*, window_from: time, window_until: time, days: Collection[int]) -> dict:
    """Field errors (French) of a service's sending hours for notices; empty when fine."""
    errors = {}
    if window_until <= window_from:
        errors["notice_until"] = (
            f"L'heure de fin des envois ({window_until:%H:%M}) doit être après l'heure de début "
            f"({window_from:%H:%M}) : les avis partent entre ces deux heures, le même jour."
        )
    if not days:
        errors["notice_days"] = "Choisissez au moins un jour où les avis peuvent partir."
    elif not set(days) <= set(range(1, 8)):
        errors["notice_days"] = "Jour inconnu : choisissez des jours de la semaine."
    return errors


@transaction.atomic
def service_settings_update(*, membership, data: dict[str, Any]) -> Service:
    service = Service.objects.select_for_update().get(pk=membership.service_id)
    before = audit.snapshot(service, SETTING_FIELDS)
    if "reminder_schedule" in data:
        check_reminder_schedule(data["reminder_schedule"])
    for field in SETTING_FIELDS:
        if field in data:
            setattr(service, field, data[field])
    errors = check_quiet_hours(
        window_from=service.notice_from,
        window_until=service.notice_until,
        days=service.notice_days,
    )
    if errors:
        raise field_errors(**errors)
    service.notice_days = sorted(set(service.notice_days))
    service.full_clean()
    service.save(update_fields=SETTING_FIELDS)
    changes = audit.diff(before, audit.snapshot(service, SETTING_FIELDS))
    if changes:
        audit.record_by(
            membership,
            audit.Action.UPDATE,
            service,
            person_id=None,
            summary="Paramètres du service modifiés",
            changes=changes,
        )
    return service
