"""Fold text for injection matching (look-alikes, invisible characters, split and leet words).

The folded text keeps a map back to the original offsets so findings can point at what the
user actually typed. Patterns are folded with `fold_pattern`, the same character fold, so
Russian or Estonian rules and folded input always agree.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Zero-width, bidi controls, word joiners, BOM, Mongolian vowel separator, variation
# selectors and Unicode tag characters: invisible, and never needed inside a Latin word.
_INVISIBLE_CLASS = (
    "\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    "\ufe00-\ufe0f\U000e0000-\U000e007f\U000e0100-\U000e01ef"
)
INVISIBLE_RE = re.compile(f"[{_INVISIBLE_CLASS}]")
_TAG_RE = re.compile("[\U000e0000-\U000e007f]+")
# Emoji flags for subdivisions (England, Scotland...) are spelled with tag characters,
# and ZWJ glues emoji together: both are ordinary text, not smuggling.
_EMOJI_TAG_FLAG_RE = re.compile("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")
_EMOJI_ZWJ_RE = re.compile("(?<=[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f])\u200d")
# Filler characters that render as blanks; folded to a space so words stay apart.
_BLANKS = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
_BLANKS += "\u2028\u2029\u202f\u205f\u3000\u2800\u3164\u115f\u1160\uffa0"

# Lower-case Cyrillic, Greek and Armenian letters that look like Latin ones.
_HOMOGLYPHS = {
    # Cyrillic
    "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "ё": "e", "һ": "h", "і": "i",
    "ї": "i", "ј": "j", "к": "k", "ӏ": "l", "м": "m", "н": "h", "о": "o", "р": "p",
    "ԛ": "q", "ѕ": "s", "т": "t", "у": "y", "ԝ": "w", "х": "x", "ү": "y", "ɡ": "g",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "ς": "s", "μ": "u",
    # Armenian
    "ա": "w", "գ": "q", "զ": "q", "հ": "h", "ի": "h", "ն": "n", "ո": "n", "ս": "u",
    "ց": "g", "օ": "o", "լ": "l", "ք": "p",
}  # fmt: skip

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
                       "9": "g", "@": "a", "$": "s"})  # fmt: skip
# A leetspeak word is a whole run of these characters that mixes ASCII letters with leet
# characters ("1gn0r3", "byp@ss", "h4ck"). Runs are found from their first leet character:
# a regex that starts with a rare character class is skipped to by the engine in C,
# while one that starts with a look-behind is tried at every position.
_LEET_TAIL_RE = re.compile(r"[013457@$][\w@$]*")
_ASCII_LOWER_RE = re.compile(r"[a-z]")
# Tokens of one to three characters with a leet digit ("1n", "15", "70", "un'14"): leet
# only where the line around them is; see _fold_short_leet.
_SHORT_LEET_RE = re.compile(r"(?<![\w@$])(?=[\w@$]{0,2}[013457@$])[\w@$]{1,3}(?![\w@$])")
DENSE_LEET = 3  # leet words from which short tokens are leet too, and leet lines are read
_HEXISH_RE = re.compile(r"[0-9a-f]+")
# Single letters split by one repeated separator: "i.g.n.o.r.e", "s-y-s-t-e-m", "d a n".
_SPLIT_WORD_RE = re.compile(r"(?<!\w)([^\W\d_])([.\-_*/|~+ ])(?:[^\W\d_]\2){2,}[^\W\d_](?!\w)")
# Every split word contains "<sep><letter><sep><letter><sep>"; this starts with the
# separator class, so the engine skips to candidates in C.
_SPLIT_HINT_RE = re.compile(r"([.\-_*/|~+ ])[^\W\d_]\1[^\W\d_]\1")
# A separator at every other place, four times: the start of an interleaved token.
_INTERLEAVED_HINT_RE = re.compile(r"([.\-_*|~+])[^\s]\1[^\s]\1[^\s]\1")
_SPACE_RE = re.compile(r"\s")
# Line breaks and tabs escaped inside JSON strings ("...better.\\nDisregard..."): read as
# the breaks they stand for, so line-anchored rules and word boundaries still work.
_ESCAPED_BREAK_RE = re.compile(r"\\([nrt])")
_NON_ASCII_SPLIT_RE = re.compile(r"([^\x00-\x7f]+)")
_INVISIBLE_RANGES = (
    (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0x2066, 0x2069),
    (0xFEFF, 0xFEFF), (0xFE00, 0xFE0F), (0xE0000, 0xE007F), (0xE0100, 0xE01EF),
)  # fmt: skip
_INVISIBLE_CHARS = frozenset(chr(c) for lo, hi in _INVISIBLE_RANGES for c in range(lo, hi + 1))


@dataclass(frozen=True, slots=True)
class Normalized:
    """Folded text plus what the folding saw; `origin[i]` is the original index of text[i]."""

    text: str
    origin: tuple[int, ...] | None  # None: offsets are unchanged
    source_length: int
    invisible: int = 0  # invisible characters used inside or between words
    tag_payload: str = ""  # ASCII smuggled as Unicode tag characters
    leet: str = ""  # `text` with leetspeak words folded (same offsets), "" when none
    leet_spans: tuple[tuple[int, int], ...] = ()  # where `leet` differs from `text`

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the folded text back to the original text."""
        if self.origin is None:
            return min(start, self.source_length), min(end, self.source_length)
        start = min(max(start, 0), len(self.origin) - 1)
        end = min(max(end, start), len(self.origin) - 1)
        first = self.origin[start]
        last = self.origin[end - 1] + 1 if end > start else first
        return first, max(first, min(last, self.source_length))


