"""The prison side of a file: for each committal (écrou), the penal situation (remand, safety
period, exclusions), the sentences served consecutively (each from its decision), the reductions
granted or withdrawn (each a dated JAP decision), the estimated dates stored for alerts and the
CAP list, and the official dates of the registry with their history.

The estimates are computed by the pure engine (``engine.py``) and stored on ``PenalSituation``
each time an input changes (and by the nightly recomputation), so that lists read them with one
query; the dossier recomputes them live to show the explanations.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from probatio.core.text import count
from probatio.measures.models import Decision
from probatio.organisation.models import Establishment, Service
from probatio.people.models import CustodyRecord, Person
from probatio.sentences import rules


class PenalSituation(models.Model):
    custody = models.OneToOneField(
        CustodyRecord,
        on_delete=models.CASCADE,
        related_name="penal_situation",
        verbose_name="écrou",
    )
    remand_days = models.PositiveIntegerField(
        "détention provisoire et ARSE à déduire (jours)", default=0
    )
    safety_years = models.PositiveSmallIntegerField("période de sûreté (années)", default=0)
    safety_months = models.PositiveSmallIntegerField("période de sûreté (mois)", default=0)
    safety_days = models.PositiveSmallIntegerField("période de sûreté (jours)", default=0)
    lsc_exclusions = models.JSONField("exclusions 720 I", default=list, blank=True)
    lsc_plein_droit_exclusions = models.JSONField("exclusions 720 III", default=list, blank=True)
    # Estimates stored by services.recompute (null while no sentence is recorded).
    start_date = models.DateField("début de la peine (estimé)", null=True, blank=True)
    end_date = models.DateField("fin de peine (estimée)", null=True, blank=True)
    release_date = models.DateField("libération (estimée)", null=True, blank=True)
    lc_eligibility_date = models.DateField("LC possible (estimée)", null=True, blank=True)
    lsc_review_date = models.DateField("examen LSC (estimé)", null=True, blank=True)
    lsc_information_date = models.DateField("information LSC (estimée)", null=True, blank=True)
    lsc_plein_droit_date = models.DateField("LSC de plein droit (estimée)", null=True, blank=True)
    lsc_plein_droit_information_date = models.DateField(
        "information LSC de plein droit (estimée)", null=True, blank=True
    )
    jap_adjustment_date = models.DateField("aménagement possible (estimé)", null=True, blank=True)
    computed_at = models.DateTimeField("estimé le", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "situation pénale"
        verbose_name_plural = "situations pénales"
        indexes = [
            models.Index(fields=["lc_eligibility_date"]),
            models.Index(fields=["end_date"]),
        ]

    def __str__(self) -> str:
        return f"Situation pénale — {self.custody}"

    @property
    def has_safety_period(self) -> bool:
        return bool(self.safety_years or self.safety_months or self.safety_days)

    def computed(self) -> dict:
        return {name: getattr(self, name) for name in rules.COMPUTED_FIELDS}


class Sentence(models.Model):
    """A prison sentence, as pronounced by its decision: served under a committal (its
    situation), or still to serve (no situation yet: the revoked part of a probation, a term
    set in advance whose enforcement the judge ordered) until the person is committed."""

    class Category(models.TextChoices):
        """The offence category that sets the reduction caps (CPP 721, 721-1-1, 721-1-2)."""

        ORDINARY = "ordinary", "Droit commun"
        TERRORISM = "terrorism", "Terrorisme (CP 421-1 à 421-6)"
        AUTHORITY = "authority", "Violences sur personne dépositaire de l'autorité publique"

    class Qualification(models.TextChoices):
        CRIME = "crime", "Crime"
        DELIT = "delit", "Délit"

    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        related_name="prison_sentences",
        verbose_name="personne",
    )
    situation = models.ForeignKey(
        PenalSituation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sentences",
        verbose_name="écrou",
    )
    decision = models.ForeignKey(
        Decision,
        on_delete=models.PROTECT,
        related_name="prison_sentences",
        verbose_name="décision",
    )
    years = models.PositiveSmallIntegerField("années", default=0)
    months = models.PositiveSmallIntegerField("mois", default=0)
    days = models.PositiveSmallIntegerField("jours", default=0)
    description = models.CharField(
        "nature",
        max_length=200,
        blank=True,
        help_text="Par exemple : emprisonnement ferme, révocation de sursis.",
    )
    category = models.CharField(
        "catégorie d'infraction",
        max_length=10,
        choices=Category.choices,
        default=Category.ORDINARY,
        help_text="Elle fixe le plafond des réductions de peine.",
    )
    qualification = models.CharField(
        "qualification", max_length=5, choices=Qualification.choices, default=Qualification.DELIT
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "peine d'emprisonnement"
        ordering = ["id"]
        indexes = [models.Index(fields=["person", "situation"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(years__gt=0) | Q(months__gt=0) | Q(days__gt=0),
                name="sentence_not_empty",
                violation_error_message="La durée de la peine ne peut pas être nulle.",
            ),
        ]

    def __str__(self) -> str:
        return self.length_text

    @property
    def length_text(self) -> str:
        parts = []
        if self.years:
            parts.append(f"{self.years} an{'s' if self.years > 1 else ''}")
        if self.months:
            parts.append(f"{self.months} mois")
        if self.days:
            parts.append(f"{self.days} jour{'s' if self.days > 1 else ''}")
        return " ".join(parts)


class Reduction(models.Model):
    """Reductions granted, or withdrawn, by a JAP decision (CPP 721)."""

    class Kind(models.TextChoices):
        GRANTED = "granted", "Réduction accordée"
        WITHDRAWN = "withdrawn", "Retrait de réduction"

    situation = models.ForeignKey(
        PenalSituation, on_delete=models.CASCADE, related_name="reductions"
    )
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, related_name="reductions", verbose_name="décision"
    )
    kind = models.CharField("nature", max_length=10, choices=Kind.choices)
    days = models.PositiveIntegerField("jours")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "réduction de peine"
        verbose_name_plural = "réductions de peine"
        ordering = ["decision__date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(days__gt=0),
                name="reduction_days_positive",
                violation_error_message="Le nombre de jours doit être positif.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} : {count(self.days, 'jour')}"


class OfficialDatesImport(models.Model):
    """One CSV file of official dates, imported in full (or refused in full)."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField("fichier", max_length=255)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField("lignes", default=0)
    created = models.PositiveIntegerField("dates nouvelles", default=0)
    updated = models.PositiveIntegerField("dates modifiées", default=0)
    unchanged = models.PositiveIntegerField("dates inchangées", default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField("importé le", auto_now_add=True)

    class Meta:
        verbose_name = "import de dates officielles"
        verbose_name_plural = "imports de dates officielles"
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"Import {self.file_name} du {self.imported_at:%d/%m/%Y}"


class OfficialDate(models.Model):
    """A date of the prison registry. Rows are never overwritten: a new date for the same kind
    becomes current and the previous one stays as history."""

    class Source(models.TextChoices):
        ENTERED = "entered", "Saisie"
        IMPORTED = "imported", "Import du greffe"

    custody = models.ForeignKey(
        CustodyRecord, on_delete=models.CASCADE, related_name="official_dates"
    )
    kind = models.CharField(
        "type de date", max_length=20, choices=list(rules.OFFICIAL_KINDS.items())
    )
    date = models.DateField("date")
    is_current = models.BooleanField(default=True)
    source = models.CharField("origine", max_length=10, choices=Source.choices)
    batch = models.ForeignKey(
        OfficialDatesImport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dates",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("enregistrée le", auto_now_add=True)

    class Meta:
        verbose_name = "date officielle"
        verbose_name_plural = "dates officielles"
        ordering = ["kind", "-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["custody", "kind"],
                condition=Q(is_current=True),
                name="official_date_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} : {self.date:%d/%m/%Y}"


class CapSession(models.Model):
    """A session of the commission d'application des peines at an establishment."""

    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.PROTECT,
        related_name="cap_sessions",
        verbose_name="établissement",
    )
    date = models.DateField("date de la séance")
    horizon_months = models.PositiveSmallIntegerField(
        "horizon examiné (mois après la séance)", default=3
    )
    # The JAP who chairs the session: they read its list and the opinions transmitted to them.
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cap_sessions_chaired",
        verbose_name="JAP qui préside",
    )
    notes = models.CharField("remarques", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "séance de CAP"
        verbose_name_plural = "séances de CAP"
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "date"],
                name="cap_session_unique",
                violation_error_message="Une séance existe déjà à cette date dans cet établissement.",
            ),
        ]

    def __str__(self) -> str:
        return f"CAP du {self.date:%d/%m/%Y} — {self.establishment.name}"
