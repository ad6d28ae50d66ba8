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


# --- Support in prison ----------------------------------------------------------------------------


def _screening_field(domain: str) -> models.CharField:
    label, answers = rules.SCREENING[domain]
    return models.CharField(label, max_length=20, choices=list(answers.items()))


class ArrivalInterview(models.Model):
    """The SPIP's interview of a person arriving in prison (one per committal): a screening of
    destitution, literacy, addiction, family ties and identity documents, whose answers record
    the needs they call for."""

    custody = models.OneToOneField(
        "people.CustodyRecord",
        on_delete=models.CASCADE,
        related_name="arrival_interview",
        verbose_name="écrou",
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="arrival_interviews")
    held_on = models.DateField("date de l'entretien")
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="mené par",
    )
    destitution = _screening_field("destitution")
    literacy = _screening_field("literacy")
    addiction = _screening_field("addiction")
    family_ties = _screening_field("family_ties")
    identity_documents = _screening_field("identity_documents")
    observations = models.TextField("observations", max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "entretien arrivant"
        verbose_name_plural = "entretiens arrivants"

    def __str__(self) -> str:
        return f"Entretien arrivant du {self.held_on:%d/%m/%Y}"

    def answers(self) -> list[tuple[str, str]]:
        """(domain label, answer label) in the screening's order."""
        return [
            (label, answers[getattr(self, domain)])
            for domain, (label, answers) in rules.SCREENING.items()
        ]


class DestitutionAssessment(models.Model):
    """Whether a person in prison is recognised as destitute (sans ressources suffisantes), on
    a date; the latest one is the current situation."""

    custody = models.ForeignKey(
        "people.CustodyRecord",
        on_delete=models.CASCADE,
        related_name="destitution_assessments",
        verbose_name="écrou",
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="destitution_assessments"
    )
    assessed_on = models.DateField("date")
    is_destitute = models.BooleanField("reconnue sans ressources suffisantes")
    comment = models.CharField("précisions", max_length=300, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "situation d'indigence"
        ordering = ["-assessed_on", "-pk"]
        indexes = [models.Index(fields=["custody", "-assessed_on"])]

    def __str__(self) -> str:
        state = "indigente" if self.is_destitute else "non indigente"
        return f"Personne {state} au {self.assessed_on:%d/%m/%Y}"


class DestitutionAid(models.Model):
    """Help granted to a person in prison: an amount, an item, or both."""

    custody = models.ForeignKey(
        "people.CustodyRecord",
        on_delete=models.CASCADE,
        related_name="destitution_aids",
        verbose_name="écrou",
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="destitution_aids")
    kind = models.CharField("type d'aide", max_length=20, choices=list(rules.AID_KINDS.items()))
    amount = models.DecimalField(
        "montant (€)", max_digits=8, decimal_places=2, null=True, blank=True
    )
    item = models.CharField("aide remise", max_length=200, blank=True)
    granted_on = models.DateField("date")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "aide à une personne indigente"
        verbose_name_plural = "aides aux personnes indigentes"
        ordering = ["-granted_on", "-pk"]
        indexes = [models.Index(fields=["custody", "granted_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="destitution_aid_amount_not_negative",
                violation_error_message="Le montant ne peut pas être négatif.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} le {self.granted_on:%d/%m/%Y}"


def _contact_mode_field(label: str) -> models.CharField:
    return models.CharField(
        label, max_length=10, choices=list(rules.CONTACT_STATES.items()), default="none"
    )


class FamilyContact(models.Model):
    """A family member or close contact of the person, and how the tie is kept."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="family_contacts")
    name = models.CharField("nom et prénom", max_length=150)
    relationship = models.CharField(
        "lien", max_length=20, choices=list(rules.RELATIONSHIPS.items())
    )
    phone = models.CharField("téléphone", max_length=30, blank=True)
    city = models.CharField("commune", max_length=100, blank=True)
    visits = _contact_mode_field("parloirs")
    phone_calls = _contact_mode_field("téléphone")
    mail = _contact_mode_field("courrier")
    comment = models.CharField("précisions", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "proche"
        ordering = ["relationship", "name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relationship_display().lower()})"

    def modes(self) -> list[tuple[str, str, str]]:
        """(mode label, state code, state label) for visits, phone and mail."""
        return [
            (label, getattr(self, code), rules.CONTACT_STATES[getattr(self, code)])
            for code, label in rules.CONTACT_MODES.items()
        ]


class FamilyStep(models.Model):
    """A step taken to keep family ties: a visit permit requested, a family mediation…"""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="family_steps")
    contact = models.ForeignKey(
        FamilyContact,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="steps",
        verbose_name="proche concerné",
    )
    kind = models.CharField("démarche", max_length=30, choices=list(rules.FAMILY_STEPS.items()))
    on = models.DateField("date")
    comment = models.CharField("précisions", max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "démarche pour les liens familiaux"
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} le {self.on:%d/%m/%Y}"
