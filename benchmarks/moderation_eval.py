"""Accuracy of moderation.service.scan on the frozen labelled sets.

Injection: a message counts as detected when the action is not `allow` and an injection
category is present. Printed per family and per language, with the false-positive rate on
that slice's benign rows (per family: all benign rows of the set), for
  - the project's own test split (injection_*.jsonl, split "test"),
  - AgentDojo's documents (held out of training and of threshold choice entirely),
  - the S-Labs test split (the model trained on S-Labs' train split: in-distribution).
PII: per entity type, on pii_cases.jsonl's test split. Then the SHA-256 of the data the
model learned from, as recorded in injection_model.json, next to the files' current hashes.

Misses are listed only for validation sets: test sets are scored, never tuned on.

Run: .venv/bin/python benchmarks/moderation_eval.py [--set validation] [--misses]
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moderation import learned
from moderation.service import scan
from moderation.training import corpus
from moderation.types import Action

TARGETS = {"own": (0.95, 0.01), "agentdojo (held out)": (0.85, 0.02)}


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

    def figures(self) -> tuple[float, float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        fpr = self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0
        return p, r, f1, fpr

    def row(self, name: str) -> str:
        p, r, f1, fpr = self.figures()
        return (f"  {name:<34} n+={self.tp + self.fn:<5} n-={self.fp + self.tn:<5} "
                f"P={p:.3f} R={r:.3f} F1={f1:.3f} FPR={fpr:.3f}")  # fmt: skip


def injection_detected(text: str) -> tuple[bool, tuple[str, ...]]:
    verdict = scan(text)
    found = verdict.action is not Action.ALLOW and bool(verdict.injection_categories)
    return found, verdict.detected_by


def evaluate_injection(name: str, rows: list[dict], show_misses: bool) -> None:
    overall = Counts()
    by_family: dict[str, Counts] = defaultdict(Counts)
    by_language: dict[str, Counts] = defaultdict(Counts)
    stages: dict[str, int] = defaultdict(int)
    benign_hits = []
    for row in rows:
        attack = row["label"] == "attack"
        hit, detected_by = injection_detected(row["text"])
        overall.add(attack, hit)
        by_language[row.get("language", "en")].add(attack, hit)
        if attack:
            by_family[row["family"]].add(True, hit)
            if hit:
                stages["+".join(s for s in detected_by if s != "pii") or "-"] += 1
        else:
            benign_hits.append(hit)
        if show_misses and hit != attack:
            print(f"    {'MISS' if attack else 'FALSE'} [{row['family']}] {row['text'][:150]!r}")
    for counts in by_family.values():
        for hit in benign_hits:
            counts.add(False, hit)
    print(f"injection, {name} ({len(rows)} messages)")
    print(overall.row("OVERALL"))
    if name in TARGETS:
        f1_target, fpr_target = TARGETS[name]
        _, _, f1, fpr = overall.figures()
        met = f1 >= f1_target and fpr <= fpr_target
        print(f"  target F1 >= {f1_target}, FPR <= {fpr_target}: {'met' if met else 'NOT met'}")
    print(
        "  detected attacks by stage: " + ", ".join(f"{k}={v}" for k, v in sorted(stages.items()))
    )
    for title, table in (("family", by_family), ("language", by_language)):
        print(f" per {title}:")
        for key in sorted(table):
            print(table[key].row(key))
    print()


def evaluate_pii(show_misses: bool, split: str) -> None:
    rows = [r for r in corpus.read("pii_cases.jsonl") if r.get("split") == split]
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
    worst = min((min(c.figures()[0], c.figures()[1]) for c in by_type.values()), default=1.0)
    print(f"  target P and R >= 0.99 per type: {'met' if worst >= 0.99 else 'NOT met'}")
    for code in codes:
        print(by_type[code].row(code))
    print()


def print_hashes() -> None:
    model = learned.load()
    recorded = model.meta.get("data_sha256", {})
    print("training and validation data (SHA-256 recorded at training / now):")
    for name, digest in sorted(corpus.file_hashes().items()):
        same = "same" if recorded.get(name) == digest else "CHANGED since training"
        print(f"  {name:<32} {recorded.get(name, '-')[:16]} / {digest[:16]} {same}")
    print(
        f"  model threshold {model.threshold}, {model.meta.get('training_rows')} training rows, "
        f"{model.meta.get('dropped_near_duplicates')} near-duplicates of test rows dropped"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=["test", "validation"], default="test")
    parser.add_argument("--misses", action="store_true", help="list misses (validation only)")
    args = parser.parse_args()
    if args.misses and args.set != "validation":
        parser.error("--misses is only for --set validation: test sets are not tuned on")
    logging.getLogger("moderation").setLevel(logging.ERROR)  # flagged-message logs are noise
    if args.set == "validation":
        own = corpus.own("validation")
        tools = [r for r in own if r.get("source") == corpus.TOOLDATA]
        messages = [r for r in own if r.get("source") != corpus.TOOLDATA]
        evaluate_injection("own validation, messages", messages, args.misses)
        evaluate_injection("own validation, tool data", tools, args.misses)
        evaluate_injection("public validation", corpus.read(corpus.PUBLIC_VALIDATION), args.misses)
        evaluate_pii(args.misses, "dev")
        return
    for name in corpus.TEST_SETS:
        evaluate_injection(name, corpus.test_rows(name), False)
    evaluate_pii(False, "test")
    print_hashes()


if __name__ == "__main__":
    main()
