"""HTTP for chat sessions, threads, messages, the streaming turn and chat tools: validate, call
a selector, service or the turn pipeline, render."""

from __future__ import annotations

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from chat import selectors, services
from chat.filters import MessageFilter, ThreadFilter
from chat.gate import chat_feature_gate
from chat.models import ChatSession, Message, Mode, Thread
from chat.serializers import (
    ChatFrameSerializer,
    ChatRequestInput,
    ChatSessionSerializer,
    MessageFeedbackInput,
    MessageSerializer,
    MessageStaffSerializer,
    ThreadCancelInput,
    ThreadSerializer,
    ThreadStatsSerializer,
    ToolExecuteInput,
)
from chat.tools import tool_execute
from chat.turns.pipeline import NDJSON, start_turn
from chat.turns.signed_in import SignedInConversation
from config.rest import (
    ApiView,
    ApiViewSet,
    ListMixin,
    OptionalPagination,
    is_staff_or_support,
    paginated_response,
)


class UuidLookupMixin:
    """Object lookup by uuid; a malformed uuid is the same 404 as an unknown one."""

    lookup_field = "uuid"

    def get_object(self):
        raw = self.kwargs[self.lookup_field]
        try:
            self.kwargs[self.lookup_field] = uuid.UUID(str(raw))
        except ValueError:
            raise exceptions.NotFound() from None
        return super().get_object()


class ChatViewSet(UuidLookupMixin, ApiViewSet):
    gates = (chat_feature_gate,)


@extend_schema_view(
    list=extend_schema(summary="List chat sessions"),
    retrieve=extend_schema(summary="Retrieve a chat session"),
)
class ChatSessionViewSet(ListMixin, mixins.RetrieveModelMixin, ChatViewSet):
    serializer_class = ChatSessionSerializer
    queryset = ChatSession.objects.all()
    filter_backends: list = []

    def scoped_queryset(self):
        return selectors.session_list(user=self.request.user)

    def retrieve(self, request, *args, **kwargs):
        session = self.get_object()
        services.access_audit(actor=request.user, obj=session)
        return Response(self.get_serializer(session).data)

    @extend_schema(summary="Get or create the caller's chat session")
    @action(detail=False, methods=["get"])
    def current(self, request):
        session = services.session_get_or_create(user=request.user)
        return Response(self.get_serializer(session).data)


