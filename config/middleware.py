"""Project middleware: request ids and HTTP metrics (first), and private API responses never
cached (last).

This middleware is synchronous on purpose, and comes last in MIDDLEWARE. Django's own
middleware can run either way, and under ASGI each of their hooks is a separate hop to the
request's thread and back; with one synchronous-only middleware innermost, Django runs the
whole chain in the request's thread in one hop (its documented adaptation of sync and async
middleware). Every hop waits for a turn of an event loop that carries every stream of the
process: with hundreds of streams, the hops, not the work, made stream starts slow.
"""

from __future__ import annotations

import time
import uuid

from asgiref.sync import markcoroutinefunction
from django.utils.cache import add_never_cache_headers, patch_cache_control

from config import logs, metrics
from config.clients import is_trusted_proxy


class RequestContextMiddleware:
    """First of all: gives the request its id (an X-Request-ID from a trusted proxy is kept,
    otherwise one is made), returns it in the X-Request-ID header, has every log line of the
    request (and of a stream it starts) carry it, and counts the request for /metrics.

    Asynchronous only: it runs on the event loop, before the chain below it hops once to the
    request's thread.
    """

    sync_capable = False
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        markcoroutinefunction(self)

    async def __call__(self, request):
        request_id = self._incoming(request.META) or uuid.uuid4().hex
        token = logs.request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = await self.get_response(request)
        finally:
            logs.request_id.reset(token)
        response["X-Request-ID"] = request_id
        if metrics.enabled():
            match = getattr(request, "resolver_match", None)
            route = match.route if match is not None else "-"
            status = str(response.status_code)
            metrics.HTTP_REQUESTS.labels(route, request.method, status).inc()
            elapsed = time.perf_counter() - started
            metrics.HTTP_SECONDS.labels(route, request.method).observe(elapsed)
        return response

    @staticmethod
    def _incoming(meta: dict) -> str | None:
        incoming = meta.get("HTTP_X_REQUEST_ID", "")
        if not incoming or not is_trusted_proxy(meta.get("REMOTE_ADDR", "")):
            return None
        return incoming if logs.REQUEST_ID.fullmatch(incoming) else None


class PrivateApiNoStoreMiddleware:
    """`Cache-Control: no-store` on API responses that depend on who asks (issue: a shared
    cache or the browser's back button must not keep another user's data)."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/") and "Cache-Control" not in response:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response
