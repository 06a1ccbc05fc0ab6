"""Admin for sessions, threads and (read-only) messages."""

from django.contrib import admin

from chat.models import ChatSession, Message, Thread


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    list_display = ("uuid", "user", "created", "modified")
    search_fields = ("user__username", "user__email")
    readonly_fields = ("uuid", "created", "modified")
    raw_id_fields = ("user",)


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ("name", "chat_session", "is_archived", "created", "modified")
    list_filter = ("is_archived",)
    search_fields = ("name", "chat_session__user__username")
    readonly_fields = ("uuid", "created", "flags", "cancel_requested_at")
    raw_id_fields = ("chat_session",)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = (
        "uuid",
        "thread",
        "role",
        "sequence_index",
        "severity",
        "action_taken",
        "created",
    )
    list_filter = ("role", "is_flagged", "severity", "action_taken")
    search_fields = ("search_text",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
