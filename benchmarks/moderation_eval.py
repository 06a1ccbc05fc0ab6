"""Accuracy of moderation.service.scan on the committed labelled sets, per split.

Injection: a message counts as detected when the action is not `allow` and an injection
category is present. Per language the negatives are that language's benign messages; per
family (every benign message has family "benign") they are all benign messages of the split.
PII: per entity type, a case is detected when its code is in `verdict.pii_categories`.

Run: .venv/bin/python benchmarks/moderation_eval.py [--split dev|test] [--misses]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moderation.service import scan
from moderation.types import Action

DATA = Path(__file__).resolve().parent.parent / "tests/data/moderation"


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, expected: bool, predicted: bool) -> None:
        if expected:
            self.tp += predicted
            self.fn += not predicted
        else:
            self.fp += predicted
            self.tn += not predicted

    def row(self, name: str) -> str:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        fpr = self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0
        n = self.tp + self.fn
        return f"  {name:<26} n+={n:<4} P={p:.3f} R={r:.3f} F1={f1:.3f} FPR={fpr:.3f}"

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def load(name: str) -> list[dict]:
    path = DATA / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def injection_detected(text: str) -> bool:
    verdict = scan(text)
    return verdict.action is not Action.ALLOW and bool(verdict.injection_categories)


def evaluate_injection(rows: list[dict], split: str, show_misses: bool) -> None:
    rows = [r for r in rows if r["split"] == split]
    overall, plain, obfuscated = Counts(), Counts(), Counts()
    by_family: dict[str, Counts] = defaultdict(Counts)
    by_language: dict[str, Counts] = defaultdict(Counts)
    by_variant: dict[str, Counts] = defaultdict(Counts)
    benign = []
    for row in rows:
        attack = row["label"] == "attack"
        hit = injection_detected(row["text"])
        overall.add(attack, hit)
        by_language[row["language"]].add(attack, hit)
        if attack:
            by_family[row["family"]].add(True, hit)
            by_variant[row["variant"]].add(True, hit)
            (plain if row["variant"] == "plain" else obfuscated).add(True, hit)
        else:
            benign.append(hit)
        if show_misses and hit != attack:
            print(f"    {'MISS' if attack else 'FALSE'} [{row['family']}/{row['variant']}] "
                  f"{row['text'][:110]!r}")  # fmt: skip
    for counts in by_family.values():
        for hit in benign:
            counts.add(False, hit)
    print(f"injection, {split} split ({len(rows)} messages)")
    print(overall.row("OVERALL"))
    ratio = obfuscated.recall / plain.recall if plain.recall else 0.0
    print(f"  obfuscated recall / plain recall = {obfuscated.recall:.3f} / {plain.recall:.3f}"
          f" = {ratio:.3f}")  # fmt: skip
    for title, table in (("family", by_family), ("language", by_language)):
        print(f" per {title}:")
        for name in sorted(table):
            print(table[name].row(name))
    print(" per variant (recall):")
    for name in sorted(by_variant):
        print(f"  {name:<26} n={by_variant[name].tp + by_variant[name].fn:<4} "
              f"R={by_variant[name].recall:.3f}")  # fmt: skip


def evaluate_pii(rows: list[dict], split: str, show_misses: bool) -> None:
    rows = [r for r in rows if r.get("split") == split]
    if not rows:
        print(f"pii, {split} split: no cases")
        return
    codes = sorted({code for r in rows for code in r["entity_types"]})
    by_type: dict[str, Counts] = {code: Counts() for code in codes}
    overall = Counts()
    for row in rows:
        found = set(scan(row["text"]).pii_categories)
        expected = set(row["entity_types"])
        for code in codes:
            by_type[code].add(code in expected, code in found)
            overall.add(code in expected, code in found)
        if show_misses and (expected - found or (found & set(codes)) - expected):
            print(f"    PII expected={sorted(expected)} found={sorted(found)} {row['text'][:90]!r}")
    print(f"pii, {split} split ({len(rows)} cases)")
    print(overall.row("OVERALL"))
    for code in codes:
        print(by_type[code].row(code))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "test"], action="append")
    parser.add_argument("--misses", action="store_true", help="list misses and false alarms")
    args = parser.parse_args()
    logging.getLogger("moderation").setLevel(logging.ERROR)  # flagged-message logs are noise here
    injection_rows = [r for f in sorted(DATA.glob("injection_*.jsonl")) for r in load(f.name)]
    pii_rows = load("pii_cases.jsonl")
    for split in args.split or ["dev", "test"]:
        evaluate_injection(injection_rows, split, args.misses)
        evaluate_pii(pii_rows, split, args.misses)
        print()


if __name__ == "__main__":
    main()
