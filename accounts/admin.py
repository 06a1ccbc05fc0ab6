"""Admin for users and the read-only audit trail (tokens come from rest_framework.authtoken)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import AuditEvent, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_support")
    list_filter = ("is_staff", "is_support", "is_active")
    readonly_fields = ("uuid",)
    fieldsets = (*BaseUserAdmin.fieldsets, ("Chat", {"fields": ("uuid", "is_support")}))


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created", "event_type", "actor", "target_type", "target_uuid")
    list_filter = ("event_type",)
    search_fields = ("target_uuid",)
    readonly_fields = ("created", "event_type", "actor", "target_type", "target_uuid", "context")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
