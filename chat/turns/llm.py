"""The LLM client: the official `openai` SDK (async) against any OpenAI-compatible base URL.

One client per process and configuration, completion options from settings (provider defaults
plus an allowlist of overrides), and the mapping from SDK errors to the user-facing messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import ssl
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx2
import openai
from django.conf import settings

from chat.turns import upstreams
from chat.turns.upstreams import Upstream
from config import metrics

logger = logging.getLogger(__name__)

T = TypeVar("T")

ALLOWED_OPTIONS = frozenset(
    {
        "temperature",
        "top_p",
        "top_k",
        "max_tokens",
        "max_completion_tokens",
        "presence_penalty",
        "frequency_penalty",
        "repetition_penalty",
        "stop",
        "seed",
        "reasoning_effort",
        "extra_body",
    }
)

PROVIDER_DEFAULTS: dict[str, dict[str, Any]] = {
    "vllm": {
        "temperature": 0.7,
        "top_p": 0.8,
        "presence_penalty": 1.5,
        "extra_body": {"top_k": 20},
    },
    "openai": {"temperature": 0.7, "top_p": 0.8},
    "ollama": {"temperature": 0.7, "top_p": 0.8},
}

ERROR_MESSAGES = {
    "auth": "AI service authentication failed. Please contact the administrator.",
    "rate_limit": "AI service rate limit reached. Please wait and try again.",
    "timeout": "Request timed out. Please try again.",
    "connection": "Could not connect to the AI service. Please try again later.",
    "unavailable": "AI service is temporarily unavailable. Please try again later.",
    "not_found": "AI model not found. Please contact the administrator.",
    "bad_request": "AI service rejected the request. Please try rephrasing.",
    "api": "AI service encountered an error. Please try again later.",
    "empty": "AI service returned an empty response. Please try again.",
    "internal": "Chat processing was interrupted. Please try again later.",
}


DRAIN_SECONDS = 0.1  # how long the rest of a body is read after `data: [DONE]`


class UpstreamTimeout(Exception):
    """No token arrived within the first-token or idle timeout."""


def error_kind(exc: BaseException) -> str:
    """Classify an exception from the SDK (or our own timeouts) into an ERROR_MESSAGES key."""
    if isinstance(exc, openai.APITimeoutError) and "Connect" in type(exc.__cause__).__name__:
        # The aiohttp transport reports a refused connection as a connect timeout.
        return "connection"
    if isinstance(exc, UpstreamTimeout | openai.APITimeoutError | asyncio.TimeoutError):
        return "timeout"
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return "auth"
    if isinstance(exc, openai.RateLimitError):
        return "rate_limit"
    if isinstance(exc, openai.NotFoundError):
        return "not_found"
    if isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
        return "bad_request"
    if isinstance(exc, openai.APIConnectionError):
        return "connection"
    if isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
        return "unavailable"
    if isinstance(exc, openai.APIError | MalformedStream):
        return "api"
    return "internal"


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def completion_options() -> dict[str, Any]:
    """Provider defaults, then the operator's allowlisted overrides (extra_body deep-merged)."""
    options = copy.deepcopy(PROVIDER_DEFAULTS.get(settings.AI_ASSISTANT_BACKEND_TYPE, {}))
    overrides = settings.AI_ASSISTANT_COMPLETION_KWARGS or {}
    ignored = sorted(set(overrides) - ALLOWED_OPTIONS)
    if ignored:
        logger.warning("Ignoring completion options outside the allowlist: %s", ", ".join(ignored))
    allowed = {k: v for k, v in overrides.items() if k in ALLOWED_OPTIONS}
    options = deep_merge(options, allowed)
    top_k = options.pop("top_k", None)
    if top_k is not None:  # not an OpenAI parameter: providers that know it read extra_body
        options.setdefault("extra_body", {})["top_k"] = top_k
    options.pop("max_completion_tokens", None)
    options["max_tokens"] = int(options.get("max_tokens") or settings.AI_ASSISTANT_MAX_TOKENS)
    return options


