from django.conf import settings
from django.db import models
from django.db.models import Q

from probatio.people.models import Person, Setting


class MeasureType(models.Model):
    """Catalogue entry of a measure (codes shared with other tools: see docs/catalogue.md)."""

    code = models.CharField("code", max_length=40, primary_key=True)
    label = models.CharField("libellé", max_length=200)
    short_label = models.CharField("libellé court", max_length=60)
    legal_basis = models.CharField("base légale", max_length=200)
    default_setting = models.CharField("milieu habituel", max_length=10, choices=Setting.choices)
    spip_duties = models.TextField("rôle du SPIP", blank=True)
    description = models.TextField("explication pour la personne", blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "type de mesure"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.label


class MeasureRule(models.Model):
    """Legal bounds of a measure type, in force over a period (laws change: keep them as data).

    Durations are calendar months plus days (compared as end dates from the start date);
    ``max_months_recidivist`` / ``max_months_repeat`` widen the maximum when the decision found
    legal recidivism, or repeated legal recidivism.
    """

    class DurationKind(models.TextChoices):
        PERIOD = "period", "Durée (mois et jours)"
        HOURS = "hours", "Heures à effectuer dans un délai"
        NONE = "none", "Sans durée prononcée"

    measure_type = models.ForeignKey(MeasureType, on_delete=models.CASCADE, related_name="rules")
    valid_from = models.DateField("en vigueur du")
    valid_to = models.DateField("jusqu'au", null=True, blank=True)
    duration_kind = models.CharField(max_length=10, choices=DurationKind.choices)
    min_months = models.PositiveSmallIntegerField(null=True, blank=True)
    min_days = models.PositiveSmallIntegerField(null=True, blank=True)
    max_months = models.PositiveSmallIntegerField(null=True, blank=True)
    max_days = models.PositiveSmallIntegerField(null=True, blank=True)
    max_months_recidivist = models.PositiveSmallIntegerField(null=True, blank=True)
    max_months_repeat = models.PositiveSmallIntegerField(null=True, blank=True)
    min_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    max_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.CharField("règle (en clair)", max_length=300, blank=True)

    class Meta:
        verbose_name = "règle de durée"
        ordering = ["measure_type", "-valid_from"]

    def __str__(self) -> str:
        return f"{self.measure_type_id} depuis {self.valid_from}"


class ObligationType(models.Model):
    """Catalogue entry of a control measure, obligation or prohibition (CP 132-44, 132-45)."""

    class Kind(models.TextChoices):
        CONTROL = "control", "Mesure de contrôle"
        OBLIGATION = "obligation", "Obligation"
        PROHIBITION = "prohibition", "Interdiction"

    class Detail(models.TextChoices):
        NONE = "", "Aucun"
        VICTIM = "victim", "Victime ou personnes à ne pas contacter"
        ZONE = "zone", "Lieux ou zone interdits"
        CARE = "care", "Structure de soins"
        PERSONS = "persons", "Personnes à ne pas fréquenter"

    code = models.CharField("code", max_length=40, primary_key=True)
    label = models.CharField("libellé", max_length=250)
    kind = models.CharField("nature", max_length=12, choices=Kind.choices)
    legal_basis = models.CharField("base légale", max_length=100)
    article_item = models.CharField("alinéa", max_length=10, blank=True)
    default_proof_frequency = models.CharField("justificatif par défaut", max_length=12)
    proof_hint = models.CharField("justificatifs attendus", max_length=250, blank=True)
    detail = models.CharField(
        "précision attendue", max_length=10, choices=Detail.choices, blank=True
    )
    valid_from = models.DateField("en vigueur du")
    valid_to = models.DateField("jusqu'au", null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "type d'obligation"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.label


class Decision(models.Model):
    """A dated judicial act; every measure and obligation hangs on one."""

    class Kind(models.TextChoices):
        JUDGMENT = "judgment", "Jugement"
        JAP_ORDER = "jap_order", "Ordonnance du JAP"
        TAP_JUDGMENT = "tap_judgment", "Jugement du TAP"
        PROSECUTOR = "prosecutor", "Instruction du parquet"
        INVESTIGATING_JUDGE = "investigating_judge", "Ordonnance du juge d'instruction ou du JLD"

    class Recidivism(models.TextChoices):
        NONE = "none", "Non retenue"
        LEGAL = "legal", "Récidive légale"
        REPEAT = "repeat", "Nouvelle récidive légale"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField("nature", max_length=20, choices=Kind.choices)
    jurisdiction = models.CharField("juridiction", max_length=200)
    # The court, when it is one the service works with (a judge's order, a judgment of the
    # département's tribunal); ``jurisdiction`` says it in words either way.
    court = models.ForeignKey(
        "organisation.Court",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name="tribunal",
    )
    date = models.DateField("date de la décision")
    enforceable_date = models.DateField("date de caractère exécutoire", null=True, blank=True)
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions_signed",
        verbose_name="magistrat (compte)",
    )
    judge_name = models.CharField("magistrat", max_length=150, blank=True)
    recidivism = models.CharField(
        "récidive légale", max_length=10, choices=Recidivism.choices, default=Recidivism.NONE
    )
    # Facts the first interview's deadline depends on (docs/deadlines.md).
    provisional_execution = models.BooleanField("exécution provisoire ordonnée", default=False)
    ssj_incurred = models.BooleanField(
        "infraction pour laquelle le suivi socio-judiciaire est encouru", default=False
    )
    ssj_on_record = models.BooleanField(
        "condamnation antérieure de cette nature au casier", default=False
    )
    court_file_number = models.CharField("numéro de procédure", max_length=50, blank=True)
    summary = models.CharField("dispositif (résumé)", max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "décision"
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(enforceable_date__isnull=True)
                | Q(enforceable_date__gte=models.F("date")),
                name="decision_enforceable_after_date",
                violation_error_message="La date de caractère exécutoire ne peut pas précéder la date de la décision.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.date:%d/%m/%Y} ({self.jurisdiction})"


class Offence(models.Model):
    class Qualification(models.TextChoices):
        CRIME = "crime", "Crime"
        DELIT = "delit", "Délit"
        CONTRAVENTION = "contravention", "Contravention"

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="offences")
    label = models.CharField("infraction", max_length=300)
    qualification = models.CharField("qualification", max_length=15, choices=Qualification.choices)
    natinf = models.CharField("code NATINF", max_length=10, blank=True)

    class Meta:
        verbose_name = "infraction"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.label


class Measure(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "À venir"
        ACTIVE = "active", "En cours"
        SUSPENDED = "suspended", "Suspendue"
        ENDED = "ended", "Terminée"
        REVOKED = "revoked", "Révoquée"
        VOID = "void", "Non avenue"

    class Modality(models.TextChoices):
        """How a release under constraint is carried out (CPP 720), or the probationary step
        that opens a parole (CPP 723-1, 723-7)."""

        LC = "LC", "Libération conditionnelle"
        DDSE = "DDSE", "Détention à domicile sous surveillance électronique"
        PE = "PE", "Placement à l'extérieur"
        SL = "SL", "Semi-liberté"

    OPEN_STATUSES = (Status.PENDING, Status.ACTIVE, Status.SUSPENDED)

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="measures")
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, related_name="measures", verbose_name="décision"
    )
    measure_type = models.ForeignKey(
        MeasureType, on_delete=models.PROTECT, related_name="measures", verbose_name="mesure"
    )
    start_date = models.DateField("date de début")
    duration_months = models.PositiveSmallIntegerField("durée (mois)", null=True, blank=True)
    duration_days = models.PositiveSmallIntegerField("durée (jours)", null=True, blank=True)
    hours = models.PositiveSmallIntegerField("heures", null=True, blank=True)
    end_date = models.DateField("date de fin", null=True, blank=True)
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    setting = models.CharField("milieu", max_length=10, choices=Setting.choices)
    modality = models.CharField(
        "modalité d'exécution", max_length=4, choices=Modality.choices, blank=True
    )
    # A committal suspends the period of some measures (catalogue.SUSPENDED_BY_CUSTODY): while
    # held, ``suspended_since``; at release, the days held join ``suspended_days``, which push
    # the end (the duration stays as pronounced).
    suspended_since = models.DateField("suspendue (détention) depuis le", null=True, blank=True)
    suspended_days = models.PositiveIntegerField("jours de suspension (détention)", default=0)

    # Where the end date comes from when it is not computed from a duration: the prison
    # sentence's end (the registry's date when known, else Probatio's estimate).
    class EndSource(models.TextChoices):
        DURATION = "", "Durée prononcée"
        OFFICIAL = "official", "Date du greffe"
        ESTIMATE = "estimate", "Estimation de Probatio"
        RELEASE = "release", "Levée d'écrou"

    end_source = models.CharField(
        "origine de la date de fin", max_length=10, choices=EndSource.choices, blank=True
    )
    reinforced_follow_up = models.BooleanField(
        "suivi renforcé", default=False, help_text="Premier entretien sous 8 jours après la sortie."
    )
    report_requested_on = models.DateField(
        "rapport demandé par le juge le (723-15-1)", null=True, blank=True
    )
    assigning_judge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_measures",
        verbose_name="magistrat mandant",
    )
    assigned_cpip = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followed_measures",
        verbose_name="CPIP chargé·e de la mesure",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "mesure"
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="measure_dates_in_order",
                violation_error_message="La date de fin ne peut pas précéder la date de début.",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "status"]),
            models.Index(fields=["assigning_judge", "status"]),
            models.Index(fields=["status", "end_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.measure_type.short_label} ({self.get_status_display().lower()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Obligation(models.Model):
    class ProofFrequency(models.TextChoices):
        NONE = "none", "Aucun justificatif périodique"
        ONCE = "once", "Une fois"
        MONTHLY = "monthly", "Mensuel"
        QUARTERLY = "quarterly", "Trimestriel"
        ON_CHANGE = "on_change", "À chaque changement"
        PER_SESSION = "per_session", "À chaque séance (heures signées)"

    class Status(models.TextChoices):
        ACTIVE = "active", "En vigueur"
        ENDED = "ended", "Levée ou terminée"

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="obligations", verbose_name="mesure"
    )
    obligation_type = models.ForeignKey(
        ObligationType,
        on_delete=models.PROTECT,
        related_name="obligations",
        verbose_name="obligation",
    )
    decision = models.ForeignKey(
        Decision,
        on_delete=models.PROTECT,
        related_name="obligations",
        verbose_name="décision qui l'a créée ou modifiée en dernier",
    )
    start_date = models.DateField("date de début")
    end_date = models.DateField("date de fin", null=True, blank=True)
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    details = models.CharField("précisions", max_length=500, blank=True)
    victim_name = models.CharField("victime ou personnes protégées", max_length=200, blank=True)
    victim_contact = models.CharField("coordonnées de la victime", max_length=300, blank=True)
    zone = models.CharField("lieux ou zone interdits", max_length=300, blank=True)
    care_structure = models.CharField("structure de soins", max_length=200, blank=True)
    proof_frequency = models.CharField(
        "justificatifs", max_length=12, choices=ProofFrequency.choices
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "obligation"
        ordering = ["obligation_type__sort_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="obligation_dates_in_order",
                violation_error_message="La date de fin ne peut pas précéder la date de début.",
            ),
        ]

    def __str__(self) -> str:
        return self.obligation_type.label

    @property
    def has_victim_details(self) -> bool:
        return bool(self.victim_name or self.victim_contact)

    @property
    def awaits_victim_details(self) -> bool:
        """A victim's details are expected and nobody entered them yet (the secretariat may
        not): the CPIP is reminded in the échéancier (``measures.deadlines``)."""
        return (
            self.obligation_type.detail == ObligationType.Detail.VICTIM
            and self.status == self.Status.ACTIVE
            and not self.has_victim_details
        )
