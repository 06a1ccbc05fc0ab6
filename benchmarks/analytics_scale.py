"""Staff analytics at scale: p50/p95 latency and query counts per endpoint on PostgreSQL.

Drops and re-creates a database made for the run (its name must contain `bench`), migrates
it, bulk-inserts 200,000 anonymous turns over 20,000 sessions and 5,000 user slugs (with
votes, verdicts and clicks; the roll-up triggers run meanwhile), checks that every roll-up
equals a recomputation from those rows, runs VACUUM ANALYZE, then calls every analytics
endpoint in process through Django's test client (the whole request path: auth, permissions,
filters, queries, serialization; no HTTP socket) and prints one line per endpoint.

    .venv/bin/python benchmarks/analytics_scale.py [--database-url URL] [--runs 30]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = [
    "vm",
    "storage",
    "volume",
    "gpu",
    "cluster",
    "price",
    "quota",
    "backup",
    "network",
    "kubernetes",
    "object",
    "bucket",
    "software",
    "license",
    "consultation",
    "support",
    "invoice",
    "project",
    "resize",
    "snapshot",
    "compute",
]
FILLER = [f"w{n:04d}" for n in range(3000)]  # the long tail of real vocabulary
TARGET_MS = 300.0


def prepare_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: the database name must contain 'bench'")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def seed(*, turns: int, sessions: int, slugs: int, seed_value: int = 7) -> dict:
    from anonymous_chat.models import (
        AnonymousChatClick,
        AnonymousChatFeedback,
        AnonymousChatInteraction,
    )
    from chat.models import markdown_blocks

    rng = random.Random(seed_value)
    now = dt.datetime.now(dt.UTC)
    session_slug = {s: f"slug-{s % slugs:05d}" for s in range(sessions)}
    session_start = {s: now - dt.timedelta(days=rng.uniform(0, 180)) for s in range(sessions)}
    step = dict.fromkeys(range(sessions), 0)
    severities = ["none"] * 90 + ["low"] * 4 + ["medium"] * 3 + ["high"] * 2 + ["critical"]
    batch: list[AnonymousChatInteraction] = []
    started = time.perf_counter()
    for n in range(turns):
        s = n % sessions
        step[s] += 1
        question = " ".join(rng.choices(WORDS, k=2) + rng.choices(FILLER, k=6))
        answer = " ".join(rng.choices(WORDS, k=3) + rng.choices(FILLER, k=27))
        severity = rng.choice(severities)
        batch.append(
            AnonymousChatInteraction(
                session_id=f"sess-{s:06d}",
                user_slug=session_slug[s],
                user_input=question,
                assistant_blocks=markdown_blocks(answer),
                search_text=f"{question}\n{answer}",
                result_count=rng.randint(0, 5),
                input_tokens=rng.randint(50, 2000),
                output_tokens=rng.randint(20, 800),
                model=rng.choice(["model-a", "model-b", "model-c"]),
                is_flagged=severity != "none",
                severity=severity,
                is_strike=severity in ("high", "critical") and rng.random() < 0.5,
                created=min(now, session_start[s] + dt.timedelta(minutes=3 * step[s])),
            )
        )
        if len(batch) == 5000:
            AnonymousChatInteraction.objects.bulk_create(batch)
            batch = []
    AnonymousChatInteraction.objects.bulk_create(batch)
    ids = list(AnonymousChatInteraction.objects.values_list("pk", "session_id"))
    last_of = {session: pk for pk, session in sorted(ids)}
    feedback = []
    reviewed = set(rng.sample(sorted(last_of), k=len(last_of) * 3 // 10))
    for pk, session in ids:
        vote = rng.random() < 0.1
        judged = session in reviewed and last_of[session] == pk
        if not (vote or judged):
            continue
        feedback.append(
            AnonymousChatFeedback(
                interaction_id=pk,
                score=rng.choice([1, -1]) if vote else None,
                submitted_at=now if vote else None,
                llm_resolution_score=rng.randint(1, 5) if judged else None,
                llm_intent_category=rng.choice(["compute", "storage"]) if judged else "",
                llm_reviewed_at=now if judged else None,
                llm_judge_input_tokens=900 if judged else 0,
                llm_judge_output_tokens=80 if judged else 0,
            )
        )
    AnonymousChatFeedback.objects.bulk_create(feedback, batch_size=5000)
    clicks = [
        AnonymousChatClick(interaction_id=pk, offering_uuid=uuid.uuid4(), clicked_at=now)
        for pk, _ in ids
        if rng.random() < 0.05
    ]
    AnonymousChatClick.objects.bulk_create(clicks, batch_size=5000)
    return {
        "turns": len(ids),
        "sessions": len(last_of),
        "feedback": len(feedback),
        "clicks": len(clicks),
        "seconds": round(time.perf_counter() - started, 1),
    }


def check_rollups() -> None:
    """The trigger-kept roll-ups must equal a recomputation from the seeded rows."""
    from anonymous_chat.rollups import rollup_check

    started = time.perf_counter()
    differences = rollup_check()
    if differences:
        counts = {table: len(keys) for table, keys in differences.items()}
        raise SystemExit(f"roll-ups differ from the base rows: {counts}")
    print(f"roll-ups exact (checked in {time.perf_counter() - started:.1f} s)", flush=True)


def endpoints(today: dt.date) -> list[tuple[str, str]]:
    base = "/api/anonymous-chat-interactions/"
    month = (today - dt.timedelta(days=30)).isoformat()
    return [
        ("list, first page", f"{base}?page_size=50"),
        ("list, 30 days + flagged", f"{base}?page_size=50&created_after={month}&is_flagged=true"),
        ("list, full-text query", f"{base}?page_size=50&query=kubernetes%20backup"),
        ("list, slug query", f"{base}?page_size=50&query=slug-0421"),
        ("list, whole array, one session", f"{base}?session_id=sess-004242"),
        ("transcript (by-session)", f"{base}by-session/sess-004242/"),
        ("by-user/{slug}", f"{base}by-user/slug-00421/"),
        ("users aggregate, first page", f"{base}by-user/?page_size=50"),
        ("users aggregate, 30 days", f"{base}by-user/?page_size=50&created_after={month}"),
        ("users aggregate, flagged turns", f"{base}by-user/?page_size=50&is_flagged=true"),
        ("conversations, first page", f"{base}conversations/?page_size=50"),
        (
            "conversations, 30 days + tokens",
            f"{base}conversations/?page_size=50&last_active_after={month}&total_tokens_min=5000",
        ),
        (
            "conversations, created 30 days",
            f"{base}conversations/?page_size=50&created_after={month}",
        ),
        ("conversations, flagged turns", f"{base}conversations/?page_size=50&is_flagged=true"),
        ("kpi", f"{base}kpi/"),
        ("kpi, 30 days + tokens", f"{base}kpi/?created_after={month}&total_tokens_min=5000"),
        ("kpi, flagged turns", f"{base}kpi/?is_flagged=true"),
        ("budget", f"{base}budget/"),
        ("feedbacks, first page", "/api/anonymous-chat-feedbacks/?page_size=50"),
    ]


def measure(client, path: str, runs: int) -> tuple[list[float], int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    return times, len(queries), len(response.json()) if response.json() is not None else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/chat_bench")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--turns", type=int, default=200_000)
    parser.add_argument("--sessions", type=int, default=20_000)
    parser.add_argument("--slugs", type=int, default=5_000)
    parser.add_argument(
        "--reuse", action="store_true", help="Keep the database of a previous run (no seeding)."
    )
    args = parser.parse_args()

    if not args.reuse:
        prepare_database(args.database_url)
    os.environ.update(
        DATABASE_URL=args.database_url,
        DJANGO_SETTINGS_MODULE="config.settings",
        DB_POOL_MAX_SIZE="0",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from accounts.services import token_create
    from anonymous_chat.models import AnonymousChatInteraction

    call_command("migrate", verbosity=0)
    if not args.reuse:
        print("seeded:", seed(turns=args.turns, sessions=args.sessions, slugs=args.slugs))
    check_rollups()
    # What autovacuum would have done by the time staff look: statistics and visibility map.
    connection.ensure_connection()
    connection.connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    staff, _ = User.objects.get_or_create(username="bench-staff", defaults={"is_staff": True})
    key = token_create(user=staff, name="benchmark")
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")

    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    turns = AnonymousChatInteraction.objects.count()
    print(f"PostgreSQL, {turns} turns; load average {load}", flush=True)
    print(f"{'endpoint':36} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'rows':>6}")
    worst = 0.0
    for name, path in endpoints(dt.datetime.now(dt.UTC).date()):
        times, queries, rows = measure(client, path, args.runs)
        p95 = statistics.quantiles(times, n=20)[-1]
        worst = max(worst, p95)
        print(
            f"{name:36} {statistics.median(times):8.1f} {p95:8.1f} {queries:8d} {rows:6d}",
            flush=True,
        )
    print(f"worst p95 {worst:.1f} ms (target {TARGET_MS:.0f} ms)")


if __name__ == "__main__":
    main()
