"""The demo's programmes and group work (docs/programmes.md).

Written through the services, as the staff would (the catalogue and the groups by the first
manager, ``encadrement.demo``; the referrals and their moves by each person's CPIP; the
attendance by a facilitator of the group), then dated on the days they happened:

- two programmes of the catalogue: « Programme de prévention de la récidive — violences
  conjugales » (groupe, 12 séances de 2 h) and « Programme alcool et conduite » (groupe,
  6 séances de 2 h 30);
- a group of the first programme completed (every session past, its participants
  « terminée » but one who withdrew, with the reason: their attestations can be issued);
- a group of the first programme halfway, full, facilitated by the first CPIP
  (``cpip.demo``) and the psychologist, its past sessions' attendance recorded: mostly
  present, a few excused absences, one absence not excused of a person not obliged to attend
  (it shows in the file only), and exactly one absence not excused of a person whose
  enrolment is a court order (the one that feeds an incident proposal);
- a group of the second programme starting (its first session in the coming days), with a
  partner's nurse among its facilitators;
- a waiting list for the first programme (its groups full), referrals proposed, found
  suitable, one found not suitable (with the reason);
- persons of ``cpip.demo``'s caseload in each group and on the waiting list.

Participants are persons followed in the community (never a person held in a cell), those
whose offences fit the programme first. Draws from its own generator (seeded by the demo's
seed and the département): the rest of the demo is unchanged.
"""

import random
from datetime import date, datetime, timedelta
from datetime import time as clock

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from probatio.access.roles import Role
from probatio.demo.gates import gate
from probatio.demo.merges import duplicate_pair
from probatio.demo.vocabulary import of_place
from probatio.measures.models import Measure, Obligation, Offence
from probatio.organisation.models import Room
from probatio.people.models import CustodyRecord, Person, TimelineEvent
from probatio.programmes import services
from probatio.programmes.models import Enrolment, EnrolmentStep, GroupSession

VIOLENCE = {
    "name": "Programme de prévention de la récidive — violences conjugales",
    "aim": (
        "Amener les participants à reconnaître les violences commises, à en mesurer les "
        "conséquences pour la victime et les enfants, et à construire d'autres façons de "
        "vivre les conflits et la colère."
    ),
    "public": (
        "Personnes condamnées pour des violences au sein du couple, suivies en milieu ouvert, "
        "orientées par leur CPIP après un entretien d'évaluation ; 8 à 10 participants."
    ),
    "modules": (
        "Séances 1 et 2 : cadre du groupe, parcours de chacun, représentations du couple\n"
        "Séances 3 à 5 : les formes de violence, leurs mécanismes, ce que dit la loi\n"
        "Séances 6 à 8 : émotions, colère et gestion des conflits\n"
        "Séances 9 et 10 : la place de la victime et des enfants\n"
        "Séances 11 et 12 : prévenir la récidive, plan personnel et bilan"
    ),
    "session_count": 12,
    "session_minutes": 120,
    "mode": "group",
    "is_active": True,
}
ALCOHOL = {
    "name": "Programme alcool et conduite",
    "aim": (
        "Prévenir la récidive de conduite sous l'emprise de l'alcool : connaître les effets de "
        "l'alcool, analyser son propre parcours, trouver des moyens concrets de ne plus "
        "associer consommation et conduite."
    ),
    "public": (
        "Personnes condamnées pour conduite en état alcoolique ou sous l'emprise de "
        "stupéfiants, suivies en milieu ouvert ; 6 à 8 participants."
    ),
    "modules": (
        "Séance 1 : l'alcool, ses effets, les taux et le temps d'élimination\n"
        "Séance 2 : mon parcours de consommation et de conduite\n"
        "Séance 3 : la loi, les sanctions, les conséquences pour les victimes\n"
        "Séance 4 : les situations à risque et comment les anticiper\n"
        "Séance 5 : les soins et les lieux d'aide (CSAPA, consultations jeunes consommateurs)\n"
        "Séance 6 : mon plan de prévention et bilan"
    ),
    "session_count": 6,
    "session_minutes": 150,
    "mode": "group",
    "is_active": True,
}
# Obligations (CP 132-45) that make attending a court order.
COURT_ORDERED = {"STAGE_VIOLENCES_COUPLE", "STAGE_SECURITE_ROUTIERE", "SOINS", "PRISE_EN_CHARGE"}
VICTIM_SUPPORT = "{name}, juriste de l'association d'aide aux victimes {of_city}"
NURSE = "{name}, infirmière en addictologie, CSAPA {of_city}"
PARTNER_NAMES = ["Nadia Ferhat", "Sophie Lemaire", "Élodie Carpentier", "Karima Bensaïd"]

