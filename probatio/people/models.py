from django.conf import settings
from django.db import models
from django.db.models import Q

from probatio.organisation.models import Establishment, Service


class Setting(models.TextChoices):
    COMMUNITY = "community", "Milieu ouvert"
    CUSTODY = "custody", "Milieu fermé"


class AwaitingReason(models.TextChoices):
    """Why a file waits in the allocation queue."""

    NEW = "new", "Nouvelle décision"
    TRANSFER_IN = "transfer_in", "Transfert entrant"
    COMMITTAL = "committal", "Incarcération"
    RELEASE = "release", "Sortie de détention"
    UNASSIGNED = "unassigned", "Suivi retiré"
    MERGE = "merge", "Fusion de dossiers"


class Person(models.Model):
    """A person placed under judicial supervision (PPSMJ): one continuous file per service."""

    class Sex(models.TextChoices):
        FEMALE = "F", "Femme"
        MALE = "M", "Homme"

    class LegalStatus(models.TextChoices):
        PREVENU = "prevenu", "Prévenu·e"
        CONDAMNE = "condamne", "Condamné·e"

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="persons", verbose_name="SPIP"
    )
    surname = models.CharField("nom d'usage", max_length=100)
    birth_surname = models.CharField("nom de naissance", max_length=100, blank=True)
    first_names = models.CharField("prénoms", max_length=150)
    aliases = models.CharField(
        "alias",
        max_length=300,
        blank=True,
        help_text="Autres noms connus, séparés par des virgules.",
    )
    sex = models.CharField("sexe", max_length=1, choices=Sex.choices)
    birth_date = models.DateField("date de naissance")
    birth_place = models.CharField("lieu de naissance", max_length=150, blank=True)
    birth_country = models.CharField(
        "pays de naissance", max_length=100, blank=True, default="France"
    )
    nationality = models.CharField("nationalité", max_length=100, blank=True, default="française")
    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField("courriel", blank=True)
    sms_consent = models.BooleanField("accepte les rappels par SMS", default=False)
    email_consent = models.BooleanField("accepte les rappels par courriel", default=False)
    consent_updated_at = models.DateTimeField(
        "consentement aux rappels modifié le", null=True, blank=True
    )
    languages = models.CharField("langues parlées", max_length=200, blank=True, default="français")
    interpreter_needed = models.BooleanField("interprète nécessaire", default=False)
    legal_status = models.CharField(
        "statut juridique", max_length=10, choices=LegalStatus.choices, default=LegalStatus.CONDAMNE
    )
    assigned_cpip = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caseload",
        verbose_name="CPIP référent·e",
    )
    # When the current CPIP was given the file (the manager's « reçus cette semaine »).
    assigned_at = models.DateTimeField("attribué le", null=True, blank=True)
    # A file without a CPIP waits in the allocation queue: since when, and why
    # (``AwaitingReason``); both empty once a CPIP holds it.
    awaiting_since = models.DateTimeField("à attribuer depuis le", null=True, blank=True)
    awaiting_reason = models.CharField(
        "origine", max_length=20, blank=True, choices=AwaitingReason.choices
    )
    support_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="supported_persons",
        verbose_name="autres intervenant·es",
        help_text="Psychologue, assistant·e de service social… qui suivent aussi la personne.",
    )
    # Whether the file is followed (``rules.is_followed``: held, a measure open or to come, or
    # no measure yet), kept by ``services.refresh_followed`` whenever a measure or a committal
    # changes. The lists show the files followed by default and the loads count only them.
    is_followed = models.BooleanField("dossier suivi", default=True, db_default=True)
    # Set by a judge's answer (warrant, provisional detention): shown on every page of the file.
    judicial_alert = models.CharField("alerte judiciaire", max_length=200, blank=True)
    # Lower-case, accent-free "surname birth_surname first_names aliases", for search.
    search_text = models.CharField(max_length=700, editable=False, db_index=True)
    # The keys the duplicate check compares (``people.rules``: names folded, words sorted;
    # e-mail in lower case; the phone is already stored in E.164), set by the services.
    surname_key = models.CharField(max_length=100, editable=False, blank=True, default="")
    birth_surname_key = models.CharField(max_length=100, editable=False, blank=True, default="")
    first_names_key = models.CharField(max_length=150, editable=False, blank=True, default="")
    email_key = models.CharField(max_length=254, editable=False, blank=True, default="")
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "personne suivie"
        verbose_name_plural = "personnes suivies"
        ordering = ["surname", "first_names"]
        indexes = [
            models.Index(fields=["service", "surname", "first_names"]),
            models.Index(fields=["service", "assigned_cpip"]),
            models.Index(
                fields=["service", "awaiting_since"],
                name="person_awaiting",
                condition=Q(assigned_cpip__isnull=True),
            ),
            models.Index(fields=["service", "birth_date"]),
            # The lists of the files followed (closed files are ten times as many at national
            # scale): by name, and by CPIP.
            models.Index(
                fields=["service", "surname", "first_names", "id"],
                name="person_followed_name",
                condition=Q(is_followed=True),
            ),
            models.Index(
                fields=["service", "assigned_cpip"],
                name="person_followed_cpip",
                condition=Q(is_followed=True),
            ),
            # The duplicate check: birth date (above), phone or e-mail within the service.
            models.Index(fields=["service", "phone"], name="person_service_phone"),
            models.Index(fields=["service", "email_key"], name="person_service_email_key"),
        ]

    def __str__(self) -> str:
        return f"{self.surname.upper()} {self.first_names}"

    @property
    def display_name(self) -> str:
        return str(self)

    @property
    def born_word(self) -> str:
        """« Né », « Née » (« Né·e » when the sex is not recorded)."""
        return {self.Sex.FEMALE: "Née", self.Sex.MALE: "Né"}.get(self.sex, "Né·e")

    @property
    def legal_status_word(self) -> str:
        """The legal status agreeing with the person: « Condamnée », « Prévenu »…"""
        words = {
            self.LegalStatus.PREVENU: ("Prévenu", "Prévenue"),
            self.LegalStatus.CONDAMNE: ("Condamné", "Condamnée"),
        }
        pair = words.get(self.legal_status)
        if pair is None or self.sex not in (self.Sex.MALE, self.Sex.FEMALE):
            return self.get_legal_status_display()
        return pair[self.sex == self.Sex.FEMALE]


