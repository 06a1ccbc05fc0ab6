"""HTTP for the staff analytics of the anonymous chat: staff and support only, on every action.

Every action that returns a list follows one rule: the whole array unless `page` or
`page_size` is given, then the standard pagination and headers.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import DateTimeField, Value
from django.db.models.functions import Coalesce
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from anonymous_chat import analytics, analytics_kpi
from anonymous_chat.analytics_filters import (
    ActionFilterBackend,
    ConversationFilter,
    FeedbackFilter,
    InteractionFilter,
    grouped_ordering,
    run_filter,
)
from anonymous_chat.analytics_serializers import (
    AnonymousChatBudgetSnapshotSerializer,
    AnonymousChatConversationSerializer,
    AnonymousChatFeedbackSerializer,
    AnonymousChatInteractionSerializer,
    AnonymousChatKpiSerializer,
    AnonymousChatUserAggregateSerializer,
    KpiQueryInput,
)
from anonymous_chat.models import AnonymousChatFeedback, AnonymousChatInteraction
from chat.views import UuidLookupMixin
from config.rest import (
    ApiViewSet,
    IsStaffOrSupport,
    ListMixin,
    OptionalPagination,
    OrderingParamFilter,
    is_staff_or_support,
    paginated_response,
)

TURN_ORDERING = {"created": "created", "result_count": "result_count"}
CONVERSATION_ORDERING = {"created": "started", "result_count": "offerings_shown"}
USER_ORDERING = {"created": "last_seen", "result_count": "offerings_shown"}
OLDEST_FIRST = ("created",)


class StaffAnalyticsViewSet(ApiViewSet):
    """Staff and support only; as defence in depth, others' querysets are empty too."""

    permission_classes = [IsStaffOrSupport]
    pagination_class = OptionalPagination
    filter_backends = [ActionFilterBackend, OrderingParamFilter]


