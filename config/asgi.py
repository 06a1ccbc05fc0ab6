"""ASGI entry point: `uvicorn config.asgi:application --no-access-log`.

Wraps Django's handler to answer the lifespan protocol: at shutdown, answers still generating
get a grace period to finish and are otherwise stored as interrupted.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_application = get_asgi_application()


async def application(scope, receive, send):
    if scope["type"] != "lifespan":
        await django_application(scope, receive, send)
        return
    from django.conf import settings

    from chat.cancel import hub
    from chat.llm import close_clients
    from chat.streaming import registry

    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            registry.reset()
            if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
                hub.start()  # listen before the first turn, so no early cancel is missed
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await registry.shutdown(settings.AI_ASSISTANT_SHUTDOWN_GRACE_SECONDS)
            await hub.stop()
            await close_clients()
            await send({"type": "lifespan.shutdown.complete"})
            return
