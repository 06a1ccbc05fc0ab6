"""HTTP for chat sessions, threads and messages: validate, call a selector or service, render."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from chat import selectors, services
from chat.filters import MessageFilter, ThreadFilter
from chat.gate import chat_feature_gate
from chat.models import ChatSession, Message, Thread
from chat.serializers import (
    ChatSessionSerializer,
    MessageFeedbackInput,
    MessageSerializer,
    MessageStaffSerializer,
    ThreadCancelInput,
    ThreadSerializer,
    ThreadStatsSerializer,
)
from config.rest import ApiViewSet, ListMixin, OptionalPagination, is_staff_or_support


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
        if self.action in ("archive", "unarchive"):
            return selectors.thread_visible(user=self.request.user)
        return selectors.thread_list(user=self.request.user)

    def retrieve(self, request, *args, **kwargs):
        thread = self.get_object()
        services.access_audit(actor=request.user, obj=thread)
        return Response(self.get_serializer(thread).data)

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
