"""Marking stored due items stale when what they are computed from changes
(``dependencies``): one UPDATE in the change's transaction, and their computation asked for
after the commit (``services.refresh.after_commit``). Connected in
``DeadlinesConfig.ready``."""

from django.apps import apps
from django.db.models.signals import m2m_changed, post_save, pre_delete
from django.utils import timezone

from probatio.deadlines import dependencies
from probatio.deadlines.models import DueItemsState
from probatio.deadlines.services import refresh
from probatio.people.models import Person

EVERYONE = dependencies.EVERYONE


def mark_stale(label: str, pk, instance=None) -> None:
    """The persons (and services) a change of row ``pk`` of model ``label`` concerns."""
    path = dependencies.PERSON_PATHS[label]
    lookup = None
    if path == EVERYONE:
        DueItemsState.objects.filter(stale=False).update(stale=True)
    elif path == "pk":
        DueItemsState.objects.filter(person_id=pk, stale=False).update(stale=True)
        lookup = ("pk", pk)
    elif path:
        DueItemsState.objects.filter(
            person_id__in=Person.objects.filter(**{path: pk}).order_by().values("pk"),
            stale=False,
        ).update(stale=True)
        # A whole service (its settings, its intensity rules): left to the read or the night.
        lookup = None if path.split("__")[0] == "service" else (path, pk)
    services = dependencies.SERVICE_PATHS.get(label)
    ids: set = set()
    if services == EVERYONE:
        DueItemsState.objects.filter(person__isnull=True, stale=False).update(stale=True)
    elif services and instance is not None:
        ids = {getattr(instance, field) for field in services} - {None}
        DueItemsState.objects.filter(person__isnull=True, service_id__in=ids, stale=False).update(
            stale=True
        )
    refresh.after_commit(lookup=lookup, services=ids)


def _on_save(sender, instance, raw=False, created=False, **kwargs):
    if raw:  # fixtures: nothing computed yet
        return
    if created and sender is Person:
        # Every file has its state from its creation, stale until computed: what is behind is
        # read from the states alone (``refresh.outdated``), never by testing every file.
        DueItemsState.objects.bulk_create(
            [
                DueItemsState(
                    service_id=instance.service_id,
                    person_id=instance.pk,
                    computed_on=timezone.localdate(),
                    stale=True,
                )
            ],
            ignore_conflicts=True,
        )
    mark_stale(sender._meta.label_lower, instance.pk, instance)


def _on_delete(sender, instance, **kwargs):
    mark_stale(sender._meta.label_lower, instance.pk, instance)


def _on_m2m(sender, instance, action, reverse, model, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    owner = model if reverse else type(instance)
    label = owner._meta.label_lower
    for pk in (pk_set or ()) if reverse else (instance.pk,):
        mark_stale(label, pk)


def connect() -> None:
    for label in dependencies.watched():
        model = apps.get_model(label)
        uid = f"due_items:{label}"
        post_save.connect(_on_save, sender=model, dispatch_uid=uid)
        pre_delete.connect(_on_delete, sender=model, dispatch_uid=uid)
    for label, field in dependencies.M2M:
        through = apps.get_model(label)._meta.get_field(field).remote_field.through
        m2m_changed.connect(_on_m2m, sender=through, dispatch_uid=f"due_items:{label}.{field}")
