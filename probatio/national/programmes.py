"""The programmes and group work of a national service (docs/programmes.md), written with the
generator's ``COPY`` writers, in the demo's proportions.

Each service keeps the demo's two programmes (« Programme de prévention de la récidive —
violences conjugales », 12 sessions of 2 h; « Programme alcool et conduite », 6 sessions of
2 h 30) and a group for about 200 persons followed, at each of the demo's stages in turn:
completed (every session past, its participants « terminée », a few withdrawn with the
reason), halfway (its past sessions' attendance recorded) and starting (its first session in
the coming days). Sessions follow the group's weekly slot from ``rules.session_days``,
skipping public holidays. Each group has a CPIP and a psychologist of the service among its
facilitators, and a partner's member in free text.

About one file followed in the community in twenty takes part (the first CPIP's first such
file always, so that ``cpip.demo`` meets a participant), in a group that began after the file
opened and still has a place; one in a hundred waits for a place, one in a hundred is only
proposed. A person has one enrolment at most: one active enrolment per person and programme
holds. Attendance only on sessions already over; each attendance has its note (the history
``attendance_record`` writes). Each write has its line in the service's journal (no timeline
line: the chronology of a generated file is its thirty lines).
"""

import random
from datetime import UTC, date, datetime, time, timedelta

from probatio.core.workdays import public_holidays
from probatio.programmes import rules
from probatio.programmes.models import (
    Attendance,
    AttendanceNote,
    Enrolment,
    EnrolmentStep,
    GroupSession,
    Programme,
    ProgrammeGroup,
)

MODELS = [
    Programme,
    ProgrammeGroup,
    ProgrammeGroup.facilitators.through,
    GroupSession,
    Enrolment,
    EnrolmentStep,
    Attendance,
    AttendanceNote,
]

PROGRAMMES = [
    (
        "Programme de prévention de la récidive — violences conjugales",
        "Reconnaître les violences commises, en mesurer les conséquences, gérer autrement les "
        "conflits.",
        12,
        120,
    ),
    (
        "Programme alcool et conduite",
        "Prévenir la récidive de conduite sous l'emprise de l'alcool.",
        6,
        150,
    ),
]
PERSONS_PER_GROUP = 200
STAGES = ["halfway", "completed", "starting"]
CAPACITY = 10
PARTICIPANT_SHARE = 0.05
WAITING_SHARE = 0.01
PROPOSED_SHARE = 0.01
WITHDRAWN_SHARE = 0.1
COMPULSORY_SHARE = 0.5
# Attendance: (status, weight).
ATTENDANCE = [("present", 90), ("excused", 7), ("unexcused", 3)]
NOTES = {
    "present": "",
    "excused": "Absence signalée à l'avance, justificatif transmis.",
    "unexcused": "Absent·e sans prévenir.",
}
WITHDRAWN = "A cessé de venir malgré les relances ; orientation à revoir avec le CPIP."
WAITING = "Groupe en cours complet : prochain groupe."
PARTNER = "Intervenant·e de l'association d'aide aux victimes"


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=hour)


