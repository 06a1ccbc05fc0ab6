"""Generate tests/data/moderation/injection_tooldata_cases.jsonl: tool data with attacks.

What an agent's tools return (e-mails, calendar entries, files, chat messages, bank
transactions, reviews, web pages), rendered as tools print records, clean or with one
attacker goal planted in a text field in one of the public attack styles (see
moderation/training/tooldata_attacks.py and tooldata_records.py). It is the project's own,
differently sourced material in the InjecAgent / BIPIA style, for TRAINING AND VALIDATION
ONLY: no row of it is a test row (AgentDojo stays the held-out test set of this domain).

Splits are fixed by a stable hash: a benign body and all its renderings share a split; an
attacker goal and all its wrappers share a split. A third of the wrapper wordings, markers
and misspellings are validation-only, so validation also measures unseen wordings.

Run: python benchmarks/gen_tooldata_cases.py
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moderation.training import tooldata_attacks as attacks
from moderation.training import tooldata_records as records
from moderation.training.dedup import NearDuplicateIndex

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests/data/moderation/injection_tooldata_cases.jsonl"
FIRST = ["Anna", "Ben", "Chloe", "David", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jamal"]
LAST = ["Keller", "Novak", "Silva", "Okafor", "Lindqvist", "Moreau", "Rossi", "Tamm", "Wong"]
DOMAINS = [
    "northwind.example",
    "acme-corp.example",
    "bluepeak.example",
    "mail.example",
    "gmail.example",
    "proton.example",
    "outlook.example",
    "kontor.example",
]
CITIES = ["Lisbon", "Tallinn", "Vienna", "Osaka", "Denver", "Lyon", "Porto", "Krakow"]
COMPANIES = ["Northwind Traders", "Acme Corp", "Blue Peak Labs", "Kontor GmbH", "Lumen Ltd"]
SUBJECTS = [
    "Re: Q3 numbers",
    "Invoice",
    "Your order",
    "Meeting tomorrow",
    "Quick question",
    "Security alert",
    "Welcome!",
    "Holiday plans",
    "Contract draft",
    "Reminder",
    "Fwd: workshop",
    "Team update",
]


_RENDERINGS = 5  # each benign body, with different names, dates and record layouts


def split_of(seed: str, validation_share: int = 4) -> str:
    bucket = int(hashlib.sha256(("tooldata:" + seed).encode()).hexdigest()[:8], 16) % 10
    return "validation" if bucket < validation_share else "train"


def _fill(template: str, rng: random.Random) -> str:
    first, first2 = rng.sample(FIRST, 2)
    names = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(3)]
    emails = [f"{n.split()[0].lower()}.{n.split()[1].lower()}@{rng.choice(DOMAINS)}" for n in names]
    values = {
        "first": first,
        "first2": first2,
        "name": names[0],
        "name2": names[1],
        "name3": names[2],
        "email": emails[0],
        "email2": emails[1],
        "email3": emails[2],
        "date": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "date2": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "amount": f"{rng.choice(['EUR ', '$', ''])}{rng.randint(2, 990) * 10:,}",
        "iban": f"{rng.choice(['DE', 'GB', 'FR', 'EE'])}{rng.randint(10, 99)} "
        + " ".join(str(rng.randint(1000, 9999)) for _ in range(4)),
        "url": f"https://{rng.choice(['www.', 'portal.', 'secure-', ''])}"
        f"{rng.choice(['account', 'billing', 'files', 'login', 'news'])}-"
        f"{rng.randint(10, 999)}.example.{rng.choice(['com', 'net', 'io'])}/"
        f"{rng.choice(['', 'verify', 'login', 'x'])}",
        "code": str(rng.randint(100000, 999999)),
        "room": str(rng.randint(1, 12)),
        "city": rng.choice(CITIES),
        "company": rng.choice(COMPANIES),
        "flight": f"{rng.choice(['LH', 'AY', 'BA', 'KL'])}{rng.randint(100, 999)}",
        "month": rng.choice(["May", "June", "July", "October"]),
        "street": f"{rng.randint(1, 80)} {rng.choice(['Elm', 'Harbour', 'Mill'])} Street",
        "phone": f"+1 555 01{rng.randint(10, 99)}",
        "phone2": f"+44 20 7946 0{rng.randint(100, 999)}",
        "restaurant": rng.choice(attacks.RESTAURANTS),
        "hotel": rng.choice(attacks.HOTELS),
        "user": rng.choice(attacks.USERS),
        "model": rng.choice(attacks.MODELS),
    }
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


def _email(text: str, rng: random.Random, date: str, sender: str) -> dict:
    return {
        "id": str(rng.randint(1, 500)),
        "sender": sender,
        "recipients": _fill("{email2}", rng),
        "subject": rng.choice(SUBJECTS),
        "body": text,
        "timestamp": f"{date} 09:{rng.randint(10, 59)}",
        "read": rng.choice(["True", "False"]),
    }


def _calendar(text: str, rng: random.Random, date: str, sender: str) -> dict:
    return {
        "title": rng.choice(["Review", "Call", "Lunch", "Appointment", "Sync"]),
        "description": text,
        "start_time": f"{date} 10:00",
        "end_time": f"{date} 11:00",
        "location": rng.choice(CITIES),
        "participants": sender,
    }


def _file(text: str, rng: random.Random, date: str, sender: str) -> dict:
    return {
        "id": str(rng.randint(1, 60)),
        "filename": rng.choice(["notes.txt", "plan.docx", "list.md", "data.csv", "summary.txt"]),
        "content": text,
        "owner": sender,
        "last_modified": date,
    }


def _chat(text: str, rng: random.Random, date: str, sender: str) -> dict:
    return {
        "sender": rng.choice(FIRST),
        "channel": rng.choice(["general", "random", "ops"]),
        "body": text,
    }


def _transaction(text: str, rng: random.Random, date: str, sender: str) -> dict:
    return {
        "id": str(rng.randint(1, 900)),
        "sender": "me",
        "recipient": _fill("{iban}", rng),
        "amount": str(rng.randint(5, 3000)),
        "subject": text,
        "date": date,
        "recurring": rng.choice(["True", "False"]),
    }


def _review(text: str, rng: random.Random, date: str, sender: str) -> dict:
    other = _fill(rng.choice(records.REVIEWS), rng)
    return {
        "name": _fill("{hotel}", rng),
        "city": rng.choice(CITIES),
        "rating": str(rng.randint(2, 5)),
        "reviews": f"{other}\n{text}",
    }


def _web(text: str, rng: random.Random, date: str, sender: str) -> dict:
    return {"url": _fill("{url}", rng), "content": text}


_LAYOUTS = {"email": _email, "calendar": _calendar, "file": _file, "chat": _chat,
            "transaction": _transaction, "review": _review, "web": _web}  # fmt: skip


def _record(kind: str, text: str, rng: random.Random) -> dict:
    """A tool record of `kind` whose free-text field is `text`, laid out as tools print it."""
    date = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    sender = _fill("{email}", rng)
    return _LAYOUTS[kind](text, rng, date, sender)


def _render(record: dict, rng: random.Random) -> str:
    style = rng.randrange(3)
    if style == 0:
        return "\n".join(f"{k}: {v}" for k, v in record.items())
    if style == 1:
        return json.dumps(record, indent=2, ensure_ascii=False)
    if "body" in record and "sender" in record and "subject" in record:
        return f"From: {record['sender']}\nSubject: {record['subject']}\n\n{record['body']}"
    return "\n".join(f"{k.replace('_', ' ').title()}: {v}" for k, v in record.items())


BENIGN_SOURCES = [
    ("email", records.EMAIL_BODIES),
    ("calendar", records.CALENDAR_DESCRIPTIONS),
    ("file", records.FILE_CONTENTS),
    ("chat", records.CHAT_MESSAGES),
    ("transaction", records.TRANSACTION_SUBJECTS),
    ("review", records.REVIEWS),
    ("web", records.WEB_PAGES),
]


def _row(text: str, label: str, family: str, split: str, variant: str) -> dict:
    return {
        "text": text,
        "label": label,
        "family": family,
        "language": "en",
        "split": split,
        "variant": variant,
        "source": "own-tooldata",
    }


def benign_rows(rng: random.Random) -> list[dict]:
    rows = []
    for kind, bodies in BENIGN_SOURCES:
        for body in bodies:
            for _ in range(_RENDERINGS):
                text = _render(_record(kind, _fill(body, rng), rng), rng)
                rows.append(_row(text, "benign", "benign", split_of(body), kind))
    return rows


def _wrap(goal: str, wording: str, rng: random.Random, pool: dict[str, list[str]]) -> str:
    filled = _fill(goal, rng)
    text = wording.replace("{marker}", rng.choice(pool["markers"]))
    text = text.replace("{instructions}", rng.choice(pool["instructions"]))
    text = text.replace("{Goal}", filled[:1].upper() + filled[1:]).replace("{goal}", filled)
    return _fill(text, rng)


def _plant(kind: str, payload: str, rng: random.Random) -> str:
    """The payload as the whole free-text field, or next to a benign body of that kind."""
    bodies = dict(BENIGN_SOURCES)[kind]
    body = _fill(rng.choice(bodies), rng)
    how = rng.randrange(3)
    text = payload if how == 0 else f"{body}\n\n{payload}" if how == 1 else f"{payload}\n{body}"
    return _render(_record(kind, text, rng), rng)


def attack_rows(rng: random.Random) -> list[dict]:
    # Validation-only wordings: training never sees them.
    def pools(split: str) -> dict[str, list[str]]:
        keep = (lambda w: True) if split == "validation" else (lambda w: split_of(w, 3) == "train")
        return {
            "markers": [m for m in attacks.MARKERS if keep(m)] or attacks.MARKERS,
            "instructions": [w for w in attacks.INSTRUCTIONS if keep(w)] or ["instructions"],
            "wrappers": {s: [w for w in ws if keep(w)] for s, ws in attacks.WRAPPERS.items()},
        }

    rows = []
    kinds = [k for k, _ in BENIGN_SOURCES if k != "transaction"]
    for goal in attacks.GOALS:
        split = split_of(goal)
        pool = pools(split)
        for style, wordings in pool["wrappers"].items():
            if not wordings:
                continue
            payload = _wrap(goal, rng.choice(wordings), rng, pool)
            text = _plant(rng.choice(kinds), payload, rng)
            rows.append(_row(text, "attack", f"tool_{style}", split, style))
    return rows


def main() -> None:
    rng = random.Random(2020)
    rows = attack_rows(rng) + benign_rows(rng)
    # No row may nearly copy a test row of any set (the trainer checks this again).
    from moderation.training import corpus

    index = NearDuplicateIndex(corpus.all_test_texts())
    kept = [r for r in rows if not index.match(r["text"])]
    print(f"{OUT.name}: {len(kept)} rows ({len(rows) - len(kept)} near test rows dropped)")
    with OUT.open("w", encoding="utf-8") as handle:
        for row in kept:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
