from django.core.validators import RegexValidator
from django.db import models


class Service(models.Model):
    """A departmental SPIP."""

    name = models.CharField("nom", max_length=200)
    department_code = models.CharField(
        "code du département",
        max_length=3,
        unique=True,
        validators=[RegexValidator(r"^(\d{2,3}|2A|2B)$", "Code de département invalide.")],
    )
    address = models.TextField("adresse du siège", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    is_sandbox = models.BooleanField("service de formation (données fictives)", default=False)

    class Meta:
        verbose_name = "SPIP"
        verbose_name_plural = "SPIP"
        ordering = ["department_code"]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """An antenne: a community office, or the SPIP team based in a prison."""

    class Kind(models.TextChoices):
        COMMUNITY = "community", "Antenne de milieu ouvert"
        PRISON = "prison", "Antenne en milieu fermé"
        HEAD_OFFICE = "head_office", "Siège"

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="sites", verbose_name="SPIP"
    )
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    address = models.TextField("adresse")
    postcode = models.CharField("code postal", max_length=5)
    city = models.CharField("commune", max_length=100)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    opening_hours = models.JSONField(
        "horaires d'ouverture",
        default=dict,
        blank=True,
        help_text='Par jour ISO (1 = lundi) : liste de plages ["09:00", "12:30"].',
    )
    establishment = models.ForeignKey(
        "Establishment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sites",
        verbose_name="établissement (antenne en détention)",
    )

    class Meta:
        verbose_name = "antenne"
        ordering = ["service", "name"]

    def __str__(self) -> str:
        return self.name

    DAY_NAMES = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]

    def opening_hours_display(self) -> list[tuple[str, str]]:
        rows = []
        for day in range(1, 8):
            ranges = self.opening_hours.get(str(day), [])
            text = ", ".join(f"{a} – {b}" for a, b in ranges) if ranges else "fermé"
            rows.append((self.DAY_NAMES[day - 1], text))
        return rows


class Establishment(models.Model):
    """A prison where a service works."""

    class Kind(models.TextChoices):
        MA = "MA", "Maison d'arrêt"
        CD = "CD", "Centre de détention"
        MC = "MC", "Maison centrale"
        CP = "CP", "Centre pénitentiaire"
        CSL = "CSL", "Centre de semi-liberté"
        QSL = "QSL", "Quartier de semi-liberté"
        SAS = "SAS", "Structure d'accompagnement vers la sortie"
        CPA = "CPA", "Centre pour peines aménagées"
        EPM = "EPM", "Établissement pour mineurs"

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="establishments", verbose_name="SPIP"
    )
    name = models.CharField("nom", max_length=200)
    code = models.CharField("code", max_length=20, unique=True)
    kind = models.CharField("type", max_length=3, choices=Kind.choices)
    address = models.TextField("adresse", blank=True)

    class Meta:
        verbose_name = "établissement pénitentiaire"
        verbose_name_plural = "établissements pénitentiaires"
        ordering = ["name"]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} de {self.name}"
            if not self.name.startswith(self.get_kind_display())
            else self.name
        )