@lru_cache(maxsize=4096)
def fold_char(char: str) -> str:
    """Compatibility-decompose, drop marks and format characters, lower-case, de-homoglyph."""
    if char in _BLANKS:
        return " "
    out = []
    for part in unicodedata.normalize("NFKD", char):
        if unicodedata.category(part) in {"Mn", "Me", "Cf"}:
            continue
        for low in part.lower():
            out.append(_HOMOGLYPHS.get(low, low))
    return "".join(out)


def fold_pattern(pattern: str) -> str:
    """Fold the literal letters of a regex the way input text is folded."""
    return "".join(c if c.isascii() else fold_char(c) for c in pattern)


@lru_cache(maxsize=32)
def normalize(text: str) -> Normalized:
    """Fold `text` for matching; cheap for plain ASCII, which is most chat traffic.

    Cached: the rules, the decoded payloads and the learned stage fold the same text."""
    if text.isascii():
        folded, origin, invisible, payload = text.lower(), None, 0, ""
    else:
        special = {c for c in set(text) if not c.isascii()}
        folded, origin = _fold_chars(text, special)
        # Both signals need an invisible character; most non-ASCII text has none.
        hidden = not special.isdisjoint(_INVISIBLE_CHARS)
        invisible = _count_invisible(text) if hidden else 0
        payload = _tag_payload(text) if hidden else ""
    if "\\" in folded:
        folded = _ESCAPED_BREAK_RE.sub(_unescape_break, folded)
    folded, origin = _join_split_words(folded, origin, len(text))
    leet, leet_spans = _fold_leet(folded)
    return Normalized(
        text=folded,
        origin=origin,
        source_length=len(text),
        invisible=invisible,
        tag_payload=payload,
        leet=leet,
        leet_spans=leet_spans,
    )


def _unescape_break(match: re.Match[str]) -> str:
    # Same length, so offsets hold: the backslash becomes a space.
    return " " + ("\n" if match.group(1) == "n" else " ")


