"""Input serializers validate (help_text becomes the OpenAPI text); output ones only render."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chat.models import (
    SEVERITY_CHOICES,
    ActionTaken,
    BlockKey,
    ChatSession,
    FeedbackCategory,
    Message,
    Mode,
    Role,
    Thread,
)
from chat.tools import REGISTRY as TOOL_REGISTRY
from config.rest import FieldSelectionMixin, TextField
from config.schema import OPTIONAL_FIELDS

# --- output -------------------------------------------------------------------------------


class ChatSessionSerializer(FieldSelectionMixin, serializers.ModelSerializer):
    user = serializers.UUIDField(source="user.uuid", read_only=True)
    user_username = serializers.CharField(source="user.username", read_only=True)
    user_full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = ChatSession
        fields = ("uuid", "user", "user_username", "user_full_name", "created", "modified")
        read_only_fields = fields


class ThreadSerializer(FieldSelectionMixin, serializers.ModelSerializer):
    chat_session = serializers.UUIDField(source="chat_session.uuid", read_only=True)
    flags = serializers.DictField(read_only=True, help_text="Detection flags and other markers.")
    message_count = serializers.IntegerField(read_only=True)
    input_tokens = serializers.IntegerField(read_only=True, allow_null=True)
    output_tokens = serializers.IntegerField(read_only=True, allow_null=True)
    total_tokens = serializers.IntegerField(read_only=True, allow_null=True)
    models_used = serializers.CharField(read_only=True, help_text="Comma-separated model names.")
    is_flagged = serializers.BooleanField(read_only=True)
    max_severity = serializers.ChoiceField(choices=SEVERITY_CHOICES, read_only=True)
    has_feedback = serializers.BooleanField(read_only=True)
    user_username = serializers.CharField(source="chat_session.user.username", read_only=True)
    user_full_name = serializers.CharField(source="chat_session.user.full_name", read_only=True)

    class Meta:
        model = Thread
        fields = (
            "uuid",
            "name",
            "chat_session",
            "flags",
            "is_archived",
            "message_count",
            "input_tokens",
            "output_tokens",
            "total_tokens",
            "title_gen_input_tokens",
            "title_gen_output_tokens",
            "models_used",
            "is_flagged",
            "max_severity",
            "has_feedback",
            "user_username",
            "user_full_name",
            "created",
            "modified",
        )
        read_only_fields = fields


# `field` selection can leave out any key of a session or thread (contract section 6).
OPTIONAL_FIELDS["ChatSession"] = set(ChatSessionSerializer.Meta.fields)
OPTIONAL_FIELDS["Thread"] = set(ThreadSerializer.Meta.fields)


class MessageBlockSerializer(serializers.Serializer):
    """Schema of one stored block; extra keys (content, tag, tool, result...) are allowed."""

    id = serializers.CharField()
    key = serializers.ChoiceField(choices=BlockKey.choices)
    status = serializers.CharField()
    content = serializers.CharField(required=False)
    tag = serializers.CharField(required=False)


@extend_schema_field(MessageBlockSerializer(many=True))
class BlocksField(serializers.JSONField):
    pass


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class CategoryListField(serializers.JSONField):
    pass


class MessageSerializer(serializers.ModelSerializer):
    thread = serializers.UUIDField(source="thread.uuid", read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)
    blocks = BlocksField(read_only=True)
    replaces = serializers.UUIDField(source="replaces.uuid", read_only=True, allow_null=True)
    feedback_category = serializers.ChoiceField(
        choices=FeedbackCategory.choices, read_only=True, allow_null=True
    )
    model = serializers.CharField(read_only=True, help_text="The model that answered.")
    finish_reason = serializers.CharField(
        read_only=True,
        help_text="An answer's end: stop, length, cancelled, interrupted, error or timeout;"
        " empty while it is being written (GET .../stream/ re-attaches to it) and on questions.",
    )

    class Meta:
        model = Message
        fields = (
            "uuid",
            "thread",
            "role",
            "blocks",
            "warning",
            "sequence_index",
            "replaces",
            "created",
            "input_tokens",
            "output_tokens",
            "model",
            "finish_reason",
            "feedback_score",
            "feedback_comment",
            "feedback_category",
            "feedback_submitted_at",
        )
        read_only_fields = fields


class MessageStaffSerializer(MessageSerializer):
    """Adds the detection fields, which only staff and support may see."""

    severity = serializers.ChoiceField(choices=SEVERITY_CHOICES, read_only=True)
    action_taken = serializers.ChoiceField(choices=ActionTaken.choices, read_only=True)
    injection_categories = CategoryListField(read_only=True)
    pii_categories = CategoryListField(read_only=True)

    class Meta(MessageSerializer.Meta):
        fields = (
            *MessageSerializer.Meta.fields,
            "is_flagged",
            "severity",
            "injection_categories",
            "pii_categories",
            "action_taken",
        )
        read_only_fields = fields


DETECTION_FIELDS = {
    "is_flagged",
    "severity",
    "injection_categories",
    "pii_categories",
    "action_taken",
}
# One schema serves everyone; regular users receive the message without these keys.
OPTIONAL_FIELDS["MessageStaff"] = DETECTION_FIELDS


class ThreadStatsSerializer(serializers.Serializer):
    threads_total = serializers.IntegerField()
    sessions_total = serializers.IntegerField()
    users_total = serializers.IntegerField()
    messages_total = serializers.IntegerField()
    input_tokens_total = serializers.IntegerField()
    output_tokens_total = serializers.IntegerField()
    total_tokens = serializers.IntegerField()
    flagged_total = serializers.IntegerField(help_text="Threads with a flagged active message.")
    feedback_positive = serializers.IntegerField()
    feedback_negative = serializers.IntegerField()
    satisfaction_rate = serializers.FloatField(allow_null=True)


# --- input --------------------------------------------------------------------------------


class MessageFeedbackInput(serializers.Serializer):
    score = serializers.BooleanField(help_text="true = thumbs up, false = thumbs down.")
    comment = TextField(max_length=2000, required=False, allow_null=True, allow_blank=True)
    category = serializers.ChoiceField(
        choices=FeedbackCategory.choices,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Only with a thumbs down; a blank value counts as absent.",
    )

    def validate(self, attrs):
        attrs["category"] = attrs.get("category") or None
        attrs.setdefault("comment", None)
        if attrs["score"] and attrs["category"]:
            raise serializers.ValidationError(
                {"category": ["A category can only be given with a thumbs down."]}
            )
        return attrs


class ThreadCancelInput(serializers.Serializer):
    """The client sends `{}`; the fields are accepted and ignored."""

    name = TextField(required=False, allow_blank=True, max_length=150)
    is_archived = serializers.BooleanField(required=False)


class ChatRequestInput(serializers.Serializer):
    input = TextField(
        max_length=50_000,
        trim_whitespace=False,
        required=False,
        help_text="The user's message: required, except with mode=reload, which regenerates the"
        " answer to the stored last message (an input given then is ignored).",
    )
    thread_uuid = serializers.UUIDField(
        required=False, allow_null=True, help_text="Omit to start a new thread."
    )
    mode = serializers.ChoiceField(
        choices=[(Mode.RELOAD.value, "reload"), (Mode.EDIT.value, "edit")],
        required=False,
        allow_null=True,
        help_text="reload: regenerate the last answer; edit: replace the last user message."
        " Both need thread_uuid.",
    )
    edit_message_uuid = serializers.UUIDField(
        required=False, allow_null=True, help_text="The user message to replace (mode=edit only)."
    )

    def validate_input(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value

    def validate(self, attrs):
        mode = attrs.get("mode")
        if mode != Mode.RELOAD and "input" not in attrs:
            raise serializers.ValidationError({"input": ["This field is required."]})
        if mode and not attrs.get("thread_uuid"):
            raise serializers.ValidationError({"mode": ["This mode needs thread_uuid."]})
        if mode == "edit" and not attrs.get("edit_message_uuid"):
            raise serializers.ValidationError(
                {"edit_message_uuid": ["This field is required when mode is edit."]}
            )
        if mode != "edit" and attrs.get("edit_message_uuid"):
            raise serializers.ValidationError(
                {"edit_message_uuid": ["Only allowed when mode is edit."]}
            )
        return attrs


class ChatFrameSerializer(serializers.Serializer):
    """One NDJSON line of the stream (every key optional)."""

    k = serializers.CharField(required=False, help_text="markdown, load, code, mermaid, ...")
    c = serializers.CharField(required=False, help_text="Content.")
    t = serializers.CharField(required=False, help_text="Language or loading kind.")
    e = serializers.CharField(required=False, help_text="Error message.")
    w = serializers.CharField(required=False, help_text="Personal-data warning.")
    m = serializers.DictField(
        required=False,
        help_text="Metadata. Signed-in stream: first {thread_uuid}; {thread_name} for a new"
        " thread's title; last {user_message_uuid (not on reload), assistant_message_uuid,"
        " input_tokens, output_tokens, finish_reason}. Public stream: first {interaction_uuid,"
        " feedback_token} (the token signs feedback and clicks on this answer); last"
        " {input_tokens, output_tokens, finish_reason}. finish_reason: stop, length, cancelled,"
        " interrupted, error or timeout; `model` when known. A resume (GET .../stream/?after=N)"
        " sends the same lines, counted from the answer's first, after the N-th.",
    )


class ExportQuery(serializers.Serializer):
    format = serializers.ChoiceField(
        choices=["json", "markdown"],
        default="json",
        help_text="json (the ThreadExport schema) or markdown; an `Accept` of text/markdown"
        " also gives markdown.",
    )


class ExportedThreadSerializer(serializers.ModelSerializer):
    class Meta:
        model = Thread
        fields = ("uuid", "name", "created", "modified", "is_archived")
        read_only_fields = fields


class ExportedMessageSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    role = serializers.ChoiceField(choices=Role.choices)
    created = serializers.DateTimeField()
    text = serializers.CharField(help_text="The message as stored (personal data redacted).")
    blocks = serializers.ListField(
        child=serializers.DictField(), help_text="The stored blocks the text is made of."
    )
    model = serializers.CharField(help_text="The model that answered (answers only).")
    input_tokens = serializers.IntegerField(allow_null=True)
    output_tokens = serializers.IntegerField(allow_null=True)
    finish_reason = serializers.CharField(help_text="stop, length, cancelled, ... (answers).")
    warning = serializers.CharField(help_text="Moderation's warning on the message, if any.")
    feedback_score = serializers.BooleanField(allow_null=True, help_text="The owner's vote.")


class ThreadExportSerializer(serializers.Serializer):
    """A thread's active conversation (GET /api/chat-threads/{uuid}/export/)."""

    format = serializers.CharField(help_text="chat-thread-export/1: the version of this shape.")
    exported_at = serializers.DateTimeField()
    thread = ExportedThreadSerializer()
    models = serializers.ListField(child=serializers.CharField(), help_text="Models that answered.")
    input_tokens = serializers.IntegerField(help_text="Sum over the answers.")
    output_tokens = serializers.IntegerField(help_text="Sum over the answers.")
    messages = ExportedMessageSerializer(many=True)


class ResumeQuery(serializers.Serializer):
    """The query of a resume (GET .../stream/)."""

    after = serializers.IntegerField(
        min_value=0,
        max_value=2**31 - 1,
        default=0,
        help_text="How many frames (lines) of this answer the client already has.",
    )


@extend_schema_field({"type": "string", "enum": sorted(TOOL_REGISTRY)})
class ToolNameField(serializers.CharField):
    """A tool name: documented as the registry's names; any other is the 400 `unknown_tool`."""


class ToolExecuteInput(serializers.Serializer):
    tool = ToolNameField(max_length=100, help_text="Tool name.")
    arguments = serializers.DictField(required=False, default=dict, help_text="Tool arguments.")
