"""Near-duplicate search by character 5-gram Jaccard similarity, with a prefix filter.

Used by the corpus builder, the trainer and the split tests, so every one of them drops
or flags the same rows. Pure Python: the sets here are tens of thousands of rows.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

NEAR_DUPLICATE = 0.8


def shingles(text: str, n: int = 5) -> frozenset[str]:
    """Character n-grams of the whitespace-collapsed, lower-cased text (itself if short)."""
    flat = " ".join(text.lower().split())
    if len(flat) <= n:
        return frozenset([flat])
    return frozenset(flat[i : i + n] for i in range(len(flat) - n + 1))


class NearDuplicateIndex:
    """Indexes reference texts; `match(text)` says whether one of them is a near duplicate.

    Prefix filtering: order every shingle from rare to common; two sets with Jaccard >= t
    must share one of the first |x| - ceil(t * |x|) + 1 shingles of either, so only the
    rare prefix of each reference set is indexed and probed.
    """

    def __init__(self, references: Iterable[str], threshold: float = NEAR_DUPLICATE):
        self.threshold = threshold
        self.sets = [shingles(t) for t in references]
        self.frequency: Counter[str] = Counter(s for grams in self.sets for s in grams)
        self.postings: dict[str, list[int]] = defaultdict(list)
        for number, grams in enumerate(self.sets):
            for gram in self._prefix(grams):
                self.postings[gram].append(number)

    def _prefix(self, grams: frozenset[str]) -> list[str]:
        # Unknown shingles (frequency 0) sort first: they are the rarest of all.
        ordered = sorted(grams, key=lambda g: (self.frequency.get(g, 0), g))
        keep = len(ordered) - math.ceil(self.threshold * len(ordered)) + 1
        return ordered[: max(1, keep)]

    def best(self, text: str) -> tuple[float, int]:
        """The highest similarity to any reference (0.0, -1 when no candidate), and its index."""
        grams = shingles(text)
        candidates = {n for g in self._prefix(grams) for n in self.postings.get(g, ())}
        # A reference's own prefix may hold the shared shingle instead of ours.
        candidates |= {n for g in grams if g in self.postings for n in self.postings[g]}
        top, where = 0.0, -1
        for number in candidates:
            other = self.sets[number]
            if min(len(grams), len(other)) < self.threshold * max(len(grams), len(other)):
                continue  # the sizes alone rule out the threshold
            similarity = len(grams & other) / len(grams | other)
            if similarity > top:
                top, where = similarity, number
        return top, where

    def match(self, text: str) -> bool:
        return self.best(text)[0] >= self.threshold


def drop_near_duplicates(
    rows: Sequence[dict], references: Sequence[str], threshold: float = NEAR_DUPLICATE
) -> tuple[list[dict], int]:
    """Rows whose text nearly duplicates no reference text, and how many were dropped."""
    index = NearDuplicateIndex(references, threshold)
    kept = [row for row in rows if not index.match(row["text"])]
    return kept, len(rows) - len(kept)
