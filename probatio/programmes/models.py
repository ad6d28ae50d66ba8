"""Programmes and group work: the service's catalogue (recidivism-prevention programmes,
courses), groups with their weekly slots and sessions, referrals and enrolments with their
history, attendance with its notes. The rules (calendar, moves, absences) are pure:
``programmes.rules``."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from probatio.organisation.models import Room, Service, Site
from probatio.people.models import Person
from probatio.programmes import rules


class Programme(models.Model):
    """A programme of the service's catalogue."""

    class Mode(models.TextChoices):
        GROUP = "group", "Collectif"
        INDIVIDUAL = "individual", "Individuel"

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="programmes", verbose_name="SPIP"
    )
    name = models.CharField("nom", max_length=200)
    aim = models.TextField("objectif", blank=True)
    public = models.TextField("public", blank=True)
    modules = models.TextField("modules", blank=True)
    session_count = models.PositiveSmallIntegerField("nombre de séances")
    session_minutes = models.PositiveSmallIntegerField("durée d'une séance (minutes)")
    mode = models.CharField("format", max_length=20, choices=Mode.choices, default=Mode.GROUP)
    is_active = models.BooleanField("proposé", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "programme"
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "name"],
                name="programme_unique_name",
                violation_error_message="Un programme de ce nom existe déjà dans le service.",
            ),
            models.CheckConstraint(
                condition=Q(session_count__gte=1),
                name="programme_sessions_positive",
                violation_error_message="Un programme compte au moins une séance.",
            ),
            models.CheckConstraint(
                condition=Q(session_minutes__gte=1),
                name="programme_minutes_positive",
                violation_error_message="Indiquez la durée d'une séance.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProgrammeGroup(models.Model):
    """A group of a programme: where, from when, weekly slots, capacity, facilitators."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Prévu"
        RUNNING = "running", "En cours"
        FINISHED = "finished", "Terminé"

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="groups", verbose_name="programme"
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name="antenne"
    )
    room = models.ForeignKey(
        Room,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="salle",
    )
    start_date = models.DateField("début")
    # [{"weekday": 0 (lundi)…6, "start": "HH:MM", "minutes": 120}, …]
    slots = models.JSONField("créneaux hebdomadaires", default=list)
    capacity = models.PositiveSmallIntegerField("places")
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="facilitated_groups",
        verbose_name="animateurs du service",
    )
    # Partners' staff who facilitate (not users of Probatio): names and organisation, one a line.
    external_facilitators = models.TextField("animateurs extérieurs", blank=True)
    status = models.CharField("état", max_length=20, choices=Status.choices, default=Status.PLANNED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "groupe"
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="programme_group_capacity_positive",
                violation_error_message="Un groupe compte au moins une place.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme} — {self.start_date:%d/%m/%Y}"


class GroupSession(models.Model):
    """One session of a group, with its own date, time and room (a rescheduled one keeps the
    time it was first planned at)."""

    group = models.ForeignKey(
        ProgrammeGroup, on_delete=models.CASCADE, related_name="sessions", verbose_name="groupe"
    )
    number = models.PositiveSmallIntegerField("séance n°")
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    room = models.ForeignKey(
        Room,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="salle",
    )
    rescheduled_from = models.DateTimeField("initialement prévue le", null=True, blank=True)
    cancelled = models.BooleanField("annulée", default=False)
    # The participants were summoned to it (a convocation): an unexcused absence then feeds
    # an incident proposal whatever the enrolment (``rules.absence_feeds_incident``).
    summons = models.BooleanField("sur convocation", default=False)

    class Meta:
        verbose_name = "séance de groupe"
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="group_session_times_in_order",
                violation_error_message="La fin de la séance doit suivre son début.",
            ),
            models.UniqueConstraint(
                fields=["group", "number"],
                name="group_session_unique_number",
                violation_error_message="Ce numéro de séance existe déjà dans le groupe.",
            ),
        ]
        indexes = [models.Index(fields=["room", "starts_at"])]

    def __str__(self) -> str:
        return f"Séance {self.number} — {self.starts_at:%d/%m/%Y %H:%M}"


ACTIVE = Q(status__in=sorted(rules.ACTIVE_STATUSES))


class Enrolment(models.Model):
    """A person referred to a programme, from the proposal to the end (``rules.ENROLMENT_MOVES``)."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="programme_enrolments"
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="enrolments", verbose_name="programme"
    )
    group = models.ForeignKey(
        ProgrammeGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrolments",
        verbose_name="groupe",
    )
    status = models.CharField(
        "état", max_length=20, choices=list(rules.ENROLMENT_STATUSES.items()), default="proposed"
    )
    # A court-ordered course or programme: attending is an obligation.
    compulsory = models.BooleanField("obligation judiciaire", default=False)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    referred_on = models.DateField("orienté le")
    reason = models.TextField("motif", blank=True)  # of the last move
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "orientation vers un programme"
        ordering = ["-referred_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "programme"],
                condition=ACTIVE,
                name="enrolment_one_active_per_programme",
                violation_error_message="Cette personne a déjà une orientation en cours vers ce "
                "programme.",
            )
        ]
        indexes = [models.Index(fields=["group", "status"])]

    def __str__(self) -> str:
        return f"{self.programme} ({self.get_status_display()})"


class EnrolmentStep(models.Model):
    """The history of an enrolment: each status it took, when, by whom, why."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField("état", max_length=20, choices=list(rules.ENROLMENT_STATUSES.items()))
    at = models.DateTimeField("le")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("motif", blank=True)

    class Meta:
        verbose_name = "étape d'une orientation"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.get_status_display()


class Attendance(models.Model):
    """Whether a participant attended a session (one per session and enrolment)."""

    session = models.ForeignKey(GroupSession, on_delete=models.PROTECT, related_name="attendances")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="attendances")
    status = models.CharField(
        "présence", max_length=20, choices=list(rules.ATTENDANCE_STATUSES.items())
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("relevée le")

    class Meta:
        verbose_name = "présence"
        ordering = ["session__starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "enrolment"],
                name="attendance_unique",
                violation_error_message="La présence de cette personne à cette séance est déjà "
                "relevée.",
            )
        ]

    def __str__(self) -> str:
        return self.get_status_display()


class AttendanceNote(models.Model):
    """The history of an attendance: each status recorded, with its note."""

    attendance = models.ForeignKey(Attendance, on_delete=models.CASCADE, related_name="notes")
    status = models.CharField(
        "présence", max_length=20, choices=list(rules.ATTENDANCE_STATUSES.items())
    )
    text = models.TextField("note", blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("le")

    class Meta:
        verbose_name = "note de présence"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.get_status_display()
