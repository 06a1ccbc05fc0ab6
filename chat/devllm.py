"""A small OpenAI-compatible development LLM, served over real HTTP as a bare ASGI app.

`POST /v1/chat/completions` answers with `chat.completion.chunk` SSE events and a final usage
chunk (or one JSON completion when `stream` is false); `GET /v1/models` lists one model. It needs
no Django, so tests and `manage.py devllm` run the same code.

Behaviour is chosen per request by the model name (or the `X-Dev-LLM-Mode` header):
`fault-<mode>` for a failure (see FAULTS) and `reply-<name>` for a scripted answer (see REPLIES);
anything else answers normally. A title request (a non-streamed completion whose system message
asks for a title) gets a few words of the user's text, as a model would title it.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any


@dataclass
class DevLLMConfig:
    first_token_delay: float = 0.0  # seconds before the first content chunk
    token_interval: float = 0.0  # seconds between chunks
    reply: str | None = None  # fixed reply text; None echoes a summary of the question
    model: str = "dev-model"
    hold: Any = None  # an object with is_set() (threading.Event): streams wait until it is set
    complete_delay: float = 0.0  # seconds before a non-streamed completion (a title) answers


OFFERING = "/marketplace-public-offering/{}/"

REPLIES = {
    "code": "Here is an example:\n\n```python\nprint('hello')\n```\n\nRun it with Python 3.",
    "mermaid": "The flow:\n\n```mermaid\ngraph TD\n  A-->B\n```\n",
    "links": (
        "You could try [Cloud VMs]("
        + OFFERING.format("5b3f0c2e-8d7a-4c1e-9f5a-2d6b8e4a1c3f")
        + ") or [Object storage]("
        + OFFERING.format("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
        + ")."
    ),
    "verdict": (
        '{"resolution_score": 4, "intent_category": "compute", '
        '"hallucination_detected": false, "summary": "The visitor asked about virtual machines."}'
    ),
    "long": " ".join(f"word{i}" for i in range(400)),
}

FAULTS = {
    "401": (401, "authentication_error", "Invalid API key"),
    "404": (404, "not_found_error", "The model does not exist"),
    "429": (429, "rate_limit_error", "Rate limit reached"),
    "500": (500, "server_error", "Internal error"),
}
# Stream-shaped faults: slow-first (no token for a long time), stall (stops mid-answer),
# malformed (a chunk that is not JSON), empty (no chunk at all), usage-only (only usage),
# cut (the connection drops mid-answer).
STREAM_FAULTS = {"slow-first", "stall", "malformed", "empty", "usage-only", "cut"}
STALL_SECONDS = 3600.0


def request_mode(request: dict[str, Any], headers: dict[bytes, bytes]) -> str:
    mode = headers.get(b"x-dev-llm-mode", b"").decode() or str(request.get("model") or "")
    return mode


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


def last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""


def default_reply(messages: list[dict[str, Any]]) -> str:
    excerpt = " ".join(last_user_text(messages).split()[:12])
    return (
        f"Development model here. You asked: {excerpt}\n\n"
        "This answer comes from the bundled development LLM; set AI_ASSISTANT_API_URL "
        "to use a real model."
    )


TITLE_ASKED = re.compile(r"\btitle\b", re.IGNORECASE)
WORD = re.compile(r"[^\W_]+(?:['.-][^\W_]+)*")
# Words that open or close a question without naming its subject ("Can you tell me about ...");
# a word list reads better as prose than as 65 quoted strings.
FILLER = frozenset(
    """a about am an and any are as at be but by can could do does for from give have hello
    help hey hi how i in is it know let me my need of on or please show so some tell thank
    thanks the to us want was we what when where which who why will with would you your""".split()  # noqa: SIM905
)
TITLE_WORDS = 6
UNTITLED = "New conversation"


def is_title_request(request: dict[str, Any]) -> bool:
    """A non-streamed completion whose system message asks for a title."""
    return not request.get("stream") and any(
        message.get("role") == "system" and TITLE_ASKED.search(str(message.get("content") or ""))
        for message in request.get("messages") or []
    )


def title_for(text: str) -> str:
    """Up to six words of the user's text, without the filler around its subject."""
    words = WORD.findall(text)
    start = next((i for i, word in enumerate(words) if word.lower() not in FILLER), len(words))
    picked = words[start : start + TITLE_WORDS] or words[:TITLE_WORDS]
    while len(picked) > 1 and picked[-1].lower() in FILLER:
        picked.pop()
    if not picked:
        return UNTITLED
    title = " ".join(picked)
    return title[0].upper() + title[1:]


def split_tokens(text: str) -> list[str]:
    """Word-sized pieces that keep their whitespace, like a provider's deltas."""
    pieces: list[str] = []
    current = ""
    for char in text:
        current += char
        if char in " \n":
            pieces.append(current)
            current = ""
    if current:
        pieces.append(current)
    return pieces


