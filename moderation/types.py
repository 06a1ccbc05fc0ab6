"""Value types shared by every moderation stage: ordered enums, findings and the verdict.

Nothing here imports Django; the chat apps map these onto their own model choices.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

_RANKS: dict[type, dict] = {}


class _Ordered(enum.Enum):
    """An enum whose members compare by declaration order, so `max()` picks the worst."""

    @property
    def rank(self) -> int:
        # Declaration order; looked up in a per-class table, since sorting calls this a lot.
        table = _RANKS.get(type(self))
        if table is None:
            table = _RANKS[type(self)] = {member: i for i, member in enumerate(type(self))}
        return table[self]

    def __lt__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.rank >= other.rank


class Severity(_Ordered):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @classmethod
    def from_score(cls, score: float) -> Severity:
        if score >= 0.9:
            return cls.CRITICAL
        if score >= 0.7:
            return cls.HIGH
        if score >= 0.5:
            return cls.MEDIUM
        if score >= 0.3:
            return cls.LOW
        return cls.NONE


class Action(_Ordered):
    ALLOW = "allow"
    FLAG = "flag"
    WARN = "warn"
    REDACT = "redact"
    BLOCK = "block"

    @classmethod
    def for_injection(cls, severity: Severity) -> Action:
        if severity >= Severity.HIGH:
            return cls.BLOCK
        if severity >= Severity.LOW:
            return cls.FLAG
        return cls.ALLOW

    def pii_severity(self) -> Severity:
        return {
            Action.BLOCK: Severity.CRITICAL,
            Action.REDACT: Severity.HIGH,
            Action.WARN: Severity.MEDIUM,
            Action.FLAG: Severity.LOW,
            Action.ALLOW: Severity.NONE,
        }[self]


class FindingKind(enum.Enum):
    INJECTION = "injection"
    PII = "pii"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Finding:
    """One detection. `masked` never holds the raw matched value."""

    kind: FindingKind
    category: str  # injection category or PII entity type code (pii_us_ssn, ...)
    start: int  # span in the ORIGINAL text (the text given to scan)
    end: int
    confidence: float  # 0..1
    action: Action  # what this finding alone asks for
    masked: str = ""  # e.g. "AKIA***"; empty for injections
    display_name: str = ""  # human name for messages ("Credit card number")
    stage: str = "rules"  # which stage found it: "rules", "model" or "pii"


@dataclass(frozen=True, slots=True)
class Verdict:
    severity: Severity
    action: Action
    is_flagged: bool
    score: float
    injection_severity: Severity
    injection_categories: list[str] = field(default_factory=list)
    pii_categories: list[str] = field(default_factory=list)
    findings: tuple[Finding, ...] = ()
    redacted_text: str = ""
    user_message: str = ""
    error: str = ""  # set only when a detector failed and the verdict failed closed
    model_score: float = 0.0  # the learned stage's probability for the most suspicious segment
    detected_by: tuple[str, ...] = ()  # the stages with a finding: "rules", "model", "pii"

    @property
    def blocked(self) -> bool:
        return self.action is Action.BLOCK
