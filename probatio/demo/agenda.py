"""The demo's agenda: rooms, a fortnight of appointments for every CPIP (last week's with their
outcome, this week's and next week's planned), first interviews booked or still missing, and
the reminders they produced (sent, failed or pending).

Everything goes through the agenda services, each call dated as if made at the time (the
``now`` argument), so the chronology, the journal and the reminders are what the product would
have produced. Only the sending of past reminders is summarised (marked sent on their
scheduled time): their sending belongs to the past.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import holidays
from django.utils import timezone

from probatio.access.roles import Role
from probatio.accounts.models import Membership
from probatio.agenda import rules
from probatio.agenda import services as agenda_services
from probatio.agenda.models import Appointment
from probatio.demo.gates import gate
from probatio.demo.slots import FURTHER_DAYS, at_most, first_free_slot
from probatio.measures.models import Measure
from probatio.messaging.models import Message
from probatio.organisation.models import Room, Site
from probatio.people.models import CustodyRecord, Person

SITE_ACCESS = [
    "Bus lignes 2 et 5, arrêt « Hôtel de ville ». Accès de plain-pied, ascenseur. "
    "Sonnez à l'interphone « SPIP » et présentez-vous à l'accueil.",
    "Gare SNCF à 10 minutes à pied. Entrée par la cour, bâtiment B, 1er étage (ascenseur). "
    "Présentez-vous à l'accueil avec votre convocation.",
]
PRISON_ACCESS = (
    "Les entretiens ont lieu au bâtiment socio-éducatif ; l'agent du SPIP vient vous chercher "
    "en détention."
)
EXCUSES = [
    "Arrêt maladie (justificatif transmis)",
    "Convocation à un entretien d'embauche (justificatif transmis)",
    "Enfant malade, a prévenu la veille",
    "Hospitalisation d'un proche",
]
CANCELLATIONS = ["Absence du CPIP (formation)", "Fermeture exceptionnelle de l'antenne"]
SMS_FAILURES = [
    "Numéro non attribué (réponse de l'opérateur)",
    "Téléphone injoignable depuis 72 heures (réponse de l'opérateur)",
]
SLOTS = [time(9, 0), time(9, 45), time(10, 30), time(11, 15), time(14, 0), time(14, 45),
         time(15, 30), time(16, 15)]  # fmt: skip


@dataclass
class AgendaReport:
    appointments: int = 0
    messages: int = 0


class AgendaBuilder:
    def __init__(
        self,
        *,
        service,
        sites: dict[str, Site],
        staff: dict[Role, list[Membership]],
        rng: random.Random,
        today: date,
        now: datetime,
    ):
        self.service = service
        self.sites = sites
        self.staff = staff
        self.rng = rng
        self.today = today
        self.now = now
        self.report = AgendaReport()
        self.busy: dict[int, set[datetime]] = {}  # user → start times already booked
        self.holidays = holidays.France(years=[today.year - 1, today.year, today.year + 1])

    def build(self) -> AgendaReport:
        self._notice_hours()
        self._rooms()
        for index, member in enumerate(self.staff[Role.CPIP]):
            self._cpip_fortnight(member, index)
        self._psychologist_sessions()
        self._long_follow_up()
        self._summarise_past_messages()
        self._uncertain_message()
        self._summonses()
        self._unplanned_interview()
        return self.report

    def _notice_hours(self) -> None:
        """The manager sets when cancellation and move notices may go: 8:30 to 19:30, Monday
        to Saturday, never on a public holiday (the « Paramètres » page)."""
        from probatio.organisation.services import service_settings_update

        managers = self.staff.get(Role.MANAGER, [])
        if not managers:
            return
        service_settings_update(
            membership=managers[0],
            data={
                "notice_from": time(8, 30),
                "notice_until": time(19, 30),
                "notice_days": [1, 2, 3, 4, 5, 6],
                "notice_on_holidays": False,
            },
        )
        self.service.refresh_from_db()

    def _unplanned_interview(self) -> None:
        """A person of the first CPIP came to the antenne without an appointment on the last
        working day: the interview is recorded as held, with its note (no random draw, so
        that the rest of the demo stays the same)."""
        member = self.staff[Role.CPIP][0]
        person = (
            Person.objects.filter(
                assigned_cpip=member.user, measures__status__in=Measure.OPEN_STATUSES
            )
            .exclude(
                pk__in=CustodyRecord.objects.filter(release_date__isnull=True).values("person")
            )
            .order_by("pk")
            .first()
        )
        days = self._working_days(self.today - timedelta(days=7), self.today - timedelta(days=1))
        if person is None or not days:
            return
        day = days[-1]
        free = self._free_slots(member, day)
        start = rules.at_paris(day, free[-1] if free else time(17, 0))
        self.busy.setdefault(member.user_id, set()).add(start)
        agenda_services.appointment_record_unplanned(
            gated=gate(member, person),
            data={
                "kind": Appointment.Kind.FOLLOW_UP,
                "place_kind": Appointment.PlaceKind.SITE,
                "site": member.site or self.sites["a"],
                "starts_at": start,
                "ends_at": start + timedelta(minutes=30),
            },
            note={
                "subject": "Venue spontanée à l'antenne",
                "body": "Venu sans rendez-vous après avoir reçu un courrier de son employeur : "
                "fin de période d'essai annoncée. Point sur la recherche d'emploi ; orientation "
                "vers le conseiller France Travail proposée. Justificatif de domicile remis. "
                "Prochain entretien maintenu à la date prévue.",
                "confidential": False,
            },
            now=self.now,
        )
        self.report.appointments += 1

    # --- Places. ---

    def _rooms(self) -> None:
        self.rooms: dict[int, list[Room]] = {}
        for number, key in enumerate(("a", "b")):
            site = self.sites[key]
            site.access_notes = SITE_ACCESS[number]
            site.save(update_fields=["access_notes"])
            # Five offices, or one per CPIP of the antenne in a larger service.
            offices = max(5, sum(m.site_id == site.pk for m in self.staff.get(Role.CPIP, [])))
            self.rooms[site.pk] = [
                Room.objects.create(site=site, name=f"Bureau {n}") for n in range(1, offices + 1)
            ]
            Room.objects.create(
                site=site, name="Salle collective", access_notes="Rez-de-chaussée, au fond"
            )
        prison = self.sites["prison"]
        prison.access_notes = PRISON_ACCESS
        prison.save(update_fields=["access_notes"])
        self.rooms[prison.pk] = [
            Room.objects.create(site=prison, name=f"Bureau d'entretien {n}") for n in (1, 2)
        ]

    # --- Appointments. ---

    def _working_days(self, first: date, last: date) -> list[date]:
        days, day = [], first
        while day <= last:
            if day.weekday() < 5 and day not in self.holidays:
                days.append(day)
            day += timedelta(days=1)
        return days

    def _first_free(
        self,
        member: Membership,
        first: date,
        last: date,
        pick,
        *,
        before: date | None = None,
    ) -> tuple[date, time] | None:
        """The first working day from ``first`` to ``last`` where ``member`` has a free slot,
        and the slot ``pick`` chooses; when those days are full, the next working days (up to
        ``FURTHER_DAYS`` more), never ``before`` or later; None when all are full."""
        days = self._working_days(first, last + timedelta(days=FURTHER_DAYS * 7 // 5))
        wished = self._working_days(first, last)
        days = days[: len(wished) + FURTHER_DAYS]
        if before is not None:
            days = [day for day in days if day < before]
        return first_free_slot(days, lambda day: self._free_slots(member, day), pick)

    def _free_slots(self, member: Membership, day: date) -> list[time]:
        taken = self.busy.get(member.user_id, set())
        return [slot for slot in SLOTS if rules.at_paris(day, slot) not in taken]

    def _book(self, member: Membership, person: Person, start: datetime, **data) -> Appointment:
        self.busy.setdefault(member.user_id, set()).add(start)
        booked_at = min(self.now, start - timedelta(days=self.rng.randint(6, 20)))
        return agenda_services.appointment_book(
            gated=gate(member, person),
            data={"starts_at": start, "ends_at": start + timedelta(minutes=45), **data},
            staff=[member.user],
            confirmed=True,
            now=booked_at,
        )

    def _outcome(self, member: Membership, appointment: Appointment, forced: str = "") -> None:
        roll = self.rng.random()
        status = forced or (
            "honoured" if roll < 0.74 else "no_show" if roll < 0.86 else
            "excused" if roll < 0.95 else "cancelled"
        )  # fmt: skip
        reason = ""
        if status == "excused":
            reason = self.rng.choice(EXCUSES)
        elif status == "cancelled":
            reason = self.rng.choice(CANCELLATIONS)
        when = appointment.ends_at + timedelta(minutes=self.rng.randint(5, 90))
        if status == "cancelled":
            when = appointment.starts_at - timedelta(days=self.rng.randint(1, 3))
        self._summarise_past_messages(appointment=appointment, before=min(when, self.now))
        agenda_services.appointment_set_status(
            gated=gate(member, appointment.person),
            appointment=appointment,
            status=status,
            reason=reason,
            now=min(when, self.now),
        )

    def _place(self, member: Membership, person: Person, custody: bool, index: int) -> dict:
        if custody:
            prison = self.sites["prison"]
            return {"place_kind": "prison", "establishment": prison.establishment}
        site = member.site or self.sites["a"]
        rooms = self.rooms.get(site.pk, [])
        roll = self.rng.random()
        if roll < 0.07 and person.addresses.filter(valid_to__isnull=True).exists():
            return {"place_kind": "home", "kind": "home_visit"}
        if roll < 0.12:
            return {
                "place_kind": "video",
                "kind": "video",
                "place_detail": f"https://visio.justice.fr/spip-{self.service.department_code}"
                f"-{index}",
            }
        return {
            "place_kind": "site",
            "site": site,
            "room": rooms[index % len(rooms)] if rooms else None,
        }

    def _cpip_fortnight(self, member: Membership, index: int) -> None:
        persons = list(
            Person.objects.filter(
                assigned_cpip=member.user, measures__status__in=Measure.OPEN_STATUSES
            )
            .distinct()
            .prefetch_related("custody_records")
        )
        if not persons:
            return
        self.rng.shuffle(persons)
        in_custody = {
            p.pk for p in persons if any(r.release_date is None for r in p.custody_records.all())
        }
        recent = self._first_interviews(member, persons, in_custody, index)
        pool = [p for p in persons if p.pk not in recent]
        days = self._working_days(self.today - timedelta(days=7), self.today + timedelta(days=7))
        no_show_target = pool[0] if index == 0 and pool else None
        cursor = 0
        forgotten = False
        for day in days:
            free = self._free_slots(member, day)
            slots = sorted(self.rng.sample(free, min(len(free), self.rng.randint(2, 4))))
            for slot in slots:
                if not pool:
                    return
                person = pool[cursor % len(pool)]
                cursor += 1
                start = rules.at_paris(day, slot)
                measure = (
                    person.measures.filter(status__in=Measure.OPEN_STATUSES)
                    .order_by("-start_date")
                    .first()
                )
                data = {"kind": "follow_up", "measure": measure}
                if person.pk in in_custody:
                    data["kind"] = "prison"
                data.update(self._place(member, person, person.pk in in_custody, index))
                appointment = self._book(member, person, start, **data)
                self.report.appointments += 1
                if appointment.ends_at < self.now:
                    # Today's morning appointments are left for the CPIP to record, and now
                    # and then an earlier one was forgotten (the échéancier flags it).
                    if day == self.today and self.rng.random() < 0.5:
                        continue
                    if (
                        not forgotten
                        and day < self.today
                        and (index == 0 or self.rng.random() < 0.15)
                    ):
                        forgotten = True
                        continue
                    self._outcome(member, appointment)
        if no_show_target is not None:
            self._repeated_no_shows(member, no_show_target)

    def _first_interviews(self, member, persons, in_custody, index) -> set[int]:
        """Measures opened in the last weeks: most have their first interview booked (some
        already held), a few not yet — the échéancier shows them as alerts."""
        since = self.today - timedelta(days=40)
        started = [
            p
            for p in persons
            if p.pk not in in_custody
            and p.measures.filter(status__in=Measure.OPEN_STATUSES, start_date__gte=since).exists()
        ]
        self._past_first_interviews(member, persons, in_custody, since, index)
        booked = set()
        for number, person in enumerate(started):
            if number % 4 == 3:
                continue  # not booked yet: an alert in the échéancier
            measure = person.measures.filter(start_date__gte=since).order_by("start_date").first()
            offset = self.rng.randint(-6, 9)
            found = self._first_free(
                member,
                self.today + timedelta(days=offset),
                self.today + timedelta(days=offset + 5),
                self.rng.choice,
            )
            if found is None:
                continue  # the CPIP's agenda is full: not booked yet (an alert)
            start = rules.at_paris(*found)
            site = member.site or self.sites["a"]
            rooms = self.rooms.get(site.pk, [])
            appointment = self._book(
                member,
                person,
                start,
                kind="first",
                measure=measure,
                place_kind="site",
                site=site,
                room=rooms[index % len(rooms)] if rooms else None,
            )
            self.report.appointments += 1
            booked.add(person.pk)
            if appointment.ends_at < self.now:
                self._outcome(member, appointment, forced="honoured")
        return booked

    def _past_first_interviews(self, member, persons, in_custody, since, index) -> None:
        """Measures of the past year opened before the fortnight: their first interview was
        held, nearly always within the legal deadline."""
        site = member.site or self.sites["a"]
        rooms = self.rooms.get(site.pk, [])
        late = 0
        for person in persons:
            if person.pk in in_custody:
                continue
            measure = (
                person.measures.filter(
                    status__in=Measure.OPEN_STATUSES,
                    start_date__lt=since,
                    start_date__gte=self.today - timedelta(days=365),
                )
                .order_by("start_date")
                .first()
            )
            if measure is None:
                continue
            if late < 1 and measure.start_date > self.today - timedelta(days=120):
                late += 1
                continue  # never booked: an overdue alert in the échéancier
            origin = max(measure.start_date, measure.decision.date)
            offset = (
                self.rng.randint(6, 35) if self.rng.random() < 0.9 else self.rng.randint(50, 70)
            )
            days = self._working_days(
                origin + timedelta(days=offset), origin + timedelta(days=offset + 6)
            )
            if not days or days[0] >= self.today - timedelta(days=8):
                continue
            # Before the fortnight (whose appointments are drawn afterwards), or not at all.
            found = self._first_free(
                member, days[0], days[-1], self.rng.choice, before=self.today - timedelta(days=8)
            )
            if found is None:
                continue
            appointment = self._book(
                member,
                person,
                rules.at_paris(*found),
                kind="first",
                measure=measure,
                place_kind="site",
                site=site,
                room=rooms[index % len(rooms)] if rooms else None,
            )
            self.report.appointments += 1
            self._outcome(member, appointment, forced="honoured")

    def _repeated_no_shows(self, member: Membership, person: Person) -> None:
        """Two more missed appointments a few weeks ago on the same measure: the dossier
        proposes an incident."""
        measure = person.measures.filter(status__in=Measure.OPEN_STATUSES).first()
        for weeks in (5, 3):
            found = self._first_free(
                member,
                self.today - timedelta(weeks=weeks),
                self.today - timedelta(weeks=weeks) + timedelta(days=4),
                at_most(2),
                before=self.today - timedelta(days=8),
            )
            if found is None:
                continue
            site = member.site or self.sites["a"]
            appointment = self._book(
                member,
                person,
                rules.at_paris(*found),
                kind="follow_up",
                measure=measure,
                place_kind="site",
                site=site,
            )
            self.report.appointments += 1
            self._outcome(member, appointment, forced="no_show")

    def _long_follow_up(self) -> None:
        """One person of the first CPIP followed for a long time: an interview every fortnight
        for up to eighteen months before the fortnight above (every week when their measure is
        younger), so that the dossier's appointments and messages fill more than one page.
        Drawn from a random generator of its own, so that the rest of the demo stays the
        same."""
        member = self.staff[Role.CPIP][0]
        since = self.today - timedelta(days=548)
        until = self.today - timedelta(days=10)
        candidates = (
            Measure.objects.filter(
                person__assigned_cpip=member.user, status__in=Measure.OPEN_STATUSES
            )
            .exclude(
                person__in=CustodyRecord.objects.filter(release_date__isnull=True).values("person")
            )
            .select_related("person")
        )
        measure = (
            candidates.filter(start_date__lte=since - timedelta(days=21))
            .order_by("-person__sms_consent", "start_date", "pk")
            .first()
        ) or candidates.order_by("start_date", "pk").first()
        if measure is None:
            return
        day = max(since, measure.start_date + timedelta(days=21))
        step = timedelta(days=14 if (until - day).days > 420 else 7)
        shared, self.rng = self.rng, random.Random(f"long-follow-up-{self.service.department_code}")
        try:
            site = member.site or self.sites["a"]
            rooms = self.rooms.get(site.pk, [])
            while day < until:
                days = self._working_days(day, day + timedelta(days=6))
                free = self._free_slots(member, days[0]) if days else []
                if free:
                    appointment = self._book(
                        member,
                        measure.person,
                        rules.at_paris(days[0], free[len(free) // 2]),
                        kind="follow_up",
                        measure=measure,
                        place_kind="site",
                        site=site,
                        room=rooms[0] if rooms else None,
                    )
                    self.report.appointments += 1
                    self._outcome(
                        member,
                        appointment,
                        forced="excused" if self.rng.random() < 0.1 else "honoured",
                    )
                day += step
        finally:
            self.rng = shared

    def _psychologist_sessions(self) -> None:
        """The psychologist sees a few persons of the service (as support staff)."""
        for member in self.staff.get(Role.PSYCHOLOGIST, []):
            persons = list(Person.objects.filter(support_staff=member.user)[:6])
            for number, person in enumerate(persons):
                found = self._first_free(
                    member,
                    self.today + timedelta(days=number - 3),
                    self.today + timedelta(days=number + 2),
                    at_most(number % 4),
                )
                if found is None:
                    continue
                appointment = self._book(
                    member,
                    person,
                    rules.at_paris(*found),
                    kind="follow_up",
                    place_kind="site",
                    site=member.site or self.sites["a"],
                )
                self.report.appointments += 1
                if appointment.ends_at < self.now:
                    self._outcome(member, appointment, forced="honoured")

    # --- Summons letters. ---

    def _summonses(self) -> None:
        """The first CPIP's coming first interviews (else follow-ups) have their summons
        letter (PDF), most of them recorded as sent by post today, one still to send."""
        from probatio.agenda import summons_services
        from probatio.agenda.selectors import appointment_get_for

        member = self.staff[Role.CPIP][0]
        coming = Appointment.objects.filter(
            staff=member.user, status="planned", starts_at__gte=self.now + timedelta(days=1)
        )
        # First interviews first (the summons matters most there), then follow-ups.
        firsts = list(coming.filter(kind=Appointment.Kind.FIRST).order_by("starts_at")[:4])
        if len(firsts) < 4:
            firsts += coming.exclude(kind=Appointment.Kind.FIRST).order_by("starts_at")[
                : 4 - len(firsts)
            ]
        today = timezone.localdate(self.now)
        for number, appointment in enumerate(firsts):
            gated = appointment_get_for(member, appointment.pk)
            record = summons_services.summons_generate(membership=member, gated=gated, today=today)
            if number != 1:
                summons_services.summons_mark_sent(
                    membership=member, summons_record=record, sent_on=today, sent_by="post"
                )

    # --- Reminders. ---

    def _uncertain_message(self) -> None:
        """One reminder of the first CPIP's next appointments whose send was interrupted (the
        worker stopped while the provider had it) and that the provider could not confirm: it
        waits for someone to decide, on the appointment's page."""
        from probatio.messaging.sending import uncertain_reason

        delivered = Message.objects.filter(service=self.service, status=Message.Status.DELIVERED)
        theirs = delivered.filter(appointment__staff=self.staff[Role.CPIP][0].user)
        coming = theirs.filter(
            appointment__status=Appointment.Status.PLANNED, appointment__starts_at__gt=self.now
        )
        # An SMS for an appointment still to come if there is one (the decision is then to send
        # it again or not), else the latest past one (only filing it is left).
        message = (
            coming.filter(channel=Message.Channel.SMS).order_by("appointment__starts_at").first()
            or coming.order_by("appointment__starts_at", "pk").first()
            or theirs.order_by("-scheduled_at", "pk").first()
            or delivered.order_by("-scheduled_at", "pk").first()
        )
        if message is None:
            return
        message.status = Message.Status.UNCERTAIN
        message.claimed_at = message.interrupted_at = message.scheduled_at + timedelta(seconds=3)
        message.sent_at = message.delivered_at = None
        message.provider_id = ""
        message.last_error = uncertain_reason(
            message,
            "le serveur de courriel ne permet pas de savoir si le message est parti"
            if message.channel == Message.Channel.EMAIL
            else "le prestataire ne permet pas de savoir si le message est parti",
        )
        message.save()

    def _summarise_past_messages(
        self, *, appointment: Appointment | None = None, before: datetime | None = None
    ) -> None:
        """Reminders whose time has passed were sent then; a few failed (wrong number). The
        others stay pending: the worker sends them on time."""
        messages = Message.objects.filter(
            service=self.service,
            status=Message.Status.PENDING,
            scheduled_at__lt=before or self.now,
        )
        if appointment is not None:
            messages = messages.filter(appointment=appointment)
        past = list(messages)
        for message in past:
            if message.channel == Message.Channel.SMS and self.rng.random() < 0.04:
                message.status = Message.Status.FAILED
                message.attempts = 6
                message.last_error = self.rng.choice(SMS_FAILURES)
            else:
                message.status = Message.Status.DELIVERED
                message.sent_at = message.scheduled_at + timedelta(seconds=self.rng.randint(2, 40))
                message.delivered_at = message.sent_at + timedelta(seconds=self.rng.randint(1, 30))
                message.provider_id = f"demo-{message.idempotency_key.hex[:12]}"
                message.attempts = 1
        Message.objects.bulk_update(
            past, ["status", "attempts", "last_error", "sent_at", "delivered_at", "provider_id"]
        )
        if appointment is None:
            self.report.messages = Message.objects.filter(service=self.service).count()
