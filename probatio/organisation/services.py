"""Writes on the service's own settings, by its managers (journaled)."""

from collections.abc import Collection
from datetime import time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from probatio.access.policy import Action, allows
from probatio.audit import services as audit
from probatio.core.errors import field_errors
from probatio.organisation import rules
from probatio.organisation.models import ClosedDay, Establishment, Room, Service, Site

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
def service_create(*, actor=None, **fields: Any) -> Service:
    """A new service (SPIP), with the first entry of its journal chain in the same transaction:
    every service has a chain from its creation (docs/audit.md). ``actor``: the user of the
    platform administration who creates it; the system actor otherwise (the demo, tests)."""
    service = Service(**fields)
    service.full_clean()
    service.save(force_insert=True)
    audit.start_service_chain(service, actor=actor)
    return service


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


# --- Sites, opening hours, rooms and closed days (the managers' « Paramètres ») ----------

SITE_FIELDS = [
    "name",
    "kind",
    "address",
    "postcode",
    "city",
    "phone",
    "access_notes",
    "establishment",
]
ROOM_FIELDS = ["site", "name", "access_notes", "is_active"]


def require_manager(membership) -> None:
    """The service's staff and sites are kept by its managers (``Action.MANAGE_SERVICE``)."""
    if membership is None or not allows(membership.role, Action.MANAGE_SERVICE):
        raise PermissionDenied(
            "Les antennes, le personnel et les paramètres du service sont tenus par l'encadrement."
        )


def _own_site(membership, site_id) -> Site:
    """A site of the acting membership's service, or a French error on ``site``."""
    site = Site.objects.filter(pk=site_id, service_id=membership.service_id).first()
    if site is None:
        raise field_errors(site="Cette antenne n'appartient pas à votre service.")
    return site


def _check_establishment(membership, site: Site) -> None:
    if site.kind != Site.Kind.PRISON:
        site.establishment = None
        return
    if site.establishment_id is None:
        raise field_errors(
            establishment="Choisissez l'établissement où travaille cette antenne en détention."
        )
    if not Establishment.objects.filter(
        pk=site.establishment_id, service_id=membership.service_id
    ).exists():
        raise field_errors(establishment="Cet établissement ne relève pas de votre service.")


@transaction.atomic
def site_save(*, membership, data: dict[str, Any], site: Site | None = None) -> Site:
    """Create a site of the service, or change one of its sites (never another service's)."""
    require_manager(membership)
    if site is None:
        site = Site(service_id=membership.service_id)
        before = None
    else:
        site = Site.objects.select_for_update().filter(pk=site.pk).first()
        if site is None or site.service_id != membership.service_id:
            raise field_errors(site="Cette antenne n'appartient pas à votre service.")
        before = audit.snapshot(site, SITE_FIELDS)
    for field in SITE_FIELDS:
        if field in data:
            setattr(site, field, data[field])
    _check_establishment(membership, site)
    site.full_clean(exclude=["service", "opening_hours"])
    site.save()
    if before is None:
        audit.record_creation(membership, site, person_id=None, summary=f"Antenne créée : {site}")
    else:
        changes = audit.diff(before, audit.snapshot(site, SITE_FIELDS))
        if changes:
            audit.record_by(
                membership,
                audit.Action.UPDATE,
                site,
                person_id=None,
                summary=f"Antenne modifiée : {site}",
                changes=changes,
            )
    return site


@transaction.atomic
def site_hours_update(*, membership, site: Site, hours: dict) -> Site:
    """A site's opening hours: per ISO weekday, ranges of times, each starting before it ends,
    none overlapping another of the same day."""
    require_manager(membership)
    site = Site.objects.select_for_update().filter(pk=site.pk).first()
    if site is None or site.service_id != membership.service_id:
        raise field_errors(site="Cette antenne n'appartient pas à votre service.")
    errors = rules.opening_hours_errors(hours)
    if errors:
        raise ValidationError({f"day_{day}": [message] for day, message in errors.items()})
    before = {"opening_hours": site.opening_hours}
    site.opening_hours = rules.normalised_hours(hours)
    site.save(update_fields=["opening_hours"])
    changes = audit.diff(before, {"opening_hours": site.opening_hours})
    if changes:
        audit.record_by(
            membership,
            audit.Action.UPDATE,
            site,
            person_id=None,
            summary=f"Horaires d'ouverture modifiés : {site}",
            changes=changes,
        )
    return site


@transaction.atomic
def room_save(*, membership, data: dict[str, Any], room: Room | None = None) -> Room:
    """Create or change a room (office or meeting room) of one of the service's sites. A room
    of another service's site, or moved to one, is refused and nothing is saved."""
    require_manager(membership)
    if room is None:
        room = Room()
        before = None
    else:
        room = Room.objects.select_for_update().filter(pk=room.pk).select_related("site").first()
        if room is None or room.site.service_id != membership.service_id:
            raise field_errors(site="Ce bureau n'appartient pas à votre service.")
        before = audit.snapshot(room, ROOM_FIELDS)
    site = data.get("site", room.site if room.site_id else None)
    room.site = _own_site(membership, getattr(site, "pk", site))
    for field in ("name", "access_notes", "is_active"):
        if field in data:
            setattr(room, field, data[field])
    room.full_clean()
    room.save()
    if before is None:
        audit.record_creation(
            membership, room, person_id=None, summary=f"Bureau créé : {room.name}"
        )
    else:
        changes = audit.diff(before, audit.snapshot(room, ROOM_FIELDS))
        if changes:
            audit.record_by(
                membership,
                audit.Action.UPDATE,
                room,
                person_id=None,
                summary=f"Bureau modifié : {room.name}",
                changes=changes,
            )
    return room


@transaction.atomic
def closed_day_create(*, membership, data: dict[str, Any]) -> ClosedDay:
    """A day or days when a site of the service, or the whole service, is closed."""
    require_manager(membership)
    site = data.get("site")
    closed = ClosedDay(
        service_id=membership.service_id,
        site=_own_site(membership, getattr(site, "pk", site)) if site else None,
        start_date=data.get("start_date"),
        end_date=data.get("end_date") or data.get("start_date"),
        reason=(data.get("reason") or "").strip(),
    )
    if closed.start_date and closed.end_date and closed.end_date < closed.start_date:
        raise field_errors(
            end_date="La fin de la fermeture doit être le même jour que le début ou après."
        )
    closed.full_clean(exclude=["service"])
    closed.save()
    audit.record_creation(
        membership,
        closed,
        person_id=None,
        summary=f"Fermeture ajoutée : {closed.site or 'tout le service'}, {closed.reason}",
    )
    return closed


@transaction.atomic
def closed_day_delete(*, membership, closed: ClosedDay) -> None:
    require_manager(membership)
    closed = ClosedDay.objects.select_for_update().filter(pk=closed.pk).first()
    if closed is None or closed.service_id != membership.service_id:
        raise field_errors(site="Cette fermeture n'appartient pas à votre service.")
    audit.record_by(
        membership,
        audit.Action.DELETE,
        closed,
        person_id=None,
        summary=f"Fermeture supprimée : {closed.site or 'tout le service'}, {closed.reason}",
        changes=audit.diff(audit.snapshot(closed), {}),
    )
    closed.delete()
