"""Project-level endpoints: health, the public configuration, and JSON 404/500 pages."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpResponse, JsonResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config import metrics
from config.clients import client_ip


class HealthView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        auth=[],
        summary="Whether the server and its database answer",
        responses={
            200: inline_serializer(
                "Health", {"status": serializers.CharField(), "database": serializers.CharField()}
            ),
            503: inline_serializer(
                "HealthDown",
                {"status": serializers.CharField(), "database": serializers.CharField()},
            ),
        },
    )
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError:
            return Response({"status": "unavailable", "database": "unavailable"}, status=503)
        return Response({"status": "ok", "database": "ok"})


class ConfigurationView(APIView):
    """The public subset of settings that Waldur's web UI reads; never a secret."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        auth=[],
        summary="Public configuration",
        responses={
            200: inline_serializer(
                "PublicConfiguration",
                {
                    "WALDUR_CORE": inline_serializer(
                        "PublicCoreConfiguration",
                        {
                            "AI_ASSISTANT_ENABLED": serializers.BooleanField(),
                            "AI_ASSISTANT_ENABLED_ROLES": serializers.CharField(),
                            "AI_ASSISTANT_NAME": serializers.CharField(),
                        },
                    )
                },
            )
        },
    )
    def get(self, request):
        return Response(
            {
                "WALDUR_CORE": {
                    "AI_ASSISTANT_ENABLED": settings.AI_ASSISTANT_ENABLED,
                    "AI_ASSISTANT_ENABLED_ROLES": settings.AI_ASSISTANT_ENABLED_ROLES,
                    "AI_ASSISTANT_NAME": settings.AI_ASSISTANT_NAME,
                }
            }
        )


# The offline Swagger UI (drf-spectacular's split view: its start-up script is a file of its
# own, not inline) from this server only; Swagger UI sets inline styles and data: images.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'; form-action 'self'"
)


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI at /api/docs/, with a Content-Security-Policy that allows only this server."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_CSP
        return response


def metrics_view(request):
    """GET /metrics: the Prometheus exposition, for METRICS_ALLOWED_NETWORKS or METRICS_TOKEN."""
    if not metrics.enabled():
        return not_found(request)
    allowed = metrics.may_read(client_ip(request.META), request.headers.get("Authorization", ""))
    if not allowed:
        return JsonResponse({"detail": "Not allowed from this address."}, status=403)
    body, content_type = metrics.exposition()
    return HttpResponse(body, content_type=content_type)


def not_found(request, exception=None):
    return JsonResponse({"detail": "Not found."}, status=404)


def server_error(request):
    return JsonResponse({"detail": "Internal server error."}, status=500)


def bad_request(request, exception=None):
    return JsonResponse({"detail": "Bad request."}, status=400)
