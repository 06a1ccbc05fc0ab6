"""Generate tests/data/moderation/injection_pasted_cases.jsonl: attacks planted in pasted content.

Payloads follow public taxonomies (OWASP LLM01 2025, garak's probe families, InjecAgent /
AgentDojo-style tool directives, BIPIA-style instructions inside documents): instructions
addressed to whatever AI reads the text, tool-call directives, orders to send business data
out, output manipulation, memory writes, forged turns and reasoning, "the rules changed"
claims, persona and prompt-leak paraphrases, in the seven languages the guard claims.
Carriers are ordinary emails, tickets, logs, tables, code and notes; benign rows include
hard negatives (talk about injection, logs that say "ignore", encoded data that is innocent).

Each payload and each benign seed is assigned to train / validation / test by a stable
hash of its text, fixed before any tuning. Run: python benchmarks/gen_pasted_cases.py
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gen_encoded_cases import encoded_rows  # benchmarks/ is the script's own directory

from moderation.training.dedup import NearDuplicateIndex
from moderation.training.pasted_seeds import BENIGN, CARRIERS, PAYLOADS, benign_templates

OUT = Path(__file__).resolve().parent.parent / "tests/data/moderation/injection_pasted_cases.jsonl"


def split_of(seed: str) -> str:
    bucket = int(hashlib.sha256(seed.encode("utf-8")).hexdigest()[:8], 16) % 10
    return "train" if bucket < 6 else "validation" if bucket < 8 else "test"


def _row(text: str, label: str, family: str, language: str, split: str, variant: str) -> dict:
    return {
        "text": text,
        "label": label,
        "family": family,
        "language": language,
        "split": split,
        "variant": variant,
    }


def _plant(carrier: str, payload: str, rng: random.Random) -> str:
    """Put the payload into one of the carrier's slots, or between two of its paragraphs."""
    if "{slot}" in carrier:
        return carrier.replace("{slot}", payload, 1).replace("{slot}", "")
    paragraphs = carrier.split("\n\n")
    at = rng.randrange(1, len(paragraphs) + 1)
    return "\n\n".join([*paragraphs[:at], payload, *paragraphs[at:]])


def _clean(carrier: str) -> str:
    return carrier.replace("{slot}", "").replace("\n\n\n", "\n\n").strip()


def attack_rows(rng: random.Random) -> list[dict]:
    rows = []
    for (family, language), payloads in PAYLOADS.items():
        for payload in payloads:
            split = split_of(payload)
            rows.append(_row(payload, "attack", family, language, split, "plain"))
            # Each payload also appears in two carriers of its language (English carriers
            # for languages without their own), so segment scoring is exercised.
            pool = CARRIERS.get(language) or CARRIERS["en"]
            for carrier in rng.sample(pool, k=min(2, len(pool))):
                text = _plant(carrier, payload, rng)
                rows.append(_row(text, "attack", family, language, split, "pasted"))
    return rows


def benign_rows() -> list[dict]:
    rows = []
    for language, texts in BENIGN.items():
        for text in texts:
            rows.append(_row(text, "benign", "benign", language, split_of(text), "plain"))
    for language, carriers in CARRIERS.items():
        for carrier in carriers:
            clean = _clean(carrier)
            rows.append(_row(clean, "benign", "benign", language, split_of(clean), "pasted"))
    # Training-only negatives: combinations of one grammar, so they stay out of the
    # validation and test splits, where they would be easy.
    rows += [_row(t, "benign", "benign", "en", "train", "template") for t in benign_templates()]
    return rows


def main() -> None:
    rng = random.Random(20)
    rows = attack_rows(rng) + benign_rows() + encoded_rows(rng, split_of)
    # A payload planted in a carrier can nearly copy that carrier's clean test row (or the
    # other way round): such non-test rows are dropped, as the trainer would drop them.
    index = NearDuplicateIndex([r["text"] for r in rows if r["split"] == "test"])
    rows = [r for r in rows if r["split"] == "test" or not index.match(r["text"])]
    with OUT.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{OUT.name}: {len(rows)} rows")


if __name__ == "__main__":
    main()
