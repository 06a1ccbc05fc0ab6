"""The ASGI lifespan of a server process: what starts before the first request and stops after
the last (settings.ASGI_LIFESPAN names it; config.asgi runs it)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

from django.conf import settings

from chat.turns import llm, resume
from chat.turns.cancel import listener
from chat.turns.runtime import running, sample_pool, tune_garbage_collector
from config import metrics


async def lifespan(scope: dict, receive: Callable, send: Callable) -> None:
    """The ASGI lifespan protocol for the chat: listen for cancels before the first turn; at
    shutdown, give running answers AI_ASSISTANT_SHUTDOWN_GRACE_SECONDS to finish."""
    background: list[asyncio.Task] = []
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            tune_garbage_collector()
            running.reset()
            listener.start()
            loop = asyncio.get_running_loop()
            background = [
                loop.create_task(sample_pool()),
                loop.create_task(resume.prune_periodically()),
            ]
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await running.shutdown(settings.AI_ASSISTANT_SHUTDOWN_GRACE_SECONDS)
            for task in background:
                task.cancel()
            await asyncio.to_thread(listener.stop)
            await llm.close_clients()
            metrics.worker_exited(os.getpid())
            await send({"type": "lifespan.shutdown.complete"})
            return
