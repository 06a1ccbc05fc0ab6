"""Time the server adds before the first token's text reaches the client, at 1 and N streams.

Overhead = time to the first text frame through POST /api/chat/stream/ minus the time to the
first content delta straight from the development LLM, at the same concurrency, with the same
aiohttp client. Profile: 200 ms to the first token, 100 tokens at 20 tokens/s; the development
LLM, this load generator and one uvicorn worker in separate processes; a PostgreSQL database
made for the run; one user per concurrent stream, every stream on a new thread.

Targets (issue 4): overhead p50 <= 10 ms at 1 stream and <= 60 ms at 100 streams.

Run: .venv/bin/python benchmarks/stream_overhead.py [--transport httpx,aiohttp]
See benchmarks/README.md for every option and what it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _streamlab as lab_
from _streamlab import Lab, Limit, direct_stream, ms, percentile, run_load, server_stream

TARGETS_MS = {1: 10.0, 100: 10.0}  # issue 19: p50 overhead at 1 and 100 streams


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=lab_.DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--transport", default="aiohttp", help="Comma-separated LLM client transports to compare."
    )
    parser.add_argument("--concurrency", default="1,100", help="Comma-separated stream counts.")
    parser.add_argument("--single-samples", type=int, default=40, help="Streams at 1 stream.")
    parser.add_argument("--rounds", type=int, default=4, help="Streams per worker above 1 (>=3).")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server.")
    parser.add_argument("--uvicorn-arg", action="append", default=[], help="Extra uvicorn arg.")
    parser.add_argument("--time-limit", type=int, default=1200, help="Seconds for the whole run.")
    parser.add_argument("--source", default=str(lab_.ROOT), help="Code under test (a checkout).")
    return parser.parse_args()


async def measure(call, base, tokens, concurrency, args, pids=None):
    rounds = args.single_samples if concurrency == 1 else args.rounds
    stagger = 0.0 if concurrency == 1 else lab_.NOMINAL_STREAM_SECONDS
    limit = rounds * lab_.NOMINAL_STREAM_SECONDS * 4 + 120
    meter = lab_.CpuMeter(pids or {})
    with meter:
        run = await run_load(
            call,
            base,
            tokens,
            concurrency=concurrency,
            rounds=rounds,
            stagger=stagger,
            time_limit=limit,
        )
    return run, meter


async def warm_up(base: str, tokens: list[str]) -> None:
    await run_load(
        server_stream, base, tokens, concurrency=20, rounds=1, stagger=0.5, time_limit=120
    )


def main() -> int:
    args = parse_args()
    levels = [int(x) for x in args.concurrency.split(",")]
    transports = [t.strip() for t in args.transport.split(",") if t.strip()]
    rows = []
    env = lab_.parse_env_pairs(args.env)
    with Limit(args.time_limit), Lab(args.database_url, env, args.source) as lab:
        print(f"host: {lab_.host_note()}; source {lab.source}; {lab.caps_note}")
        lab.prepare_database()
        tokens = lab.create_users(max([*levels, 20]))
        devllm = lab.start_devllm()
        asyncio.run(run_load(direct_stream, lab.devllm_url, tokens, concurrency=1, rounds=3,
                             stagger=0, time_limit=60))  # fmt: skip
        direct = {}
        for level in levels:
            run, meter = asyncio.run(
                measure(direct_stream, lab.devllm_url, tokens, level, args, {"devllm": devllm.pid})
            )
            direct[level] = run
            print(
                f"direct  {level:>4} streams: ttft p50 {ms(percentile(run.ttfts(), 50))} ms "
                f"p95 {ms(percentile(run.ttfts(), 95))} ms, total p50 "
                f"{percentile(run.totals(), 50):.2f} s, errors {len(run.errors)}; "
                f"CPU {meter.line()}"
            )
        for transport in transports:
            server, base = lab.start_server(transport=transport, uvicorn_args=args.uvicorn_arg)
            asyncio.run(warm_up(base, tokens))
            for level in levels:
                pids = {"server": server.pid, "devllm": devllm.pid}
                run, meter = asyncio.run(measure(server_stream, base, tokens, level, args, pids))
                rows.append((transport, level, run, direct[level], meter))
                print(
                    f"server  {level:>4} streams ({transport}): ttft p50 "
                    f"{ms(percentile(run.ttfts(), 50))} ms p95 {ms(percentile(run.ttfts(), 95))} ms"
                    f", errors {len(run.errors)} {lab_.summarize_errors(run)}; CPU {meter.line()}"
                )
            lab.stop(server)
    print()
    print(
        "| transport | streams | samples | direct TTFT p50 / p95 ms | server TTFT p50 / p95 ms "
        "| overhead p50 / p95 ms | target p50 | errors "
        "| CPU % server / postgres / devllm / loadgen "
        "| server CPU ms per turn |"
    )
    print("| --- " * 10 + "|")
    failed = False
    for transport, level, run, base_run, meter in rows:
        d50, d95 = percentile(base_run.ttfts(), 50), percentile(base_run.ttfts(), 95)
        s50, s95 = percentile(run.ttfts(), 50), percentile(run.ttfts(), 95)
        o50, o95 = s50 - d50, s95 - d95
        target = TARGETS_MS.get(level)
        verdict = "" if target is None else ("ok" if o50 * 1000 <= target else "MISSED")
        shown = "" if target is None else f"<= {target:.0f} {verdict}"
        failed |= verdict == "MISSED" or bool(run.errors)
        cpu = f"{meter.shares()} | {meter.ms_per('server', len(run.results)):.1f}"
        print(
            f"| {transport} | {level} | {len(run.ttfts())} | {ms(d50)} / {ms(d95)} "
            f"| {ms(s50)} / {ms(s95)} | {ms(o50)} / {ms(o95)} "
            f"| {shown} | {len(run.errors)} | {cpu} |"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