REFERRAL_REASONS = {
    "violence": "Faits de violences sur conjoint ; travail en groupe proposé en complément du suivi.",
    "alcohol": "Conduite en état alcoolique ; le groupe complète le suivi en addictologie.",
}
COMPULSORY_REASON = "Obligation de suivre un stage ou des soins fixée par la juridiction."
NOT_SUITABLE = (
    "Conteste entièrement les faits et refuse d'en parler devant d'autres : un travail "
    "individuel est proposé d'abord."
)
WITHDRAWN = "Déménagement hors du département ; le SPIP d'accueil est informé du parcours."
EXCUSED = [
    "Certificat médical transmis le lendemain.",
    "Convoqué·e à France Travail le même jour, a prévenu la veille.",
    "Garde des enfants, a prévenu le matin même.",
]
UNEXCUSED = "Ni venu·e ni prévenu ; injoignable au téléphone. Rappel du caractère obligatoire."
UNEXCUSED_FREE = "Absent·e sans prévenir ; rappel fait par le CPIP à l'entretien suivant."


def build_programmes(*, service, staff, rng: random.Random, fake, today: date) -> None:
    managers = staff.get(Role.MANAGER) or []
    cpips = staff.get(Role.CPIP) or []
    if not managers or len(cpips) < 2:
        return
    _Writer(service=service, staff=staff, rng=rng, today=today).build()


def _weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


