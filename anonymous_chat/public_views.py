"""POST /api/marketplace-chat/{stream,feedback,click}/: the public chat, no account needed."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from anonymous_chat import services
from anonymous_chat.conversation import PublicConversation
from anonymous_chat.identity import Caller, caller_from
from anonymous_chat.models import AnonymousChatInteraction
from chat.gate import llm_configured_gate
from chat.models import FeedbackCategory
from chat.serializers import ChatFrameSerializer
from chat.turns.pipeline import NDJSON, start_turn
from chat.views import NDJSONRenderer
from config.rest import ApiView, FeatureDisabled, Forbidden, PatternField, TextField

SESSION_ID = r"^[A-Za-z0-9._~-]{8,64}$"


def anonymous_gate(request) -> None:
    if not settings.AI_ASSISTANT_ENABLED:
        raise FeatureDisabled()
    if settings.AI_ASSISTANT_ENABLED_ROLES != "anonymous" or not settings.ANONYMOUS_CHAT_ENABLED:
        raise FeatureDisabled("Anonymous chat is not enabled.", code="anonymous_disabled")
    llm_configured_gate()


def current_caller(request) -> Caller:
    caller = caller_from(request.META)
    if caller is None:
        raise Forbidden("Cannot determine client IP.", code="no_client_ip")
    return caller


class StreamInput(serializers.Serializer):
    input = TextField(max_length=50_000, trim_whitespace=False)
    session_id = PatternField(
        SESSION_ID,
        help_text="Client-generated, 8-64 characters of letters, digits and . _ ~ -",
    )

    def validate_input(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value


class TokenInput(serializers.Serializer):
    interaction_uuid = serializers.UUIDField()
    feedback_token = TextField(max_length=128)


class FeedbackInput(TokenInput):
    score = serializers.ChoiceField(choices=[(1, "1"), (-1, "-1")], help_text="1 or -1.")
    comment = TextField(
        max_length=500, required=False, allow_blank=True, allow_null=True, default=""
    )
    category = serializers.ChoiceField(
        choices=FeedbackCategory.choices,
        required=False,
        allow_blank=True,
        allow_null=True,
        default="",
        help_text="Required with -1, not allowed with 1; blank counts as absent.",
    )

    def validate(self, attrs):
        attrs["comment"] = (attrs.get("comment") or "").strip()
        attrs["category"] = attrs.get("category") or ""
        if attrs["score"] == -1 and not attrs["category"]:
            raise serializers.ValidationError({"category": ["Required with a thumbs down."]})
        if attrs["score"] == 1 and attrs["category"]:
            raise serializers.ValidationError({"category": ["Not allowed with a thumbs up."]})
        return attrs


class ClickInput(TokenInput):
    offering_uuid = serializers.UUIDField()


class PublicView(ApiView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    require_authentication = False
    gates = (anonymous_gate,)
    extra_error_statuses = (403, 409, 424, 429)


class AnonymousStreamView(PublicView):
    renderer_classes = [JSONRenderer, NDJSONRenderer]
    extra_error_statuses = (403, 409, 424, 429, 503)

    @extend_schema(
        request=StreamInput,
        responses={(200, NDJSON): OpenApiResponse(ChatFrameSerializer, description="NDJSON")},
        auth=[],
        summary="Public chat: send a message and stream the answer (NDJSON)",
    )
    def post(self, request):
        values = self.input(StreamInput)
        conversation = PublicConversation(
            caller=current_caller(request), session_id=values["session_id"], text=values["input"]
        )
        return start_turn(conversation)


class TokenBoundView(PublicView):
    """Feedback and clicks: validate, rate-limit the caller, check the interaction's token."""

    input_class: type[TokenInput] = TokenInput

    def bound(self, request) -> tuple[Caller, dict, AnonymousChatInteraction]:
        data = self.input_class(data=request.data)
        data.is_valid(raise_exception=True)
        caller = current_caller(request)
        services.rate_limit_feedback(caller)
        values = data.validated_data
        interaction = services.interaction_for_token(
            interaction_uuid=values["interaction_uuid"], token=values["feedback_token"]
        )
        return caller, values, interaction


class AnonymousFeedbackView(TokenBoundView):
    input_class = FeedbackInput

    @extend_schema(
        request=FeedbackInput,
        responses={200: OpenApiResponse(description="Stored.")},
        auth=[],
        summary="Public chat: rate an answer",
    )
    def post(self, request):
        caller, values, interaction = self.bound(request)
        services.feedback_submit(
            interaction=interaction,
            score=values["score"],
            comment=values["comment"],
            category=values["category"],
            caller=caller,
        )
        return Response(status=200)


class AnonymousClickView(TokenBoundView):
    input_class = ClickInput

    @extend_schema(
        request=ClickInput,
        responses={200: OpenApiResponse(description="Counted.")},
        auth=[],
        summary="Public chat: record a click on a recommended offering",
    )
    def post(self, request):
        _, values, interaction = self.bound(request)
        services.click_record(interaction=interaction, offering_uuid=values["offering_uuid"])
        return Response(status=200)