@extend_schema_view(
    list=extend_schema(summary="List chat threads"),
    retrieve=extend_schema(summary="Retrieve a chat thread"),
)
class ThreadViewSet(ListMixin, mixins.RetrieveModelMixin, ChatViewSet):
    serializer_class = ThreadSerializer
    queryset = Thread.objects.all()
    filterset_class = ThreadFilter
    ordering_fields_map = {
        name: name
        for name in (
            "created",
            "modified",
            "input_tokens",
            "output_tokens",
            "total_tokens",
            "models_used",
        )
    }
    default_ordering = ("-created",)

    def scoped_queryset(self):
        if self.action == "cancel":
            return selectors.thread_owned(user=self.request.user)
        if self.action in ("archive", "unarchive", "retrieve"):
            return selectors.thread_visible(user=self.request.user)
        if self.action == "list" and not selectors.thread_figures_in_sql(self.request.query_params):
            return selectors.thread_visible(user=self.request.user)  # figures per page, below
        return selectors.thread_list(user=self.request.user)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        return paginated_response(self, queryset, self._serialized)

    def _serialized(self, threads):
        threads = list(threads)
        wanted = set(self.request.query_params.getlist("field"))
        if not wanted or wanted & selectors.FIGURE_FIELDS:  # figures asked for (or all fields)
            threads = selectors.thread_page_figures(threads)
        return self.get_serializer(threads, many=True).data

    def retrieve(self, request, *args, **kwargs):
        thread = self.get_object()
        services.access_audit(actor=request.user, obj=thread)
        return Response(self._serialized([thread])[0])

    @extend_schema(request=None, responses={204: None}, summary="Archive a thread")
    @action(detail=True, methods=["post"])
    def archive(self, request, uuid=None):
        services.thread_set_archived(thread=self.get_object(), archived=True)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={204: None}, summary="Unarchive a thread")
    @action(detail=True, methods=["post"])
    def unarchive(self, request, uuid=None):
        services.thread_set_archived(thread=self.get_object(), archived=False)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=ThreadCancelInput,
        responses={200: OpenApiResponse(description="Cancel requested.")},
        summary="Stop the running answer of the caller's own thread",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, uuid=None):
        thread = self.get_object()
        self.input(ThreadCancelInput)
        services.thread_cancel(thread=thread)
        return Response(status=status.HTTP_200_OK)

    @extend_schema(
        responses=ThreadStatsSerializer, filters=True, summary="Totals over the filtered threads"
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def stats(self, request):
        # The list's filters and `o` (checked, then ignored by the totals); no `field`, no pages.
        totals = selectors.thread_stats(self.filter_queryset(self.get_queryset()))
        return Response(ThreadStatsSerializer(totals).data)


@extend_schema_view(list=extend_schema(summary="List chat messages"))
class MessageViewSet(ListMixin, ChatViewSet):
    filterset_class = MessageFilter
    queryset = Message.objects.all()
    pagination_class = OptionalPagination

    def scoped_queryset(self):
        if self.action == "feedback":
            return selectors.message_owned(user=self.request.user)
        return selectors.message_visible(user=self.request.user).order_by("sequence_index", "id")

    def get_serializer_class(self):
        if getattr(self, "swagger_fake_view", False):
            return MessageStaffSerializer
        if is_staff_or_support(self.request.user):
            return MessageStaffSerializer
        return MessageSerializer

    @extend_schema(
        request=MessageFeedbackInput,
        responses=MessageSerializer,
        summary="Rate an assistant answer",
    )
    @action(detail=True, methods=["post"])
    def feedback(self, request, uuid=None):
        message = self.get_object()
        data = self.input(MessageFeedbackInput)
        message = services.message_feedback_submit(user=request.user, message=message, **data)
        return Response(self.get_serializer(message).data)


class NDJSONRenderer(JSONRenderer):
    """Lets clients that ask for NDJSON still receive JSON error bodies."""

    media_type = NDJSON


class ChatStreamView(ApiView):
    gates = (chat_feature_gate,)
    renderer_classes = [JSONRenderer, NDJSONRenderer]
    extra_error_statuses = (404, 429, 503)

    @extend_schema(
        request=ChatRequestInput,
        responses={
            (200, NDJSON): OpenApiResponse(
                ChatFrameSerializer, description="One JSON frame per line until the answer ends."
            )
        },
        summary="Send a message and stream the answer (NDJSON)",
    )
    def post(self, request):
        values = self.input(ChatRequestInput)
        mode = values.get("mode")
        conversation = SignedInConversation(
            user=request.user,
            text=values.get("input", ""),
            thread_uuid=values.get("thread_uuid"),
            mode=Mode(mode) if mode else None,
            edit_message_uuid=values.get("edit_message_uuid"),
        )
        return start_turn(conversation)


class ToolExecuteView(ApiView):
    gates = (chat_feature_gate,)
    extra_error_statuses = (422,)

    @extend_schema(
        request=ToolExecuteInput,
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The tool's result.")},
        summary="Run a chat tool",
    )
    def post(self, request):
        values = self.input(ToolExecuteInput)
        result = tool_execute(user=request.user, name=values["tool"], arguments=values["arguments"])
        return Response(result)


class ReadinessView(APIView):
    """For load balancers: the database answers and at least one LLM upstream is healthy (not
    cooling down after a failure, in this process). GET /api/health/ stays the cheap check."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        auth=[],
        summary="Whether this process can serve chats: database and LLM upstreams",
        responses={
            200: inline_serializer(
                "Readiness",
                {
                    "status": serializers.CharField(),
                    "database": serializers.CharField(),
                    "llm_upstreams": serializers.DictField(child=serializers.CharField()),
                },
            ),
            503: inline_serializer(
                "ReadinessDown",
                {
                    "status": serializers.CharField(),
                    "database": serializers.CharField(),
                    "llm_upstreams": serializers.DictField(child=serializers.CharField()),
                },
            ),
        },
    )
    def get(self, request):
        report = selectors.readiness()
        ready = report["database"] == "ok" and "healthy" in report["llm_upstreams"].values()
        report = {"status": "ok" if ready else "unavailable", **report}
        return Response(report, status=200 if ready else 503)