class _Writer:
    def __init__(self, *, service, staff, rng, today):
        self.service = service
        self.staff = staff
        self.rng = rng
        self.today = today
        self.now = timezone.now()
        self.manager = staff[Role.MANAGER][0]
        self.cpips = {m.user_id: m for m in staff[Role.CPIP]}
        self.first_cpip = staff[Role.CPIP][0]
        psychologists = staff.get(Role.PSYCHOLOGIST) or []
        self.psychologist = psychologists[0] if psychologists else None
        # Per enrolment, the moments of its moves in order (the proposal first).
        self.moves: dict[int, list[datetime]] = {}

    # --- Who takes part ---------------------------------------------------------------------

    def _candidates(self, words: list[str]) -> list[Person]:
        """Persons followed in the community by a CPIP of the service, those whose offences
        hold one of ``words`` first, the first CPIP's before the others'."""
        held = CustodyRecord.objects.filter(person=OuterRef("pk"), release_date__isnull=True)
        fits = Q()
        for word in words:
            fits |= Q(label__icontains=word)
        excluded = [p.pk for p in duplicate_pair(self.service)]
        persons = (
            Person.objects.filter(service=self.service, assigned_cpip_id__in=list(self.cpips))
            .filter(
                Exists(Measure.objects.filter(person=OuterRef("pk"), status=Measure.Status.ACTIVE))
            )
            .exclude(Exists(held))
            .exclude(pk__in=excluded)
            .annotate(
                fits=Exists(Offence.objects.filter(fits, decision__person=OuterRef("pk"))),
                ordered=Exists(
                    Obligation.objects.filter(
                        measure__person=OuterRef("pk"),
                        status="active",
                        obligation_type_id__in=sorted(COURT_ORDERED),
                    )
                ),
            )
            .order_by("pk")
        )
        found = list(persons)
        first = self.first_cpip.user_id
        return sorted(found, key=lambda p: (p.assigned_cpip_id != first, not p.fits, p.pk))

    # --- The build --------------------------------------------------------------------------

    def build(self) -> None:
        violence = services.programme_save(membership=self.manager, data=VIOLENCE)
        alcohol = services.programme_save(membership=self.manager, data=ALCOHOL)
        site_a, site_b = self._community_sites()
        first = self.first_cpip.user_id

        pool = self._candidates(["conjoint", "violence"])
        # Sizes for the persons at hand (a small demo has few persons in the community).
        large = len(pool) >= 24
        halfway_size, completed_size, waiting_size = (8, 6, 3) if large else (5, 4, 2)
        mine = [p for p in pool if p.assigned_cpip_id == first]
        others = [p for p in pool if p.assigned_cpip_id != first]
        # cpip.demo's persons: two in the group halfway (one of them the absence that feeds an
        # incident), one in the completed group, one waiting; the others fill the places.
        halfway = self._take(mine, 2)
        completed = self._take(mine, 1)
        waiting = self._take(mine, 1)
        halfway += self._take(others, halfway_size - len(halfway))
        completed += self._take(others, completed_size - len(completed))
        waiting += self._take(others, waiting_size - len(waiting))
        proposed = self._take(others, 1) or self._take(mine, 1)
        suitable = self._take(others, 1) or self._take(mine, 1)
        refused = self._take(others, 1) or self._take(mine, 1)

        # The completed group: nineteen weeks ago, on Tuesdays, by another CPIP of the antenne
        # and the psychologist, with the victims' association's jurist.
        other_cpip = self._other_cpip(site_a)
        start = _weekday_on_or_after(self.today - timedelta(weeks=19), 1)
        done = self._group(
            violence,
            site_a,
            start=start,
            slot={"weekday": 1, "start": "14:00", "minutes": 120},
            capacity=10,
            facilitators=[other_cpip, self.psychologist],
            external=VICTIM_SUPPORT,
        )
        done_sessions = list(GroupSession.objects.filter(group=done).order_by("number"))
        # The group halfway: six Thursdays past, six to come, full; cpip.demo and the
        # psychologist.
        last_thursday = self.today - timedelta(days=(self.today.weekday() - 3) % 7 or 7)
        running = self._group(
            violence,
            site_a,
            start=last_thursday - timedelta(weeks=5),
            slot={"weekday": 3, "start": "14:00", "minutes": 120},
            capacity=len(halfway),
            facilitators=[self.first_cpip, self.psychologist],
            external="",
        )
        running_sessions = list(GroupSession.objects.filter(group=running).order_by("number"))
        # The group starting: its first session two to six days from now, at the other antenne.
        first_day = self.today + timedelta(days=2)
        while first_day.weekday() >= 5:
            first_day += timedelta(days=1)
        alcohol_cpip = self._other_cpip(site_b) or other_cpip
        starting = self._group(
            alcohol,
            site_b,
            start=first_day,
            slot={"weekday": first_day.weekday(), "start": "09:30", "minutes": 150},
            capacity=8,
            facilitators=[alcohol_cpip],
            external=NURSE,
        )

        # The completed group: enrolled before it began, all ended but one who withdrew.
        opened = done_sessions[0].starts_at
        closed = done_sessions[-1].ends_at
        for position, person in enumerate(completed):
            enrolment = self._enrol(violence, done, person, before=opened, compulsory=None)
            leaves = position == len(completed) - 1 and len(completed) > 2
            attended = done_sessions[:3] if leaves else done_sessions
            self._attend(enrolment, person, attended, other_cpip, excused_at={position + 4})
            if leaves:
                self._move(
                    enrolment, person, "withdrawn", WITHDRAWN, at=attended[-1].ends_at + _days(5)
                )
            else:
                self._move(enrolment, person, "completed", "", at=closed + _days(2 + position))
        # The group halfway: its past sessions' attendance recorded by cpip.demo.
        past = [s for s in running_sessions if s.ends_at <= self.now]
        absentee = halfway[0]
        free = None
        enrolments = []
        for person in halfway:
            compulsory = True if person is absentee else None
            enrolment = self._enrol(
                violence,
                running,
                person,
                before=running_sessions[0].starts_at,
                compulsory=compulsory,
            )
            enrolments.append((enrolment, person))
            if free is None and not enrolment.compulsory and person is not absentee:
                free = person
        for enrolment, person in enrolments:
            unexcused = {}
            if person is absentee and past:
                unexcused[past[-1].pk] = UNEXCUSED
            elif person is free and len(past) > 1:
                unexcused[past[1].pk] = UNEXCUSED_FREE
            index = enrolments.index((enrolment, person))
            self._attend(
                enrolment,
                person,
                past,
                self.first_cpip,
                # One in three has had an excused absence.
                excused_at={2 + index % 4} if index % 3 == 1 else set(),
                unexcused=unexcused,
            )
        # The group starting: enrolled these last days.
        alcohol_pool = self._candidates(["alcool", "stupéfiant", "conduite"])
        starters = [p for p in alcohol_pool if p.assigned_cpip_id == first][:1]
        starters += [p for p in alcohol_pool if p.assigned_cpip_id != first][: 5 - len(starters)]
        for person in starters:
            self._enrol(alcohol, starting, person, before=self.now, compulsory=None, recent=True)

        # The waiting list (both groups of the first programme full), the referrals under way.
        for person in waiting:
            enrolment = self._propose(violence, person, self.today - timedelta(days=40))
            self._move(enrolment, person, "suitable", "", at=self._at(self.today - _days(30)))
            self._move(
                enrolment,
                person,
                "waiting",
                "Groupe en cours complet : prochain groupe.",
                at=self._at(self.today - _days(29)),
            )
        for person in proposed:
            self._propose(violence, person, self.today - timedelta(days=3))
        for person in suitable:
            enrolment = self._propose(violence, person, self.today - timedelta(days=20))
            self._move(enrolment, person, "suitable", "", at=self._at(self.today - _days(12)))
        for person in refused:
            enrolment = self._propose(violence, person, self.today - timedelta(days=25))
            self._move(
                enrolment, person, "not_suitable", NOT_SUITABLE, at=self._at(self.today - _days(15))
            )
        self._backdate()

    # --- Places and people ------------------------------------------------------------------

    def _community_sites(self):
        sites = sorted(
            {m.site for m in self.staff[Role.CPIP] if m.site and m.site.kind == "community"},
            key=lambda s: s.pk,
        )
        site_a = self.first_cpip.site if self.first_cpip.site in sites else sites[0]
        site_b = next((s for s in sites if s != site_a), site_a)
        return site_a, site_b

    def _other_cpip(self, site):
        return next(
            (m for m in self.staff[Role.CPIP][1:] if m.site_id == site.pk),
            self.staff[Role.CPIP][1],
        )

    @staticmethod
    def _take(persons: list, count: int) -> list:
        taken = persons[: max(0, count)]
        del persons[: len(taken)]
        return taken

    def _partner(self, text: str, site) -> str:
        if not text:
            return ""
        return text.format(name=self.rng.choice(PARTNER_NAMES), of_city=of_place(site.city))

    def _group(self, programme, site, *, start, slot, capacity, facilitators, external):
        room = Room.objects.filter(site=site, name="Salle collective", is_active=True).first()
        # The room taken at one of those times: the group meets in another room, else none.
        rooms = [
            room,
            *Room.objects.filter(site=site, is_active=True).exclude(pk=getattr(room, "pk", None)),
        ]
        for candidate in [*rooms, None]:
            try:
                return services.group_create(
                    membership=self.manager,
                    programme=programme,
                    site=site,
                    room=candidate,
                    start_date=start,
                    slots=[slot],
                    capacity=capacity,
                    facilitators=[m.user for m in facilitators if m is not None],
                    external_facilitators=self._partner(external, site),
                )
            except ValidationError as error:
                if "room" not in getattr(error, "error_dict", {}):
                    raise
        raise AssertionError("unreachable: a group without a room is never refused for it")

    # --- Enrolments ---------------------------------------------------------------------------

    def _at(self, day: date, hour: int | None = None) -> datetime:
        moment = timezone.make_aware(
            datetime.combine(
                day,
                clock(
                    hour if hour is not None else self.rng.randint(9, 17),
                    self.rng.choice([0, 15, 30, 45]),
                ),
            )
        )
        return min(moment, self.now)

    def _propose(self, programme, person, day: date, *, compulsory: bool | None = None):
        cpip = self.cpips[person.assigned_cpip_id]
        if compulsory is None:
            compulsory = person.ordered
        kind = "violence" if programme.name == VIOLENCE["name"] else "alcohol"
        enrolment = services.enrolment_propose(
            gated=gate(cpip, person),
            programme=programme,
            compulsory=compulsory,
            reason=COMPULSORY_REASON if compulsory else REFERRAL_REASONS[kind],
            today=day,
        )
        self.moves[enrolment.pk] = [self._at(day)]
        return enrolment

    def _move(self, enrolment, person, status, reason, *, at: datetime, group=None):
        cpip = self.cpips[person.assigned_cpip_id]
        enrolment = services.enrolment_move(
            gated=gate(cpip, person), enrolment=enrolment, status=status, reason=reason, group=group
        )
        self.moves[enrolment.pk].append(min(at, self.now))
        return enrolment

    def _enrol(self, programme, group, person, *, before: datetime, compulsory, recent=False):
        """Proposed, found suitable, then enrolled in ``group`` before ``before``."""
        start = timezone.localdate(before)
        if recent:
            referred = self.today - timedelta(days=self.rng.randint(18, 30))
            enrolled = self.today - timedelta(days=self.rng.randint(1, 6))
        else:
            referred = start - timedelta(days=self.rng.randint(40, 60))
            enrolled = start - timedelta(days=self.rng.randint(3, 12))
        enrolment = self._propose(programme, person, referred, compulsory=compulsory)
        found = referred + timedelta(days=self.rng.randint(5, 10))
        self._move(enrolment, person, "suitable", "", at=self._at(found))
        return self._move(enrolment, person, "enrolled", "", at=self._at(enrolled), group=group)

    def _attend(self, enrolment, person, sessions, facilitator, *, excused_at, unexcused=None):
        """Attendance at ``sessions`` recorded by ``facilitator`` after each: present, but an
        excused absence at the positions ``excused_at`` and the notes of ``unexcused``."""
        unexcused = unexcused or {}
        for position, session in enumerate(sessions, start=1):
            note = ""
            if session.pk in unexcused:
                status, note = "unexcused", unexcused[session.pk]
            elif position in excused_at:
                status, note = "excused", self.rng.choice(EXCUSED)
            else:
                status = "present"
            services.attendance_record(
                gated=gate(facilitator, person),
                session=session,
                status=status,
                note=note,
                now=min(session.ends_at + timedelta(minutes=20), self.now),
            )

    # --- Dates --------------------------------------------------------------------------------

    def _backdate(self) -> None:
        """The services date the enrolments' steps and their chronology lines "now": date each
        on the day it happened, in order (the journal keeps the real time of writing)."""
        if not self.moves:
            return
        steps: dict[int, list[int]] = {}
        for pk, enrolment_id in (
            EnrolmentStep.objects.filter(enrolment_id__in=list(self.moves))
            .order_by("pk")
            .values_list("pk", "enrolment_id")
        ):
            steps.setdefault(enrolment_id, []).append(pk)
        lines: dict[int, list[int]] = {}
        for pk, object_id in (
            TimelineEvent.objects.filter(
                object_type=Enrolment._meta.label_lower,
                object_id__in=list(self.moves),
                kind=TimelineEvent.Kind.PROGRAMME,
            )
            .order_by("pk")
            .values_list("pk", "object_id")
        ):
            lines.setdefault(object_id, []).append(pk)
        adapt = connection.ops.adapt_datetimefield_value
        step_rows, line_rows = [], []
        for enrolment_id, moments in self.moves.items():
            for pk, moment in zip(steps.get(enrolment_id, []), moments, strict=False):
                step_rows.append((adapt(moment), pk))
            for pk, moment in zip(lines.get(enrolment_id, []), moments, strict=False):
                line_rows.append((adapt(moment), pk))
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {quote(EnrolmentStep._meta.db_table)} SET at = %s WHERE id = %s",
                step_rows,
            )
            cursor.executemany(
                f"UPDATE {quote(TimelineEvent._meta.db_table)} SET occurred_at = %s WHERE id = %s",
                line_rows,
            )


def _days(count: int) -> timedelta:
    return timedelta(days=count)
