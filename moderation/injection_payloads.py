"""Encoded payloads worth a second scan: base16/32/64/85 and the other encodings of
moderation.decoders, and reversed and Caesar-shifted views recognised by their words."""

from __future__ import annotations

import base64
import binascii
import codecs
import re

from moderation.decoders import decoded_runs

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
    found += decoded_runs(raw, _MAX_PAYLOADS - len(found))
    return found


def transformed_views(folded: str) -> list[str]:
    """Reversed and Caesar-shifted readings: the whole text when it carries a cue for them,
    and every line (or run of lines) whose words read as common English once reversed or
    shifted, so a cipher line pasted between plain ones is read too (no cue needed)."""
    views = []
    if _REVERSED_CUES.search(folded):
        views.append(folded[::-1])
    if _ROT13_CUE.search(folded):
        views.append(codecs.encode(folded, "rot13"))
    readings: dict[int, list[str]] = {}
    for line in folded[:_CIPHER_SPAN].split("\n"):
        key = _best_reading(line)
        if key is not None:
            readings.setdefault(key, []).append(line)
    for key, lines in readings.items():
        text = "\n".join(lines)
        views.append(text[::-1] if key == _REVERSE else text.translate(_SHIFT_TABLES[key]))
    return list(dict.fromkeys(views))[:_MAX_VIEWS]


# Frequent English words: a shift or reversal that turns gibberish into these is a cipher.
_COMMON = frozenset((
    "the", "and", "you", "your", "to", "of", "in", "is", "are", "all", "for", "with",
    "this", "that", "it", "be", "not", "on", "me", "my", "now", "from", "any", "every",
    "send", "ignore", "previous", "instructions", "rules", "system", "prompt", "reveal",
    "forget", "print", "hidden", "password", "tell", "what", "do", "were", "before", "give",
))  # fmt: skip
_WORDS_RE = re.compile(r"[a-z]{2,}")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_SHIFT_TABLES = [str.maketrans(_ALPHABET, _ALPHABET[k:] + _ALPHABET[:k]) for k in range(26)]
_REVERSE = -1
# Each common word as it reads under every cipher: Caesar shift k (the reading is shift
# 26 - k) or reversal. One dictionary look-up per word finds the cipher of a line.
_CIPHERED = {word.translate(_SHIFT_TABLES[26 - k]): k for word in _COMMON for k in range(1, 26)}
_CIPHERED.update({word[::-1]: _REVERSE for word in _COMMON if word[::-1] != word})
_CIPHER_SPAN = 20000  # a cipher is a short message; further text is read as it is
_MAX_VIEWS = 6
_MIN_WORDS = 4


def _best_reading(line: str) -> int | None:
    """The cipher under which most of the line's words are common ones, if it reads
    far better that way than as written."""
    words = _WORDS_RE.findall(line)
    if len(words) < _MIN_WORDS:
        return None
    plain = 0
    votes: dict[int, int] = {}
    for word in words:
        if word in _COMMON:
            plain += 1
        key = _CIPHERED.get(word)
        if key is not None:
            votes[key] = votes.get(key, 0) + 1
    if not votes:
        return None
    key, count = max(votes.items(), key=lambda item: item[1])
    share = count / len(words)
    return key if share >= 0.25 and count > 2 * plain and count >= 2 else None


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