def _fold_chars(text: str, special: set[str]) -> tuple[str, tuple[int, ...] | None]:
    table = {ord(c): fold_char(c) for c in special}
    if all(len(v) == 1 for v in table.values()):
        # ASCII folds to lower case; `str.translate` on non-ASCII text costs a dict look-up
        # per character, so only the non-ASCII runs go through it.
        parts = _NON_ASCII_SPLIT_RE.split(text)
        if len(parts) < len(text) // 8:
            parts[0::2] = [part.lower() for part in parts[0::2]]
            parts[1::2] = [part.translate(table) for part in parts[1::2]]
            return "".join(parts), None
    table.update({ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"})
    folded = text.translate(table)
    if len(folded) == len(text) and all(len(v) == 1 for v in table.values()):
        return folded, None
    origin: list[int] = []
    for index, char in enumerate(text):
        origin.extend([index] * len(table.get(ord(char), char)))
    origin.append(len(text))
    return folded, tuple(origin)


def _count_invisible(text: str) -> int:
    # A leading BOM comes from copy-pasted files; emoji ZWJ and flag tags are just emoji.
    cleaned = _EMOJI_ZWJ_RE.sub("", _EMOJI_TAG_FLAG_RE.sub("", text.removeprefix("\ufeff")))
    return len(INVISIBLE_RE.findall(cleaned))


def _tag_payload(text: str) -> str:
    cleaned = _EMOJI_TAG_FLAG_RE.sub("", text)
    runs = _TAG_RE.findall(cleaned)
    return " ".join(
        "".join(chr(ord(c) - 0xE0000) for c in run if 0xE0020 <= ord(c) <= 0xE007E) for run in runs
    ).strip()


def _join_split_words(
    text: str, origin: tuple[int, ...] | None, source_length: int
) -> tuple[str, tuple[int, ...] | None]:
    text, origin = _keep_every_other(text, origin, source_length, _interleaved_tokens(text))
    hint = _SPLIT_HINT_RE.search(text)
    if hint is None or not _SPLIT_WORD_RE.search(text, max(0, hint.start() - 1)):
        return text, origin
    runs = [m.span() for m in _SPLIT_WORD_RE.finditer(text, max(0, hint.start() - 1))]
    return _keep_every_other(text, origin, source_length, runs)


def _interleaved_tokens(text: str) -> list[tuple[int, int]]:
    """Whitespace-free tokens with one separator at every other place, whatever the other
    characters are: "h.t.t.p.s.:././.e.v.i.l...x.y.z", "<.|.i.m._.s.t.a.r.t.|.>"."""
    found: list[tuple[int, int]] = []
    hint = _INTERLEAVED_HINT_RE.search(text)
    while hint is not None:
        start = max(text.rfind(" ", 0, hint.start()), text.rfind("\n", 0, hint.start())) + 1
        end = _SPACE_RE.search(text, hint.end())
        end = end.start() if end else len(text)
        token = text[start:end]
        if start % 2 != hint.start() % 2 and token[:1] == hint.group(1):
            start, token = start + 1, token[1:]  # a leading separator ("./x.y.z")
        separators, content = token[1::2], token[0::2]
        letters = sum(c.isalpha() for c in content)
        if len(set(separators)) == 1 and letters >= 4 and 2 * letters >= len(content):
            found.append((start, end))
        hint = _INTERLEAVED_HINT_RE.search(text, max(end, hint.end()))
    return found


def _keep_every_other(
    text: str, origin: tuple[int, ...] | None, source_length: int, runs: list[tuple[int, int]]
) -> tuple[str, tuple[int, ...] | None]:
    """Keep the 1st, 3rd, 5th... character of each run (the letters between separators)."""
    if not runs:
        return text, origin
    base = origin if origin is not None else tuple(range(source_length + 1))
    pieces: list[str] = []
    mapped: list[int] = []
    cursor = 0
    for start, end in runs:
        pieces.append(text[cursor:start])
        mapped.extend(base[cursor:start])
        pieces.append(text[start:end:2])
        mapped.extend(base[start:end:2])
        cursor = end
    pieces.append(text[cursor:])
    mapped.extend(base[cursor:])
    return "".join(pieces), tuple(mapped)


def _fold_leet(text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The text with leetspeak words folded, and the spans that changed ("" when none)."""
    pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    cursor = 0
    for match in _LEET_TAIL_RE.finditer(text):
        start, end = match.start(), match.end()
        while start and (text[start - 1].isalnum() or text[start - 1] in "_@$"):
            start -= 1
        word = text[start:end]
        # Hex ids, hashes and UUID pieces ("7f3c9a1e") are not leetspeak.
        if (
            len(word) < 3
            or len(word) > 20
            or "_" in word
            or not _ASCII_LOWER_RE.search(word)
            or _HEXISH_RE.fullmatch(word)
        ):
            continue
        folded = word.translate(_LEET)
        if folded != word:
            pieces += (text[cursor:start], folded)
            spans.append((start, end))
            cursor = end
    if not spans:
        return "", ()
    pieces.append(text[cursor:])
    if len(spans) >= DENSE_LEET:
        return _fold_short_leet(text, spans)
    return "".join(pieces), tuple(spans)


def _leet_line_spans(text: str, spans: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """The lines (start, end) that hold at least two leet words. Spans are sorted, so each
    line's bounds are looked up once: linear even for one long line full of leet words."""
    found: list[tuple[int, int]] = []
    line_start = line_end = -1
    count = 0
    for start, _ in spans:
        if start > line_end:
            if count >= 2:
                found.append((line_start, line_end))
            line_start = text.rfind("\n", 0, start) + 1
            line_end = text.find("\n", start)
            line_end = len(text) if line_end < 0 else line_end
            count = 0
        count += 1
    if count >= 2:
        found.append((line_start, line_end))
    return found


def leet_lines(norm: Normalized) -> str:
    """The lines of the leet view written in leetspeak, joined: what the learned stage
    reads besides the text itself (the rest of the view is the text again)."""
    return "\n".join(norm.leet[s:e] for s, e in _leet_line_spans(norm.leet, norm.leet_spans))


def _fold_short_leet(text: str, spans: list[tuple[int, int]]) -> tuple[str, tuple]:
    """In a line written in leetspeak, short tokens are leet too ("1n", "15", "70"): folded
    only on lines with at least two leet words, so numbers in ordinary text stay numbers."""
    known = set(spans)
    extra = []
    for line_start, line_end in _leet_line_spans(text, tuple(spans)):
        for match in _SHORT_LEET_RE.finditer(text, line_start, line_end):
            if match.span() not in known:
                extra.append(match.span())
    every = sorted(spans + extra)
    pieces, cursor = [], 0
    for start, end in every:
        pieces += (text[cursor:start], text[start:end].translate(_LEET))
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces), tuple(every)
