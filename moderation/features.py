"""Hashed character and word n-grams of folded text, and the segments they are scored in.

Shared by the learned stage (moderation.learned) and its trainer, so both see exactly the
same features. Hashing is a fixed polynomial in numpy, not Python's salted `hash()`.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

BITS = 18
SIZE = 1 << BITS
CHAR_SIZES = (3, 4, 5)
MIN_SEGMENT = 24  # shorter pieces carry too few n-grams to score on their own
_SENTENCE_LINE = 120  # lines longer than this are also scored sentence by sentence
_P = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(64 - BITS)
_WORD_RE = re.compile(r"\w+")
_PARAGRAPH_RE = re.compile(r"\n[ \t]*\n")
_SENTENCE_RE = re.compile(r"(?<=[.!?;:])\s+")
_ZERO = np.uint64(ord("0"))


@dataclass(frozen=True, slots=True)
class Grams:
    """Feature buckets of one text by family, each with the offset it starts at."""

    buckets: tuple[np.ndarray, ...]
    starts: tuple[np.ndarray, ...]
    ends: tuple[np.ndarray, ...]  # a feature lies in a segment when start >= s and end <= e


def _codes(text: str) -> np.ndarray:
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    # Digits all read as "0": account numbers and dates differ only in noise.
    codes[(codes > _ZERO) & (codes <= _ZERO + np.uint64(9))] = _ZERO
    return codes


def _mix(hashes: np.ndarray) -> np.ndarray:
    return ((hashes * _MIX) >> _SHIFT).astype(np.int64)


@lru_cache(maxsize=65536)
def _word_hash(word: str) -> int:
    return zlib.crc32(word.encode("utf-8")) | (len(word) << 32)


def grams(text: str) -> Grams:
    """Character 3/4/5-grams, word unigrams and word bigrams of already-folded text."""
    codes = _codes(text)
    buckets, starts, ends = [], [], []
    for size in CHAR_SIZES:
        count = len(codes) - size + 1
        if count <= 0:
            continue
        hashes = np.full(count, size * 0x51ED27, dtype=np.uint64)
        for k in range(size):
            hashes = hashes * _P + codes[k : k + count]
        position = np.arange(count, dtype=np.int64)
        buckets.append(_mix(hashes))
        starts.append(position)
        ends.append(position + size)
    spans = [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(text)]
    if spans:
        words = np.fromiter((_word_hash(w) for _, _, w in spans), dtype=np.uint64)
        word_starts = np.fromiter((s for s, _, _ in spans), dtype=np.int64)
        word_ends = np.fromiter((e for _, e, _ in spans), dtype=np.int64)
        buckets.append(_mix(words + np.uint64(0xA5A5)))
        starts.append(word_starts)
        ends.append(word_ends)
        if len(spans) > 1:
            buckets.append(_mix(words[:-1] * _P + words[1:] + np.uint64(0x5A5A)))
            starts.append(word_starts[:-1])
            ends.append(word_ends[1:])
    return Grams(tuple(buckets), tuple(starts), tuple(ends))


def bag(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The whole text as one sparse vector: unique buckets and their values (count/sqrt(n))."""
    found = grams(text)
    if not found.buckets:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    every = np.concatenate(found.buckets)
    unique, counts = np.unique(every, return_counts=True)
    return unique, (counts / np.sqrt(len(every))).astype(np.float32)


def segments(text: str) -> list[tuple[int, int]]:
    """Spans scored on their own: the whole text, its paragraphs, lines, and the sentences
    of long lines. A planted instruction is then scored without the text around it."""
    spans = {(0, len(text))}
    cursor = 0
    for match in [*_PARAGRAPH_RE.finditer(text), None]:
        end = match.start() if match else len(text)
        spans.add((cursor, end))
        cursor = match.end() if match else end
    line_start = 0
    for line in text.split("\n"):
        line_end = line_start + len(line)
        spans.add((line_start, line_end))
        if len(line) > _SENTENCE_LINE:
            piece = line_start
            for match in _SENTENCE_RE.finditer(line):
                spans.add((piece, line_start + match.start()))
                piece = line_start + match.end()
            spans.add((piece, line_end))
        line_start = line_end + 1
    keep = [(s, e) for s, e in spans if e - s >= MIN_SEGMENT or (s, e) == (0, len(text))]
    return sorted(keep)
