"""Helpers for stream tests: a live ASGI server of the project and an NDJSON client."""

from __future__ import annotations

import json
import threading
import time
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


class Reader(threading.Thread):
    """Reads a stream in the background; `first_text` is set once content has arrived.

    POSTs `body` to the signed-in stream, or GETs `path` with `params` (a resume)."""

    def __init__(self, base, user, *, path="/api/chat/stream/", params=None, **body):
        super().__init__(daemon=True)
        self.base, self.user, self.body = base, user, body
        self.path, self.params = path, params
        self.status: int | None = None
        self.lines: list[str] = []
        self.frames: list[dict] = []
        self.first_text = threading.Event()
        self.final_at: float | None = None  # when the final metadata frame arrived
        self.ended_at: float | None = None
        self.close_after_first = False

    def run(self):
        method, body = ("GET", None) if self.params is not None else ("POST", self.body)
        with httpx.stream(
            method,
            f"{self.base}{self.path}",
            json=body,
            params=self.params,
            headers=auth(self.user) if self.user else {},
            timeout=60,
        ) as response:
            self.status = response.status_code
            for line in response.iter_lines():
                if not line:
                    continue
                self.lines.append(line)
                self.frames.append(json.loads(line))
                if "finish_reason" in self.frames[-1].get("m", {}):
                    self.final_at = time.monotonic()
                if "k" in self.frames[-1]:
                    self.first_text.set()
                    if self.close_after_first:
                        break
        self.ended_at = time.monotonic()

    @property
    def final(self):
        return next(f["m"] for f in reversed(self.frames) if "assistant_message_uuid" in f["m"])
