"""Read-only admin for the anonymous chat's stored data (changes go through the app)."""

from django.contrib import admin

from anonymous_chat.models import (
    AnonymousChatClick,
    AnonymousChatFeedback,
    AnonymousChatInteraction,
    ConversationReview,
    ReviewDailyUsage,
    SessionBinding,
    VisitorBudget,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AnonymousChatInteraction)
class AnonymousChatInteractionAdmin(ReadOnlyAdmin):
    list_display = ("uuid", "session_id", "user_slug", "severity", "action_taken", "created")
    list_filter = ("is_flagged", "severity", "action_taken", "is_strike")
    search_fields = ("session_id", "user_slug", "search_text")
    date_hierarchy = "created"


@admin.register(AnonymousChatFeedback)
class AnonymousChatFeedbackAdmin(ReadOnlyAdmin):
    list_display = ("interaction", "score", "category", "llm_resolution_score", "submitted_at")
    list_filter = ("score", "category", "llm_hallucination_detected")
    raw_id_fields = ("interaction",)


@admin.register(AnonymousChatClick)
class AnonymousChatClickAdmin(ReadOnlyAdmin):
    list_display = ("interaction", "offering_uuid", "clicked_at")
    raw_id_fields = ("interaction",)


@admin.register(ConversationReview)
class ConversationReviewAdmin(ReadOnlyAdmin):
    list_display = ("session_id", "resolution_score", "intent_category", "reviewed_at")
    list_filter = ("intent_category", "hallucination_detected")
    search_fields = ("session_id",)


@admin.register(ReviewDailyUsage)
class ReviewDailyUsageAdmin(ReadOnlyAdmin):
    list_display = ("day", "input_tokens", "output_tokens", "calls")


@admin.register(SessionBinding)
class SessionBindingAdmin(ReadOnlyAdmin):
    list_display = ("session_id", "created", "last_seen")
    search_fields = ("session_id",)


@admin.register(VisitorBudget)
class VisitorBudgetAdmin(ReadOnlyAdmin):
    list_display = ("caller_key", "daily_token_usage", "strikes", "blocked_until", "modified")
    list_filter = ("blocked_until",)