def request_body(
    options: dict[str, Any], messages: list[dict[str, Any]], *, model: str, stream: bool
) -> dict[str, Any]:
    """The JSON body of one chat completion: `options` (their own `extra_body` merged in and
    taking precedence), then the model, `stream` and the messages, which no option replaces.

    The requests go through the SDK's generic `post` (its documented way to send a body as it
    is): the typed `chat.completions.create` first walks the type annotations of every
    parameter it has, given or not, and builds typed objects from the response; for titles
    and stream starts under hundreds of streams that was several percent of the event loop.
    Ours are plain JSON already. The SDK still sends them (base URL, key, timeouts, status
    errors as its exceptions).
    """
    body = {key: value for key, value in options.items() if key != "extra_body"}
    body.update(options.get("extra_body", {}))
    body.update(model=model, stream=stream, messages=messages)  # never an option's
    return body


CHAT_COMPLETIONS = "/chat/completions"


_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple, openai.AsyncOpenAI]] = (
    weakref.WeakKeyDictionary()
)


def get_client(upstream: Upstream) -> openai.AsyncOpenAI:
    """A shared async client per event loop and upstream (URL, key, timeouts).

    Its connection pool serves every stream of the process; pools belong to one event loop,
    hence one set of clients per loop (tests and management commands run more than one).
    """
    key = (
        upstream.base_url,
        upstream.api_key,
        upstream.connect_timeout,
        upstream.idle_timeout,
        settings.AI_ASSISTANT_HTTP_TRANSPORT,
    )
    per_loop = _clients.setdefault(asyncio.get_running_loop(), {})
    client = per_loop.get(key)
    if client is None:
        timeout = openai.Timeout(upstream.idle_timeout, connect=upstream.connect_timeout)
        http_client = None  # None: the SDK's own httpx client
        if settings.AI_ASSISTANT_HTTP_TRANSPORT == "aiohttp":
            http_client = openai.DefaultAioHttpClient(timeout=timeout)
        client = openai.AsyncOpenAI(
            base_url=upstream.base_url,
            api_key=upstream.api_key,
            timeout=timeout,
            max_retries=0,  # a retried stream would duplicate text already on the wire
            http_client=http_client,
        )
        per_loop[key] = client
    return client


async def close_clients() -> None:
    """Close this event loop's clients (at shutdown; aiohttp warns about unclosed sessions)."""
    per_loop = _clients.pop(asyncio.get_running_loop(), {})
    for client in per_loop.values():
        await client.close()


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    reported: bool = False  # False when the upstream sent no usage and these are estimates


@dataclass
class Delta:
    text: str = ""
    finish_reason: str | None = None
    usage: Usage | None = None
    model: str | None = None  # the model answering (the first delta of a stream)
    extra: dict[str, Any] = field(default_factory=dict)


# Failures that move a turn to the next upstream, while no text has reached the client.
FALLBACK_KINDS = frozenset({"connection", "timeout", "rate_limit", "unavailable"})
# The metrics' closed set of error kinds.
METRIC_KINDS = {"timeout": "timeout", "connection": "connection", "api": "malformed"}


class NoUpstream(Exception):
    """No LLM upstream is configured."""


def _failed(upstream: Upstream, exc: BaseException) -> bool:
    """Count a failed call; whether the next upstream should be tried (and this one rests)."""
    kind = error_kind(exc)
    if metrics.enabled():
        metrics.LLM_ERRORS.labels(upstream.name, METRIC_KINDS.get(kind, "status")).inc()
    if kind in FALLBACK_KINDS:
        upstreams.health.failed(upstream)
        return True
    return False


async def stream_chat(
    messages: list[dict[str, Any]],
    *,
    max_tokens: int | None = None,
    opened: asyncio.Event | None = None,
) -> AsyncIterator[Delta]:
    """Yield the model that answers, then the text deltas, the finish reason and the usage of
    one streamed completion, from the first upstream that answers (upstreams.py).

    The SDK sends the request (base URL, key, status errors); the SSE body is read raw and
    parsed here, because building the SDK's typed chunk objects was the largest cost per token
    under hundreds of concurrent streams. An upstream whose first text takes longer than its
    first-token timeout (UpstreamTimeout), or that fails as FALLBACK_KINDS say before it,
    gives way to the next; once text has come, the client's read timeout (the idle timeout)
    applies to every read and a failure is the turn's. The caller closes this
    generator to close the request. `opened` is set once an upstream accepted the request (its
    response began), or all failed.
    """
    try:
        upstream, opened_upstream = await _first_upstream(
            lambda upstream: _open(upstream, messages, max_tokens, opened)
        )
        yield Delta(model=upstream.model)
        async for delta in _relay(upstream, opened_upstream):
            yield delta
    finally:
        if opened is not None:
            opened.set()


