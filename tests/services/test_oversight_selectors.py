"""The anomaly view's selectors and the thresholds' service (docs/audit.md, « Anomalies »):
what counts as a file never assigned to its reader, reads out of hours, bursts of denials —
the SQL agreeing with the pure rules — and the thresholds kept by managers, journaled, a
refused value storing nothing."""

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from probatio.audit import services as audit
from probatio.audit.models import AuditEntry
from probatio.oversight import rules, selectors, services
from probatio.oversight.models import OversightSettings
from probatio.people import services as people_services
from tests.factories import gate, journal_at, make_person

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 17)  # a Tuesday
PARIS = timezone.get_default_timezone()


def paris(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=PARIS)


journal = journal_at


def read(member, person, at):
    return journal(member, audit.Action.READ, at, person)


def deny(member, at):
    return journal(member, audit.Action.DENIED, at)


def unusual(service, *, threshold=0, start=DAY, end=DAY):
    return list(selectors.unusual_reads(service.pk, start, end, threshold=threshold))


# --- Unusual reads --------------------------------------------------------------------------


def test_files_never_assigned_are_counted_once_each_per_reader_and_day(service, cpip, roussel):
    others = [make_person(roussel) for _ in range(3)]
    own = make_person(cpip)
    for person in others:
        read(cpip, person, paris(DAY, 10))
    read(cpip, others[0], paris(DAY, 11))  # the same file again: one file, two reads
    read(cpip, own, paris(DAY, 10))  # their own file: not counted
    [row] = unusual(service)
    assert (row["actor_id"], row["day"], row["files"], row["reads"]) == (cpip.user_id, DAY, 3, 4)
    assert row["label"] == str(cpip.user) and row["role_code"] == "cpip"
    assert unusual(service, threshold=2)[0]["files"] == 3
    assert unusual(service, threshold=3) == []  # « above N »: 3 files is not above 3


def test_a_file_assigned_before_or_followed_as_support_is_not_unusual(
    service, cpip, roussel, manager, psychologist
):
    moved = make_person(roussel)
    # Given to the CPIP for a while, then back to Roussel: the journal remembers.
    people_services.cpip_assign(gated=gate(manager, moved), cpip=cpip.user)
    people_services.cpip_assign(gated=gate(manager, moved), cpip=roussel.user)
    supported = make_person(roussel)
    people_services.support_staff_set(gated=gate(manager, supported), users=[psychologist.user])
    former = make_person(roussel)
    people_services.support_staff_set(gated=gate(manager, former), users=[psychologist.user])
    people_services.support_staff_set(gated=gate(manager, former), users=[])
    stranger = make_person(roussel)
    for person in (moved, supported, former, stranger):
        read(cpip, person, paris(DAY, 10))
        read(psychologist, person, paris(DAY, 10))
    rows = {row["actor_id"]: row["files"] for row in unusual(service)}
    # The CPIP: all but the file once theirs (the others were never theirs).
    assert rows[cpip.user_id] == 3
    # The psychologist: only the files never followed (moved, stranger).
    assert rows[psychologist.user_id] == 2


def test_for_managers_and_the_secretariat_a_file_they_wrote_in_is_not_unusual(
    service, cpip, manager, secretariat
):
    written = make_person(cpip)
    journal(secretariat, audit.Action.UPDATE, paris(DAY, 9), written)  # wrote in it before
    created = make_person(secretariat)  # opened by the secretariat (its creation entry)
    untouched = make_person(cpip)
    for person in (written, created, untouched):
        read(secretariat, person, paris(DAY, 10))
        read(manager, person, paris(DAY, 10))
    rows = {row["actor_id"]: row["files"] for row in unusual(service)}
    assert rows == {manager.user_id: 3, secretariat.user_id: 1}


def test_judges_and_other_services_are_left_out(service, cpip, roussel, judge, foreign_member):
    person = make_person(roussel)
    read(judge, person, paris(DAY, 10))
    read(foreign_member, person, paris(DAY, 10))  # written in the other service's chain
    assert unusual(service) == []


@pytest.fixture
def foreign_member(member, other_service):
    return member("manager", service=other_service, user__username="cadre.ailleurs")


