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
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from chat import selectors, services
from chat.export import export_markdown, thread_export
from chat.filters import MessageFilter, ThreadFilter
from chat.gate import chat_feature_gate
from chat.models import ChatSession, Message, Mode, Thread
from chat.serializers import (
    ChatFrameSerializer,
    ChatRequestInput,
    ChatSessionSerializer,
    ExportQuery,
    MessageFeedbackInput,
    MessageSerializer,
    MessageStaffSerializer,
    ResumeQuery,
    ThreadCancelInput,
    ThreadExportSerializer,
    ThreadSerializer,
    ThreadStatsSerializer,
    ToolExecuteInput,
)
from chat.tools import tool_execute
from chat.turns import resume
from chat.turns.frames import NDJSON
from chat.turns.pipeline import start_turn
from chat.turns.signed_in import SignedInConversation
from config.rest import (
    ApiView,
    ApiViewSet,
    ListMixin,
    OptionalPagination,
    is_staff_or_support,
    paginated_response,
)


class NDJSONRenderer(JSONRenderer):
    """Lets clients that ask for NDJSON still receive JSON error bodies."""

    media_type = NDJSON


class MarkdownRenderer(BaseRenderer):
    """Text the view made (an export), or an error body as JSON text."""

    media_type = "text/markdown"
    format = "markdown"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str):
            return data.encode()
        return JSONRenderer().render(data)


# The answers of a resume (GET .../stream/), signed-in and public.
RESUME_RESPONSES = {
    (200, NDJSON): OpenApiResponse(
        ChatFrameSerializer,
        description="The answer's frames after the `after`-th, live until it ends.",
    ),
    204: OpenApiResponse(description="No answer in flight (nor one just ended)."),
}


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
        if self.action in ("cancel", "stream"):
            return selectors.thread_owned(user=self.request.user)
        if self.action in ("archive", "unarchive", "retrieve", "export"):
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

    def perform_content_negotiation(self, request, force=False):
        # An export's `?format=` is checked (400, not DRF's 404, for one it lacks) and wins over
        # the Accept header (DRF would answer 406 to `Accept: application/json` with markdown).
        if self.action == "export" and not force and "format" in request.query_params:
            wanted = self.query(ExportQuery)["format"]
            renderer = next(r for r in self.get_renderers() if r.format == wanted)
            return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force)

    def handle_exception(self, exc):
        # An error is JSON whatever format an export asked for (the schema documents it so).
        if getattr(self.request, "accepted_renderer", None).__class__ is MarkdownRenderer:
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

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
        parameters=[ExportQuery],
        responses={
            (200, "application/json"): ThreadExportSerializer,
            (200, "text/markdown"): OpenApiTypes.STR,
        },
        summary="Export the thread's conversation (JSON or Markdown), as a download",
        description="The active conversation (no replaced edits) with timestamps, models and"
        " token counts, text as stored. Owner, staff and support (their reads are audited).",
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, MarkdownRenderer])
    def export(self, request, uuid=None):
        thread = self.get_object()
        services.access_audit(actor=request.user, obj=thread)
        document = ThreadExportSerializer(thread_export(thread=thread)).data
        fmt = request.accepted_renderer.format
        body = export_markdown(document) if fmt == "markdown" else document
        response = Response(body)
        extension = "md" if fmt == "markdown" else "json"
        response["Content-Disposition"] = f'attachment; filename="chat-{thread.uuid}.{extension}"'
        return response

    @extend_schema(
        parameters=[ResumeQuery],
        responses=RESUME_RESPONSES,
        summary="Re-attach to the answer being written in the caller's own thread (NDJSON)",
        description="The running answer's lines after the `after`-th (as counted on POST"
        " /api/chat/stream/), then the live ones, then its final frame; an answer that ended"
        " in the last five minutes is sent whole from the store. 204: nothing to re-attach to.",
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, NDJSONRenderer])
    def stream(self, request, uuid=None):
        thread = self.get_object()
        after = self.query(ResumeQuery)["after"]
        key, in_flight = selectors.thread_resumable_answer(thread=thread)
        response = resume.attach(key, after, in_flight=in_flight)
        return response or Response(status=status.HTTP_204_NO_CONTENT)

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
