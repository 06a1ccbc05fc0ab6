"""Client helpers for the public chat: requests from chosen loopback source addresses."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.chat.streamkit import Streamed


def client_from(address: str = "127.0.0.1") -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=60)


def public_stream(base: str, *, address: str = "127.0.0.1", headers=None, **body: Any) -> Streamed:
    with client_from(address) as client:
        response = client.post(f"{base}/api/marketplace-chat/stream/", json=body, headers=headers)
    result = Streamed(response.status_code, response.headers, response.text)
    if response.headers.get("content-type", "").startswith("application/x-ndjson"):
        result.frames = [json.loads(line) for line in response.text.splitlines()]
    else:
        result.body = response.json()
    return result


def public_post(base: str, action: str, *, address: str = "127.0.0.1", **body: Any):
    with client_from(address) as client:
        return client.post(f"{base}/api/marketplace-chat/{action}/", json=body)
