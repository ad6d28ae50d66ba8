from django.contrib import admin

from probatio.audit.admin import AuditedAdmin
from probatio.transfers.models import TransferSettings


@admin.register(TransferSettings)
class TransferSettingsAdmin(AuditedAdmin):
    """The platform's one row: the delay of the automatic acceptance and its reminders."""

    list_display = ["__str__", "first_reminder_days", "last_reminder_days"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not TransferSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
