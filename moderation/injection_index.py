"""Where each injection rule is tried: one trie regex finds trigger stems, and each rule
is matched only at the few word starts just before its triggers."""

from __future__ import annotations

import bisect
import re

# The parser is the only exact view of what a rule's regex can start with.
import re._constants as sre_c
import re._parser as sre_parse
from collections import defaultdict
from dataclasses import dataclass

from moderation.injection_rules import RULES, Rule
from moderation.injection_rules_agent import AGENT_RULES
from moderation.injection_rules_context import CONTEXT_RULES
from moderation.injection_rules_indirect import INDIRECT_RULES
from moderation.injection_rules_indirect_ml import ML_INDIRECT_RULES

ALL_RULES: tuple[Rule, ...] = (
    RULES + CONTEXT_RULES + INDIRECT_RULES + ML_INDIRECT_RULES + AGENT_RULES
)
MAX_MATCH = 400  # no rule needs a longer stretch of text
_WORD_SLACK = 12  # how far back a lead-less rule may look for the start of the trigger's word


@dataclass(frozen=True, slots=True)
class RuleHit:
    number: int  # index into ALL_RULES
    start: int
    end: int


def _trigger_index() -> tuple[re.Pattern[str], dict[str, tuple[int, ...]], int]:
    index: dict[str, list[int]] = defaultdict(list)
    for number, rule in enumerate(ALL_RULES):
        for stem in rule.triggers:
            index[stem.lower()].append(number)
    # The alternation reports the longest stem at each position, so a stem also
    # triggers the rules of every stem it contains.
    stems = sorted(index, key=len, reverse=True)
    # A look-ahead reports overlapping stems too ("your new" and "new instruction").
    pattern = re.compile(f"(?=({_trie_regex(stems)}))")
    covering = {
        stem: tuple(sorted({n for other in stems if other in stem for n in index[other]}))
        for stem in stems
    }
    return pattern, covering, len(stems[0])


def _trie_regex(words: list[str]) -> str:
    """One regex for many literals, shaped as a trie: a flat alternation is far slower."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_node(trie)


def _trie_node(node: dict) -> str:
    branches = [re.escape(char) + _trie_node(child) for char, child in node.items() if char]
    if not branches:
        return ""
    # Longest match first: a stem that ends here is the fallback after every longer branch.
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


_TRIGGER_RE, _TRIGGER_RULES, _LONGEST_STEM = _trigger_index()
_STARTS_RE = re.compile(r"^|\b(?=\w)|[^\w\s]", re.MULTILINE)
# How far before and after a trigger a rule reads: its lead, the word slack, look-behinds
# (at most a few characters) and the match itself. Changes outside that reach cannot
# alter what the rule sees, which lets the leetspeak pass look only near changed words.
REACH_BACK = max(rule.lead for rule in ALL_RULES) + _WORD_SLACK + 32
REACH_AHEAD = MAX_MATCH + _LONGEST_STEM + 32

_CATEGORY_CLASS = {
    sre_c.CATEGORY_DIGIT: r"\d",
    sre_c.CATEGORY_NOT_DIGIT: r"\D",
    sre_c.CATEGORY_SPACE: r"\s",
    sre_c.CATEGORY_NOT_SPACE: r"\S",
    sre_c.CATEGORY_WORD: r"\w",
    sre_c.CATEGORY_NOT_WORD: r"\W",
}
_ZERO_WIDTH = (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT)
_REPEATS = (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT)


def _first_chars(items: list) -> tuple[set[str], bool] | None:
    """Regex class items for every character a match can begin with, and whether the
    sequence can match empty; None when the pattern is too general to say."""
    found: set[str] = set()
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        if op is sre_c.LITERAL:
            return found | {f"\\U{av:08x}"}, False
        if op is sre_c.IN:
            parts = _class_items(av)
            return (found | parts, False) if parts is not None else None
        if op is sre_c.SUBPATTERN or op is sre_c.ATOMIC_GROUP:
            inner = _first_chars(list(av[-1] if op is sre_c.SUBPATTERN else av))
        elif op is sre_c.BRANCH:
            inner = _first_of_branches(av[1])
        elif op in _REPEATS:
            inner = _first_chars(list(av[2]))
            if inner is not None and av[0] == 0:
                inner = (inner[0], True)
        else:
            return None
        if inner is None:
            return None
        found |= inner[0]
        if not inner[1]:
            return found, False
    return found, True


def _first_of_branches(branches: list) -> tuple[set[str], bool] | None:
    found: set[str] = set()
    nullable = False
    for branch in branches:
        inner = _first_chars(list(branch))
        if inner is None:
            return None
        found |= inner[0]
        nullable = nullable or inner[1]
    return found, nullable


def _class_items(items: list) -> set[str] | None:
    parts: set[str] = set()
    for op, av in items:
        if op is sre_c.LITERAL:
            parts.add(f"\\U{av:08x}")
        elif op is sre_c.RANGE:
            parts.add(f"\\U{av[0]:08x}-\\U{av[1]:08x}")
        elif op is sre_c.CATEGORY and av in _CATEGORY_CLASS:
            parts.add(_CATEGORY_CLASS[av])
        else:
            return None  # negated sets and the like: no cheap first-character test
    return parts


def _start_regex(rule: Rule) -> re.Pattern[str]:
    """The word, line and symbol starts of `_STARTS_RE` where this rule's match can begin."""
    first = _first_chars(list(sre_parse.parse(rule.pattern.pattern, rule.pattern.flags)))
    if first is None or first[1] or not first[0]:
        return re.compile(r"(?:^|\b(?=\w)|(?=[^\w\s]))", re.MULTILINE)
    # Same flags as the rule, so the class folds case exactly as the rule does.
    return re.compile(
        rf"(?:^|\b(?=\w)|(?=[^\w\s]))(?=[{''.join(sorted(first[0]))}])", rule.pattern.flags
    )


