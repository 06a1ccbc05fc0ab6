"""/api/marketplace-chat/: the public chat, no account needed. POST stream/, feedback/, click/;
GET stream/ (re-attach to the answer in flight) and transcript/ (the session's earlier turns),
both for the caller's own session only."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from anonymous_chat import selectors, services
from anonymous_chat.conversation import PublicConversation
from anonymous_chat.identity import Caller, caller_from, feedback_token
from anonymous_chat.models import AnonymousChatInteraction
from chat.gate import llm_configured_gate
from chat.models import FeedbackCategory
from chat.serializers import ChatFrameSerializer, ResumeQuery
from chat.turns import resume
from chat.turns.frames import NDJSON
from chat.turns.pipeline import start_turn
from chat.views import RESUME_RESPONSES, NDJSONRenderer
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


class SessionQuery(serializers.Serializer):
    session_id = PatternField(SESSION_ID, help_text="The caller's own session id.")


class PublicResumeQuery(SessionQuery, ResumeQuery):
    """The query of a public resume (GET stream/)."""


class TranscriptTurnSerializer(serializers.Serializer):
    """One earlier turn of the caller's session, as the widget shows it after a reload."""

    interaction_uuid = serializers.UUIDField(source="uuid")
    created = serializers.DateTimeField()
    user_input = serializers.CharField(help_text="The visitor's message as stored (redacted).")
    assistant_blocks = serializers.ListField(
        child=serializers.DictField(), help_text="The answer's blocks, as stored."
    )
    finish_reason = serializers.CharField(help_text="Empty while the answer is being written.")
    in_flight = serializers.SerializerMethodField(help_text="The answer is being written.")
    warning = serializers.CharField(help_text="Moderation's warning on the message, if any.")
    feedback_token = serializers.SerializerMethodField(help_text="Signs feedback and clicks.")
    feedback_score = serializers.SerializerMethodField(help_text="The visitor's vote: 1, -1.")

    def get_in_flight(self, turn) -> bool:
        return turn.finish_reason == ""

    def get_feedback_token(self, turn) -> str:
        return feedback_token(
            interaction_uuid=str(turn.uuid), session_id=turn.session_id, key=turn.caller_key
        )

    def get_feedback_score(self, turn) -> int | None:
        feedback = getattr(turn, "feedback", None)
        return feedback.score if feedback is not None else None


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

    @extend_schema(
        parameters=[PublicResumeQuery],
        responses={
            **RESUME_RESPONSES,
            404: OpenApiResponse(description="Not the caller's session."),
        },
        auth=[],
        summary="Public chat: re-attach to the answer being written in the caller's session",
    )
    def get(self, request):
        values = self.query(PublicResumeQuery)
        session_id = owned_session(request, values["session_id"])
        key, in_flight = selectors.session_resumable_answer(session_id=session_id)
        response = resume.attach(key, values["after"], in_flight=in_flight)
        return response or Response(status=204)


def owned_session(request, session_id: str) -> str:
    """The session id if the caller owns it; 404 otherwise (existence is not revealed)."""
    if not selectors.session_owned(session_id=session_id, caller=current_caller(request)):
        raise NotFound("Session not found.")
    return session_id


class AnonymousTranscriptView(PublicView):
    @extend_schema(
        parameters=[SessionQuery],
        responses={200: TranscriptTurnSerializer(many=True)},
        auth=[],
        summary="Public chat: the caller's session so far (newest 100 turns, oldest first)",
        description="Empty for a session the caller has not used (a new visitor's, or one that"
        " another network uses: which of the two is not revealed).",
    )
    def get(self, request):
        session_id = self.query(SessionQuery)["session_id"]
        if not selectors.session_owned(session_id=session_id, caller=current_caller(request)):
            return Response([])
        turns = selectors.session_transcript(session_id=session_id)
        return Response(TranscriptTurnSerializer(turns, many=True).data)


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
