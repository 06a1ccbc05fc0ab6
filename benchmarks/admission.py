"""Admission-gate throughput on PostgreSQL, and its share of a turn's pre-stream work.

    createdb -h 127.0.0.1 -U postgres chat_bench   # once
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/chat_bench
    .venv/bin/python benchmarks/admission.py

Prints admissions per second (reserve + settle on a user's quota and the site budget, the
whole gate of a turn, each row's UPDATE committed on its own) with 1 and 8 concurrent workers,
each with its own user, and the p50 of one admission next to the p50 of everything a stream
request does before its first byte (plan, reserve, store), so the gate's share is visible.
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("AI_ASSISTANT_GLOBAL_REQUESTS_PER_MINUTE", "0")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.services import user_upsert  # noqa: E402
from chat import budgets  # noqa: E402
from chat.turns import admission  # noqa: E402
from chat.turns.admission import Estimate  # noqa: E402
from chat.turns.pipeline import admit_and_store  # noqa: E402
from chat.turns.signed_in import SignedInConversation  # noqa: E402
from moderation.service import scan  # noqa: E402

SECONDS = 5.0


def admit_once(user) -> None:
    rows = [budgets.user_row(user), budgets.site_row(anonymous=False)]
    grant = admission.reserve(rows, Estimate(input_tokens=300, max_tokens=1000))
    admission.settle(grant, 420)


def throughput(workers: int) -> float:
    users = [user_upsert(username=f"bench-admit-{i}")[0] for i in range(workers)]
    counts = [0] * workers
    stop = time.monotonic() + SECONDS

    def run(i: int) -> None:
        while time.monotonic() < stop:
            admit_once(users[i])
            counts[i] += 1
        connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / SECONDS


def p50(fn, n: int = 200) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database (see the docstring).")
    call_command("migrate", verbosity=0)
    user = user_upsert(username="bench-admit-solo")[0]
    admit_ms = p50(lambda: admit_once(user))

    def pre_stream() -> None:
        conversation = SignedInConversation(user=user, text="How do I attach a volume?")
        turn = admit_and_store(conversation, scan(conversation.resolve()))
        admission.settle(turn.grant, 0)

    pre_ms = p50(pre_stream, n=100)
    print(f"admission p50: {admit_ms:.2f} ms (reserve + settle, two rows)")
    print(f"pre-stream work p50: {pre_ms:.2f} ms (plan, reserve, store)")
    print(f"admission share of pre-stream work: {100 * admit_ms / pre_ms:.0f}%")
    for workers in (1, 8):
        print(f"throughput with {workers} worker(s): {throughput(workers):.0f} admissions/s")


if __name__ == "__main__":
    main()