async def _first_upstream(attempt: Callable[[Upstream], Awaitable[T]]) -> tuple[Upstream, T]:
    """`attempt` on each healthy upstream in order (upstreams.py) until one succeeds: a
    failure that FALLBACK_KINDS allow rests that upstream and moves on; any other is raised,
    as is the last failure when every upstream failed."""
    last: BaseException = NoUpstream()
    for upstream in upstreams.health.attempts(upstreams.configured()):
        try:
            result = await attempt(upstream)
        except Exception as exc:
            if not _failed(upstream, exc):
                raise
            last = exc
            continue
        upstreams.health.succeeded(upstream)
        return upstream, result
    raise last


@dataclass
class Opened:
    """An upstream's streamed response, read up to its first text (or its end)."""

    response: Any
    reads: AsyncIterator[bytes]
    decoder: SSEDecoder
    early: list[Delta]  # what came before and with the first text
    ended: bool  # the body ended already
    error: Exception | None = None  # a malformed event after that text: the turn's error


async def _open(
    upstream: Upstream,
    messages: list[dict[str, Any]],
    max_tokens: int | None,
    accepted: asyncio.Event | None,
) -> Opened:
    """Send the request and read up to the first text, within the first-token timeout;
    `accepted` is set when the response begins (the title's request may go then)."""
    options = completion_options()
    if max_tokens is not None:
        options["max_tokens"] = max(1, min(options["max_tokens"], max_tokens))
    options["stream_options"] = {"include_usage": True}
    body = request_body(options, messages, model=upstream.model, stream=True)
    response = None
    try:
        async with asyncio.timeout(upstream.first_token_timeout):
            response = await get_client(upstream).post(
                CHAT_COMPLETIONS, cast_to=httpx2.Response, body=body, stream=True
            )
            if accepted is not None:
                accepted.set()
            opened = Opened(response, response.aiter_bytes().__aiter__(), SSEDecoder(), [], False)
            while not opened.decoder.done and not any(d.text for d in opened.early):
                data = await _next_read(opened.reads, response)
                if data is None:
                    opened.ended = True
                    break
                try:
                    for delta in opened.decoder.feed(data):
                        opened.early.append(delta)
                except MalformedStream as exc:
                    if not any(d.text for d in opened.early):
                        raise  # nothing sent yet: the next upstream may do better
                    opened.error = exc
            return opened
    except TimeoutError:
        if response is not None:
            await response.aclose()
        raise UpstreamTimeout() from None
    except BaseException:
        if response is not None:
            await response.aclose()
        raise


async def _relay(upstream: Upstream, opened: Opened) -> AsyncIterator[Delta]:
    response, reads, decoder = opened.response, opened.reads, opened.decoder
    try:
        for delta in opened.early:
            yield delta
        if opened.error is not None:
            raise opened.error
        while not opened.ended and not decoder.done:
            # No timer of ours per read: the client's read timeout is the idle timeout.
            data = await _next_read(reads, response)
            if data is None:
                break
            for delta in decoder.feed(data):
                yield delta
        if decoder.done:  # drain what follows [DONE], so the connection can be reused
            with contextlib.suppress(TimeoutError, Exception):
                async with asyncio.timeout(DRAIN_SECONDS):
                    while await _next_read(reads, response) is not None:
                        pass
    except Exception as exc:
        _failed(upstream, exc)  # counted; mid-answer, it is the turn's error all the same
        raise
    finally:
        await response.aclose()


async def _next_read(reads: AsyncIterator[bytes], response: Any) -> bytes | None:
    """The next piece of the body, None at its end; transport failures as the SDK's errors."""
    try:
        return await reads.__anext__()
    except StopAsyncIteration:
        return None
    except Exception as exc:
        raise _transport_error(exc, response) from exc


class MalformedStream(Exception):
    """The upstream sent an event that is not a JSON completion chunk, or an error event."""


