"""Django's middleware, made to run on the event loop under ASGI.

Under ASGI Django runs a classic middleware's `process_request` and `process_response` in the
one thread it keeps for synchronous code: two thread hops per middleware per request, and every
request of the process queues on that one thread (a stream's start waited behind other
requests' hooks). The hooks of these middleware do no I/O, so the subclasses below call them
inline on the event loop; they still hop when a hook may reach the database (a session that
was read or changed, stored messages) or the file system (a static file). Under WSGI (the test
client, management commands) they behave exactly like Django's own.
"""

from __future__ import annotations

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.contrib.auth.middleware import AuthenticationMiddleware as _Authentication
from django.contrib.messages.middleware import MessageMiddleware as _Messages
from django.contrib.sessions.middleware import SessionMiddleware as _Sessions
from django.middleware.clickjacking import XFrameOptionsMiddleware as _XFrameOptions
from django.middleware.common import CommonMiddleware as _Common
from django.middleware.csrf import CsrfViewMiddleware as _Csrf
from django.middleware.security import SecurityMiddleware as _Security
from django.utils.decorators import sync_and_async_middleware
from whitenoise.middleware import WhiteNoiseMiddleware


def _in_thread(fn):
    return sync_to_async(fn, thread_sensitive=True)


class _InlineHooks:
    """Run `process_request` / `process_response` inline when serving asynchronously."""

    def _hop_for_response(self, request) -> bool:
        """True when process_response may do I/O for this request (run it in the thread)."""
        return False

    async def __acall__(self, request):
        response = self.process_request(request) if hasattr(self, "process_request") else None
        response = response or await self.get_response(request)
        if hasattr(self, "process_response"):
            if self._hop_for_response(request):
                return await _in_thread(self.process_response)(request, response)
            response = self.process_response(request, response)
        return response


class SecurityMiddleware(_InlineHooks, _Security):
    pass


class CommonMiddleware(_InlineHooks, _Common):
    pass


class SessionMiddleware(_InlineHooks, _Sessions):
    """Creating the (lazy) session store reads nothing; saving it is database work."""

    def _hop_for_response(self, request) -> bool:
        return request.session.accessed


class CsrfViewMiddleware(_InlineHooks, _Csrf):
    """The view hook is also run inline: it reads the cookie and, for a form post, the body
    that the ASGI handler has already received."""

    def __init__(self, get_response):
        super().__init__(get_response)
        if iscoroutinefunction(get_response):
            self.process_view = self._process_view_inline

    async def _process_view_inline(self, request, callback, callback_args, callback_kwargs):
        return _Csrf.process_view(self, request, callback, callback_args, callback_kwargs)


class AuthenticationMiddleware(_InlineHooks, _Authentication):
    """Attaches a lazy user; nothing is read until a view asks."""


class MessageMiddleware(_InlineHooks, _Messages):
    """Messages that were read or added are stored (possibly in the session): in the thread."""

    def _hop_for_response(self, request) -> bool:
        storage = getattr(request, "_messages", None)
        return storage is not None and (storage.used or storage.added_new)


class XFrameOptionsMiddleware(_InlineHooks, _XFrameOptions):
    pass


@sync_and_async_middleware
def static_files_middleware(get_response):
    """WhiteNoise for STATIC_URL paths; every other request passes straight through.

    WhiteNoise's own middleware is synchronous only, which would put every request, static
    or not, through the sync thread.
    """
    whitenoise = WhiteNoiseMiddleware(get_response)

    def lookup(request):
        if not request.path_info.startswith(whitenoise.static_prefix):
            return None
        if whitenoise.autorefresh:
            return whitenoise.find_file(request.path_info)
        return whitenoise.files.get(request.path_info)

    if iscoroutinefunction(get_response):

        async def middleware(request):
            static_file = lookup(request)
            if static_file is None:
                return await get_response(request)
            return await sync_to_async(whitenoise.serve, thread_sensitive=False)(
                static_file, request
            )

    else:

        def middleware(request):
            static_file = lookup(request)
            if static_file is None:
                return get_response(request)
            return whitenoise.serve(static_file, request)

    return middleware
