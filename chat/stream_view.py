"""POST /api/chat/stream/ (moderate and store the turn, stream the answer) and chat tools."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from chat.gate import chat_feature_gate
from chat.serializers import ChatFrameSerializer, ChatRequestInput, ToolExecuteInput
from chat.stream import start_signed_in_stream
from chat.streaming import NDJSON, PooledView, registry
from chat.tools import tool_execute
from chat.turn import turn_resolve
from config.rest import ApiView
from moderation.service import scan


class NDJSONRenderer(JSONRenderer):
    """Lets clients that ask for NDJSON still receive JSON error bodies."""

    media_type = NDJSON


class ChatStreamView(PooledView, ApiView):
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
        data = ChatRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        registry.check_capacity()
        values = data.validated_data
        plan = turn_resolve(
            user=request.user,
            text=values["input"],
            thread_uuid=values.get("thread_uuid"),
            mode=values.get("mode"),
            edit_message_uuid=values.get("edit_message_uuid"),
        )
        return start_signed_in_stream(plan, scan(plan.text))


class ToolExecuteView(ApiView):
    gates = (chat_feature_gate,)
    extra_error_statuses = (422,)

    @extend_schema(
        request=ToolExecuteInput,
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The tool's result.")},
        summary="Run a chat tool",
    )
    def post(self, request):
        data = ToolExecuteInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = tool_execute(
            user=request.user,
            name=data.validated_data["tool"],
            arguments=data.validated_data["arguments"],
        )
        return Response(result)
