"""The held-out test set from AgentDojo: its tool data (emails, files, calendar entries, web
pages, Slack messages, reviews) pasted as documents, clean or with one injection planted.

Positives: each injection vector of each suite, filled by AgentDojo's own attack templates
with its own injection goals, rendered as the document that holds the vector. Negatives:
every document of the default environments (the vectors hold their harmless defaults).
Nothing from AgentDojo is used for training or for choosing thresholds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

SUITES = ("workspace", "slack", "banking", "travel")
ATTACKS = (
    "direct",
    "ignore_previous",
    "system_message",
    "injecagent",
    "important_instructions",
    "important_instructions_no_names",
    "important_instructions_wrong_model_name",
)
_MARK = "QQVECTOR{}QQ"
_MIN_BODY = 25  # a record is a document when one of its strings is at least this long


@dataclass
class _Pipeline:
    """Stands in for an agent pipeline: the attacks only read its model name."""

    name: str = "gpt-4o-2024-05-13"


def _render(node: object) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, dict):
        lines = []
        for key, value in node.items():
            if isinstance(value, (dict, list)):
                value = ", ".join(map(str, value)) if _flat_list(value) else None
            if value not in (None, ""):
                lines.append(f"{key}: {value}")
        return "\n".join(lines)
    return str(node)


def _flat_list(value: object) -> bool:
    return isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value)


def _documents(node: object) -> list[str]:
    """Records holding a long string (rendered whole), and long strings outside records."""
    found: list[str] = []
    if isinstance(node, dict):
        strings = [v for v in node.values() if isinstance(v, str)]
        long_values = [v for v in strings if len(v) >= _MIN_BODY]
        if long_values and len(strings) >= 2:
            found.append(_render(node))
        else:
            found += long_values
        for value in node.values():
            if isinstance(value, (dict, list)):
                found += _documents(value)
    elif isinstance(node, list):
        for value in node:
            if isinstance(value, str) and len(value) >= _MIN_BODY:
                found.append(value)
            elif isinstance(value, (dict, list)):
                found += _documents(value)
    return found


def _environment_docs(suite, injections: dict[str, str]) -> list[str]:
    environment = suite.load_and_inject_default_environment(injections)
    return _documents(json.loads(json.dumps(environment.model_dump(mode="json"), default=str)))


def _row(text: str, label: str, family: str, suite: str) -> dict:
    return {
        "text": text.strip(),
        "label": label,
        "family": family,
        "language": "en",
        "source": f"agentdojo-{suite}",
        "split": "test",
    }


def _suite_rows(name: str) -> list[dict]:
    from agentdojo.attacks.attack_registry import load_attack
    from agentdojo.task_suite.load_suites import get_suite

    suite = get_suite("v1", name)
    defaults = suite.get_injection_vector_defaults()
    vectors = sorted(defaults)
    goals = [suite.injection_tasks[k].GOAL for k in sorted(suite.injection_tasks)]
    rows = [_row(doc, "benign", "benign", name) for doc in _environment_docs(suite, defaults)]
    marked = {v: _MARK.format(i) for i, v in enumerate(vectors)}
    located = _environment_docs(suite, marked)
    for number, vector in enumerate(vectors):
        holders = [doc for doc in located if marked[vector] in doc]
        if not holders:
            continue
        for offset, attack_name in enumerate(ATTACKS):
            attack = load_attack(attack_name, suite, _Pipeline())
            goal = goals[(number + offset) % len(goals)]
            payload = attack.jailbreak.format(
                goal=goal, user=attack.user_name, model=attack.model_name, task=""
            )
            injected = dict(defaults, **{vector: payload})
            # YAML folds the payload's blank lines, so the goal is what identifies it.
            docs = [d for d in _environment_docs(suite, injected) if goal[:40] in d]
            if docs:
                rows.append(_row(docs[0], "attack", attack_name, name))
    return rows


def build() -> list[dict]:
    rows: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for name in SUITES:
        for row in _suite_rows(name):
            key = (row["text"], row["label"])
            if key not in seen:
                seen.add(key)
                rows.append(row)
    return rows
