"""Quota endpoints (/api/chat-quota/) and staff-managed system prompts (/api/chat-system-prompts/).

Neither is behind the chat feature gate, as in the reference: staff manage them while the
assistant is off.
"""

from __future__ import annotations

from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import User
from chat import quota
from chat.models import SystemPrompt
from chat.views import UuidLookupMixin
from config.rest import (
    ApiViewSet,
    IsStaff,
    IsStaffOrSupport,
    ListMixin,
    TextField,
    is_staff_or_support,
)

BIGINT_MAX = 2**63 - 1  # the limits are stored in BIGINT columns


def limit_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=-1,
        max_value=BIGINT_MAX,
        required=False,
        allow_null=True,
        help_text="Tokens; -1 unlimited, null the system default.",
    )


class SetQuotaInput(serializers.Serializer):
    user_uuid = serializers.UUIDField()
    daily_limit = limit_field()
    weekly_limit = limit_field()
    monthly_limit = limit_field()


class QuotaUsageSerializer(serializers.Serializer):
    daily_limit = serializers.IntegerField(allow_null=True, help_text="null: system default.")
    weekly_limit = serializers.IntegerField(allow_null=True)
    monthly_limit = serializers.IntegerField(allow_null=True)
    daily_usage = serializers.IntegerField()
    weekly_usage = serializers.IntegerField()
    monthly_usage = serializers.IntegerField()
    daily_remaining = serializers.IntegerField(allow_null=True, help_text="null: unlimited.")
    weekly_remaining = serializers.IntegerField(allow_null=True)
    monthly_remaining = serializers.IntegerField(allow_null=True)
    daily_reset_at = serializers.DateTimeField()
    weekly_reset_at = serializers.DateTimeField()
    monthly_reset_at = serializers.DateTimeField()
    daily_system_default = serializers.IntegerField()
    weekly_system_default = serializers.IntegerField()
    monthly_system_default = serializers.IntegerField()


class ChatQuotaViewSet(ApiViewSet):
    extra_error_statuses = (400, 403, 404)  # 400: a malformed or empty user_uuid

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "user_uuid", OpenApiTypes.UUID, description="Omit (or your own) for your usage."
            )
        ],
        responses=QuotaUsageSerializer,
        summary="Token quota and usage of a user",
    )
    @action(detail=False, methods=["get"])
    def usage(self, request):
        raw = request.query_params.get("user_uuid")
        target = request.user
        if raw == "":  # present but empty: not a uuid (absent means "your own usage")
            raise exceptions.ValidationError({"user_uuid": ["Must be a valid UUID."]})
        if raw:
            target = quota.user_by_uuid(raw)
            if target.pk != request.user.pk and not is_staff_or_support(request.user):
                raise exceptions.PermissionDenied("You can only view your own usage.")
        return Response(QuotaUsageSerializer(quota.quota_usage(user=target)).data)

    @extend_schema(
        request=SetQuotaInput,
        responses={200: OpenApiResponse(description="Limits changed.")},
        summary="Set a user's token limits (staff and support)",
    )
    @action(detail=False, methods=["post"], permission_classes=[IsStaffOrSupport])
    def set_quota(self, request):
        data = self.input(SetQuotaInput)
        user: User = quota.user_by_uuid(data.pop("user_uuid"))
        quota.quota_set_limits(user=user, limits=data)
        return Response(status=status.HTTP_200_OK)


class SystemPromptSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: TextField,
        models.TextField: TextField,
    }

    class Meta:
        model = SystemPrompt
        fields = (
            "uuid",
            "name",
            "description",
            "custom_instructions",
            "is_active",
            "created",
            "modified",
        )
        read_only_fields = ("uuid", "is_active", "created", "modified")


class SystemPromptViewSet(
    UuidLookupMixin,
    ListMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ApiViewSet,
):
    queryset = SystemPrompt.objects.all()
    serializer_class = SystemPromptSerializer
    permission_classes = [IsStaff]
    filter_backends: list = []

    def scoped_queryset(self):
        return SystemPrompt.objects.all()

    @extend_schema(request=None, responses=SystemPromptSerializer, summary="Make the only active")
    @action(detail=True, methods=["post"])
    def activate(self, request, uuid=None):
        prompt = quota.system_prompt_activate(prompt=self.get_object())
        return Response(self.get_serializer(prompt).data)

    @extend_schema(request=None, responses=SystemPromptSerializer, summary="Deactivate")
    @action(detail=True, methods=["post"])
    def deactivate(self, request, uuid=None):
        prompt = quota.system_prompt_deactivate(prompt=self.get_object())
        return Response(self.get_serializer(prompt).data)
