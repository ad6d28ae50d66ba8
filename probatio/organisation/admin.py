from django.contrib import admin
from django.db import transaction

from probatio.audit import services as audit
from probatio.audit.admin import AuditedAdmin
from probatio.organisation.models import ClosedDay, Establishment, Room, Service, Site


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0
    fields = [
        "name",
        "kind",
        "address",
        "postcode",
        "city",
        "phone",
        "access_notes",
        "establishment",
    ]


@admin.register(Service)
class ServiceAdmin(AuditedAdmin):
    list_display = ["name", "department_code", "is_sandbox"]
    search_fields = ["name", "department_code"]
    inlines = [SiteInline]

    def save_model(self, request, obj, form, change):
        """A new service starts its journal chain in the transaction that creates it."""
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if not change:
                audit.start_service_chain(obj, actor=request.user)


@admin.register(Site)
class SiteAdmin(AuditedAdmin):
    list_display = ["name", "kind", "service", "city"]
    list_filter = ["kind", "service"]


@admin.register(Establishment)
class EstablishmentAdmin(AuditedAdmin):
    list_display = ["name", "code", "kind", "service"]
    list_filter = ["kind", "service"]
    search_fields = ["name", "code"]


@admin.register(Room)
class RoomAdmin(AuditedAdmin):
    list_display = ["name", "site", "is_active"]
    list_filter = ["site__service", "is_active"]


@admin.register(ClosedDay)
class ClosedDayAdmin(AuditedAdmin):
    list_display = ["reason", "service", "site", "start_date", "end_date"]
    list_filter = ["service"]
