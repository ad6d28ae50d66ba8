"""The due items as stored: the providers' output (``core.deadlines``), kept current so that
the échéancier reads and pages them in SQL (docs/deadlines.md, « Stored items »).

The providers stay the only source of what is due: a row is a ``DueItem`` as a provider
returned it, for one person (or, for the service-level kinds such as incoming transfers, for
the service), computed on ``DueItemsState.computed_on``. Nobody edits these rows: they are
replaced whole, person by person (``services.refresh``).
"""

from django.db import models
from django.db.models import Q

from probatio.accounts.models import User
from probatio.organisation.models import Service
from probatio.people.models import Person


class DueItemRecord(models.Model):
    """One ``DueItem`` as a provider returned it."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="+", verbose_name="service"
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", verbose_name="personne"
    )
    kind = models.CharField("type (code du fournisseur)", max_length=40)
    due = models.DateField("échéance")
    # The shortest horizon of the page (in days, ``forms.HORIZONS``) whose provider call
    # returns the item: 0 for the kinds shown whatever the horizon.
    horizon = models.PositiveSmallIntegerField("horizon")
    at = models.DateTimeField("heure", null=True, blank=True)
    # The page's order within a day: the time (microseconds since the epoch, zero when none)
    # then the kind, as ``DueItem.sort_key`` orders them; the smallest of a person's day
    # places their group (``rules.by_person_and_day``).
    order_key = models.CharField("clé d'ordre", max_length=64)
    label = models.TextField("libellé")
    severity = models.CharField("gravité", max_length=10)
    detail = models.TextField("précisions", blank=True)
    url = models.TextField("lien", blank=True)
    done = models.BooleanField("traité", default=False)
    state = models.CharField("étape", max_length=40, blank=True)
    # Who must act, as the provider said (the « Qui » column); ``DueItemStaff`` holds the same
    # users as rows, for the filters in SQL.
    staff_ids = models.JSONField("qui", default=list)

    class Meta:
        verbose_name = "échéance calculée"
        verbose_name_plural = "échéances calculées"
        indexes = [
            models.Index(fields=["service", "due", "order_key"], name="due_item_service_due"),
            models.Index(fields=["service", "person"], name="due_item_service_person"),
            models.Index(fields=["person", "kind"], name="due_item_person_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.due:%d/%m/%Y} {self.label}"


class DueItemStaff(models.Model):
    """A user who must act on an item: the CPIP's échéancier filters on it in SQL."""

    item = models.ForeignKey(
        DueItemRecord, on_delete=models.CASCADE, related_name="staff", verbose_name="échéance"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "intervenant d'une échéance calculée"
        verbose_name_plural = "intervenants des échéances calculées"
        indexes = [models.Index(fields=["user", "item"], name="due_item_staff_user")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.item_id}"


class DueItemsState(models.Model):
    """When one person's items (or, ``person`` empty, the service-level items of a service)
    were last computed, and whether a change since makes them stale."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="+", verbose_name="service"
    )
    person = models.OneToOneField(
        Person,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="personne (vide : les échéances du service)",
    )
    computed_on = models.DateField("calculées le")
    stale = models.BooleanField("à recalculer", default=False)

    class Meta:
        verbose_name = "état des échéances calculées"
        verbose_name_plural = "états des échéances calculées"
        constraints = [
            models.UniqueConstraint(
                fields=["service"],
                condition=models.Q(person__isnull=True),
                name="due_items_state_unique_service",
            ),
        ]
        indexes = [
            models.Index(fields=["service", "computed_on"], name="due_items_state_service"),
            # ``refresh.outdated``, before each read: the states of another day, the stale ones.
            models.Index(fields=["computed_on"], name="due_items_state_day"),
            models.Index(fields=["person"], name="due_items_state_stale", condition=Q(stale=True)),
        ]

    def __str__(self) -> str:
        return f"{self.person_id or 'service'} {self.computed_on}"
