"""Output serializers of the staff analytics; shapes follow the reference server (contract 6, 7).

Where waldur-api-client 8.1.3 disagrees (a `null` feedback, a blank category, list-valued
category fields) the reference shape wins; README lists the client's defects.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from anonymous_chat.analytics import SEVERITIES
from anonymous_chat.models import AnonymousChatFeedback, AnonymousChatInteraction


class AnonymousChatFeedbackSerializer(serializers.ModelSerializer):
    interaction_uuid = serializers.UUIDField(source="interaction.uuid", read_only=True)
    category = serializers.CharField(
        read_only=True, help_text="A feedback category, or blank for a thumbs-up."
    )

    class Meta:
        model = AnonymousChatFeedback
        fields = (
            "interaction_uuid",
            "score",
            "comment",
            "category",
            "submitted_from_ip",
            "submitted_at",
            "llm_resolution_score",
            "llm_intent_category",
            "llm_hallucination_detected",
            "llm_hallucination_details",
            "llm_summary",
            "llm_reviewed_at",
            "llm_judge_input_tokens",
            "llm_judge_output_tokens",
            "llm_judge_model",
            "modified_at",
        )
        read_only_fields = fields


class AnonymousChatInteractionSerializer(serializers.ModelSerializer):
    click_count = serializers.SerializerMethodField(
        help_text="Clicks on offerings shown in this turn (counted on the by-session transcript)."
    )
    assistant_blocks = serializers.JSONField(read_only=True, help_text="List of answer blocks.")
    offering_uuids = serializers.JSONField(read_only=True, help_text="List of offering uuids.")
    injection_categories = serializers.JSONField(read_only=True, help_text="List of categories.")
    pii_categories = serializers.JSONField(read_only=True, help_text="List of PII entity types.")
    severity = serializers.CharField(read_only=True, help_text="`none` when not flagged.")
    action_taken = serializers.CharField(read_only=True)
    feedback = AnonymousChatFeedbackSerializer(read_only=True, allow_null=True)

    class Meta:
        model = AnonymousChatInteraction
        fields = (
            "uuid",
            "user_slug",
            "user_input",
            "assistant_blocks",
            "click_count",
            "input_tokens",
            "output_tokens",
            "offering_uuids",
            "result_count",
            "is_flagged",
            "severity",
            "injection_categories",
            "pii_categories",
            "action_taken",
            "warning",
            "ip_address",
            "session_id",
            "last_active_at",
            "created",
            "feedback",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField())
    def get_click_count(self, obj) -> int:
        return getattr(obj, "click_count", 0)


class AnonymousChatConversationSerializer(serializers.Serializer):
    """Renders a grouped row (a dict from analytics.conversation_rows)."""

    session_id = serializers.CharField()
    user_slug = serializers.CharField(source="slug")
    message_count = serializers.IntegerField()
    is_flagged = serializers.SerializerMethodField()
    max_severity = serializers.SerializerMethodField()
    max_severity_rank = serializers.IntegerField(help_text="0 = none ... 4 = critical.")
    has_feedback = serializers.SerializerMethodField(help_text="Some turn has a +1 or -1 vote.")
    offerings_shown = serializers.IntegerField()
    offerings_clicked = serializers.IntegerField()
    models_used = serializers.CharField(help_text="Comma-separated model names.")
    is_reviewed = serializers.SerializerMethodField()
    input_tokens = serializers.IntegerField(source="tokens_in")
    output_tokens = serializers.IntegerField(source="tokens_out")
    total_tokens = serializers.IntegerField(source="tokens_total")
    started = serializers.DateTimeField(allow_null=True)
    last_active = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.BooleanField())
    def get_is_flagged(self, row) -> bool:
        return row["flagged_count"] > 0

    @extend_schema_field(serializers.CharField())
    def get_max_severity(self, row) -> str:
        return SEVERITIES[row["max_severity_rank"] or 0]

    @extend_schema_field(serializers.BooleanField())
    def get_has_feedback(self, row) -> bool:
        return row["feedback_votes"] > 0

    @extend_schema_field(serializers.BooleanField())
    def get_is_reviewed(self, row) -> bool:
        return row["reviewed_count"] > 0


class AnonymousChatUserAggregateSerializer(serializers.Serializer):
    user_slug = serializers.CharField()
    last_seen = serializers.DateTimeField(allow_null=True)
    total_interactions = serializers.IntegerField()
    session_count = serializers.IntegerField()
    positive_feedback = serializers.IntegerField()
    negative_feedback = serializers.IntegerField()
    no_feedback = serializers.IntegerField()
    injection_strikes = serializers.IntegerField(
        help_text="Stored turns that counted as a strike (blocked injection attempts)."
    )


class DailyCountSerializer(serializers.Serializer):
    date = serializers.DateField()
    count = serializers.IntegerField()


class SeveritySeriesSerializer(serializers.Serializer):
    NONE = serializers.ListField(child=serializers.IntegerField())
    LOW = serializers.ListField(child=serializers.IntegerField())
    MEDIUM = serializers.ListField(child=serializers.IntegerField())
    HIGH = serializers.ListField(child=serializers.IntegerField())
    CRITICAL = serializers.ListField(child=serializers.IntegerField())


class SeverityByDaySerializer(serializers.Serializer):
    labels = serializers.ListField(child=serializers.DateField())
    series = SeveritySeriesSerializer()


class AnonymousChatKpiSerializer(serializers.Serializer):
    interactions_total = serializers.IntegerField()
    sessions_total = serializers.IntegerField()
    unique_users = serializers.IntegerField()
    flagged_total = serializers.IntegerField()
    feedback_positive = serializers.IntegerField()
    feedback_negative = serializers.IntegerField()
    satisfaction_rate = serializers.FloatField(allow_null=True, help_text="Null without votes.")
    clicks_total = serializers.IntegerField()
    click_through_rate = serializers.FloatField(allow_null=True, help_text="Null without turns.")
    clarification_requests_total = serializers.IntegerField(
        help_text="Turns whose answer asks the visitor a question back (an ask_user_form)."
    )
    clarification_rate = serializers.FloatField(allow_null=True)
    input_tokens_total = serializers.IntegerField()
    output_tokens_total = serializers.IntegerField()
    reviewed_total = serializers.IntegerField(help_text="Conversations with a judge verdict.")
    review_input_tokens_total = serializers.IntegerField()
    review_output_tokens_total = serializers.IntegerField()
    avg_llm_resolution_score = serializers.FloatField(allow_null=True)
    llm_intent_distribution = serializers.DictField(
        child=serializers.IntegerField(), help_text="Conversations per intent; {} before reviews."
    )
    hallucination_rate = serializers.FloatField(allow_null=True)
    review_coverage = serializers.FloatField(allow_null=True)
    daily_volume = DailyCountSerializer(many=True)
    severity_by_day = SeverityByDaySerializer()


class AnonymousChatBudgetSnapshotSerializer(serializers.Serializer):
    tokens_today = serializers.IntegerField(help_text="Site-wide tokens used today (UTC).")
    tokens_limit = serializers.IntegerField(help_text="Daily site budget; 0 means no cap.")
    requests_today = serializers.IntegerField(help_text="Turns admitted today (UTC).")
    resets_at = serializers.DateTimeField(help_text="Next UTC midnight.")


class KpiQueryInput(serializers.Serializer):
    window_days = serializers.IntegerField(
        required=False,
        default=30,
        min_value=1,
        max_value=365,
        help_text="Days of daily_volume, ending today (1-365, default 30).",
    )
