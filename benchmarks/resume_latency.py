"""Time from a resume request to its first line (the first frame the client missed), when the
resume reaches the process that generates the answer and when it reaches another one.

Profile: two servers as deployed (`scripts/serve`), one worker each (A and B), on one
PostgreSQL database made for the run; the development LLM at the stream benchmarks' pace (200
ms to the first token, 100 tokens at 20 tokens/s). A sample: POST a turn on A, read its first
10 lines, then `GET /api/chat-threads/{uuid}/stream/?after=5` (five frames missed) on A (same
process) or B (other process) while the answer is still being written; the time is from
sending the GET to reading its first line. Every resume must give exactly the POST's lines
from the sixth on, or the sample is an error. `--background N` keeps N other streams running
on A meanwhile.

Run: .venv/bin/python benchmarks/resume_latency.py [--samples 40] [--background 50]
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
from _streamlab import QUESTION, Lab, Limit, make_client, ms, percentile, server_stream

SEEN, AFTER = 10, 5  # lines read before the "loss", and the count the resume says it has


async def one_sample(client, post_base: str, resume_base: str, token: str) -> float:
    headers = {"Authorization": f"Token {token}"}
    async with client.post(
        f"{post_base}/api/chat/stream/", json={"input": QUESTION}, headers=headers
    ) as post:
        if post.status != 200:
            raise RuntimeError(f"POST answered {post.status}")
        lines = [await post.content.readline() for _ in range(SEEN)]
        thread = json.loads(lines[0])["m"]["thread_uuid"]
        url = f"{resume_base}/api/chat-threads/{thread}/stream/"
        started = time.perf_counter()
        async with client.get(url, params={"after": str(AFTER)}, headers=headers) as resumed:
            first = await resumed.content.readline()
            latency = time.perf_counter() - started
            if resumed.status != 200:
                raise RuntimeError(f"resume answered {resumed.status}")
            rest = await resumed.read()
        lines += (await post.read()).splitlines(keepends=True)
    got = [first, *rest.splitlines(keepends=True)]
    if got != lines[AFTER:]:
        raise RuntimeError(f"resume gave {len(got)} lines, not the {len(lines) - AFTER} missed")
    if b'"finish_reason":"stop"' not in lines[-1]:
        raise RuntimeError("the answer did not end with stop")
    return latency


async def background_load(base: str, tokens: list[str], stop: asyncio.Event) -> int:
    done = 0
    async with make_client(len(tokens)) as client:

        async def worker(token: str) -> None:
            nonlocal done
            while not stop.is_set():
                await server_stream(client, base, token)
                done += 1

        await asyncio.gather(*(worker(t) for t in tokens))
    return done


async def measure(bases, tokens, args) -> dict[str, list]:
    results: dict[str, list] = {"same process": [], "other process": []}
    stop = asyncio.Event()
    load = None
    if args.background:
        load = asyncio.create_task(background_load(bases[0], tokens[1:], stop))
        await asyncio.sleep(lab_.NOMINAL_STREAM_SECONDS)  # the load at full strength
    async with make_client(4) as client:
        for i in range(args.samples * 2):
            name, resume_base = (
                ("same process", bases[0]) if i % 2 == 0 else ("other process", bases[1])
            )
            try:
                results[name].append(await one_sample(client, bases[0], resume_base, tokens[0]))
            except Exception as exc:  # a failed sample is counted, not hidden
                results[name].append(exc)
    stop.set()
    if load is not None:
        await load
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=lab_.DEFAULT_DATABASE_URL)
    parser.add_argument("--samples", type=int, default=40, help="Resumes per case.")
    parser.add_argument("--background", type=int, default=0, help="Other streams on A.")
    parser.add_argument("--time-limit", type=int, default=900)
    parser.add_argument("--source", default=str(lab_.ROOT), help="Code under test (a checkout).")
    args = parser.parse_args()
    with Limit(args.time_limit), Lab(args.database_url, {}, args.source) as lab:
        print(f"host: {lab_.host_note()}; source {lab.source}")
        lab.prepare_database()
        tokens = lab.create_users(args.background + 1)
        lab.start_devllm()
        bases = [lab.start_server(WEB_CONCURRENCY="1")[1] for _ in range(2)]
        results = asyncio.run(measure(bases, tokens, args))
    print()
    print("| resume reaches | samples | first missed frame p50 / p95 ms | errors |")
    print("| --- | --- | --- | --- |")
    failed = False
    for name, values in results.items():
        times = [v for v in values if isinstance(v, float)]
        errors = [v for v in values if not isinstance(v, float)]
        failed |= bool(errors) or not times
        figures = f"{ms(percentile(times, 50))} / {ms(percentile(times, 95))}" if times else "-"
        shown = f"{len(errors)}" + (f" ({errors[0]})" if errors else "")
        print(f"| {name} | {len(times)} | {figures} | {shown} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