def test_the_day_is_the_day_in_paris(service, cpip, roussel):
    person = make_person(roussel)
    read(cpip, person, datetime(2026, 11, 17, 23, 30, tzinfo=UTC))  # 00:30 on the 18th
    [row] = unusual(service, start=DAY, end=DAY + timedelta(days=1))
    assert row["day"] == DAY + timedelta(days=1)
    assert unusual(service) == []


# --- Out of hours ---------------------------------------------------------------------------


def test_reads_out_of_hours_match_the_rule(service, cpip):
    person = make_person(cpip)
    thresholds = rules.DEFAULTS
    holiday = date(2026, 11, 11)  # Armistice, a Wednesday
    moments = [
        paris(DAY, 7, 29, 59),
        paris(DAY, 7, 30),
        paris(DAY, 19, 29, 59),
        paris(DAY, 19, 30),
        paris(DAY, 23, 59),
        paris(date(2026, 11, 14), 11),  # a Saturday
        paris(holiday, 11),
    ]
    rng = random.Random(7)
    moments += [
        paris(DAY - timedelta(days=rng.randint(0, 20)), rng.randint(0, 23), rng.randint(0, 59))
        for _ in range(60)
    ]
    for moment in moments:
        read(cpip, person, moment)
    expected: dict[date, int] = {}
    for moment in moments:
        if rules.is_out_of_hours(
            moment, day_starts=thresholds.day_starts, day_ends=thresholds.day_ends
        ):
            expected[moment.date()] = expected.get(moment.date(), 0) + 1
    rows = selectors.out_of_hours_reads(
        service.pk, DAY - timedelta(days=30), DAY, thresholds=thresholds, alsace_moselle=False
    )
    assert {row["day"]: row["reads"] for row in rows} == expected
    assert expected[DAY] == 3 + sum(1 for m in moments[7:] if m.date() == DAY and (
        m.time() < time(7, 30) or m.time() >= time(19, 30)))  # fmt: skip
    assert expected[holiday] >= 1 and expected[date(2026, 11, 14)] >= 1


# --- Bursts of denials ----------------------------------------------------------------------


def test_a_burst_reaches_the_threshold_within_the_window(service, cpip, secretariat):
    start = paris(DAY, 14)
    for second in range(0, 540, 60):  # nine refusals in nine minutes
        deny(cpip, start + timedelta(seconds=second))
    thresholds = rules.DEFAULTS
    assert list(selectors.denial_bursts(service.pk, DAY, DAY, thresholds=thresholds)) == []
    deny(cpip, start + timedelta(minutes=9, seconds=59))  # the tenth, within ten minutes
    [row] = selectors.denial_bursts(service.pk, DAY, DAY, thresholds=thresholds)
    assert (row["actor_id"], row["peak"], row["denials"]) == (cpip.user_id, 10, 10)
    # Ten refusals over ten minutes and more: no burst.
    for minute in range(0, 110, 11):
        deny(secretariat, start + timedelta(minutes=minute))
    rows = selectors.denial_bursts(service.pk, DAY, DAY, thresholds=thresholds)
    assert [row["actor_id"] for row in rows] == [cpip.user_id]


def test_bursts_match_the_rule_on_random_refusals(service, cpip):
    rng = random.Random(11)
    moments = sorted(paris(DAY, 9) + timedelta(seconds=rng.randint(0, 4 * 3600)) for _ in range(80))
    for moment in moments:
        deny(cpip, moment)
    for count, minutes in ((3, 5), (5, 10), (8, 20), (30, 60)):
        thresholds = rules.Thresholds(denial_burst_count=count, denial_burst_minutes=minutes)
        rows = list(selectors.denial_bursts(service.pk, DAY, DAY, thresholds=thresholds))
        peak = rules.largest_burst(moments, minutes)
        if peak >= count:
            assert [row["peak"] for row in rows] == [peak]
        else:
            assert rows == []


# --- One reader's day -----------------------------------------------------------------------


def test_a_readers_entries_of_a_day_mark_the_files_never_assigned(service, cpip, roussel):
    own, other = make_person(cpip), make_person(roussel)
    read(cpip, own, paris(DAY, 10))
    read(cpip, other, paris(DAY, 11))
    read(cpip, other, paris(DAY + timedelta(days=1), 11))  # another day
    entries = list(selectors.reader_entries(service.pk, cpip.user_id, DAY))
    assert [(e.person_id, e.unassigned) for e in entries] == [(other.pk, True), (own.pk, False)]
    assert selectors.persons_named(service.pk, {own.pk}) == {own.pk: str(own)}