_START_RES = tuple(_start_regex(rule) for rule in ALL_RULES)


def trigger_positions(
    text: str, windows: list[tuple[int, int]] | None = None
) -> dict[int, list[int]]:
    """Rule number -> trigger positions (ascending), keyed in order of first trigger.

    `windows` (sorted, disjoint) limits the scan to those stretches of the text.
    """
    positions: dict[int, list[int]] = defaultdict(list)
    for low, high in windows if windows is not None else [(0, len(text))]:
        # Room past the window so a stem that starts inside it is read whole.
        for match in _TRIGGER_RE.finditer(text, low, min(len(text), high + _LONGEST_STEM + 1)):
            if match.start() > high:
                break
            for number in _TRIGGER_RULES[match.group(1)]:
                positions[number].append(match.start())
    return positions


def run_rules(text: str, positions: dict[int, list[int]]) -> list[RuleHit]:
    """The first match of each triggered rule, in the order of `positions`."""
    hits = []
    for number, triggers in positions.items():
        rule = ALL_RULES[number]
        if rule.lead:
            found = _match_in_windows(rule, _START_RES[number], text, triggers)
        else:
            found = _match_at_words(rule, text, triggers)
        if found:
            hits.append(RuleHit(number, *found))
    return hits


def _match_in_windows(
    rule: Rule, starts: re.Pattern[str], text: str, triggers: list[int]
) -> tuple[int, int] | None:
    """Try the rule at the starts up to `lead` characters before each trigger. Windows of
    nearby triggers overlap, so they are merged: each start is tried once, left to right,
    which is also the order a per-trigger walk would have found the first match in."""
    reach = rule.lead + _WORD_SLACK
    low, high = max(0, triggers[0] - reach), triggers[0]
    for trigger in triggers[1:]:
        if trigger - reach <= high + 1:
            high = trigger
            continue
        found = _first_match(rule, starts, text, low, high)
        if found:
            return found
        low, high = max(0, trigger - reach), trigger
    return _first_match(rule, starts, text, low, high)


def _first_match(
    rule: Rule, starts: re.Pattern[str], text: str, low: int, high: int
) -> tuple[int, int] | None:
    for start in starts.finditer(text, low, high + 1):
        position = start.start()
        found = rule.pattern.match(text, position, position + MAX_MATCH)
        if found:
            return found.start(), found.end()
    return None


def _match_at_words(rule: Rule, text: str, triggers: list[int]) -> tuple[int, int] | None:
    """A lead-less rule starts at its trigger, at the start of the trigger's word ("übergehe"
    for "bergehe") or at the sentence mark just before it."""
    tried: set[int] = set()
    for trigger in triggers:
        word_start = trigger
        while (
            word_start > 0 and trigger - word_start < _WORD_SLACK and text[word_start - 1].isalnum()
        ):
            word_start -= 1
        starts = [word_start, trigger] if word_start != trigger else [trigger]
        if trigger and text[trigger - 1] in "\n.!?":
            starts.append(trigger - 1)
        for position in starts:
            if position in tried:
                continue
            tried.add(position)
            found = rule.pattern.match(text, position, position + MAX_MATCH)
            if found:
                return found.start(), found.end()
    return None


def near(windows: list[tuple[int, int]], ends: list[int], position: int) -> bool:
    """Whether `position` lies in one of the sorted, disjoint `windows` (`ends` their ends)."""
    index = bisect.bisect_left(ends, position)
    return index < len(windows) and windows[index][0] <= position


def change_windows(spans: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Sorted, merged stretches whose triggers can see one of the changed `spans`."""
    windows: list[tuple[int, int]] = []
    for start, end in spans:
        low, high = max(0, start - REACH_AHEAD), min(length, end + REACH_BACK)
        if windows and low <= windows[-1][1] + 1:
            windows[-1] = (windows[-1][0], max(windows[-1][1], high))
        else:
            windows.append((low, high))
    return windows
