"""Decoders for the encodings in garak's list: each finds its runs and returns readable text.

Every finder opens with a literal or a narrow character class, so the regex engine skips
ordinary prose in C; a run is kept only when it decodes to mostly letters and spaces.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import urllib.parse
from collections.abc import Callable, Iterator

_MIN_TEXT = 8
_B32_RE = re.compile(r"[A-Z2-7]{16,20000}={0,6}")
_B85_RE = re.compile(r"<~[!-u\s]{10,20000}~>|[0-9A-Za-z!#$%&()*+\-;<=>?@^_`{|}~]{20,20000}")
_BINARY_RE = re.compile(r"[01]{8}(?:[ ,]?[01]{8}){5,5000}")
_OCTAL_RE = re.compile(r"\\[0-3][0-7]{2}(?:\\[0-3][0-7]{2}){5,5000}")
_UNICODE_ESCAPE_RE = re.compile(r"\\u[0-9a-fA-F]{4}(?:\\u[0-9a-fA-F]{4}){5,5000}")
_PERCENT_RE = re.compile(r"%[0-9a-fA-F]{2}(?:[^\s%]{0,3}%[0-9a-fA-F]{2}){5,5000}[^\s%]{0,40}")
_ENTITY_RE = re.compile(r"&#?\w{1,8};(?:[^&<>\n]{0,3}&#?\w{1,8};){5,5000}")
_QP_RE = re.compile(r"=[0-9A-F]{2}(?:=[0-9A-F]{2}|=\r?\n|[ -<>-~]){5,5000}")
_MORSE_RE = re.compile(r"[.\-]{1,6}(?:(?: {1,3}| ?/ ?)[.\-]{1,7}){7,5000}")
_MORSE_CODES = (
    ".-", "-...", "-.-.", "-..", ".", "..-.", "--.", "....", "..", ".---", "-.-", ".-..",
    "--", "-.", "---", ".--.", "--.-", ".-.", "...", "-", "..-", "...-", ".--", "-..-",
    "-.--", "--..", "-----", ".----", "..---", "...--", "....-", ".....", "-....", "--...",
    "---..", "----.",
)  # fmt: skip
_MORSE = dict(zip(_MORSE_CODES, "abcdefghijklmnopqrstuvwxyz0123456789", strict=True))


def readable(text: str) -> str:
    """The text when it reads as prose (mostly letters and spaces), else ""."""
    if len(text) < _MIN_TEXT:
        return ""
    printable = sum(1 for c in text if c.isprintable() or c in "\n\t")
    letters = sum(1 for c in text if c.isalpha() or c == " ")
    return text if printable >= 0.95 * len(text) and letters >= 0.6 * len(text) else ""


def _utf8(data: bytes) -> str:
    try:
        return readable(data.decode("utf-8"))
    except UnicodeDecodeError:
        return ""


def _base32(run: str) -> str:
    body = run.rstrip("=")
    try:
        return _utf8(base64.b32decode(body + "=" * (-len(body) % 8)))
    except (binascii.Error, ValueError):
        return ""


def _base85(run: str) -> str:
    try:
        if run.startswith("<~"):
            return _utf8(base64.a85decode(run.encode(), adobe=True, ignorechars=b" \t\n\r"))
        if sum(c in "!#$%&()*+-;<=>?@^_`{|}~" for c in run) < 2:
            return ""  # identifiers and words: base85 always mixes in symbols
        return _utf8(base64.b85decode(run.encode()))
    except (binascii.Error, ValueError):
        return ""


def _binary(run: str) -> str:
    bits = re.sub(r"[ ,]", "", run)
    return _utf8(int(bits, 2).to_bytes(len(bits) // 8, "big"))


def _octal(run: str) -> str:
    return _utf8(bytes(int(part, 8) for part in run.split("\\")[1:]))


def _unicode_escapes(run: str) -> str:
    return readable("".join(chr(int(part[:4], 16)) for part in run.split("\\u")[1:]))


def _percent(run: str) -> str:
    return readable(urllib.parse.unquote_plus(run))


def _entities(run: str) -> str:
    return readable(html.unescape(run))


def _quoted_printable(run: str) -> str:
    try:
        return _utf8(binascii.a2b_qp(run.encode("ascii")))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return ""


def _morse(run: str) -> str:
    words = re.split(r" ?/ ?| {3}", run)
    decoded = " ".join("".join(_MORSE.get(code, "") for code in w.split()) for w in words)
    return readable(decoded)


FINDERS: tuple[tuple[str, re.Pattern[str], Callable[[str], str]], ...] = (
    ("base32", _B32_RE, _base32),
    ("base85", _B85_RE, _base85),
    ("binary", _BINARY_RE, _binary),
    ("octal", _OCTAL_RE, _octal),
    ("unicode_escape", _UNICODE_ESCAPE_RE, _unicode_escapes),
    ("percent", _PERCENT_RE, _percent),
    ("html_entities", _ENTITY_RE, _entities),
    ("quoted_printable", _QP_RE, _quoted_printable),
    ("morse", _MORSE_RE, _morse),
)
# Cheap presence tests: most messages hold none of these, and then no finder runs at all.
_HINTS = {
    "base32": re.compile(r"[A-Z2-7]{16}"),
    "base85": re.compile(r"<~|[!#$%&()*+;<=>?@^_`{|}~][0-9A-Za-z]"),
    "binary": re.compile(r"[01]{8}"),
    "octal": re.compile(r"\\[0-3][0-7]{2}"),
    "unicode_escape": re.compile(r"\\u[0-9a-fA-F]{4}"),
    "percent": re.compile(r"%[0-9a-fA-F]{2}"),
    "html_entities": re.compile(r"&#?\w{1,8};"),
    "quoted_printable": re.compile(r"=[0-9A-F]{2}"),
    "morse": re.compile(r"[.\-]{2,6} [.\-]{1,6} [.\-]{1,6}"),
}


def decoded_runs(raw: str, limit: int) -> Iterator[tuple[int, int, str]]:
    """(start, end, decoded text) for runs of the encodings above, at most `limit`."""
    found = 0
    for name, regex, decode in FINDERS:
        if not _HINTS[name].search(raw):
            continue
        for match in regex.finditer(raw):
            text = decode(match.group())
            if text:
                yield match.start(), match.end(), text
                found += 1
                if found >= limit:
                    return
