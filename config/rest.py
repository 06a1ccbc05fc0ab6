"""Project-wide REST conventions: Waldur pagination headers, `o` ordering, `field` selection,
strict query-parameter filters, typed domain errors with one handler, and the base viewset.

Switched on in settings.REST_FRAMEWORK; no endpoint builds these headers or errors by hand.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError, models
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.filters import BaseFilterBackend
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

# --- errors -------------------------------------------------------------------------------


class DomainError(exceptions.APIException):
    """A typed error with a stable code, an HTTP status, optional headers and extra body keys."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "error"
    default_detail = "The request could not be processed."

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ):
        super().__init__(detail or self.default_detail, code or self.default_code)
        self.code = code or self.default_code
        self.headers = headers or {}
        self.extra = extra or {}


class FeatureDisabled(DomainError):
    status_code = status.HTTP_424_FAILED_DEPENDENCY
    default_code = "feature_disabled"
    default_detail = "Extension is disabled."


class NotConfigured(DomainError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "not_configured"


class Forbidden(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "permission_denied"


class PayloadTooLarge(DomainError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


class DatabaseUnavailable(DomainError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "database_unavailable"
    default_detail = "The service is temporarily unavailable. Please retry shortly."


def _raised_by_a_parser(exc: BaseException) -> bool:
    """Whether a request parser (rest_framework/parsers.py) is on the exception's traceback."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.replace("\\", "/").endswith("rest_framework/parsers.py"):
            return True
        tb = tb.tb_next
    return False


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler plus domain headers and extra keys; Django's 404/403 in DRF's shape.

    A database that cannot be reached (or a pool with no free connection) is a 503 with
    Retry-After, not a 500: the request can simply be sent again.
    """
    if isinstance(exc, OperationalError | InterfaceError):
        logger.warning("Database unavailable: %s: %s", type(exc).__name__, str(exc)[:200])
        exc = DatabaseUnavailable(headers={"Retry-After": "5"})
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # (django.request logs the 413 once)
        exc = PayloadTooLarge(f"The request body is larger than the limit of {limit} bytes.")
    if isinstance(exc, RecursionError) and _raised_by_a_parser(exc):
        # json.loads of a deeply nested body raises RecursionError, which DRF does not catch.
        exc = exceptions.ParseError("Malformed request body: nested too deeply.")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, DomainError):
        response.data = {**exc.extra, "detail": str(exc.detail), "code": exc.code}
        for name, value in exc.headers.items():
            response[name] = value
    return response


# --- input fields -------------------------------------------------------------------------


class TextField(serializers.CharField):
    """DRF's CharField, taking text only: it would turn a JSON number into text (`"input": 0`
    into "0"), which the schema (`type: string`) does not allow."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class PatternField(serializers.RegexField):
    """DRF's RegexField, taking text only (see TextField)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictUUIDField(forms.UUIDField):
    """A uuid query parameter: absent is "not given", but present and empty (`?thread=`) is
    not a uuid, as the schema (`format: uuid`) says."""

    def to_python(self, value):
        if value == "":
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class StrictUUIDFilter(django_filters.UUIDFilter):
    field_class = StrictUUIDField


# --- permissions --------------------------------------------------------------------------


class IsStaff(permissions.BasePermission):
    message = "Only staff can do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class IsStaffOrSupport(permissions.BasePermission):
    message = "Only staff and support can do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_staff or user.is_support))


def is_staff_or_support(user: Any) -> bool:
    return bool(user and user.is_authenticated and (user.is_staff or user.is_support))


# --- query parameters ---------------------------------------------------------------------


def int_param(request, name: str, *, minimum: int = 1, maximum: int | None = None) -> int | None:
    """A positive integer query parameter, 400 naming it when malformed; clamped to maximum."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if raw == "":  # present but empty: not an integer, as the schema says
        raise exceptions.ValidationError({name: ["A valid integer is required."]})
    try:
        value = int(raw)
    except ValueError:
        raise exceptions.ValidationError({name: ["A valid integer is required."]}) from None
    if value < minimum:
        raise exceptions.ValidationError({name: [f"Ensure this value is at least {minimum}."]})
    return min(value, maximum) if maximum is not None else value


class StrictBooleanField(forms.Field):
    """Only `true` and `false` (any case); django's NullBooleanField would read junk as None."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        lowered = str(value).strip().lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
        raise forms.ValidationError("Must be 'true' or 'false'.", code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


COUNT_MAX = 2**63 - 1  # the largest PostgreSQL bigint


class CountBoundField(forms.Field):
    """A bound on an integer count, as any finite number (the Waldur client sends floats such
    as `100.0`, and a negative bound is as valid as any: `count <= -1` matches nothing),
    rounded inward to an integer (`count >= 2.5` is `count >= 3`) and held within the range a
    database integer takes (a bound past it means the same as the range's end).

    Django's DecimalField would refuse more than 50 digits (a 400 no schema can state) and an
    integer lookup would truncate a decimal bound instead of rounding it.
    """

    default_error_messages = {"invalid": "A valid number is required."}

    def __init__(self, *, upper: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.rounding = ROUND_FLOOR if upper else ROUND_CEILING

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        bounded = min(max(number, Decimal(-1)), Decimal(COUNT_MAX))
        return int(bounded.to_integral_value(rounding=self.rounding))


def _documented(filter_: django_filters.Filter, schema: dict[str, Any]) -> None:
    """Give the filter's OpenAPI parameter this schema, keeping its help text."""
    help_text = filter_.extra.get("help_text")
    extend_schema_field({**schema, "description": help_text} if help_text else schema)(filter_)


class CountBoundFilter(django_filters.Filter):
    """An inclusive bound on a count: `>=` by default, `<=` with `upper=True`."""

    field_class = CountBoundField

    def __init__(self, *args, upper: bool = False, **kwargs):
        kwargs.setdefault("lookup_expr", "lte" if upper else "gte")
        super().__init__(*args, upper=upper, **kwargs)
        _documented(self, {"type": "number"})


class IntegerFilter(django_filters.NumberFilter):
    """An integer (`1.0` reads as 1); NumberFilter would take any decimal such as `0.4`."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _documented(self, {"type": "integer"})


class FilterSet(django_filters.FilterSet):
    """Base filter set: booleans are strict; errors become a 400 naming the parameter. A
    parameter that is present but empty is "not given" only for text filters (an empty text is
    text); for the others (uuid, boolean, number, date) it is a 400, as the schema's types say."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
        models.UUIDField: {"filter_class": StrictUUIDFilter},
    }

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, filter_ in self.filters.items():
            if self.data.get(name) == "" and not isinstance(filter_, django_filters.CharFilter):
                self.form.add_error(name, "This field may not be blank.")
                valid = False
        return valid


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter with raise_exception (the default): a malformed value is a 400."""


class OrderingParamFilter(BaseFilterBackend):
    """Repeatable `o` (`-` for descending, commas allowed) over `view.ordering_fields_map`.

    An unknown key is a 400 naming `o`. The primary key breaks ties so pages never overlap.
    """

    param = "o"

    def requested(self, request) -> list[str]:
        values: list[str] = []
        for raw in request.query_params.getlist(self.param):
            values.extend(part.strip() for part in raw.split(",") if part.strip())
        return values

    def filter_queryset(self, request, queryset, view):
        mapping: dict[str, str] | None = getattr(view, "ordering_fields_map", None)
        if not mapping:
            return queryset
        keys = self.requested(request)
        bad = [k for k in keys if k.lstrip("-") not in mapping]
        if bad:
            valid = ", ".join(sorted(mapping))
            raise exceptions.ValidationError(
                {self.param: [f"Unknown ordering key {k!r}; valid keys: {valid}." for k in bad]}
            )
        order = [("-" if k.startswith("-") else "") + mapping[k.lstrip("-")] for k in keys]
        if not order:
            order = list(getattr(view, "default_ordering", ()) or queryset.query.order_by)
        descending = bool(order) and order[0].startswith("-")
        order.append("-pk" if descending else "pk")
        return queryset.order_by(*order)

    def get_schema_operation_parameters(self, view):
        mapping = getattr(view, "ordering_fields_map", None)
        if not mapping:
            return []
        choices = sorted([*mapping, *(f"-{k}" for k in mapping)], key=lambda v: (v.lstrip("-"), v))
        return [
            {
                "name": self.param,
                "required": False,
                "in": "query",
                "description": "Ordering; repeat for several keys, '-' for descending.",
                "schema": {"type": "array", "items": {"type": "string", "enum": choices}},
                "style": "form",
                "explode": True,
            }
        ]


# --- pagination ---------------------------------------------------------------------------


class WaldurPagination(BasePagination):
    """Bare JSON arrays with `X-Result-Count` and a `Link` header (first/prev/next/last)."""

    page_size = 10
    max_page_size = 300
    always_paginate = True

    def paginate_queryset(self, queryset, request, view=None):
        page = int_param(request, "page")
        size = int_param(request, "page_size", maximum=self.max_page_size)
        if not self.always_paginate and page is None and size is None:
            return None
        self.request = request
        self.page_number = page or 1
        self.size = size or self.page_size
        self.count = queryset.count() if hasattr(queryset, "count") else len(queryset)
        start = (self.page_number - 1) * self.size
        # Past the last page is an empty page, not a 404: the client raises on every 404.
        return list(queryset[start : start + self.size]) if start < self.count else []

    @property
    def last_page(self) -> int:
        return max(1, math.ceil(self.count / self.size))

    def _link(self, number: int) -> str:
        params = [(k, v) for k, v in self.request.query_params.lists() if k != "page"]
        flat = [(k, v) for k, values in params for v in values]
        flat.append(("page", str(number)))
        return self.request.build_absolute_uri(f"{self.request.path}?{urlencode(flat)}")

    def headers(self) -> dict[str, str]:
        links = [(1, "first")]
        if self.page_number > 1:
            links.append((min(self.page_number - 1, self.last_page), "prev"))
        if self.page_number < self.last_page:
            links.append((self.page_number + 1, "next"))
        links.append((self.last_page, "last"))
        link = ", ".join(f'<{self._link(n)}>; rel="{rel}"' for n, rel in links)
        return {"X-Result-Count": str(self.count), "Link": link}

    def get_paginated_response(self, data):
        if self.request.method == "HEAD":
            return Response(status=status.HTTP_200_OK, headers=self.headers())
        return Response(data, headers=self.headers())

    def get_paginated_response_schema(self, schema):
        return schema

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "page",
                "required": False,
                "in": "query",
                "description": "A page number within the paginated result set.",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": "page_size",
                "required": False,
                "in": "query",
                "description": "Results per page (default 10, larger values clamped to 300).",
                "schema": {"type": "integer", "minimum": 1},
            },
        ]


class OptionalPagination(WaldurPagination):
    """The whole array unless `page` or `page_size` is given, then standard pagination."""

    always_paginate = False


def paginated_response(view, queryset, serialize: Callable[[Sequence[Any]], Any]) -> Response:
    """Paginate `queryset` with the view's paginator (if it pages) and serialize the rows."""
    page = view.paginate_queryset(queryset)
    if page is not None:
        return view.get_paginated_response(serialize(page))
    rows = list(queryset)
    if view.request.method == "HEAD":
        return Response(headers={"X-Result-Count": str(len(rows))})
    return Response(serialize(rows), headers={"X-Result-Count": str(len(rows))})


class ListMixin:
    """`list` for ApiViewSet: pages per the view's paginator; `X-Result-Count` either way."""

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        return paginated_response(
            self, queryset, lambda rows: self.get_serializer(rows, many=True).data
        )


# --- field selection ----------------------------------------------------------------------


class FieldSelectionMixin:
    """Honours the repeatable `field` query parameter on reads; an unknown name is a 400."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request") if hasattr(self, "context") else None
        if request is None or request.method not in ("GET", "HEAD"):
            return
        wanted = request.query_params.getlist("field")
        if not wanted:
            return
        unknown = [name for name in wanted if name not in self.fields]
        if unknown:
            valid = ", ".join(sorted(self.fields))
            raise exceptions.ValidationError(
                {"field": [f"Unknown field {n!r}; valid fields: {valid}." for n in unknown]}
            )
        for name in set(self.fields) - set(wanted):
            self.fields.pop(name)


# --- base viewset -------------------------------------------------------------------------

Gate = Callable[[Any], None]


class CheckOrderMixin:
    """Checks run in the order 401 -> 405 -> feature gates -> permissions -> lookup (404).

    `gates` are callables taking the request and raising a DomainError to refuse it.
    """

    gates: Iterable[Gate] = ()
    require_authentication = True

    def check_permissions(self, request):
        if self.require_authentication and not request.user.is_authenticated:
            self.permission_denied(request)
        if request.method.lower() not in self.http_method_names or not hasattr(
            self, request.method.lower()
        ):
            raise exceptions.MethodNotAllowed(request.method)
        for gate in self.gates:
            gate(request)
        super().check_permissions(request)


class InputMixin:
    """Validation of a request's body or query by an input serializer."""

    request: Any

    def input(self, serializer_class: type[serializers.Serializer], data=None) -> dict[str, Any]:
        """Validate the request's data (or `data`) with an input serializer and return it."""
        serializer = serializer_class(
            data=self.request.data if data is None else data,
            context={"request": self.request, "view": self},
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def query(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        """Validate the query string. DRF reads a QueryDict as an HTML form, where an empty
        value (`?after=`) counts as absent; in a query it is a value, and a wrong one."""
        return self.input(serializer_class, self.request.query_params.dict())


class ApiView(InputMixin, CheckOrderMixin, APIView):
    """Base for plain (non-viewset) API views."""


class ApiViewSet(InputMixin, CheckOrderMixin, viewsets.GenericViewSet):
    """Base for every viewset: conventions of this module, scoped querysets."""

    pagination_class = WaldurPagination
    filter_backends = [StrictFilterBackend, OrderingParamFilter]
    ordering_fields_map: dict[str, str] = {}
    default_ordering: Sequence[str] = ()

    def get_queryset(self):
        # Schema generation runs views with an anonymous user and no real request.
        if getattr(self, "swagger_fake_view", False):
            return self.queryset.none()
        return self.scoped_queryset()

    def scoped_queryset(self):
        """The rows visible to the caller for the current action."""
        raise NotImplementedError
