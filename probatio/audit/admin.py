from django.contrib import admin
from django.db import transaction

from probatio.audit import services as audit


class AuditedAdmin(admin.ModelAdmin):
    """Platform administration writes are journaled like every other write."""

    def save_model(self, request, obj, form, change):
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else {}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(
                actor=request.user,
                action=audit.Action.UPDATE if change else audit.Action.CREATE,
                service_id=None,
                instance=obj,
                summary=f"Administration : {obj._meta.verbose_name} « {obj} »",
                changes=audit.diff(before, audit.snapshot(obj)),
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit.record(
                actor=request.user,
                action=audit.Action.DELETE,
                service_id=None,
                instance=obj,
                summary=f"Administration : suppression de {obj._meta.verbose_name} « {obj} »",
                changes=audit.diff(audit.snapshot(obj), {}),
            )
            super().delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        """Inline rows (e.g. a user's memberships) are journaled one by one."""
        with transaction.atomic():
            befores = (
                {obj.pk: audit.snapshot(obj) for obj in formset.get_queryset()}
                if formset.is_bound
                else {}
            )
            instances = formset.save(commit=False)
            for obj in formset.deleted_objects:
                audit.record(
                    actor=request.user,
                    action=audit.Action.DELETE,
                    service_id=None,
                    instance=obj,
                    summary=f"Administration : suppression de {obj._meta.verbose_name} « {obj} »",
                    changes=audit.diff(befores.get(obj.pk, {}), {}),
                )
                obj.delete()
            for obj in instances:
                created = obj.pk is None
                obj.save()
                audit.record(
                    actor=request.user,
                    action=audit.Action.CREATE if created else audit.Action.UPDATE,
                    service_id=None,
                    instance=obj,
                    summary=f"Administration : {obj._meta.verbose_name} « {obj} »",
                    changes=audit.diff(befores.get(obj.pk, {}), audit.snapshot(obj)),
                )
            formset.save_m2m()

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
