"""The LLM upstreams, in order, and which of them are healthy in this process.

AI_ASSISTANT_UPSTREAMS lists several OpenAI-compatible upstreams (URL, key, model, timeouts,
weight); without it, the single-upstream settings (AI_ASSISTANT_API_URL, _API_TOKEN, _MODEL...)
are one upstream. A turn tries them in order: the first attempt goes to a healthy upstream
(by weight among those with one; by default the first healthy one), and a connection error, a
timeout before the first token, a 429 or a 5xx moves to the next before any text reached the
client, and takes the failed one out for AI_ASSISTANT_UPSTREAM_COOLDOWN_SECONDS.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from config import metrics


@dataclass(frozen=True)
class Upstream:
    name: str
    base_url: str
    api_key: str
    model: str
    connect_timeout: float
    first_token_timeout: float
    idle_timeout: float
    weight: float


def configured() -> list[Upstream]:
    """The upstreams from settings, in order (empty when none is configured)."""
    listed = settings.AI_ASSISTANT_UPSTREAMS
    if not listed:
        if not settings.AI_ASSISTANT_API_URL or not settings.AI_ASSISTANT_API_TOKEN:
            return []
        listed = [
            {
                "name": "default",
                "base_url": settings.AI_ASSISTANT_API_URL,
                "api_key": settings.AI_ASSISTANT_API_TOKEN,
                "model": settings.AI_ASSISTANT_MODEL,
            }
        ]
    return [_upstream(index, entry) for index, entry in enumerate(listed)]


def _upstream(index: int, entry: dict[str, Any]) -> Upstream:
    return Upstream(
        name=str(entry.get("name") or f"upstream-{index + 1}"),
        base_url=str(entry["base_url"]),
        api_key=str(entry["api_key"]),
        model=str(entry.get("model") or settings.AI_ASSISTANT_MODEL),
        connect_timeout=float(
            entry.get("connect_timeout", settings.AI_ASSISTANT_CONNECT_TIMEOUT_SECONDS)
        ),
        first_token_timeout=float(
            entry.get("first_token_timeout", settings.AI_ASSISTANT_FIRST_TOKEN_TIMEOUT_SECONDS)
        ),
        idle_timeout=float(
            entry.get("idle_timeout", settings.AI_ASSISTANT_STREAM_IDLE_TIMEOUT_SECONDS)
        ),
        weight=float(entry.get("weight", 1 if index == 0 else 0)),
    )


class Health:
    """Cool-downs of the upstreams that failed in this process (a lock: threads read it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until: dict[str, float] = {}

    def healthy(self, upstream: Upstream) -> bool:
        with self._lock:
            return self._until.get(upstream.name, 0.0) <= time.monotonic()

    def failed(self, upstream: Upstream) -> None:
        with self._lock:
            self._until[upstream.name] = (
                time.monotonic() + settings.AI_ASSISTANT_UPSTREAM_COOLDOWN_SECONDS
            )
        if metrics.enabled():
            metrics.UPSTREAM_HEALTHY.labels(upstream.name).set(0)

    def succeeded(self, upstream: Upstream) -> None:
        with self._lock:
            self._until.pop(upstream.name, None)
        if metrics.enabled():
            metrics.UPSTREAM_HEALTHY.labels(upstream.name).set(1)

    def attempts(self, upstreams: list[Upstream]) -> list[Upstream]:
        """The order to try: a healthy first one (by weight), the other healthy ones in order,
        then the cooling ones (better late than no answer when every one has failed)."""
        healthy = [u for u in upstreams if self.healthy(u)]
        cooling = [u for u in upstreams if u not in healthy]
        weighted = [u for u in healthy if u.weight > 0]
        if weighted:
            first = random.choices(weighted, weights=[u.weight for u in weighted])[0]
        elif healthy:
            first = healthy[0]
        else:
            return cooling
        return [first, *(u for u in healthy if u is not first), *cooling]

    def any_healthy(self, upstreams: list[Upstream]) -> bool:
        return any(self.healthy(u) for u in upstreams)

    def reset(self) -> None:
        with self._lock:
            self._until.clear()


health = Health()
