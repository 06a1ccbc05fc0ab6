"""Prompt-injection detector: fold the text, run rules only near their trigger words, score.

A cheap combined trigger scan decides which rules run and where (a window around each
trigger), so ordinary text costs one regex pass. Encoded payloads (base64, hex, reversed,
ROT13, Unicode tag characters) are decoded and scanned again, at most twice deep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from moderation.injection_index import (
    ALL_RULES,
    change_windows,
    near,
    run_rules,
    trigger_positions,
)
from moderation.injection_mentions import mentioned
from moderation.injection_payloads import decoded_payloads, transformed_views
from moderation.injection_rulebase import Rule
from moderation.normalize import DENSE_LEET, Normalized, leet_lines, normalize

__all__ = ["ALL_RULES", "Hit", "InjectionResult", "detect", "score"]

OBFUSCATION = "obfuscation"
ENCODING = "encoding_trick"

_MAX_DEPTH = 2
# Only weights at or above this count towards the multi-category boost.
_BOOST_FLOOR = 0.2
_LEET_WORDS = frozenset(
    ["hack", "hacking", "ignore", "bypass", "override", "jailbreak", "exploit", "inject",
     "disable", "disregard"]
)  # fmt: skip
_WORD_RE = re.compile(r"[a-z]+")
_DIFF_CHUNK = 64


@dataclass(frozen=True, slots=True)
class Hit:
    category: str
    weight: float
    start: int  # span in the text given to `detect`
    end: int


@dataclass(frozen=True, slots=True)
class InjectionResult:
    score: float
    hits: tuple[Hit, ...]  # the strongest hit per category
    # Readable text found by decoding the message (start, end, text), for the learned
    # stage: an encoded instruction is scored as what it says, not as what it looks like.
    decoded: tuple[tuple[int, int, str], ...] = ()


def detect(text: str, *, allowlist: tuple[str, ...] = ()) -> InjectionResult:
    """Score `text` for prompt injection (0..1) and list the strongest hit per category."""
    decoded: list[tuple[int, int, str]] = []
    hits = _scan(text, allowlist, 0, {}, decoded)
    strongest: dict[str, Hit] = {}
    for hit in hits:
        if hit.category not in strongest or hit.weight > strongest[hit.category].weight:
            strongest[hit.category] = hit
    ordered = tuple(sorted(strongest.values(), key=lambda h: (-h.weight, h.category)))
    return InjectionResult(score=score(ordered), hits=ordered, decoded=tuple(decoded))


def score(hits: tuple[Hit, ...]) -> float:
    """Highest weight plus a boost for independent categories; weak cues alone stay weak."""
    if not hits:
        return 0.0
    top = max(h.weight for h in hits)
    if top < 0.3:
        return round(top, 3)
    others = sum(1 for h in {h.category: h for h in hits}.values() if h.weight >= _BOOST_FLOOR)
    boost = (0.0, 0.0, 0.1, 0.15)[others] if others < 4 else 0.2
    return round(min(1.0, top + boost), 3)


_Memo = dict[tuple[str, int], list["Hit"]]
_Sink = list[tuple[int, int, str]] | None


def _scan(
    text: str, allowlist: tuple[str, ...], depth: int, memo: _Memo, sink: _Sink = None
) -> list[Hit]:
    # A payload repeated in one message (or a tag payload equal to a base64 one) is
    # decoded once and scanned once. `sink` collects the top level's decoded readings.
    key = (text, depth)
    if key not in memo:
        memo[key] = _scan_once(text, allowlist, depth, memo, sink)
    return memo[key]


def _scan_once(
    text: str, allowlist: tuple[str, ...], depth: int, memo: _Memo, sink: _Sink
) -> list[Hit]:
    norm = normalize(text)
    folded = _mask_allowlisted(norm.text, allowlist)
    positions = trigger_positions(folded)
    hits = []
    for found in run_rules(folded, positions):
        rule = ALL_RULES[found.number]
        example = mentioned(folded, found.start, found.end, rule.category)
        hits.append(_hit(norm, rule, found.start, found.end, example))
    if norm.leet:
        leet = _mask_allowlisted(norm.leet, allowlist)
        changed = _diff_spans(folded, leet) if allowlist else list(norm.leet_spans)
        hits += _leet_hits(norm, folded, leet, changed, positions, hits)
    hits += _obfuscation_hits(norm, bool(hits), allowlist, depth, memo)
    if sink is not None:
        if norm.tag_payload:
            sink.append((0, len(text), norm.tag_payload))
        if len(norm.leet_spans) >= DENSE_LEET and (lines := leet_lines(norm)):
            sink.append((0, len(text), lines))
    if depth < _MAX_DEPTH:
        hits += _payload_hits(text, folded, allowlist, depth, memo, sink)
    return hits


def _hit(norm: Normalized, rule: Rule, start: int, end: int, example: bool = False) -> Hit:
    # An attack phrase that is mentioned, not used (a quoted example, a description, a
    # line of a story) is a weak cue.
    weight = min(rule.weight, 0.25) if example else rule.weight
    return Hit(rule.category, weight, *norm.span(start, end))


def _diff_spans(plain: str, leet: str) -> list[tuple[int, int]]:
    """Chunks where two same-length views differ: a cheap superset of the changed spans."""
    return [
        (at, min(at + _DIFF_CHUNK, len(plain)))
        for at in range(0, len(plain), _DIFF_CHUNK)
        if plain[at : at + _DIFF_CHUNK] != leet[at : at + _DIFF_CHUNK]
    ]


def _leet_hits(
    norm: Normalized,
    plain: str,
    leet: str,
    changed: list[tuple[int, int]],
    plain_positions: dict[int, list[int]],
    plain_hits: list[Hit],
) -> list[Hit]:
    """Rules that only match once digits are read as letters: "1gn0r3 4ll pr3v10us...".

    Away from the changed words the leet view is the plain text, so a rule that matches
    there has matched in the plain pass already; only triggers near a change are tried.
    """
    windows = change_windows(changed, len(leet))
    ends = [high for _, high in windows]
    positions = trigger_positions(leet, windows)
    seen = {h.category for h in plain_hits}

    def first_trigger(number: int) -> tuple[int, int]:
        # Where the rule's first trigger sits in the whole leet view: the earliest of its
        # triggers near a change and of its plain triggers away from every change.
        outside = (t for t in plain_positions.get(number, ()) if not near(windows, ends, t))
        return min(positions[number][0], next(outside, len(leet))), number

    found = sorted(
        (h for h in run_rules(leet, positions) if ALL_RULES[h.number].category not in seen),
        key=lambda h: first_trigger(h.number),
    )
    hits = [_hit(norm, ALL_RULES[h.number], h.start, h.end) for h in found]
    disguised = _disguised_word(norm.text, leet, changed)
    if hits or disguised:
        start, end = norm.span(*disguised) if disguised else (hits[0].start, hits[0].end)
        hits.append(Hit(OBFUSCATION, 0.55, start, end))
    return hits


def _disguised_word(plain: str, leet: str, changed: list[tuple[int, int]]) -> tuple[int, int]:
    """The first attack word that only appears once leetspeak is folded ("h4ck"), or ()."""
    low = high = -1
    for start, end in changed:
        start, end = max(0, start - 1), min(len(leet), end + 1)
        while start and leet[start - 1].isascii() and leet[start - 1].isalpha():
            start -= 1
        while end < len(leet) and leet[end].isascii() and leet[end].isalpha():
            end += 1
        if start > high:
            if high >= 0 and (span := _disguised_in(plain, leet, low, high)):
                return span
            low = start
        high = max(high, end)
    return _disguised_in(plain, leet, low, high) if high >= 0 else ()


def _disguised_in(plain: str, leet: str, low: int, high: int) -> tuple[int, int]:
    for match in _WORD_RE.finditer(leet, low, high):
        if match.group() in _LEET_WORDS and match.group() not in plain:
            return match.span()
    return ()


def _obfuscation_hits(
    norm: Normalized, has_hits: bool, allowlist: tuple[str, ...], depth: int, memo: _Memo
) -> list[Hit]:
    whole = (0, norm.source_length)
    hits = []
    inner: list[Hit] = []
    if norm.tag_payload and depth < _MAX_DEPTH:
        inner = _scan(norm.tag_payload, allowlist, depth + 1, memo)
        hits += [Hit(h.category, h.weight, *whole) for h in inner]
    if norm.tag_payload:
        # Tag characters render as nothing: text hidden in them is meant for the model
        # only. Hidden instructions are critical; hidden harmless text is a cue.
        hits.append(Hit(OBFUSCATION, 0.9 if score(tuple(inner)) >= 0.3 else 0.25, *whole))
    if norm.invisible and (has_hits or norm.invisible >= 3):
        # Zero-width characters are decoded by normalize(): the rules already read through
        # them, so without a hit they are only a cue (pasted web text is full of them).
        hits.append(Hit(OBFUSCATION, 0.5 if has_hits else 0.25, *whole))
    return hits


def _payload_hits(
    raw: str, folded: str, allowlist: tuple[str, ...], depth: int, memo: _Memo, sink: _Sink
) -> list[Hit]:
    hits = []
    for start, end, decoded in decoded_payloads(raw):
        if sink is not None:
            sink.append((start, end, decoded))
        inner = _scan(decoded, allowlist, depth + 1, memo)
        if score(tuple(inner)) >= 0.3:
            hits.append(Hit(ENCODING, max(0.85, max(h.weight for h in inner)), start, end))
            hits += [Hit(h.category, h.weight, start, end) for h in inner]
    for transformed in transformed_views(folded):
        if sink is not None:
            sink.append((0, len(raw), transformed))
        inner = _scan(transformed, allowlist, depth + 1, memo)
        if score(tuple(inner)) >= 0.5:
            hits.append(Hit(ENCODING, max(0.8, max(h.weight for h in inner)), 0, len(raw)))
    return hits


def _mask_allowlisted(text: str, allowlist: tuple[str, ...]) -> str:
    """Blank out allowlisted phrases (same length, so offsets hold); the rest is still scanned."""
    pattern = _allowlist_pattern(allowlist)
    if pattern is None:
        return text
    return pattern.sub(lambda m: " " * len(m.group()), text)


@lru_cache(maxsize=8)
def _allowlist_pattern(allowlist: tuple[str, ...]) -> re.Pattern[str] | None:
    phrases = sorted({normalize(p).text.strip() for p in allowlist} - {""}, key=len, reverse=True)
    if not phrases:
        return None
    alternation = "|".join(r"\s+".join(map(re.escape, p.split())) for p in phrases)
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")
