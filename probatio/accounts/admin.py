from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from probatio.accounts.models import Membership, User
from probatio.audit.admin import AuditedAdmin


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["service", "role", "site", "is_active"]


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "email", "is_active", "is_staff"]
    search_fields = ["username", "last_name", "first_name", "email"]
    inlines = [MembershipInline]
    fieldsets = (*BaseUserAdmin.fieldsets, ("Probatio", {"fields": ("title", "phone")}))


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "service", "role", "site", "is_active"]
    list_filter = ["role", "service", "is_active"]
    search_fields = ["user__username", "user__last_name"]