SESSION_PARAM = OpenApiParameter(
    "session_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="Any text without '/'."
)
SLUG_PARAM = OpenApiParameter("user_slug", OpenApiTypes.STR, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(
        summary="List anonymous chat interactions",
        operation_id="anonymous_chat_interactions_list",
    ),
    retrieve=extend_schema(
        summary="Retrieve an anonymous chat interaction",
        operation_id="anonymous_chat_interactions_retrieve",
    ),
)
class AnonymousChatInteractionViewSet(
    UuidLookupMixin, ListMixin, mixins.RetrieveModelMixin, StaffAnalyticsViewSet
):
    serializer_class = AnonymousChatInteractionSerializer
    queryset = AnonymousChatInteraction.objects.none()
    filterset_class = InteractionFilter
    filterset_classes = {"conversations": ConversationFilter, "kpi": ConversationFilter}

    def scoped_queryset(self):
        if not is_staff_or_support(self.request.user):
            return AnonymousChatInteraction.objects.none()
        return analytics.interaction_base()

    @property
    def ordering_fields_map(self) -> dict[str, str]:
        if self.action in ("conversations", "kpi"):
            return CONVERSATION_ORDERING
        if self.action == "by_user":
            return USER_ORDERING
        if self.action in ("retrieve", "budget"):
            return {}
        return TURN_ORDERING

    @property
    def default_ordering(self) -> tuple[str, ...]:
        return {
            "by_session": OLDEST_FIRST,
            "by_user_list": OLDEST_FIRST,
            "conversations": ("-last_active",),
            "by_user": ("-total_interactions",),
        }.get(self.action, ("-created",))

    def _turns(self, **exact):
        return self.filter_queryset(self.get_queryset().filter(**exact))

    def _list(self, queryset, serializer_class):
        return paginated_response(
            self, queryset, lambda rows: serializer_class(rows, many=True).data
        )

    @extend_schema(
        summary="Transcript of one conversation, oldest first, with click counts",
        parameters=[SESSION_PARAM],
        responses=AnonymousChatInteractionSerializer(many=True),
        operation_id="anonymous_chat_interactions_by_session_list",
    )
    @action(detail=False, methods=["get"], url_path=r"by-session/(?P<session_id>[^/\x00]+)")
    def by_session(self, request, session_id=None):
        turns = analytics.transcript_annotate(self._turns(session_id=session_id))
        return self._list(turns, AnonymousChatInteractionSerializer)

    @extend_schema(
        summary="Every turn of one user slug across sessions, oldest first",
        parameters=[SLUG_PARAM],
        responses=AnonymousChatInteractionSerializer(many=True),
        operation_id="anonymous_chat_interactions_by_user_list",
    )
    @action(detail=False, methods=["get"], url_path=r"by-user/(?P<user_slug>[^/\x00]+)")
    def by_user_list(self, request, user_slug=None):
        return self._list(self._turns(user_slug=user_slug), AnonymousChatInteractionSerializer)

    @extend_schema(
        summary="One row per user slug (no raw IPs)",
        responses=AnonymousChatUserAggregateSerializer(many=True),
        operation_id="anonymous_chat_interactions_by_user_aggregate",
    )
    @action(detail=False, methods=["get"], url_path="by-user")
    def by_user(self, request):
        filterset = run_filter(InteractionFilter, request, self.get_queryset())
        turns = filterset.qs
        rows = grouped_ordering(request, self, filterset.users(), tiebreaker="user_slug")

        def serialize(page):
            page = analytics.user_page_fill(turns, list(page))
            return AnonymousChatUserAggregateSerializer(page, many=True).data

        return paginated_response(self, rows, serialize)

    @extend_schema(
        summary="One row per conversation (session)",
        responses=AnonymousChatConversationSerializer(many=True),
        operation_id="anonymous_chat_interactions_conversations_list",
    )
    @action(detail=False, methods=["get"])
    def conversations(self, request):
        turns, rows = run_filter(ConversationFilter, request, self.get_queryset()).conversations()
        rows = grouped_ordering(request, self, rows, tiebreaker="session_id")

        def serialize(page):
            page = analytics.conversation_page_fill(turns, list(page))
            return AnonymousChatConversationSerializer(page, many=True).data

        return paginated_response(self, rows, serialize)

    @extend_schema(
        summary="KPI roll-up over the filtered turns and conversations",
        parameters=[KpiQueryInput],
        responses=AnonymousChatKpiSerializer,
        filters=True,
        operation_id="anonymous_chat_interactions_kpi_retrieve",
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def kpi(self, request):
        window = self.input(KpiQueryInput, data=request.query_params)["window_days"]
        scope = run_filter(ConversationFilter, request, self.get_queryset()).kpi_scope()
        figures = analytics_kpi.kpi(scope, window_days=window)
        return Response(AnonymousChatKpiSerializer(figures).data)

    @extend_schema(
        summary="Today's site-wide token usage and limit",
        responses=AnonymousChatBudgetSnapshotSerializer,
        filters=False,
        operation_id="anonymous_chat_interactions_budget_retrieve",
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def budget(self, request):
        return Response(AnonymousChatBudgetSnapshotSerializer(analytics.budget_snapshot()).data)


# The index of the default sort key (migration 0006) repeats this instant: change both together.
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@extend_schema_view(
    list=extend_schema(
        summary="List anonymous chat feedback", operation_id="anonymous_chat_feedbacks_list"
    ),
    retrieve=extend_schema(
        summary="Retrieve the feedback of an interaction",
        operation_id="anonymous_chat_feedbacks_retrieve",
        parameters=[OpenApiParameter("interaction_uuid", OpenApiTypes.UUID, OpenApiParameter.PATH)],
    ),
)
class AnonymousChatFeedbackViewSet(ListMixin, mixins.RetrieveModelMixin, StaffAnalyticsViewSet):
    serializer_class = AnonymousChatFeedbackSerializer
    queryset = AnonymousChatFeedback.objects.none()
    filterset_class = FeedbackFilter
    lookup_field = "interaction__uuid"
    lookup_url_kwarg = "interaction_uuid"
    # Sort keys with nulls as the lowest value, so `-submitted_at` puts unsubmitted rows last
    # on PostgreSQL and SQLite alike.
    ordering_fields_map = {
        "submitted_at": "submitted_key",
        "score": "score",
        "llm_resolution_score": "resolution_key",
    }
    default_ordering = ("-submitted_key",)

    def scoped_queryset(self):
        if not is_staff_or_support(self.request.user):
            return AnonymousChatFeedback.objects.none()
        own = [f.name for f in AnonymousChatFeedback._meta.concrete_fields]
        # Only the interaction's uuid: sorting wide turn rows would dominate the page.
        rows = AnonymousChatFeedback.objects.select_related("interaction")
        return rows.only(*own, "interaction__uuid").annotate(
            submitted_key=Coalesce("submitted_at", Value(EPOCH, output_field=DateTimeField())),
            resolution_key=Coalesce("llm_resolution_score", 0),
        )

    def get_object(self):
        try:
            self.kwargs[self.lookup_url_kwarg] = uuid.UUID(str(self.kwargs[self.lookup_url_kwarg]))
        except ValueError:
            raise exceptions.NotFound() from None
        return super().get_object()


router = SimpleRouter(trailing_slash=True)
router.register(
    "anonymous-chat-interactions",
    AnonymousChatInteractionViewSet,
    basename="anonymous-chat-interaction",
)
router.register(
    "anonymous-chat-feedbacks", AnonymousChatFeedbackViewSet, basename="anonymous-chat-feedback"
)
