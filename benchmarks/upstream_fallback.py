"""How long a turn takes when the first LLM upstream is down (connection refused) or stalls (no
first token before its `first_token_timeout`), and the next one answers.

Profile: one server as deployed (`scripts/serve`, one worker, so that one process's upstream
health is observed), PostgreSQL made for the run, the development LLM at the stream
benchmarks' pace (200 ms to the first token, 100 tokens at 20 tokens/s) as the healthy
upstream; "down" is a loopback port nobody listens on; "stalled" is a second development LLM
that waits 30 s before its first token, configured with `first_token_timeout` = --stall-timeout.
Each case runs --turns turns one after another, on new threads; every turn must end with the
whole answer and `stop`. With cool-down 0 every turn tries the failing upstream first; with the
default cool-down (30 s) only the first turn does, and the rest go straight to the healthy one.

Run: .venv/bin/python benchmarks/upstream_fallback.py [--turns 20] [--stall-timeout 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _streamlab as lab_
from _streamlab import (
    DEVLLM_CODE,
    HOST,
    PYTHON,
    REPLY,
    Lab,
    Limit,
    ms,
    percentile,
    run_load,
    server_stream,
)


def upstream(name: str, port: int, **extra) -> dict:
    base = {"name": name, "base_url": f"http://{HOST}:{port}/v1", "api_key": "bench-token"}
    return {**base, "model": lab_.MODEL, **extra}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=lab_.DEFAULT_DATABASE_URL)
    parser.add_argument("--turns", type=int, default=20, help="Turns per case.")
    parser.add_argument("--stall-timeout", type=float, default=2.0, help="first_token_timeout.")
    parser.add_argument("--time-limit", type=int, default=1800)
    parser.add_argument("--source", default=str(lab_.ROOT), help="Code under test (a checkout).")
    args = parser.parse_args()
    rows = []
    with Limit(args.time_limit), Lab(args.database_url, {}, args.source) as lab:
        print(f"host: {lab_.host_note()}; source {lab.source}")
        lab.prepare_database()
        tokens = lab.create_users(1)
        lab.start_devllm()
        healthy = upstream("healthy", lab.devllm_port)
        stalled_port = lab_.free_port()
        argv = [PYTHON, "-c", DEVLLM_CODE, HOST, str(stalled_port), "30", "0.05", REPLY]
        stalled_proc = lab.spawn("stalled", argv, lab.env())
        lab._wait_http("stalled", stalled_proc, f"http://{HOST}:{stalled_port}/v1/models", 30)
        cases = {
            "one healthy upstream": [healthy],
            "first down (refused)": [upstream("down", lab_.free_port()), healthy],
            "first stalls": [
                upstream("stalled", stalled_port, first_token_timeout=args.stall_timeout),
                healthy,
            ],
        }
        for name, upstreams in cases.items():
            for cooldown in ("0", "30"):
                if len(upstreams) == 1 and cooldown == "30":
                    continue
                server, base = lab.start_server(
                    WEB_CONCURRENCY="1",
                    AI_ASSISTANT_UPSTREAMS=json.dumps(upstreams),
                    AI_ASSISTANT_UPSTREAM_COOLDOWN_SECONDS=cooldown,
                )
                run = asyncio.run(
                    run_load(
                        server_stream,
                        base,
                        tokens,
                        concurrency=1,
                        rounds=args.turns,
                        stagger=0,
                        time_limit=args.turns * 60,
                    )
                )
                lab.stop(server)
                rows.append((name, cooldown, run))
                print(f"{name}, cool-down {cooldown} s: done, errors {len(run.errors)}")
    print()
    print(
        "| case | cool-down s | turns | first turn: TTFT / total s "
        "| all turns: TTFT p50 / p95 ms | total p50 / p95 s | errors |"
    )
    print("| --- " * 7 + "|")
    failed = False
    for name, cooldown, run in rows:
        first = run.results[0]
        ttfts = run.ttfts()
        totals = run.totals()
        failed |= bool(run.errors)
        first_figures = (
            f"{first.ttft:.2f} / {first.total:.2f}" if first.ok and first.ttft else "failed"
        )
        print(
            f"| {name} | {cooldown} | {len(run.results)} | {first_figures} "
            f"| {ms(percentile(ttfts, 50))} / {ms(percentile(ttfts, 95))} "
            f"| {percentile(totals, 50):.2f} / {percentile(totals, 95):.2f} "
            f"| {len(run.errors)} {lab_.summarize_errors(run)} |"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
