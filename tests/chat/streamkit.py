"""Helpers for stream tests: a live ASGI server of the project and an NDJSON client."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Streamed:
    status: int
    headers: httpx.Headers
    raw: str
    frames: list[dict[str, Any]] = field(default_factory=list)
    body: Any = None

    def of(self, key: str) -> list[Any]:
        return [f[key] for f in self.frames if key in f]

    @property
    def text(self) -> str:
        return "".join(f["c"] for f in self.frames if f.get("k") == "markdown")

    @property
    def meta(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for item in self.of("m"):
            merged.update(item)
        return merged

    @property
    def final(self) -> dict[str, Any]:
        return next(m for m in reversed(self.of("m")) if "assistant_message_uuid" in m)


def auth(user) -> dict[str, str]:
    return {"Authorization": f"Token {user.api_key}"}


def post_stream(base: str, user, timeout: float = 60, **body: Any) -> Streamed:
    response = httpx.post(
        f"{base}/api/chat/stream/", json=body, headers=auth(user) if user else {}, timeout=timeout
    )
    result = Streamed(response.status_code, response.headers, response.text)
    if response.headers.get("content-type", "").startswith("application/x-ndjson"):
        result.frames = [json.loads(line) for line in response.text.splitlines()]
    else:
        result.body = response.json()
    return result