class DevLLM:
    """The ASGI application. One instance holds its config; tests may change it between calls."""

    def __init__(self, config: DevLLMConfig | None = None):
        self.config = config or DevLLMConfig()
        self.requests: list[dict[str, Any]] = []  # bodies received, for inspection in tests

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path, method = scope["path"].rstrip("/"), scope["method"]
        if path == "/v1/models" and method == "GET":
            await self._json(send, 200, {"object": "list", "data": [{"id": self.config.model}]})
            return
        if not (path == "/v1/chat/completions" and method == "POST"):
            await self._json(send, 404, {"error": {"message": "Not found", "type": "not_found"}})
            return
        body = await self._body(receive)
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            await self._json(send, 400, {"error": {"message": "Invalid JSON", "type": "invalid"}})
            return
        self.requests.append(request)
        mode = request_mode(request, dict(scope.get("headers") or []))
        if mode.startswith("fault-") and mode[6:] in FAULTS:
            status, kind, message = FAULTS[mode[6:]]
            await self._json(send, status, {"error": {"message": message, "type": kind}})
            return
        await self._complete(request, send, mode)

    async def _lifespan(self, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    @staticmethod
    async def _body(receive) -> bytes:
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                return b"".join(chunks)

    @staticmethod
    async def _json(send, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(data)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    async def _complete(self, request: dict[str, Any], send, mode: str = "") -> None:
        messages = request.get("messages") or []
        text = self._text(request, mode)
        max_tokens = request.get("max_tokens") or request.get("max_completion_tokens")
        pieces = split_tokens(text)
        finish = "stop"
        if isinstance(max_tokens, int) and 0 < max_tokens < len(pieces):
            pieces, finish = pieces[:max_tokens], "length"
        prompt_tokens = sum(estimate_tokens(str(m.get("content") or "")) for m in messages)
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(pieces),
            "total_tokens": prompt_tokens + len(pieces),
        }
        model = request.get("model") or self.config.model
        ident = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        if not request.get("stream"):
            if self.config.complete_delay:
                await asyncio.sleep(self.config.complete_delay)
            await self._json(
                send, 200, self._completion(ident, model, "".join(pieces), finish, usage)
            )
            return
        fault = mode[6:] if mode.startswith("fault-") else ""
        await self._stream(send, ident, model, pieces, finish, usage, request, fault)

    def _text(self, request: dict[str, Any], mode: str) -> str:
        """A scripted reply (not for titles), the configured reply, a title or the default."""
        messages = request.get("messages") or []
        title = is_title_request(request)
        if mode.startswith("reply-") and mode[6:] in REPLIES and not title:
            return REPLIES[mode[6:]]
        if self.config.reply is not None:
            return self.config.reply
        return title_for(last_user_text(messages)) if title else default_reply(messages)

    @staticmethod
    def _completion(ident, model, text, finish, usage) -> dict[str, Any]:
        return {
            "id": ident,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": finish,
                }
            ],
            "usage": usage,
        }

    async def _stream(self, send, ident, model, pieces, finish, usage, request, fault="") -> None:
        headers = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        created = int(time.time())

        def chunk(delta: dict[str, Any], finish_reason: str | None = None, **extra) -> bytes:
            payload = {
                "id": ident,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
                **extra,
            }
            return f"data: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()

        async def emit(data: bytes) -> None:
            await send({"type": "http.response.body", "body": data, "more_body": True})

        if fault == "empty":
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        if fault == "usage-only":
            pieces = []
        interval = self.config.token_interval  # fixed per request, whatever later ones change
        await emit(chunk({"role": "assistant", "content": ""}))
        if fault == "slow-first":
            await asyncio.sleep(STALL_SECONDS)
        if self.config.first_token_delay:
            await asyncio.sleep(self.config.first_token_delay)
        while self.config.hold is not None and not self.config.hold.is_set():
            await asyncio.sleep(0.02)
        loop = asyncio.get_running_loop()
        first = loop.time()
        for index, piece in enumerate(pieces):
            if index and interval:  # on a fixed clock: a late wake-up does not delay the rest
                await asyncio.sleep(max(0.0, first + index * interval - loop.time()))
            if index == 3 and fault in ("stall", "malformed", "cut"):
                await self._fault_mid_stream(fault, emit)
                return
            await emit(chunk({"content": piece}))
        await emit(chunk({}, finish))
        if (request.get("stream_options") or {}).get("include_usage"):
            usage_chunk = {
                "id": ident,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [],
                "usage": usage,
            }
            await emit(f"data: {json.dumps(usage_chunk, separators=(',', ':'))}\n\n".encode())
        await send({"type": "http.response.body", "body": b"data: [DONE]\n\n", "more_body": False})

    async def _fault_mid_stream(self, fault: str, emit) -> None:
        if fault == "stall":
            await asyncio.sleep(STALL_SECONDS)
        elif fault == "malformed":
            await emit(b"data: {this is not json\n\n")
            await asyncio.sleep(0.05)
        # "cut" (and the end of the others) drops the connection without the final chunk
        raise ConnectionAbortedError("development LLM fault: connection cut")


def serve(host: str = "127.0.0.1", port: int = 8001, config: DevLLMConfig | None = None) -> None:
    import uvicorn

    # One process, whatever WEB_CONCURRENCY (which uvicorn reads) says for the server.
    uvicorn.run(
        DevLLM(config), host=host, port=port, access_log=False, log_level="warning", workers=1
    )
