"""Personal-data and secret detection: `detect(text)` -> findings, `redact(text, findings)`.

Candidates come from `moderation.pii_rules`; each is validated, then scored from its
type's base weight, a checksum bonus and nearby boost and documentation words, and kept
only above its tier's threshold. Raw matched values never leave this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache

from moderation.pii_patterns import (
    BOOST_BONUS,
    CONTEXT_WINDOW,
    DOCUMENTATION_VALUES,
    ENTITY_TYPES,
    EXAMPLE_EMAIL_DOMAINS,
    EXAMPLE_EMAIL_SUFFIXES,
    FILE_EXTENSIONS,
    KEYWORD_WINDOW,
    SERVICE_LOCAL_PARTS,
    STRONG_SUPPRESS_PENALTY,
    SUPPRESS_PENALTY,
    SUPPRESS_WORDS,
    THRESHOLDS,
    EntityType,
)
from moderation.pii_rules import RULES, Rule
from moderation.types import Action, Finding, FindingKind

__all__ = ["BLOCKED_PLACEHOLDER", "ENTITY_TYPES", "EntityType", "detect", "mask", "redact"]

BLOCKED_PLACEHOLDER = "[Message blocked: sensitive credentials detected]"

_DIGITS = "0123456789"
_COMPACT = re.compile(r"[\s\-]")


def _words_regex(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")


# Documentation words count as prose only: "example" inside jane@example.com or a file
# name says nothing about the other values around it.
_SUPPRESS = re.compile(
    r"(?<![a-z0-9@._/\-])(?:"
    + "|".join(re.escape(w) for w in sorted(SUPPRESS_WORDS, key=len, reverse=True))
    + r")(?![a-z0-9_@]|[.\-][a-z0-9])"
)


@cache
def _boost_regex(code: str) -> re.Pattern[str] | None:
    words = ENTITY_TYPES[code].boost
    return _words_regex(words) if words else None


# A run of at least six digits, allowing short separators: every numeric rule's match
# contains one, so numeric rules only look at windows around these runs.
_MAX_PROBES = 12  # anchors with a longer lead-in are searched in windows instead
_DIGIT_CLUSTER = re.compile(r"\d(?:[ \-/.()]{0,2}\d){5,}")
# Letters a numeric match may hold around its digit run ("RO49 AAAA 1B" before it,
# "B01" after it), plus the two characters its lookahead reads.
_CLUSTER_BEFORE, _CLUSTER_AFTER = 24, 10


@dataclass(slots=True)
class _Scan:
    """Facts about the whole text computed once and shared by every rule: the lower-case
    text, the digit count, and the windows where a rule's match can possibly be."""

    text: str
    lower: str
    digits: int
    _clusters: list[tuple[int, int, int]] | None = None  # start, end, digit count
    _numeric: dict[int, list[tuple[int, int]]] = field(default_factory=dict)

    @classmethod
    def of(cls, text: str) -> _Scan:
        return cls(text, text.lower(), sum(map(text.count, _DIGITS)))

    def admits(self, rule: Rule) -> bool:
        if self.digits < max(rule.min_digits, rule.cluster_digits):
            return False
        return not rule.anchors or any(a in self.lower for a in rule.anchors)

    def windows(self, rule: Rule) -> list[tuple[int, int]]:
        # str.lower() can change the length of some non-ASCII text; offsets in `lower`
        # are only usable when it did not.
        if rule.anchors and len(self.lower) == len(self.text):
            return self._anchor_windows(rule)
        if rule.cluster_digits:
            return self._numeric_windows(rule.cluster_digits)
        return [(0, len(self.text))]

    def _numeric_windows(self, fewest: int) -> list[tuple[int, int]]:
        """Windows around digit runs long enough for the rule: a date's eight digits are
        never a card, so card, ID and phone rules skip most of a log's timestamps."""
        if self._clusters is None:
            self._clusters = [
                (m.start(), m.end(), sum(map(m.group().count, _DIGITS)))
                for m in _DIGIT_CLUSTER.finditer(self.text)
            ]
        if fewest not in self._numeric:
            self._numeric[fewest] = _merge(
                (start - _CLUSTER_BEFORE, end + _CLUSTER_AFTER)
                for start, end, count in self._clusters
                if count >= fewest
            )
        return self._numeric[fewest]

    def _anchor_windows(self, rule: Rule) -> list[tuple[int, int]]:
        before, after = rule.reach
        spans = []
        for anchor in rule.anchors:
            at = self.lower.find(anchor)
            while at != -1:
                spans.append((at - before, at + len(anchor) + after))
                at = self.lower.find(anchor, at + 1)
        return _merge(spans)

    def matches(self, rule: Rule) -> Iterator[re.Match[str]]:
        before = rule.reach[0]
        if rule.anchors and before <= _MAX_PROBES and len(self.lower) == len(self.text):
            yield from self._probe(rule)
            return
        # A window ends beyond any match it can hold, so cutting the text there never
        # turns a failing lookahead into a passing one.
        for start, end in self.windows(rule):
            yield from rule.regex.finditer(self.text, start, end)

    def _probe(self, rule: Rule) -> Iterator[re.Match[str]]:
        """Try the rule only at the few offsets where a match could start before each
        anchor: far cheaper than scanning the window, and linear in the anchors."""
        before, after = rule.reach
        seen: set[tuple[int, int]] = set()
        for anchor in rule.anchors:
            at = self.lower.find(anchor)
            while at != -1:
                end = at + len(anchor) + after
                for start in range(max(0, at - before), at + 1):
                    match = rule.regex.match(self.text, start, end)
                    if match is not None and match.span() not in seen:
                        seen.add(match.span())
                        yield match
                at = self.lower.find(anchor, at + 1)

    def near(
        self, start: int, end: int, pattern: re.Pattern[str], window: int = CONTEXT_WINDOW
    ) -> bool:
        before = self.text[max(0, start - window) : start].lower()
        after = self.text[end : end + window // 2].lower()
        return pattern.search(before) is not None or pattern.search(after) is not None


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return [(max(0, s), e) for s, e in merged]


def mask(value: str) -> str:
    """First 4 characters + "***" (first 2 for values of 8 or fewer); never the whole value."""
    if len(value) <= 4:
        return "***"
    keep = 2 if len(value) <= 8 else 4
    return value[:keep] + "***"


def _is_documentation_value(code: str, value: str) -> bool:
    compact = _COMPACT.sub("", value).upper()
    if compact in DOCUMENTATION_VALUES:
        return True
    if code == "pii_email":
        return _is_example_address(value)
    return False


def _is_example_address(address: str) -> bool:
    local, _, domain = address.lower().rpartition("@")
    if domain in EXAMPLE_EMAIL_DOMAINS or domain.endswith(EXAMPLE_EMAIL_SUFFIXES):
        return True
    if domain.startswith(("example.", "test.")) or local in SERVICE_LOCAL_PARTS:
        return True
    return domain.rsplit(".", 1)[-1] in FILE_EXTENSIONS


def _confidence(etype: EntityType, rule: Rule, scan: _Scan, span: tuple[int, int]) -> float:
    """Base weight, + checksum bonus, + boost word nearby, - documentation word nearby."""
    score = (rule.base if rule.base is not None else etype.base) + rule.bonus
    boost = _boost_regex(etype.code)
    needs_keyword = etype.needs_keyword if rule.needs_keyword is None else rule.needs_keyword
    if needs_keyword:
        # Without a check digit only the keyword separates an SSN from an invoice number,
        # so it must sit close: a "phone" two sentences away does not count.
        if boost is None or not scan.near(*span, boost, KEYWORD_WINDOW):
            return 0.0
        score += BOOST_BONUS
    elif boost is not None and scan.near(*span, boost):
        score += BOOST_BONUS
    if scan.near(*span, _SUPPRESS):
        score -= STRONG_SUPPRESS_PENALTY if etype.strong else SUPPRESS_PENALTY
    return round(min(1.0, max(0.0, score)), 4)


def _evaluate(
    rule: Rule, match: re.Match[str], scan: _Scan, enabled: frozenset[str] | None
) -> Finding | None:
    if rule.resolve is not None:
        resolved = rule.resolve(scan.text, match)
        if resolved is None:
            return None
        start, end, code = resolved
    else:
        start, end, code = match.start(rule.group), match.end(rule.group), rule.code
    if enabled is not None and code not in enabled:
        return None
    value = scan.text[start:end]
    if _is_documentation_value(code, value):
        return None
    if rule.check is not None:
        checked = value if rule.check_group is None else match.group(rule.check_group)
        if not rule.check(checked):
            return None
    etype = ENTITY_TYPES[code]
    confidence = _confidence(etype, rule, scan, (start, end))
    if confidence < THRESHOLDS[etype.tier]:
        return None
    return Finding(
        kind=FindingKind.PII,
        category=code,
        start=start,
        end=end,
        confidence=confidence,
        action=etype.tier,
        masked=mask(value),
        display_name=etype.display_name,
        stage="pii",
    )


_PRIORITY = {code: i for i, code in enumerate(ENTITY_TYPES)}


def _rank(f: Finding) -> tuple[int, float, int]:
    return (f.action.rank, f.confidence, -_PRIORITY[f.category])


def _drop_nested(candidates: list[Finding]) -> list[Finding]:
    """Drop a finding lying inside a stronger one (an email inside a database URL, a
    bearer value that is a JWT). Partial overlaps are kept: `redact` merges them, and
    dropping one could leave part of its value in clear text."""
    ordered = sorted(candidates, key=lambda f: (f.start, -f.end, tuple(-x for x in _rank(f))))
    kept: list[Finding] = []
    open_spans: list[Finding] = []  # kept findings that may still contain later ones
    for cand in ordered:
        open_spans = [f for f in open_spans if f.end > cand.start]
        if any(f.end >= cand.end and _rank(f) >= _rank(cand) for f in open_spans):
            continue
        kept.append(cand)
        open_spans.append(cand)
    return kept


def detect(text: str, *, enabled: frozenset[str] | None = None) -> list[Finding]:
    """Every personal-data or secret finding in `text`, sorted by start.

    `enabled` limits the entity type codes reported (None: all of them). Block-tier
    findings do not stop the scan: the service still wants the full list for its record.
    """
    if not text:
        return []
    scan = _Scan.of(text)
    candidates: list[Finding] = []
    for rule in RULES:
        if scan.admits(rule):
            for match in scan.matches(rule):
                finding = _evaluate(rule, match, scan, enabled)
                if finding is not None:
                    candidates.append(finding)
    return sorted(_drop_nested(candidates), key=lambda f: (f.start, f.end))


def redact(text: str, findings: list[Finding]) -> str:
    """Replace each finding's span with `[<entity_type>_REDACTED]`.

    Any block-tier finding replaces the whole text with BLOCKED_PLACEHOLDER. Overlapping
    spans are merged into one and labelled with the highest-tier finding among them (the
    earliest on a tie), so the label names the most sensitive thing that was removed.
    Other copies of a detected value in the text are redacted too.
    """
    if not findings:
        return text
    if any(f.action is Action.BLOCK for f in findings):
        return BLOCKED_PLACEHOLDER
    pieces: list[str] = []
    cursor = 0
    for start, end, label in _merge_spans(_with_copies(text, findings), len(text)):
        pieces.append(text[cursor:start])
        pieces.append(f"[{label}_REDACTED]")
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _with_copies(text: str, findings: list[Finding]) -> list[Finding]:
    """Add every other occurrence of a detected value: a copy of the number away from its
    keyword ("SSN ..." then the same digits again) is the same secret.

    Each distinct value is searched once, so a value found N times costs N, not N squared.
    """
    first: dict[str, Finding] = {}
    spans: set[tuple[int, int]] = set()
    for f in findings:
        spans.add((f.start, f.end))
        value = text[f.start : f.end]
        if value:
            first.setdefault(value, f)
    extra = []
    for value, f in first.items():
        at = text.find(value)
        while at != -1:
            if (at, at + len(value)) not in spans:
                extra.append(Finding(f.kind, f.category, at, at + len(value), f.confidence,
                                     f.action, f.masked, f.display_name, "pii"))  # fmt: skip
            at = text.find(value, at + 1)
    return [*findings, *extra]


def _merge_spans(findings: list[Finding], length: int) -> list[tuple[int, int, str]]:
    merged: list[list] = []  # [start, end, label finding]
    for f in sorted(findings, key=lambda f: (f.start, f.end, -f.action.rank)):
        start, end = max(0, f.start), min(length, f.end)
        if start >= end:
            continue
        if merged and start < merged[-1][1]:
            group = merged[-1]
            group[1] = max(group[1], end)
            if f.action > group[2].action:
                group[2] = f
            continue
        merged.append([start, end, f])
    return [(start, end, f.category) for start, end, f in merged]
