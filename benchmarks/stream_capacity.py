"""How many concurrent streams one uvicorn worker serves within the latency budget.

A level of N streams passes when, with N workers each running back-to-back streams (one user
each, arrivals spread over one stream's length), there are 0 errors, the p95 time to the first
text frame is <= 1 s and the p95 whole-stream time is within 25% of the upstream's own (the
same completion straight from the development LLM at 1 stream, about 5.2 s). Profile: 200 ms to
the first token, 100 tokens at 20 tokens/s; the development LLM, this load generator and one
uvicorn worker in separate processes; a PostgreSQL database made for the run.

Target (issue 4): 500 streams.

Run: .venv/bin/python benchmarks/stream_capacity.py [--levels 100,200,300,500,700]
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

TTFT_P95_LIMIT = 1.0
TOTAL_SLACK = 1.25


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=lab_.DEFAULT_DATABASE_URL)
    parser.add_argument("--levels", default="100,200,300,500,700", help="Concurrent streams.")
    parser.add_argument(
        "--transport", default="aiohttp", help="Comma-separated LLM client transports to compare."
    )
    parser.add_argument("--rounds", type=int, default=3, help="Streams per worker (>= 3).")
    parser.add_argument(
        "--all-levels", action="store_true", help="Go on after the first failing level."
    )
    parser.add_argument(
        "--direct", action="store_true", help="Also run each level straight against the devllm."
    )
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server.")
    parser.add_argument("--uvicorn-arg", action="append", default=[], help="Extra uvicorn arg.")
    parser.add_argument("--time-limit", type=int, default=1800, help="Seconds for the whole run.")
    parser.add_argument("--source", default=str(lab_.ROOT), help="Code under test (a checkout).")
    return parser.parse_args()


def level_run(call, base, tokens, level, rounds, pids):
    limit = rounds * lab_.NOMINAL_STREAM_SECONDS * 6 + 180
    meter = lab_.CpuMeter(pids)
    with meter:
        run = asyncio.run(
            run_load(
                call,
                base,
                tokens,
                concurrency=level,
                rounds=rounds,
                stagger=lab_.NOMINAL_STREAM_SECONDS,
                time_limit=limit,
            )
        )
    return run, meter


def main() -> int:
    args = parse_args()
    levels = sorted(int(x) for x in args.levels.split(","))
    transports = [t.strip() for t in args.transport.split(",") if t.strip()]
    rounds = max(3, args.rounds)
    env = lab_.parse_env_pairs(args.env)
    rows = []
    best: dict[str, int] = {}
    with Limit(args.time_limit), Lab(args.database_url, env, args.source) as lab:
        print(f"host: {lab_.host_note()}; source {lab.source}; {lab.caps_note}")
        lab.prepare_database()
        tokens = lab.create_users(max([*levels, 20]))
        devllm = lab.start_devllm()
        ref = asyncio.run(
            run_load(direct_stream, lab.devllm_url, tokens, concurrency=1, rounds=8, stagger=0,
                     time_limit=120)
        )  # fmt: skip
        upstream = percentile(ref.totals(), 50)
        limit_total = upstream * TOTAL_SLACK
        print(
            f"upstream at 1 stream: ttft p50 {ms(percentile(ref.ttfts(), 50))} ms, whole stream "
            f"p50 {upstream:.2f} s -> limits: ttft p95 <= {TTFT_P95_LIMIT:.1f} s, "
            f"whole stream p95 <= {limit_total:.2f} s, 0 errors"
        )
        for transport in transports:
            server, base = lab.start_server(transport=transport, uvicorn_args=args.uvicorn_arg)
            asyncio.run(
                run_load(server_stream, base, tokens, concurrency=20, rounds=1, stagger=0.5,
                         time_limit=120)
            )  # fmt: skip
            best[transport] = 0
            for level in levels:
                if args.direct:
                    drun, dmeter = level_run(
                        direct_stream, lab.devllm_url, tokens, level, rounds, {"devllm": devllm.pid}
                    )
                    print(
                        f"direct {level:>4}: ttft p95 {ms(percentile(drun.ttfts(), 95))} ms, whole "
                        f"p95 {percentile(drun.totals(), 95):.2f} s, errors {len(drun.errors)}; "
                        f"CPU {dmeter.line()}"
                    )
                pids = {"server": server.pid, "devllm": devllm.pid}
                run, meter = level_run(server_stream, base, tokens, level, rounds, pids)
                t95 = percentile(run.ttfts(), 95)
                w95 = percentile(run.totals(), 95)
                passed = (
                    not run.errors
                    and bool(run.steady)
                    and t95 <= TTFT_P95_LIMIT
                    and w95 <= limit_total
                )
                rows.append((transport, level, run, meter, passed))
                print(
                    f"server {level:>4} ({transport}): {'pass' if passed else 'FAIL'}; ttft p95 "
                    f"{ms(t95)} ms, whole p95 {w95:.2f} s, errors {len(run.errors)} "
                    f"{lab_.summarize_errors(run)}; CPU {meter.line()}"
                )
                if passed:
                    best[transport] = level
                elif not args.all_levels:
                    break
            lab.stop(server)
    print()
    print(
        "| transport | streams | started / steady | errors | TTFT p50 / p95 ms "
        "| last text p95 s | whole stream p50 / p95 s | CPU % server / postgres / devllm / loadgen "
        "| server CPU ms per turn | pass |"
    )
    print("| --- " * 10 + "|")
    for transport, level, run, meter, passed in rows:
        texts = [r.text_done for r in run.steady if r.text_done is not None]
        cpu = f"{meter.shares()} | {meter.ms_per('server', len(run.results)):.1f}"
        print(
            f"| {transport} | {level} | {len(run.results)} / {len(run.steady)} "
            f"| {len(run.errors)} | {ms(percentile(run.ttfts(), 50))} / "
            f"{ms(percentile(run.ttfts(), 95))} | {percentile(texts, 95):.2f} "
            f"| {percentile(run.totals(), 50):.2f} / {percentile(run.totals(), 95):.2f} "
            f"| {cpu} | {'yes' if passed else 'no'} |"
        )
    print()
    for transport, level in best.items():
        verdict = "meets" if level >= 500 else "below"
        print(f"largest passing level ({transport}): {level} streams ({verdict} the target of 500)")
    return 0 if best and min(best.values()) >= 500 else 1


if __name__ == "__main__":
    sys.exit(main())
