"""HTML shells of the chat page, the public widget and the staff dashboard; the site icon.

The pages carry no data: their scripts sign in and read everything from the public API, so
a page answers 200 to anyone. Plain Django views, not DRF ones, so that the OpenAPI schema
(and the contract tests that walk it) never sees them.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

# Browsers ask for /favicon.ico on any page that links no icon (the admin, the API docs, a
# JSON answer opened in a tab); the pages link the same file under /static/.
FAVICON = (Path(__file__).resolve().parent / "static" / "web" / "favicon.ico").read_bytes()

# Same-origin only: no CDN, no inline script, no external font. `frame-ancestors` is added
# per page: the public widget may be framed by any site, the others by none.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'"
)


def _page(request, template: str, *, frame_ancestors: str | None = "'none'"):
    response = render(request, template, {"assistant_name": settings.AI_ASSISTANT_NAME})
    policy = CSP + (f"; frame-ancestors {frame_ancestors}" if frame_ancestors else "")
    response["Content-Security-Policy"] = policy
    response["Referrer-Policy"] = "same-origin"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def chat_page(request):
    return _page(request, "web/chat.html")


@require_safe
@xframe_options_exempt
def public_page(request):
    # Embedded as an iframe on other sites: neither X-Frame-Options nor frame-ancestors.
    return _page(request, "web/public.html", frame_ancestors=None)


@require_safe
def staff_page(request):
    return _page(request, "web/staff.html")


@require_safe
def favicon(request):
    response = HttpResponse(FAVICON, content_type="image/vnd.microsoft.icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response
