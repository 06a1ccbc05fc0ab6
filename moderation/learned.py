"""The learned second stage: logistic regression over hashed n-grams, scored per segment.

Weights ship as moderation/data/injection_model.npz (arrays only, loaded with
allow_pickle=False) plus injection_model.json (thresholds and provenance); training is
moderation/training/train.py. Nothing is downloaded; inference is numpy.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from moderation.features import SIZE, grams, segments
from moderation.normalize import Normalized, normalize

DATA = Path(__file__).resolve().parent / "data"
WEIGHTS = DATA / "injection_model.npz"
META = DATA / "injection_model.json"


@dataclass(frozen=True, slots=True)
class Model:
    weights: np.ndarray  # float32[SIZE]
    bias: float
    threshold: float  # probability from which a segment counts as an injection (validation)
    meta: dict


@dataclass(frozen=True, slots=True)
class ModelScore:
    probability: float  # the highest over the scored segments
    start: int  # the best segment, in the original text
    end: int


NO_SCORE = ModelScore(0.0, 0, 0)
_MAX_READINGS = 8


@lru_cache(maxsize=1)
def load() -> Model:
    """The committed model; raises if the files are missing or malformed (fail closed)."""
    meta = json.loads(META.read_text(encoding="utf-8"))
    with np.load(WEIGHTS, allow_pickle=False) as arrays:
        weights = np.ascontiguousarray(arrays["weights"], dtype=np.float32)
        bias = float(arrays["bias"][0])
    if weights.shape != (SIZE,) or meta.get("bits") is None or 1 << meta["bits"] != SIZE:
        raise ValueError("injection model does not match the feature size")
    return Model(weights, bias, float(meta["threshold"]), meta)


def score(
    text: str,
    norm: Normalized | None = None,
    model: Model | None = None,
    decoded: Iterable[tuple[int, int, str]] = (),
) -> ModelScore:
    """The model's probability for the most suspicious segment of `text`, or of a decoded
    reading of it (start, end, text: from the rules' decoders), whichever is higher."""
    if not text.strip():
        return NO_SCORE
    model = model or load()
    norm = norm or normalize(text)
    probability, start, end = _best_segment(norm, model)
    best = ModelScore(probability, *norm.span(start, end))
    seen: set[str] = set()
    for run_start, run_end, reading in decoded:
        # A payload repeated through a long paste is read once; a flood of readings
        # cannot make the scan slow.
        if reading in seen or len(seen) >= _MAX_READINGS:
            continue
        seen.add(reading)
        probability, _, _ = _best_segment(normalize(reading), model)
        if probability > best.probability:
            best = ModelScore(probability, run_start, run_end)
    return best


def _best_segment(norm: Normalized, model: Model) -> tuple[float, int, int]:
    spans = segments(norm.text)
    logits = segment_logits(norm.text, spans, model.weights, model.bias)
    best = int(np.argmax(logits))
    probability = round(float(1.0 / (1.0 + np.exp(-logits[best]))), 4)
    return probability, *spans[best]


def segment_logits(
    folded: str, spans: list[tuple[int, int]], weights: np.ndarray, bias: float
) -> np.ndarray:
    """One logit per span: bias + (sum of the weights of its n-grams) / sqrt(their number).

    Starts and ends of every feature family are non-decreasing, so the features inside a
    span are one contiguous run, found by binary search and summed from a cumulative sum.
    """
    found = grams(folded)
    lows = np.fromiter((s for s, _ in spans), dtype=np.int64, count=len(spans))
    highs = np.fromiter((e for _, e in spans), dtype=np.int64, count=len(spans))
    total = np.zeros(len(spans))
    count = np.zeros(len(spans))
    for buckets, starts, ends in zip(found.buckets, found.starts, found.ends, strict=True):
        cumulative = np.concatenate(([0.0], np.cumsum(weights[buckets], dtype=np.float64)))
        first = np.searchsorted(starts, lows, side="left")
        last = np.maximum(np.searchsorted(ends, highs, side="right"), first)
        total += cumulative[last] - cumulative[first]
        count += last - first
    return bias + total / np.sqrt(np.maximum(count, 1.0))
