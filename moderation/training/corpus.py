"""The frozen labelled sets in tests/data/moderation/ and which role each one plays.

Own sets (injection_*.jsonl) carry a `split` per row ("dev" is the older name of
validation); public sets are one file per role. AgentDojo is a test set only.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "tests/data/moderation"
PUBLIC_TRAIN = "public_train.jsonl"
PUBLIC_VALIDATION = "public_validation.jsonl"
TOOLDATA = "own-tooldata"  # the `source` of benchmarks/gen_tooldata_cases.py's rows
# name -> (file, split filter); the first is the project's own test split.
TEST_SETS = {
    "own": ("injection_*.jsonl", "test"),
    "agentdojo (held out)": ("public_test_agentdojo.jsonl", None),
    "s-labs test (in-distribution)": ("public_test_slabs.jsonl", None),
}


def read(name: str) -> list[dict]:
    rows = []
    for path in sorted(DATA.glob(name)):
        rows += [json.loads(line) for line in path.read_text("utf-8").split("\n") if line]
    return rows


def own(split: str) -> list[dict]:
    aliases = {"validation": {"validation", "dev"}}.get(split, {split})
    return [row for row in read("injection_*.jsonl") if row["split"] in aliases]


def training_rows() -> list[dict]:
    return read(PUBLIC_TRAIN) + own("train")


def validation_rows() -> list[dict]:
    return read(PUBLIC_VALIDATION) + own("validation")


def test_rows(name: str) -> list[dict]:
    pattern, split = TEST_SETS[name]
    rows = read(pattern)
    return [row for row in rows if split is None or row["split"] == split]


def all_test_texts() -> list[str]:
    return [row["text"] for name in TEST_SETS for row in test_rows(name)]


def file_hashes() -> dict[str, str]:
    """SHA-256 of every file the model learned from or was validated on."""
    names = [PUBLIC_TRAIN, PUBLIC_VALIDATION, *sorted(p.name for p in DATA.glob("injection_*"))]
    return {n: hashlib.sha256((DATA / n).read_bytes()).hexdigest() for n in names}
