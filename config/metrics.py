"""Prometheus metrics of the server (the official prometheus-client), and their exposition.

Under scripts/serve every worker process writes its samples to PROMETHEUS_MULTIPROC_DIR and
GET /metrics adds them up (prometheus-client's multiprocess mode); without it (tests, a single
process) the default registry serves. Label values come from closed sets (route templates,
methods, statuses, enum values, configured model and upstream names): never user data, ids or
addresses, so the number of series stays bounded.
"""

from __future__ import annotations

import hmac
import ipaddress
import os

from django.conf import settings
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

HTTP_REQUESTS = Counter(
    "chat_http_requests_total", "HTTP requests answered.", ["route", "method", "status"]
)
HTTP_SECONDS = Histogram(
    "chat_http_request_duration_seconds",
    "Time to a response's headers (a stream's body is not counted).",
    ["route", "method"],
)
STREAMS_IN_FLIGHT = Gauge(
    "chat_streams_in_flight",
    "Answers generating now.",
    ["kind"],
    multiprocess_mode="livesum",
)
FIRST_TOKEN_SECONDS = Histogram(
    "chat_turn_first_token_seconds",
    "From the stream request to its first answer text.",
    ["kind"],
    buckets=(0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60),
)
TURN_SECONDS = Histogram(
    "chat_turn_duration_seconds",
    "From the stream request to the answer stored.",
    ["kind", "finish_reason"],
    buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300),
)
TOKENS = Counter(
    "chat_tokens_total", "Tokens spent, as the LLM reported them.", ["direction", "model", "kind"]
)
LLM_ERRORS = Counter(
    "chat_llm_errors_total",
    "Failed LLM calls by kind (timeout, status, connection, malformed).",
    ["upstream", "kind"],
)
UPSTREAM_HEALTHY = Gauge(
    "chat_llm_upstream_healthy",
    "1 while an upstream is usable, 0 during its cool-down after a failure.",
    ["upstream"],
    multiprocess_mode="livemin",
)
MODERATION_VERDICTS = Counter(
    "chat_moderation_verdicts_total", "Moderated messages.", ["action", "severity"]
)
MODERATION_CATEGORIES = Counter(
    "chat_moderation_categories_total", "Detections by category.", ["category"]
)
MODERATION_SECONDS = Histogram(
    "chat_moderation_scan_seconds",
    "Time to moderate one message.",
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25),
)
REFUSALS = Counter(
    "chat_admission_refusals_total",
    "Turns refused (quota, site_budget, per_minute, per_ip, strikes, streams).",
    ["cap", "kind"],
)
STOPS = Counter(
    "chat_turn_stops_total",
    "Answers stopped early (cancelled, superseded, disconnected, interrupted).",
    ["reason", "kind"],
)
DB_POOL = Gauge(
    "chat_db_pool_connections",
    "Database pool connections by state (in_use, waiting).",
    ["state"],
    multiprocess_mode="livesum",
)


def enabled() -> bool:
    return settings.METRICS_ENABLED


def exposition() -> tuple[bytes, str]:
    """The text exposition of every metric (of every worker process under scripts/serve)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = DEFAULT_REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST


def may_read(client_address: str | None, authorization: str) -> bool:
    """Whether a client may read /metrics: from METRICS_ALLOWED_NETWORKS, or with the token."""
    token = settings.METRICS_TOKEN
    if token and hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
        return True
    if client_address is None:
        return False
    try:
        address = ipaddress.ip_address(client_address)
    except ValueError:
        return False
    networks = (ipaddress.ip_network(n, strict=False) for n in settings.METRICS_ALLOWED_NETWORKS)
    return any(address in network for network in networks)


def worker_exited(pid: int) -> None:
    """Drop a worker's live gauges (multiprocess mode) when it stops."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)
