from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction

from probatio.accounts.models import Absence, Membership, User
from probatio.audit import services as audit
from probatio.audit.admin import AuditedAdmin


class MembershipInline(admin.TabularInline):
    """The platform administration keeps the judges' memberships (with their court); the
    service's managers keep the others (« Personnel », docs/staff-and-sites.md)."""

    model = Membership
    extra = 0
    fields = ["service", "role", "site", "court", "is_active"]


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "email", "is_active", "is_staff"]
    search_fields = ["username", "last_name", "first_name", "email"]
    inlines = [MembershipInline]
    fieldsets = (*BaseUserAdmin.fieldsets, ("Probatio", {"fields": ("title", "phone")}))

    def user_change_password(self, request, id, form_url=""):
        """Django's password page saves the form itself: journal it in the same transaction."""
        with transaction.atomic():
            before = User.objects.filter(pk=id).values_list("password", flat=True).first()
            response = super().user_change_password(request, id, form_url)
            user = User.objects.filter(pk=id).first()
            if user is not None and before is not None and user.password != before:
                audit.record(
                    actor=request.user,
                    action=audit.Action.UPDATE,
                    service_id=None,
                    instance=user,
                    summary=f"Administration : mot de passe de « {user} » changé",
                    changes=audit.diff(
                        {"password": audit.fingerprint(before)},
                        {"password": audit.fingerprint(user.password)},
                    ),
                )
        return response


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "service", "role", "site", "court", "is_active"]
    list_filter = ["role", "service", "is_active"]
    search_fields = ["user__username", "user__last_name"]


@admin.register(Absence)
class AbsenceAdmin(AuditedAdmin):
    list_display = ["membership", "kind", "start_date", "end_date"]
    list_filter = ["kind", "membership__service"]
