"""OpenAPI generation that describes what the server really sends: list headers and every error.

The AutoSchema subclass derives each operation's error statuses from the view itself
(authentication, feature gates, staff-only permissions, path lookups, throttles, input), so a
schema-driven fuzzer meets no undocumented status. The hook adds the shared error body.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from config.rest import IsStaff, IsStaffOrSupport

ERROR_REF = {"$ref": "#/components/schemas/Error"}

ERROR_TEXT = {
    "400": "Invalid input or query parameter.",
    "401": "Authentication credentials were not provided or are invalid.",
    "403": "Not allowed for this caller, or the assistant is off for the caller's role.",
    "404": "Not found, or not visible to the caller.",
    "409": "The assistant is not configured, or a quota is exhausted.",
    "422": "The request was understood but refused (e.g. moderation blocked it).",
    "424": "The assistant is disabled.",
    "429": "Too many requests; see Retry-After.",
    "503": "The server is at capacity; see Retry-After.",
}


class ApiAutoSchema(AutoSchema):
    def _view_permissions(self) -> list:
        return [
            p() if isinstance(p, type) else p for p in getattr(self.view, "permission_classes", [])
        ]

    def error_statuses(self) -> set[str]:
        view = self.view
        codes: set[str] = set()
        perms = self._view_permissions()
        public = any(isinstance(p, AllowAny) for p in perms) or not getattr(
            view, "require_authentication", True
        )
        if not public:
            codes.add("401")
        if getattr(view, "gates", ()):
            codes |= {"403", "409", "424"}
        staff_only = (IsStaff, IsStaffOrSupport)
        if any(isinstance(p, staff_only) for p in perms):
            codes.add("403")
        if "{" in self.path or self._request_names_objects():
            codes.add("404")
        if self.method in ("POST", "PUT", "PATCH") or self._has_query_parameters():
            codes.add("400")
        if getattr(view, "throttle_classes", None):
            codes.add("429")
        codes |= {str(c) for c in getattr(view, "extra_error_statuses", ())}
        return codes

    def _request_names_objects(self) -> bool:
        """A writable uuid in the request body names an object, which may not exist (404)."""
        if self.method not in ("POST", "PUT", "PATCH"):
            return False
        serializer = self.get_request_serializer()
        if isinstance(serializer, type) and issubclass(serializer, serializers.Serializer):
            serializer = serializer()
        if not isinstance(serializer, serializers.Serializer):
            return False
        fields = serializer.fields
        return any(
            isinstance(f, serializers.UUIDField) and not f.read_only for f in fields.values()
        )

    def _has_query_parameters(self) -> bool:
        if self.method not in ("GET", "HEAD"):
            return False
        return bool(self._get_filter_parameters() or self._get_pagination_parameters()) or (
            self._is_list_view()
            or bool(getattr(self.view, "ordering_fields_map", None))
            or bool(self.get_override_parameters())  # a query serializer of extend_schema
        )

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in sorted(self.error_statuses()):
            responses.setdefault(
                code,
                {
                    "description": ERROR_TEXT[code],
                    "content": {"application/json": {"schema": ERROR_REF}},
                },
            )
        return responses

    def _get_response_headers_for_code(self, status_code, direction="response"):
        headers = super()._get_response_headers_for_code(status_code, direction)
        if status_code.startswith("2") and self._is_list_view() and self.method in ("GET", "HEAD"):
            headers["X-Result-Count"] = {
                "schema": {"type": "integer"},
                "description": "Total number of results.",
            }
            headers["Link"] = {
                "schema": {"type": "string"},
                "description": 'Pagination links: rel="first", "prev", "next", "last".',
            }
        if status_code in ("429", "503"):
            headers["Retry-After"] = {"schema": {"type": "integer"}, "description": "Seconds."}
        return headers


# Component name -> fields that some callers do not receive (e.g. detection fields, which
# only staff see): listed as properties but not as required. Serializer modules register here.
OPTIONAL_FIELDS: dict[str, set[str]] = {}


def postprocess_errors_and_headers(result, generator, request, public):
    """Register the shared error body; relax fields that are absent for some callers."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for component, fields in OPTIONAL_FIELDS.items():
        schema = schemas.get(component)
        if schema and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in fields]
            if not schema["required"]:  # OpenAPI 3.0 wants a non-empty list or none
                del schema["required"]
    schemas["Error"] = {
        "type": "object",
        "description": "DRF error shape: `detail` (and `code`), or a map of field -> messages.",
        "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
        "additionalProperties": True,
    }
    return result
