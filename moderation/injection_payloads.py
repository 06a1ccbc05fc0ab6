"""Encoded payloads worth a second scan: base64 and hex runs, reversed and ROT13 views."""

from __future__ import annotations

import base64
import binascii
import codecs
import re

_MAX_PAYLOADS = 20
# Left-to-right scanning already yields maximal runs, so no look-behind is needed.
_B64_RE = re.compile(r"[A-Za-z0-9+/_-]{16,20000}={0,2}")
# The hex patterns open with a literal or a class rather than a repeated group: the regex
# engine then skips ahead in C instead of attempting a match at every position.
_HEX_ESCAPES_RE = re.compile(r"\\x[0-9a-fA-F]{2}(?:\\x[0-9a-fA-F]{2}){3,4999}")
_HEX_RUN_RE = re.compile(r"[0-9a-fA-F]{2}[ :]?(?:[0-9a-fA-F]{2}[ :]?){11,4999}")
_NON_HEX_RE = re.compile(r"[^0-9a-fA-F]")
_REVERSED_CUES = re.compile(r"snoitcurtsni|erongi|tpmorp|drager?sid|selur|kaerbliaj|metsys")
# "\brot-?13\b", written to open with its literal for the same reason.
_ROT13_CUE = re.compile(r"rot(?<!\wrot)-?13\b")


def decoded_payloads(raw: str) -> list[tuple[int, int, str]]:
    """(start, end, decoded text) for each base64 or hex run that decodes to prose."""
    found = []
    for match in _B64_RE.finditer(raw):
        decoded = _decode_base64(match.group())
        if decoded:
            found.append((match.start(), match.end(), decoded))
        if len(found) >= _MAX_PAYLOADS:
            return found
    for regex in (_HEX_ESCAPES_RE, _HEX_RUN_RE):
        for match in regex.finditer(raw):
            decoded = _decode_hex(match.group())
            if decoded:
                found.append((match.start(), match.end(), decoded))
            if len(found) >= _MAX_PAYLOADS:
                return found
    return found


def transformed_views(folded: str) -> list[str]:
    """The reversed and ROT13 readings of the text, when it carries a cue for them."""
    views = []
    if _REVERSED_CUES.search(folded):
        views.append(folded[::-1])
    if _ROT13_CUE.search(folded):
        views.append(codecs.encode(folded, "rot13"))
    return views


def _decode_base64(run: str) -> str:
    body = run.rstrip("=")
    if len(set(body)) < 8 or body.isdigit() or (body.isalpha() and body.islower()):
        return ""  # identifiers, hashes in one case and numbers are not payloads
    padded = body + "=" * (-len(body) % 4)
    altchars = b"-_" if ("-" in body or "_" in body) else None
    try:
        data = base64.b64decode(padded, altchars=altchars, validate=True)
    except (binascii.Error, ValueError):
        return ""
    return _printable(data)


def _decode_hex(run: str) -> str:
    digits = _NON_HEX_RE.sub("", run.replace("\\x", ""))
    try:
        return _printable(bytes.fromhex(digits[: len(digits) // 2 * 2]))
    except ValueError:
        return ""


def _printable(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    if len(text) < 8:
        return ""
    readable = sum(1 for c in text if c.isprintable() or c in "\n\t")
    letters = sum(1 for c in text if c.isalpha() or c == " ")
    return text if readable >= 0.95 * len(text) and letters >= 0.6 * len(text) else ""
