"""Moderation settings: defaults plus `configure(**values)`, called once by the chat app at startup.

Everything here is plain Python so `moderation.service.scan` works without Django.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from moderation.types import Severity


@dataclass(frozen=True, slots=True)
class Settings:
    # Characters of a message that are scanned; the chat API rejects longer input anyway.
    scan_max_chars: int = 50_000
    # Score thresholds (0..1) for low, medium, high and critical injection severity.
    severity_thresholds: tuple[float, float, float, float] = (0.3, 0.5, 0.7, 0.9)
    # Injection severity from which the action is block instead of flag.
    injection_block_from: Severity = Severity.HIGH
    # Phrases that never count as injections, e.g. product names such as "Developer Mode".
    injection_allowlist: tuple[str, ...] = ()
    # PII entity type codes to detect; None means every type moderation.pii knows.
    pii_enabled: frozenset[str] | None = None
    # The learned second stage (moderation.learned) runs behind the rules.
    model_enabled: bool = True
    # Probability from which the model alone flags and warns; None: the threshold chosen
    # on the validation sets and shipped with the weights (injection_model.json).
    model_flag_threshold: float | None = None
    # Probability from which the model alone blocks; None: the model alone never blocks.
    model_block_threshold: float | None = None


_DEFAULTS = Settings()
_lock = threading.Lock()
_current = _DEFAULTS


def get() -> Settings:
    """The settings in force; a frozen object, so callers may keep it for a whole scan."""
    return _current


def configure(**values: object) -> Settings:
    """Replace selected settings (others keep their current value); unknown keys raise."""
    global _current
    known = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"unknown moderation setting(s): {', '.join(unknown)}")
    cleaned = {name: _CLEANERS[name](value) for name, value in values.items()}
    with _lock:
        _current = dataclasses.replace(_current, **cleaned)
        return _current


def reset() -> Settings:
    """Back to the defaults (tests use this)."""
    global _current
    with _lock:
        _current = _DEFAULTS
        return _current


def _clean_max_chars(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("scan_max_chars must be a positive integer")
    return value


def _clean_thresholds(value: object) -> tuple[float, float, float, float]:
    try:
        numbers = tuple(float(v) for v in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise ValueError("severity_thresholds must be four numbers") from None
    if len(numbers) != 4 or not all(0 < a < b <= 1 for a, b in _pairs((0.0, *numbers))):
        raise ValueError("severity_thresholds must be four increasing numbers in (0, 1]")
    return numbers  # type: ignore[return-value]


def _pairs(seq: tuple[float, ...]) -> Iterable[tuple[float, float]]:
    return itertools.pairwise(seq)


def _clean_block_from(value: object) -> Severity:
    try:
        severity = value if isinstance(value, Severity) else Severity(str(value).lower())
    except ValueError:
        raise ValueError("injection_block_from must be a severity name") from None
    if severity is Severity.NONE:
        raise ValueError("injection_block_from cannot be 'none' (that would block everything)")
    return severity


def _clean_allowlist(value: object) -> tuple[str, ...]:
    # The reference reads a comma-separated string from its settings; accept that too.
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, Iterable):
        raise ValueError("injection_allowlist must be a list of phrases or a comma list")
    phrases = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError("injection_allowlist entries must be strings")
        if item.strip():
            phrases.append(" ".join(item.split()))
    return tuple(phrases)


def _clean_pii_enabled(value: object) -> frozenset[str] | None:
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, Iterable) or not all(isinstance(i, str) for i in items):
        raise ValueError("pii_enabled must be None or a collection of entity type codes")
    codes = frozenset(i.strip() for i in items if i.strip())
    known = _known_entity_types()
    if known is not None and not codes <= known:
        raise ValueError(f"unknown PII entity type(s): {', '.join(sorted(codes - known))}")
    return codes


def _known_entity_types() -> frozenset[str] | None:
    # Imported late so conf stays importable while the PII module is being built.
    try:
        from moderation import pii
    except ImportError:
        return None
    return frozenset(pii.ENTITY_TYPES)


def _clean_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError("model_enabled must be a boolean")


def _clean_probability(value: object) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError("model thresholds must be numbers in (0, 1] or None") from None
    if isinstance(value, bool) or not 0 < number <= 1:
        raise ValueError("model thresholds must be numbers in (0, 1] or None")
    return number


_CLEANERS = {
    "scan_max_chars": _clean_max_chars,
    "severity_thresholds": _clean_thresholds,
    "injection_block_from": _clean_block_from,
    "injection_allowlist": _clean_allowlist,
    "pii_enabled": _clean_pii_enabled,
    "model_enabled": _clean_bool,
    "model_flag_threshold": _clean_probability,
    "model_block_threshold": _clean_probability,
}