def test_a_staff_member_of_another_service_is_not_found(service, cpip, other_service, member):
    stranger = member("cpip", service=other_service, user__username="cpip.loin")
    assert selectors.staff_member_get(service.pk, cpip.user_id) == cpip.user
    assert selectors.staff_member_get(service.pk, stranger.user_id) is None


def test_files_never_assigned_to_a_reader(service, cpip, roussel):
    own = make_person(cpip)
    others = [make_person(roussel) for _ in range(3)]
    assert own.pk not in selectors.files_never_assigned_to(service.pk, cpip.user_id, limit=10)
    assert selectors.files_never_assigned_to(service.pk, cpip.user_id, limit=2) == [
        p.pk for p in others[:2]
    ]


# --- The thresholds -------------------------------------------------------------------------

GOOD = {
    "unusual_reads_per_day": 15,
    "day_starts": time(8, 0),
    "day_ends": time(18, 30),
    "denial_burst_count": 5,
    "denial_burst_minutes": 3,
}


def test_defaults_until_the_service_sets_its_own_then_journaled(service, manager):
    found = selectors.thresholds_for(service.pk)
    assert (found.thresholds, found.custom) == (rules.DEFAULTS, False)
    services.thresholds_update(membership=manager, data=GOOD)
    found = selectors.thresholds_for(service.pk)
    assert found.custom and found.thresholds == rules.Thresholds(**GOOD)
    entry = AuditEntry.objects.filter(object_type="oversight.oversightsettings").get()
    assert entry.action == "create" and entry.actor_id == manager.user_id
    assert entry.changes["unusual_reads_per_day"] == [20, 15]
    assert entry.changes["day_starts"] == ["07:30:00", "08:00:00"]
    services.thresholds_update(membership=manager, data={**GOOD, "denial_burst_count": 6})
    latest = AuditEntry.objects.filter(object_type="oversight.oversightsettings").latest("id")
    assert latest.action == "update" and latest.changes == {"denial_burst_count": [5, 6]}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"day_starts": time(19, 0), "day_ends": time(8, 0)}, "day_ends", "doit suivre"),
        ({"day_ends": time(8, 0)}, "day_ends", "doit suivre"),
        ({"unusual_reads_per_day": 0}, "unusual_reads_per_day", "de 1 à 1000"),
        ({"denial_burst_count": 1}, "denial_burst_count", "de 2 à 1000"),
        ({"denial_burst_minutes": 0}, "denial_burst_minutes", "de 1 à 1440"),
        ({"denial_burst_minutes": None}, "denial_burst_minutes", "obligatoire"),
    ],
)
def test_a_bad_threshold_is_refused_in_french_and_nothing_is_stored(
    service, manager, change, field, message
):
    with pytest.raises(ValidationError) as refused:
        services.thresholds_update(membership=manager, data={**GOOD, **change})
    assert message in " ".join(refused.value.message_dict[field])
    assert not OversightSettings.objects.exists()
    assert not AuditEntry.objects.filter(object_type="oversight.oversightsettings").exists()


def test_only_a_manager_sets_the_thresholds(service, cpip):
    with pytest.raises(PermissionDenied):
        services.thresholds_update(membership=cpip, data=GOOD)
    assert not OversightSettings.objects.exists()


def test_entries_written_in_the_past_in_paris_time_keep_the_chain_verifiable(service, cpip):
    """The demo's past activity (``record(..., at=...)`` with a Paris time): stored in UTC,
    hashed as read back, so that ``verify_chain`` passes."""
    person = make_person(cpip)
    read(cpip, person, paris(DAY, 21, 5))
    with transaction.atomic():
        audit.record_many(
            service_id=service.pk,
            entries=[
                {
                    "actor": cpip.user,
                    "action": audit.Action.DENIED,
                    "role": "cpip",
                    "object_type": "page",
                    "at": paris(DAY, 16, 2, second),
                }
                for second in range(3)
            ],
        )
    count, problems = audit.verify_chain(f"service:{service.pk}")
    assert problems == [] and count >= 4
    latest = AuditEntry.objects.filter(action="read").latest("id")
    assert latest.at == paris(DAY, 21, 5)
