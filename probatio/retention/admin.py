"""The retention rules in the platform administration: edited by the platform administrators,
validated (a duration of at least one month, a start and an action that fit the data), each
change journaled in the platform chain (``AuditedAdmin``). Rules are never deleted: a rule no
longer wanted is put out of force."""

from django.contrib import admin

from probatio.audit.admin import AuditedAdmin
from probatio.retention.models import RetentionRule


@admin.register(RetentionRule)
class RetentionRuleAdmin(AuditedAdmin):
    list_display = ("label", "kind", "duration_months", "counts_from", "action", "active")
    list_filter = ("kind", "active")
    fields = (
        "code",
        "kind",
        "label",
        "duration_months",
        "counts_from",
        "action",
        "legal_source",
        "active",
    )

    def has_delete_permission(self, request, obj=None):
        return False