class SSEDecoder:
    """Server-sent events to Deltas: `data:` lines, events separated by a blank line."""

    def __init__(self) -> None:
        self._buffer = b""
        self.done = False  # `data: [DONE]` seen

    def feed(self, data: bytes) -> Iterator[Delta]:
        """The Deltas of the events that `data` completes, in order."""
        if b"\r" in data or self._buffer.endswith(b"\r"):
            data = (self._buffer + data).replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            self._buffer = b""
        buffer = self._buffer + data if self._buffer else data
        if b"\n\n" not in buffer:
            self._buffer = buffer
            return
        *events, self._buffer = buffer.split(b"\n\n")
        for event in events:
            if event.startswith(b"data: ") and b"\n" not in event:
                payload: bytes | None = event[6:]  # the usual event: one data line
            else:
                payload = self._payload(event)
                if payload is None:
                    continue
            if payload == b"[DONE]":
                self.done = True
                return
            yield _chunk_delta(payload)

    @staticmethod
    def _payload(event: bytes) -> bytes | None:
        lines = []
        for line in event.split(b"\n"):
            if line.startswith(b"data:"):
                lines.append(line[6:] if line.startswith(b"data: ") else line[5:])
            elif line.startswith(b"event:") and line[6:].strip() == b"error":
                raise MalformedStream("the upstream sent an error event")
        return b"\n".join(lines) if lines else None


def _chunk_delta(payload: bytes) -> Delta:
    try:
        chunk = json.loads(payload.decode())
    except ValueError:  # UnicodeDecodeError included
        raise MalformedStream("an event is not JSON") from None
    if not isinstance(chunk, dict):
        raise MalformedStream("an event is not a JSON object")
    if chunk.get("error"):
        raise MalformedStream("the upstream reported an error mid-stream")
    delta = Delta()
    usage = chunk.get("usage")
    if isinstance(usage, dict):
        delta.usage = Usage(
            input_tokens=int(usage.get("prompt_tokens") or 0),
            output_tokens=int(usage.get("completion_tokens") or 0),
            reported=True,
        )
    choices = chunk.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        choice = choices[0]
        content = (choice.get("delta") or {}).get("content")
        delta.text = content if isinstance(content, str) else ""
        delta.finish_reason = choice.get("finish_reason")
    return delta


def _transport_error(exc: Exception, response: Any) -> Exception:
    """A transport failure while reading the body, as the SDK's error for it.

    The raw body comes from httpx2 (the SDK's HTTP client, whose aiohttp transport maps its
    own failures onto httpx2's), whose exceptions the SDK documents as the causes of its own.
    """
    if isinstance(exc, openai.APIError):
        return exc
    if isinstance(exc, httpx2.TimeoutException):
        return openai.APITimeoutError(request=response.request)
    if isinstance(exc, httpx2.RequestError | ssl.SSLError):
        return openai.APIConnectionError(request=response.request)
    return exc


async def complete_once(
    messages: list[dict[str, Any]], *, max_tokens: int, temperature: float = 0.0
) -> tuple[str, Usage]:
    """One bounded, non-streamed completion (titles, reviews), from the first upstream that
    answers (as stream_chat falls back)."""
    options = {"max_tokens": max_tokens, "temperature": temperature}

    async def attempt(upstream: Upstream) -> tuple[str, Usage]:
        body = request_body(options, messages, model=upstream.model, stream=False)
        response = await get_client(upstream).post(
            CHAT_COMPLETIONS, cast_to=httpx2.Response, body=body
        )
        return _completion(response.content)

    _, answer = await _first_upstream(attempt)
    return answer


def _completion(content: bytes) -> tuple[str, Usage]:
    try:
        completion = json.loads(content)
    except ValueError:
        raise MalformedStream("the completion is not JSON") from None
    if not isinstance(completion, dict):
        raise MalformedStream("the completion is not a JSON object")
    choices = completion.get("choices")
    text = ""
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        message = choices[0].get("message")
        content_ = message.get("content") if isinstance(message, dict) else None
        text = content_ if isinstance(content_, str) else ""
    usage = Usage()
    reported = completion.get("usage")
    if isinstance(reported, dict):
        usage = Usage(
            input_tokens=int(reported.get("prompt_tokens") or 0),
            output_tokens=int(reported.get("completion_tokens") or 0),
            reported=True,
        )
    return text, usage
