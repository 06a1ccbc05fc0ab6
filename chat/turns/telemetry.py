"""What a turn tells the operator: Prometheus metrics (config.metrics) and one log line at its
end. Labels and log fields are closed sets and numbers, never text, ids or addresses."""

from __future__ import annotations

import logging

from chat.turns.admission import CapacityError, StreamCapacity
from chat.turns.conversation import CallerKind
from chat.turns.generation import Outcome
from config import metrics
from config.rest import DomainError
from moderation.types import Verdict

logger = logging.getLogger("chat.turns")


def refusal_cap(exc: DomainError) -> str | None:
    """The cap a refused admission names, as the metric's closed set of labels."""
    if isinstance(exc, StreamCapacity):
        return "streams"
    if exc.code == "blocked":
        return "strikes"
    if not isinstance(exc, CapacityError):
        return None
    if exc.code.startswith("per_ip_"):
        return "per_ip"
    if exc.code.endswith("_minute_burst"):
        return "per_minute"
    if exc.code.startswith("global_"):
        return "site_budget"
    return "quota"


def refused(exc: BaseException, kind: CallerKind) -> None:
    cap = refusal_cap(exc) if isinstance(exc, DomainError) else None
    if cap is not None and metrics.enabled():
        metrics.REFUSALS.labels(cap, kind.value).inc()


def moderated(verdict: Verdict, seconds: float) -> None:
    if not metrics.enabled():
        return
    metrics.MODERATION_SECONDS.observe(seconds)
    metrics.MODERATION_VERDICTS.labels(verdict.action.value, verdict.severity.value).inc()
    for category in (*verdict.injection_categories, *verdict.pii_categories):
        metrics.MODERATION_CATEGORIES.labels(category).inc()


def stream_started(kind: CallerKind) -> None:
    if metrics.enabled():
        metrics.STREAMS_IN_FLIGHT.labels(kind.value).inc()


def first_text(kind: CallerKind, seconds: float) -> None:
    if metrics.enabled():
        metrics.FIRST_TOKEN_SECONDS.labels(kind.value).observe(seconds)


def stream_ended(kind: CallerKind, outcome: Outcome, seconds: float, client_gone: bool) -> None:
    reason = str(outcome.finish_reason)
    usage = outcome.usage
    logger.info(
        "Turn ended: %s, %d tokens in, %d out, %.2f s%s",
        reason,
        usage.input_tokens,
        usage.output_tokens,
        seconds,
        ", client gone" if client_gone else "",
    )
    if not metrics.enabled():
        return
    metrics.STREAMS_IN_FLIGHT.labels(kind.value).dec()
    metrics.TURN_SECONDS.labels(kind.value, reason).observe(seconds)
    model = outcome.model or "-"
    metrics.TOKENS.labels("in", model, kind.value).inc(usage.input_tokens)
    metrics.TOKENS.labels("out", model, kind.value).inc(usage.output_tokens)
    if reason in ("cancelled", "interrupted"):
        metrics.STOPS.labels(reason, kind.value).inc()
    if client_gone:
        metrics.STOPS.labels("disconnected", kind.value).inc()
