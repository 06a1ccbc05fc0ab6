"""`scan(text) -> Verdict`: the one entry point every user message goes through.

Pure Python (no Django, no network). Any detector failure fails closed: a critical block
with `error` set, logged without the input text.
"""

from __future__ import annotations

import logging
import traceback

from moderation import conf, injection, learned, pii, policy
from moderation.normalize import normalize
from moderation.types import Severity, Verdict

logger = logging.getLogger(__name__)


def scan(text: str) -> Verdict:
    """Check one message for prompt injection and personal data; never raises on a str."""
    settings = conf.get()
    # Only the first `scan_max_chars` are scanned; redaction still applies to the full text.
    scanned = text[: settings.scan_max_chars]
    try:
        result = injection.detect(scanned, allowlist=settings.injection_allowlist)
    except Exception as exc:
        return _fail_closed("injection", exc)
    try:
        # normalize() is cached, so the model reads the fold the rules just made.
        model = (
            learned.score(scanned, normalize(scanned), decoded=result.decoded)
            if settings.model_enabled
            else None
        )
    except Exception as exc:
        return _fail_closed("model", exc)
    try:
        findings = pii.detect(scanned, enabled=settings.pii_enabled)
        redacted = pii.redact(text, findings) if findings else text
    except Exception as exc:
        return _fail_closed("pii", exc)
    verdict = policy.verdict(result, findings, redacted, settings, model)
    _log(verdict)
    return verdict


def _fail_closed(detector: str, exc: Exception) -> Verdict:
    # Neither the exception message nor a formatted traceback is logged: both can quote
    # the input. The type and the failing line are enough to find the bug.
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f"{frame.filename}:{frame.lineno}" if frame else "unknown"
    reason = f"{detector} detector failed ({type(exc).__name__})"
    logger.error("moderation: %s at %s; message blocked (fail closed)", reason, where)
    return policy.failed_closed(reason)


def _log(verdict: Verdict) -> None:
    if not verdict.is_flagged:
        return
    level = logging.WARNING if verdict.severity >= Severity.HIGH else logging.INFO
    logger.log(
        level,
        "moderation: %s %s injection=%s pii=%s",
        verdict.action.value,
        verdict.severity.value,
        ",".join(verdict.injection_categories) or "-",
        ",".join(verdict.pii_categories) or "-",
    )