class Address(models.Model):
    """An address of the person; the history is kept (the current one has no end date)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="addresses")
    line1 = models.CharField("adresse", max_length=200)
    line2 = models.CharField("complément", max_length=200, blank=True)
    postcode = models.CharField("code postal", max_length=10)
    city = models.CharField("commune", max_length=100)
    hosted_by = models.CharField("hébergé·e par", max_length=150, blank=True)
    valid_from = models.DateField("depuis le")
    valid_to = models.DateField("jusqu'au", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "adresse"
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="address_dates_in_order",
                violation_error_message="La fin de l'adresse ne peut pas précéder son début.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line1}, {self.postcode} {self.city}"


class CourtFileNumber(models.Model):
    class Kind(models.TextChoices):
        PARQUET = "parquet", "Numéro de parquet"
        JAP = "jap", "Numéro de dossier JAP"
        INSTRUCTION = "instruction", "Numéro d'instruction"
        OTHER = "other", "Autre"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="court_numbers")
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    number = models.CharField("numéro", max_length=50)

    class Meta:
        verbose_name = "numéro de procédure"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "number"],
                name="court_number_unique",
                violation_error_message="Ce numéro de procédure est déjà enregistré.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class CustodyRecord(models.Model):
    """One period in prison (écrou). An open record (no release date) means the person is in
    custody."""

    class ReleaseKind(models.TextChoices):
        """How the person left (the rules of each: ``transitions.rules``)."""

        END_OF_SENTENCE = "end_of_sentence", "Fin de peine (levée d'écrou)"
        PAROLE = "lc", "Libération conditionnelle"
        LSC = "lsc", "Libération sous contrainte"
        LSC_PLEIN_DROIT = "lsc_plein_droit", "Libération sous contrainte de plein droit"
        ADJUSTMENT = (
            "adjustment",
            ("Aménagement sous écrou : semi-liberté, placement à l'extérieur ou DDSE"),
        )
        END_OF_REMAND = "end_of_remand", "Fin de la détention provisoire (remise en liberté)"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="custody_records")
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.PROTECT,
        related_name="custody_records",
        verbose_name="établissement",
    )
    committal_number = models.CharField("numéro d'écrou", max_length=30)
    committal_date = models.DateField("date d'écrou")
    release_date = models.DateField("date de levée d'écrou", null=True, blank=True)
    # The CPIP who followed the person in the community before this committal (suggested at
    # the release), and how the person left.
    community_cpip = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="CPIP du milieu ouvert avant l'écrou",
    )
    release_kind = models.CharField(
        "nature de la sortie", max_length=30, choices=ReleaseKind.choices, blank=True
    )

    class Meta:
        verbose_name = "écrou"
        ordering = ["-committal_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(release_date__isnull=True)
                | Q(release_date__gte=models.F("committal_date")),
                name="custody_dates_in_order",
                violation_error_message="La levée d'écrou ne peut pas précéder la date d'écrou.",
            ),
            models.UniqueConstraint(
                fields=["establishment", "committal_number"],
                name="custody_committal_unique",
                violation_error_message="Ce numéro d'écrou existe déjà dans cet établissement.",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(release_date__isnull=True),
                name="custody_one_open_record",
                violation_error_message="La personne a déjà un écrou en cours.",
            ),
        ]
        indexes = [models.Index(fields=["person", "release_date"])]

    def __str__(self) -> str:
        return f"Écrou {self.committal_number} ({self.establishment})"


class SituationEntry(models.Model):
    """A dated fact about the person's situation. Entries are added, never overwritten: the
    current situation of a domain is its latest entry."""

    class Domain(models.TextChoices):
        HOUSING = "housing", "Logement"
        EMPLOYMENT = "employment", "Emploi et formation"
        RESOURCES = "resources", "Ressources"
        FAMILY = "family", "Situation familiale"
        HEALTH = "health", "Santé (faits, jamais de contenu médical)"
        ADDICTION = "addiction", "Addictions (faits, jamais de contenu médical)"
        LITERACY = "literacy", "Lecture et écriture"
        ID_DOCUMENTS = "id_documents", "Pièces d'identité"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="situation_entries")
    domain = models.CharField("domaine", max_length=20, choices=Domain.choices)
    status = models.CharField("situation", max_length=40)
    details = models.CharField("précisions", max_length=500, blank=True)
    effective_date = models.DateField("date de la situation")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "élément de situation"
        ordering = ["domain", "-effective_date", "-id"]
        indexes = [models.Index(fields=["person", "domain", "-effective_date"])]

    def __str__(self) -> str:
        return f"{self.get_domain_display()} : {self.status_label}"

    @property
    def status_label(self) -> str:
        from probatio.people.situation import status_label

        return status_label(self.domain, self.status)


class TimelineEvent(models.Model):
    """One line of the person's chronology. Written by the services of each app, in the same
    transaction as the change it records. The text holds nothing sensitive: a note's content
    stays in the note, and the timeline asks the note's access rule before showing it."""

    class Kind(models.TextChoices):
        PERSON = "person", "Dossier"
        DECISION = "decision", "Décision"
        MEASURE = "measure", "Mesure"
        OBLIGATION = "obligation", "Obligation"
        NOTE = "note", "Note d'entretien"
        SITUATION = "situation", "Situation"
        CUSTODY = "custody", "Détention"
        ASSIGNMENT = "assignment", "Suivi"
        APPOINTMENT = "appointment", "Rendez-vous"
        MESSAGE = "message", "Rappel ou message"
        PROOF = "proof", "Justificatif"
        INCIDENT = "incident", "Manquement"
        REPORT = "report", "Rapport au magistrat"
        REINTEGRATION = "reintegration", "Insertion"
        ASSESSMENT = "assessment", "Évaluation et intensité"
        PROGRAMME = "programme", "Programme"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="timeline_events")
    occurred_at = models.DateTimeField("date")
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    title = models.CharField("intitulé", max_length=200)
    detail = models.CharField("détail", max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "événement de la chronologie"
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["person", "-occurred_at", "-id"])]

    def __str__(self) -> str:
        return self.title


class MergedFile(models.Model):
    """A file absorbed by a merge: its former id leads to the file it was merged into (the
    dossier gate answers with a redirection, within the same service only)."""

    absorbed_id = models.BigIntegerField("dossier absorbé", primary_key=True)
    kept = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="absorbed_files", verbose_name="conservé"
    )
    merged_at = models.DateTimeField("fusionné le")

    class Meta:
        verbose_name = "dossier fusionné"
        verbose_name_plural = "dossiers fusionnés"

    def __str__(self) -> str:
        return f"{self.absorbed_id} → {self.kept_id}"