class ServiceProgrammes:
    """One service's programmes and groups; ``person`` is called for each file."""

    def __init__(
        self, generator, *, service_id: int, plan, staff: dict, sites: list, rng: random.Random
    ):
        self.g = generator
        self.w = generator.w
        self.today = generator.today
        self.now = generator.now
        self.service_id = service_id
        self.rng = rng
        self.manager = (staff.get("manager") or staff["cpip"])[0]
        self.first_cpip = staff["cpip"][0]
        self.first_placed = False
        self.turn = 0
        cpips = staff["cpip"]
        psychologists = staff.get("psychologist") or []
        self.programmes = []
        for name, aim, count, minutes in PROGRAMMES:
            programme_id = self.w[Programme].add(
                service_id=service_id,
                name=name,
                aim=aim,
                session_count=count,
                session_minutes=minutes,
                mode="group",
                is_active=True,
                created_by_id=self.manager,
                created_at=_at(self.today - timedelta(days=400)),
                updated_at=_at(self.today - timedelta(days=400)),
            )
            self._journal(
                self.manager,
                "programmes.programme",
                programme_id,
                None,
                f"Programme « {name} » créé",
                self.today - timedelta(days=400),
            )
            self.programmes.append((programme_id, name, count, minutes))
        # Groups: (id, programme index, sessions [(id, starts, ends)], places left, start).
        self.groups: list[dict] = []
        count = max(len(STAGES), plan.active // PERSONS_PER_GROUP)
        for index in range(count):
            stage = STAGES[index % len(STAGES)]
            programme = self.programmes[index % len(self.programmes)]
            site = sites[index % len(sites)]
            facilitators = [cpips[index % len(cpips)]]
            if psychologists:
                facilitators.append(psychologists[index % len(psychologists)])
            self._group(stage, programme, site, facilitators, index)

    def _group(self, stage, programme, site, facilitators, index) -> None:
        programme_id, name, count, minutes = programme
        weekday = 1 + index % 4
        slot = rules.Slot(weekday=weekday, start=time(14 if index % 2 else 9, 30), minutes=minutes)
        if stage == "completed":
            start = self.today - timedelta(weeks=count + 8 + index % 5)
        elif stage == "halfway":
            start = self.today - timedelta(weeks=count // 2)
        else:
            start = self.today + timedelta(days=2 + index % 5)
        years = {start.year, start.year + 1}
        holidays = set().union(*(public_holidays(year) for year in years))
        days = rules.session_days(
            start=start, slots=[slot], count=count, closed=lambda day: day in holidays
        )
        past = sum(1 for day, s in days if rules.session_times(day, s)[1] <= self.now)
        status = "finished" if past == len(days) else "planned" if past == 0 else "running"
        group_id = self.w[ProgrammeGroup].add(
            programme_id=programme_id,
            site_id=site,
            room_id=None,
            start_date=start,
            slots=[{"weekday": weekday, "start": f"{slot.start:%H:%M}", "minutes": minutes}],
            capacity=CAPACITY,
            external_facilitators=PARTNER,
            status=status,
            created_by_id=self.manager,
            created_at=_at(min(self.today, start - timedelta(days=60))),
        )
        for user_id in facilitators:
            self.w[ProgrammeGroup.facilitators.through].add(
                programmegroup_id=group_id, user_id=user_id
            )
        sessions = []
        for number, (day, s) in enumerate(days, start=1):
            starts, ends = rules.session_times(day, s)
            session_id = self.w[GroupSession].add(
                group_id=group_id, number=number, starts_at=starts, ends_at=ends, room_id=None
            )
            sessions.append((session_id, starts, ends))
        self._journal(
            self.manager,
            "programmes.programmegroup",
            group_id,
            None,
            f"Groupe du programme « {name} » créé ({count} séances à partir du "
            f"{days[0][0]:%d/%m/%Y})",
            min(self.today, start - timedelta(days=60)),
        )
        self.groups.append(
            {
                "id": group_id,
                "programme": programme_id,
                "sessions": sessions,
                "places": CAPACITY,
                "start": start,
                "completed": status == "finished",
                "recorder": facilitators[0],
            }
        )

    def _journal(self, user_id, object_type, object_id, person_id, summary, day) -> None:
        self.g.audit.add(
            user_id=user_id,
            action="create",
            object_type=object_type,
            object_id=object_id,
            person_id=person_id,
            summary=summary,
            at=_at(day, 11),
        )

    # --- One file ------------------------------------------------------------------------------

    def person(self, *, person_id: int, cpip: int | None, opened: date, active: bool, held: bool):
        if not active or held or cpip is None:
            return
        rng = self.rng
        draw = rng.random()
        first = cpip == self.first_cpip and not self.first_placed
        if first or draw < PARTICIPANT_SHARE:
            # The groups in turn (each fills evenly), among those begun after the file opened.
            turn = self.turn
            self.turn += 1
            ordered = (
                self.groups[turn % len(self.groups) :] + self.groups[: turn % len(self.groups)]
            )
            group = next(
                (
                    g
                    for g in ordered
                    if g["places"] > 0 and g["start"] >= opened + timedelta(days=20)
                ),
                None,
            )
            if group is not None:
                self._participant(person_id, cpip, opened, group)
                if cpip == self.first_cpip:
                    self.first_placed = True
                return
        if draw < PARTICIPANT_SHARE + WAITING_SHARE:
            referred = max(opened, self.today - timedelta(days=rng.randint(20, 90)))
            self._enrolment(
                person_id,
                cpip,
                self.programmes[0][0],
                None,
                referred,
                ["proposed", "suitable", "waiting"],
                reason=WAITING,
            )
        elif draw < PARTICIPANT_SHARE + WAITING_SHARE + PROPOSED_SHARE:
            referred = max(opened, self.today - timedelta(days=rng.randint(1, 20)))
            self._enrolment(person_id, cpip, self.programmes[0][0], None, referred, ["proposed"])

    def _participant(self, person_id: int, cpip: int, opened: date, group: dict) -> None:
        rng = self.rng
        group["places"] -= 1
        first_session = group["sessions"][0][1].date()
        referred = max(opened, first_session - timedelta(days=rng.randint(25, 60)))
        referred = min(referred, self.today - timedelta(days=2))
        path = ["proposed", "suitable", "enrolled"]
        past = [s for s in group["sessions"] if s[2] <= self.now]
        attended = past
        reason = ""
        if group["completed"]:
            if rng.random() < WITHDRAWN_SHARE:
                path.append("withdrawn")
                attended = past[: rng.randint(2, 4)]
                reason = WITHDRAWN
            else:
                path.append("completed")
        end = attended[-1][2].date() + timedelta(days=3) if attended else None
        enrolment_id = self._enrolment(
            person_id,
            cpip,
            group["programme"],
            group["id"],
            referred,
            path,
            reason=reason,
            last_day=end,
        )
        for session_id, _starts, ends in attended:
            status = rng.choices([s for s, _ in ATTENDANCE], weights=[w for _, w in ATTENDANCE])[0]
            recorded = (ends + timedelta(minutes=20)).astimezone(UTC)
            attendance_id = self.w[Attendance].add(
                session_id=session_id,
                enrolment_id=enrolment_id,
                status=status,
                recorded_by_id=group["recorder"],
                recorded_at=recorded,
            )
            self.w[AttendanceNote].add(
                attendance_id=attendance_id,
                status=status,
                text=NOTES[status],
                by_id=group["recorder"],
                at=recorded,
            )
            self.g.audit.add(
                user_id=group["recorder"],
                action="create",
                object_type="programmes.attendance",
                object_id=attendance_id,
                person_id=person_id,
                summary=f"Présence : {rules.ATTENDANCE_STATUSES[status].lower()}",
                at=recorded,
            )

    def _enrolment(
        self,
        person_id,
        cpip,
        programme_id,
        group_id,
        referred: date,
        path: list[str],
        *,
        reason: str = "",
        last_day: date | None = None,
    ) -> int:
        rng = self.rng
        compulsory = rng.random() < COMPULSORY_SHARE
        # The moves' days: the proposal, then a few days apart, the last on ``last_day``.
        days = [referred]
        for _ in path[1:]:
            days.append(min(self.today, days[-1] + timedelta(days=rng.randint(3, 10))))
        if last_day is not None and len(path) > 3:
            days[-1] = min(self.today, max(days[-2], last_day))
        enrolment_id = self.w[Enrolment].add(
            person_id=person_id,
            programme_id=programme_id,
            group_id=group_id if "enrolled" in path or "waiting" in path else None,
            status=path[-1],
            compulsory=compulsory,
            referred_by_id=cpip,
            referred_on=referred,
            reason=reason,
            updated_at=_at(days[-1], 12),
        )
        for position, (status, day) in enumerate(zip(path, days, strict=True)):
            self.w[EnrolmentStep].add(
                enrolment_id=enrolment_id,
                status=status,
                at=_at(day, 9 + position),
                by_id=cpip,
                reason=reason if position == len(path) - 1 else "",
            )
            self.g.audit.add(
                user_id=cpip,
                action="create" if position == 0 else "update",
                object_type="programmes.enrolment",
                object_id=enrolment_id,
                person_id=person_id,
                summary=f"Programme : {rules.ENROLMENT_STATUSES[status].lower()}",
                at=_at(day, 9 + position),
            )
        return enrolment_id
