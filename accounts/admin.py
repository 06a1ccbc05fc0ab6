"""Admin for users, their API tokens (by name and first characters only) and the read-only
audit trail."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from knox.models import AuthToken

from accounts.models import ApiToken, AuditEvent, User

# knox registers its default token model, which ApiToken replaces (KNOX_TOKEN_MODEL).
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by `createuser` or the API and shown once there; here they are listed by
    their first characters and revoked by deleting them. The digest is never shown."""

    list_display = ("name", "user", "token_key", "created", "expiry")
    search_fields = ("name", "token_key", "user__username")
    fields = ("name", "user", "token_key", "created", "expiry")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
