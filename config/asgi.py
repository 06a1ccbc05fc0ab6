"""ASGI entry point: `scripts/serve` (uvicorn, WEB_CONCURRENCY worker processes).

Django's own ASGI handler serves HTTP. Django does not speak the ASGI lifespan protocol, so
lifespan messages go to the handler that settings.ASGI_LIFESPAN names (the chat's: it lets
running answers finish at shutdown).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_asgi_application()

from django.conf import settings  # noqa: E402 (after Django is set up)
from django.utils.module_loading import import_string  # noqa: E402

lifespan = import_string(settings.ASGI_LIFESPAN)


async def application(scope, receive, send):
    if scope["type"] == "lifespan":
        await lifespan(scope, receive, send)
    else:
        await django_application(scope, receive, send)
