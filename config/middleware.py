"""Project middleware: private API responses are never cached.

This middleware is synchronous on purpose, and comes last in MIDDLEWARE. Django's own
middleware can run either way, and under ASGI each of their hooks is a separate hop to the
request's thread and back; with one synchronous-only middleware innermost, Django runs the
whole chain in the request's thread in one hop (its documented adaptation of sync and async
middleware). Every hop waits for a turn of an event loop that carries every stream of the
process: with hundreds of streams, the hops, not the work, made stream starts slow.
"""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers, patch_cache_control


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
