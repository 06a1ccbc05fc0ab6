"""Generate tests/data/moderation/injection_benign_cases.jsonl: benign hard negatives.

Chat messages that use the attack vocabulary without attacking (moderation/training/
benign_seeds.py), for TRAINING AND VALIDATION ONLY. Each message's split is fixed by a
stable hash of its text. Rows that nearly copy a test row of any set are dropped.

Run: python benchmarks/gen_benign_cases.py
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moderation.training import corpus
from moderation.training.benign_seeds import BENIGN_MESSAGES
from moderation.training.dedup import NearDuplicateIndex

OUT = Path(__file__).resolve().parent.parent / "tests/data/moderation/injection_benign_cases.jsonl"


def split_of(text: str) -> str:
    bucket = int(hashlib.sha256(("benign:" + text).encode()).hexdigest()[:8], 16) % 10
    return "validation" if bucket < 5 else "train"


def main() -> None:
    rows = [
        {"text": text, "label": "benign", "family": "benign", "language": language,
         "split": split_of(text), "variant": "plain", "source": "own-benign"}
        for language, texts in BENIGN_MESSAGES.items()
        for text in texts
    ]  # fmt: skip
    index = NearDuplicateIndex(corpus.all_test_texts())
    kept = [r for r in rows if not index.match(r["text"])]
    with OUT.open("w", encoding="utf-8") as handle:
        for row in kept:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{OUT.name}: {len(kept)} rows ({len(rows) - len(kept)} near test rows dropped)")


if __name__ == "__main__":
    main()
