"""The list endpoints' cost and latency: alone, and beside running streams.

1. Server CPU per request (all worker processes) of `GET /api/chat-threads/` (a page of 10)
   and `GET /api/chat-messages/?thread=<uuid>`, from one client sending them back to back.
2. Latency of thread lists from `--clients` concurrent clients (each sending the next request
   when the last one is answered) while `--streams` streams run (the capacity benchmark's
   profile): p50 / p99.

Targets (issue 19): a thread list costs <= 5 ms of server CPU; with the default deployment
(WEB_CONCURRENCY), p99 <= 100 ms for 50 list clients beside 200 streams.

Run: .venv/bin/python benchmarks/list_latency.py [--clients 50] [--streams 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _streamlab as lab_
from _streamlab import Lab, Limit, make_client, ms, percentile, run_load, server_stream

THREADS_PER_USER = 30  # the list pages through more threads than it shows
CPU_TARGET_MS = 5.0
P99_TARGET_MS = 100.0

SEED_CODE = """
import json, sys
from accounts.models import User
from chat.models import ChatSession, Message, Thread
names, per_user = json.loads(sys.argv[1]), int(sys.argv[2])
block = [{"id": "blk_0", "key": "markdown", "status": "complete", "content": "hello " * 40}]
threads = {}
for key, name in names:
    user = User.objects.get(username=name)
    session, _ = ChatSession.objects.get_or_create(user=user)
    for t in range(per_user):
        thread = Thread.objects.create(chat_session=session, name=f"Thread {t}",
                                       title_gen_input_tokens=40, title_gen_output_tokens=6)
        Message.objects.bulk_create([
            Message(thread=thread, role="user" if i % 2 == 0 else "assistant",
                    sequence_index=i + 1, blocks=block, search_text="hello " * 40,
                    input_tokens=300 if i % 2 else None, output_tokens=120 if i % 2 else None,
                    model="dev-model" if i % 2 else "", feedback_score=True if i == 1 else None)
            for i in range(6)
        ])
        threads[key] = str(thread.uuid)
print(json.dumps(threads))
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=lab_.DEFAULT_DATABASE_URL)
    parser.add_argument("--clients", type=int, default=50, help="Concurrent list clients.")
    parser.add_argument("--streams", type=int, default=200, help="Streams running meanwhile.")
    parser.add_argument("--requests", type=int, default=400, help="Requests for the CPU figure.")
    parser.add_argument("--seconds", type=float, default=20.0, help="Length of the mixed run.")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server.")
    parser.add_argument("--time-limit", type=int, default=1200, help="Seconds for the whole run.")
    parser.add_argument("--source", default=str(lab_.ROOT), help="Code under test (a checkout).")
    return parser.parse_args()


async def get(client, url: str, token: str) -> float:
    start = time.perf_counter()
    async with client.get(url, headers={"Authorization": f"Token {token}"}) as response:
        body = await response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: {response.status} {body[:200]!r}")
    return time.perf_counter() - start


async def sequential(base: str, path: str, token: str, count: int) -> None:
    async with make_client(1) as client:
        for _ in range(count):
            await get(client, f"{base}{path}", token)


async def list_clients(base: str, tokens: list[str], clients: int, seconds: float) -> list[float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    async with make_client(clients) as client:

        async def one(index: int) -> None:
            token = tokens[index % len(tokens)]
            while time.perf_counter() < deadline:
                latencies.append(await get(client, f"{base}/api/chat-threads/", token))

        await asyncio.gather(*(one(i) for i in range(clients)))
    return latencies


def cpu_per_request(lab: Lab, server, base: str, path: str, token: str, count: int) -> float:
    asyncio.run(sequential(base, path, token, 20))  # warm-up
    meter = lab_.CpuMeter({"server": server.pid})
    with meter:
        asyncio.run(sequential(base, path, token, count))
    return meter.ms_per("server", count)


def main() -> int:
    args = parse_args()
    env = lab_.parse_env_pairs(args.env)
    with Limit(args.time_limit), Lab(args.database_url, env, args.source) as lab:
        print(f"host: {lab_.host_note()}; source {lab.source}; {lab.caps_note}")
        lab.prepare_database()
        stream_tokens = lab.create_users(args.streams, prefix="stream")
        list_tokens = lab.create_users(min(args.clients, 50), prefix="lister")
        pairs = [[key, f"lister{i}"] for i, key in enumerate(list_tokens)]
        seeded = lab.run_django(SEED_CODE, json.dumps(pairs), str(THREADS_PER_USER))
        threads = json.loads(seeded)
        lab.start_devllm()
        server, base = lab.start_server()
        token = list_tokens[0]
        thread_cpu = cpu_per_request(lab, server, base, "/api/chat-threads/", token, args.requests)
        message_path = f"/api/chat-messages/?thread={threads[token]}"
        message_cpu = cpu_per_request(lab, server, base, message_path, token, args.requests)
        print(f"server CPU per request: thread list {thread_cpu:.2f} ms, "
              f"message list {message_cpu:.2f} ms")  # fmt: skip

        async def mixed() -> tuple[list[float], lab_.LoadRun]:
            streams = asyncio.create_task(
                run_load(server_stream, base, stream_tokens, concurrency=args.streams,
                         rounds=max(3, int(args.seconds / lab_.NOMINAL_STREAM_SECONDS) + 2),
                         stagger=lab_.NOMINAL_STREAM_SECONDS, time_limit=args.time_limit)
            )  # fmt: skip
            await asyncio.sleep(lab_.NOMINAL_STREAM_SECONDS * 1.5)  # every stream worker going
            latencies = await list_clients(base, list_tokens, args.clients, args.seconds)
            return latencies, await streams

        meter = lab_.CpuMeter({"server": server.pid})
        with meter:
            latencies, run = asyncio.run(mixed())
        p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
        print(
            f"{args.clients} list clients beside {args.streams} streams: {len(latencies)} lists, "
            f"p50 {ms(p50)} ms, p99 {ms(p99)} ms; streams: {len(run.results)}, errors "
            f"{len(run.errors)}, TTFT p95 {ms(percentile(run.ttfts(), 95))} ms; "
            f"CPU % {meter.shares()}"
        )
    print()
    print("| figure | value | target |")
    print("| --- | --- | --- |")
    print(f"| thread list, server CPU per request | {thread_cpu:.2f} ms | <= {CPU_TARGET_MS} ms |")
    print(f"| message list (one thread), server CPU per request | {message_cpu:.2f} ms | |")
    print(f"| thread list p50 / p99 beside {args.streams} streams, {args.clients} clients "
          f"| {ms(p50)} / {ms(p99)} ms | p99 <= {P99_TARGET_MS:.0f} ms |")  # fmt: skip
    met = thread_cpu <= CPU_TARGET_MS and p99 * 1000 <= P99_TARGET_MS
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
