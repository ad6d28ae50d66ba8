"""The partner network of a service (directory), the needs of a person along the reintegration
pathways, and the referrals (orientations) of persons to partners with their outcome.

Partners belong to one service and are shared by all its staff. Areas served are postcodes,
commune codes (INSEE) and départements, matched as text (no geocoding).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from probatio.organisation.models import Service
from probatio.people.models import Person
from probatio.reintegration import rules


class Partner(models.Model):
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="partners", verbose_name="SPIP"
    )
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type", max_length=20, choices=list(rules.PARTNER_KINDS.items()))
    description = models.TextField("présentation", blank=True)
    # Services offered: pathway codes (rules.PATHWAYS) and a free description.
    pathways = models.JSONField("parcours concernés", default=list, blank=True)
    services_offered = models.TextField("services proposés", blank=True)
    postcode = models.CharField("code postal du siège", max_length=5)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField("courriel", blank=True)
    website = models.URLField("site internet", blank=True)
    is_active = models.BooleanField("actif", default=True)
    search_text = models.CharField(max_length=1000, editable=False, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "partenaire"
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["service", "kind", "is_active"])]

    def __str__(self) -> str:
        return self.name


class PartnerSite(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField("nom du site", max_length=200)
    address = models.CharField("adresse", max_length=300)
    postcode = models.CharField("code postal", max_length=5)
    city = models.CharField("commune", max_length=100)
    # Postcodes, commune codes and départements served (e.g. "80000", "80021", "80").
    areas = models.JSONField("zone desservie", default=list, blank=True)
    opening_hours = models.CharField("horaires", max_length=300, blank=True)

    class Meta:
        verbose_name = "site"
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.postcode} {self.city})"


class PartnerContact(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField("nom", max_length=150)
    function = models.CharField("fonction", max_length=150, blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField("courriel", blank=True)

    class Meta:
        verbose_name = "contact"
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class PartnerAgreement(models.Model):
    """A convention between the service and the partner."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="agreements")
    start_date = models.DateField("début")
    end_date = models.DateField("fin", null=True, blank=True)
    scope = models.CharField("objet", max_length=300)
    places = models.PositiveSmallIntegerField("places réservées", null=True, blank=True)

    class Meta:
        verbose_name = "convention"
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="agreement_dates_in_order",
                violation_error_message="La fin de la convention ne peut pas précéder son début.",
            ),
        ]

    def __str__(self) -> str:
        return self.scope


class PartnerEditor(models.Model):
    """A staff member a manager authorised to manage the service's directory."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "gestionnaire de l'annuaire"
        constraints = [
            models.UniqueConstraint(fields=["service", "user"], name="partner_editor_unique")
        ]

    def __str__(self) -> str:
        return str(self.user)


class Need(models.Model):
    """A need along a reintegration pathway; its status changes are kept in NeedChange."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="needs")
    pathway = models.CharField("parcours", max_length=20, choices=list(rules.PATHWAYS.items()))
    status = models.CharField(
        "statut",
        max_length=20,
        choices=list(rules.NEED_STATUSES.items()),
        default=rules.NEED_IDENTIFIED,
    )
    details = models.CharField("précisions", max_length=500, blank=True)
    identified_on = models.DateField("identifié le")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "besoin"
        ordering = ["pathway", "-identified_on", "pk"]
        indexes = [models.Index(fields=["person", "status"])]

    def __str__(self) -> str:
        return f"{self.get_pathway_display()} ({self.get_status_display().lower()})"


class NeedChange(models.Model):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="changes")
    status = models.CharField("statut", max_length=20, choices=list(rules.NEED_STATUSES.items()))
    comment = models.CharField("commentaire", max_length=300, blank=True)
    changed_on = models.DateField("le")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "évolution du besoin"
        ordering = ["changed_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} le {self.changed_on:%d/%m/%Y}"


class PartnerReferral(models.Model):
    """An orientation of a person towards a partner, with its dated steps and the outcome the
    partner reported (entered by staff)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="referrals")
    need = models.ForeignKey(
        Need,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name="besoin",
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="referrals", verbose_name="partenaire"
    )
    referred_on = models.DateField("date de l'orientation")
    purpose = models.CharField("objet", max_length=500)
    status = models.CharField(
        "statut",
        max_length=20,
        choices=list(rules.REFERRAL_STATUSES.items()),
        default=rules.PROPOSED,
    )
    status_on = models.DateField("statut depuis le")
    outcome = models.TextField("suite donnée (retour du partenaire)", blank=True)
    letter_file = models.CharField(max_length=300, blank=True)
    letter_sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "orientation"
        ordering = ["-referred_on", "-pk"]
        indexes = [
            models.Index(fields=["person", "status"]),
            models.Index(fields=["partner", "status"]),
            models.Index(fields=["status", "status_on"]),
        ]

    def __str__(self) -> str:
        return f"Orientation vers {self.partner} ({self.get_status_display().lower()})"


class ReferralStep(models.Model):
    referral = models.ForeignKey(PartnerReferral, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(
        "statut", max_length=20, choices=list(rules.REFERRAL_STATUSES.items())
    )
    on = models.DateField("le")
    comment = models.CharField("commentaire", max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "étape de l'orientation"
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} le {self.on:%d/%m/%Y}"


class ReleasePlan(models.Model):
    """The preparation of a release from prison: one per committal, a checklist of items each
    with an owner, a due date and a status (feeding the échéancier)."""

    custody = models.OneToOneField(
        "people.CustodyRecord",
        on_delete=models.CASCADE,
        related_name="release_plan",
        verbose_name="écrou",
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="release_plans")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "plan de sortie"
        verbose_name_plural = "plans de sortie"

    def __str__(self) -> str:
        return f"Plan de sortie — {self.person}"


class ReleasePlanItem(models.Model):
    plan = models.ForeignKey(ReleasePlan, on_delete=models.CASCADE, related_name="items")
    code = models.CharField("élément", max_length=30, choices=list(rules.RELEASE_ITEMS.items()))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="release_items",
        verbose_name="responsable",
    )
    due_date = models.DateField("échéance", null=True, blank=True)
    status = models.CharField(
        "statut",
        max_length=20,
        choices=list(rules.ITEM_STATUSES.items()),
        default=rules.ITEM_TO_DO,
    )
    comment = models.CharField("commentaire", max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "élément du plan de sortie"
        ordering = ["plan", "pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="release_item_unique")]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        return f"{self.get_code_display()} ({self.get_status_display().lower()})"
