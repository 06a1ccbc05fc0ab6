"""Open-loop load on one uvicorn worker: a request mix at increasing Poisson arrival rates.

The mix: list threads, list messages, signed-in stream, anonymous stream and (when the routes
exist) the staff analytics KPI and conversations. Request start times follow a Poisson process
at the target rate whatever the server does (no closed loop: a slow server does not slow the
arrivals), for a bounded time per step; every request has a timeout and counts as a timeout
when it is exceeded. Latencies are measured from each request's scheduled start, so time the
load generator lost is charged to the server, not hidden. Steps go up until the error plus
timeout rate of a step exceeds 1% (or the time budget runs out).

Processes, database, users and caps-off settings come from `_streamlab.py`; the development
LLM runs a short profile so streams finish: 200 ms to the first token, then 20 tokens at
50 tokens/s (0.58 s per answer).

Run: .venv/bin/python benchmarks/load.py [--rates 5,10,20,40,80,120,160] [--step-seconds 20]
See benchmarks/README.md for every option and what it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _streamlab as lab_
from _streamlab import HOST, PYTHON, CpuMeter, Lab, Limit, ms, percentile

FIRST_TOKEN_DELAY = 0.2
TOKEN_INTERVAL = 0.02  # 50 tokens/s
TOKENS = 20
REPLY = " ".join(f"tok{i}" for i in range(TOKENS))
QUESTION = "How do I resize the volume attached to my virtual machine in project Alpha?"
ANON_QUESTION = "Which storage offerings would suit nightly backups of a small lab?"
FOLLOW_UP = "And how do I take a snapshot of it first?"
MAX_THREAD_TURNS = 6  # a thread gets follow-ups until it holds this many turns
MAX_VISITOR_TURNS = 5  # an anonymous visitor (one session id) asks this many questions

SERVER_ENV = {
    "AI_ASSISTANT_ENABLED_ROLES": "anonymous",  # signed-in chat plus the public chat
    "ANONYMOUS_CHAT_ENABLED": "true",
    # Every anonymous request comes from 127.0.0.1, i.e. one visitor as far as IP caps go.
    "ANONYMOUS_CHAT_STRIKE_THRESHOLD": "1000000000",
    "AI_ASSISTANT_TOKEN_LIMIT_DAILY": "-1",
    "AI_ASSISTANT_TOKEN_LIMIT_WEEKLY": "-1",
    "AI_ASSISTANT_TOKEN_LIMIT_MONTHLY": "-1",
}

KINDS = ("threads", "messages", "stream", "anon_stream", "kpi", "conversations")
DEFAULT_MIX = "threads=25,messages=25,stream=20,anon_stream=20,kpi=5,conversations=5"
ANALYTICS = ("kpi", "conversations")
KPI_PATH = "/api/anonymous-chat-interactions/kpi/"
CONVERSATIONS_PATH = "/api/anonymous-chat-interactions/conversations/?page_size=50"

_TEXT = re.compile(rb'"k":"markdown","c":"[^"]')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=lab_.DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--rates", default="5,10,20,40,80,120,160", help="Arrival rates (req/s), in order."
    )
    parser.add_argument("--step-seconds", type=float, default=20.0, help="Arrivals per step.")
    parser.add_argument("--request-timeout", type=float, default=30.0, help="Seconds, per request.")
    parser.add_argument("--mix", default=DEFAULT_MIX, help="kind=weight,... of " + ",".join(KINDS))
    parser.add_argument("--users", type=int, default=40, help="Signed-in users (one token each).")
    parser.add_argument("--error-threshold", type=float, default=1.0, help="Percent; stop above.")
    parser.add_argument("--all-steps", action="store_true", help="Do not stop at the threshold.")
    parser.add_argument("--seed", type=int, default=8, help="Random seed of arrivals and mix.")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server.")
    parser.add_argument("--uvicorn-arg", action="append", default=[], help="Extra uvicorn arg.")
    parser.add_argument("--time-limit", type=int, default=470, help="Seconds for the whole run.")
    parser.add_argument("--source", default=str(lab_.ROOT), help="Code under test (a checkout).")
    return parser.parse_args()


def parse_mix(text: str) -> dict[str, float]:
    mix = {}
    for part in text.split(","):
        name, _, weight = part.strip().partition("=")
        if name not in KINDS or not weight:
            raise SystemExit(f"--mix wants kind=weight with kinds {', '.join(KINDS)}: {part!r}")
        if float(weight) > 0:
            mix[name] = float(weight)
    return mix


# --- the lab: the shared one, with the short devllm profile and a staff user ---------------


class LoadLab(Lab):
    def start_devllm(self) -> subprocess.Popen:
        self.devllm_port = lab_.free_port()
        argv = [
            PYTHON,
            "-c",
            lab_.DEVLLM_CODE,
            HOST,
            str(self.devllm_port),
            str(FIRST_TOKEN_DELAY),
            str(TOKEN_INTERVAL),
            REPLY,
        ]
        proc = self.spawn("devllm", argv, self.env())
        self._wait_http("devllm", proc, f"{self.devllm_url}/v1/models", 30)
        return proc

    def create_staff(self, name: str = "bench-staff") -> str:
        """`manage.py createuser NAME --staff`, which prints the token last."""
        out = subprocess.run(
            [PYTHON, "manage.py", "createuser", name, "--staff"],
            cwd=self.source,
            env=self.env(),
            check=True,
            timeout=120,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip().splitlines()[-1].strip()


# --- simulated clients ----------------------------------------------------------------------


@dataclass
class Thread:
    uuid: str
    turns: int = 1
    busy: bool = False


@dataclass
class User:
    token: str
    threads: list[Thread] = field(default_factory=list)


@dataclass
class Visitor:
    session_id: str
    turns: int = 0
    busy: bool = False


@dataclass
class Result:
    kind: str
    scheduled: float  # perf_counter of the scheduled start
    lag: float  # actual start minus scheduled start (load generator delay)
    ok: bool = False
    timeout: bool = False
    total: float | None = None  # seconds from the scheduled start to the end of the body
    ttft: float | None = None  # streams: seconds from the scheduled start to the first text
    status: int | None = None
    error: str = ""


class Population:
    """Signed-in users with their threads, anonymous visitors, and the staff token."""

    def __init__(self, tokens: list[str], staff: str, rng: random.Random):
        self.users = [User(t) for t in tokens]
        self.staff = staff
        self.rng = rng
        self.visitors: list[Visitor] = []

    def user(self) -> User:
        return self.rng.choice(self.users)

    def idle_visitor(self) -> Visitor:
        """A visitor that is between questions and has more to ask, else a new one."""
        idle = [v for v in self.visitors if not v.busy and v.turns < MAX_VISITOR_TURNS]
        if idle and self.rng.random() < 0.7:  # some returning, some new visitors
            return self.rng.choice(idle)
        visitor = Visitor(session_id=f"load-{uuid.uuid4().hex[:20]}")
        self.visitors.append(visitor)
        return visitor


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


def check_stream(body: bytes, first_key: str) -> tuple[str, str | None]:
    """(error or "", thread uuid) of an NDJSON answer checked end to end."""
    try:
        frames = [json.loads(line) for line in body.splitlines() if line.strip()]
    except ValueError:
        return "invalid NDJSON", None
    first = (frames[0].get("m") or {}) if frames else {}
    if first_key not in first:
        return f"first frame has no {first_key}", None
    errors = [f["e"] for f in frames if "e" in f]
    if errors:
        return f"e frame: {errors[0]}", None
    finals = [f["m"] for f in frames if "finish_reason" in (f.get("m") or {})]
    if not finals:
        return "no final frame", None
    if finals[-1]["finish_reason"] != "stop":
        return f"finish_reason {finals[-1]['finish_reason']}", None
    text = "".join(f.get("c", "") for f in frames if f.get("k") == "markdown")
    if text.strip() != REPLY:
        return f"incomplete answer ({len(text)} of {len(REPLY)} characters)", None
    return "", first.get(first_key)


class Driver:
    def __init__(self, client: httpx.AsyncClient, base: str, people: Population, timeout: float):
        self.client = client
        self.base = base
        self.people = people
        self.timeout = timeout

    async def request(self, kind: str, scheduled: float) -> Result:
        result = Result(kind=kind, scheduled=scheduled, lag=time.perf_counter() - scheduled)
        job = getattr(self, f"_{kind}")
        try:
            await asyncio.wait_for(job(result), self.timeout)
        except (TimeoutError, httpx.TimeoutException):
            result.ok, result.timeout, result.error = False, True, "timeout"
        except Exception as exc:  # a transport failure is an error of this request
            result.ok = False
            cause = exc.__cause__ or exc.__context__
            detail = str(exc) or (f"{type(cause).__name__}: {cause}" if cause else "")
            result.error = f"{type(exc).__name__}: {detail}"[:300]
        result.total = time.perf_counter() - scheduled
        return result

    async def _get_json(self, result: Result, path: str, token: str) -> None:
        response = await self.client.get(f"{self.base}{path}", headers=auth(token))
        result.status = response.status_code
        if response.status_code != 200:
            result.error = f"HTTP {response.status_code}: {response.text[:300]}"
            return
        try:
            response.json()
        except ValueError:
            result.error = "HTTP 200 with a body that is not JSON"
            return
        result.ok = True

    async def _threads(self, result: Result) -> None:
        await self._get_json(result, "/api/chat-threads/", self.people.user().token)

    async def _messages(self, result: Result) -> None:
        user = self.people.user()
        if not user.threads:  # rare: only before its first stream ended
            user = self.people.rng.choice([u for u in self.people.users if u.threads])
        thread = self.people.rng.choice(user.threads)
        await self._get_json(result, f"/api/chat-messages/?thread={thread.uuid}", user.token)

    async def _kpi(self, result: Result) -> None:
        await self._get_json(result, KPI_PATH, self.people.staff)

    async def _conversations(self, result: Result) -> None:
        await self._get_json(result, CONVERSATIONS_PATH, self.people.staff)

    async def _stream_body(self, result: Result, path: str, body: dict, token: str | None) -> bytes:
        headers = {"Accept": "application/x-ndjson", **(auth(token) if token else {})}
        async with self.client.stream(
            "POST", f"{self.base}{path}", json=body, headers=headers
        ) as response:
            result.status = response.status_code
            if response.status_code != 200:
                text = (await response.aread())[:300].decode(errors="replace")
                result.error = f"HTTP {response.status_code}: {text}"
                return b""
            buf = bytearray()
            async for chunk in response.aiter_raw():
                buf += chunk
                if result.ttft is None and _TEXT.search(buf):
                    result.ttft = time.perf_counter() - result.scheduled
            return bytes(buf)

    async def _stream(self, result: Result) -> None:
        """A new thread, or a follow-up on one of the user's idle threads (half each)."""
        user = self.people.user()
        idle = [t for t in user.threads if not t.busy and t.turns < MAX_THREAD_TURNS]
        thread = self.people.rng.choice(idle) if idle and self.people.rng.random() < 0.5 else None
        body = {"input": FOLLOW_UP if thread else QUESTION}
        if thread:
            body["thread_uuid"] = thread.uuid
            thread.busy = True
        try:
            raw = await self._stream_body(result, "/api/chat/stream/", body, user.token)
        finally:
            if thread:
                thread.busy = False
        if result.error:
            return
        result.error, thread_uuid = check_stream(raw, "thread_uuid")
        result.ok = not result.error
        if result.ok and thread:
            thread.turns += 1
        elif result.ok:
            user.threads.append(Thread(uuid=thread_uuid))

    async def _anon_stream(self, result: Result) -> None:
        visitor = self.people.idle_visitor()
        visitor.busy = True
        body = {"input": ANON_QUESTION, "session_id": visitor.session_id}
        try:
            raw = await self._stream_body(result, "/api/marketplace-chat/stream/", body, None)
        finally:
            visitor.busy = False
            visitor.turns += 1
        if result.error:
            return
        result.error, _ = check_stream(raw, "interaction_uuid")
        result.ok = not result.error


def make_client(timeout: float) -> httpx.AsyncClient:
    # Idle connections expire before uvicorn's 5 s keep-alive closes them: reusing one just as
    # the server closes it would fail the request (a client-side race, not a server error).
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=200, keepalive_expiry=2.0)
    return httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(timeout, connect=10.0))


# --- one step -------------------------------------------------------------------------------


@dataclass
class Step:
    rate: float
    seconds: float
    results: list[Result]
    wall: float  # first arrival to the last completion
    cpu: dict[str, float]

    def of(self, kind: str | None = None) -> list[Result]:
        return [r for r in self.results if kind is None or r.kind == kind]

    def failed(self, kind: str | None = None) -> int:
        return sum(1 for r in self.of(kind) if not r.ok)

    def failure_rate(self) -> float:
        return 100 * self.failed() / max(1, len(self.results))


async def run_step(driver: Driver, rate: float, seconds: float, mix: dict[str, float], rng):
    times, at = [], 0.0
    while True:
        at += rng.expovariate(rate)
        if at >= seconds:
            break
        times.append(at)
    kinds = rng.choices(list(mix), weights=list(mix.values()), k=len(times))
    tasks = []
    t0 = time.perf_counter()
    for at, kind in zip(times, kinds, strict=True):
        delay = t0 + at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(driver.request(kind, t0 + at)))
    results = list(await asyncio.gather(*tasks))
    return results, time.perf_counter() - t0


async def measure(driver, rate, seconds, mix, rng, pids) -> Step:
    meter = CpuMeter(pids)
    with meter:
        results, wall = await run_step(driver, rate, seconds, mix, rng)
    return Step(rate=rate, seconds=seconds, results=results, wall=wall, cpu=meter.percent)


def cpu_per_ok(step: Step) -> float:
    ok = len(step.results) - step.failed()
    return step.cpu.get("server", 0) * 10 * step.wall / max(1, ok)


def print_step(step: Step, kinds: list[str]) -> None:
    lags = [r.lag for r in step.results]
    print(
        f"\n### {step.rate:g} req/s: {len(step.results)} sent in {step.seconds:g} s "
        f"({len(step.results) / step.seconds:.1f}/s), {step.failed()} failed "
        f"({step.failure_rate():.2f}%: {sum(r.timeout for r in step.results)} timeouts), "
        f"wall {step.wall:.1f} s; CPU % of one core: "
        + ", ".join(f"{k} {v:.0f}" for k, v in step.cpu.items())
        + f" ({cpu_per_ok(step):.1f} ms server CPU per ok request)"
        + f"; dispatch lag p99 {ms(percentile(lags, 99))} ms max {ms(max(lags, default=0))} ms"
    )
    print()
    print(
        "| endpoint | sent | ok | errors | timeouts | ok/s | p50 ms | p99 ms "
        "| first text p50 / p99 ms |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for kind in [*kinds, None]:
        rows = step.of(kind)
        good = [r for r in rows if r.ok]
        totals = [r.total for r in good]
        ttfts = [r.ttft for r in good if r.ttft is not None]
        timeouts = sum(r.timeout for r in rows)
        first = f"{ms(percentile(ttfts, 50))} / {ms(percentile(ttfts, 99))}" if ttfts else ""
        print(
            f"| {kind or '**all**'} | {len(rows)} | {len(good)} "
            f"| {len(rows) - len(good) - timeouts} | {timeouts} "
            f"| {len(good) / step.wall:.1f} | {ms(percentile(totals, 50))} "
            f"| {ms(percentile(totals, 99))} | {first} |"
        )


def error_samples(steps: list[Step], limit: int = 12) -> list[str]:
    counts: dict[tuple[str, str], list] = {}
    for step in steps:
        for r in step.results:
            if not r.ok and not r.timeout:
                key = (r.kind, r.error)
                counts.setdefault(key, [0, step.rate])[0] += 1
    top = sorted(counts.items(), key=lambda kv: -kv[1][0])[:limit]
    return [f"{n}x {kind} (first at {rate:g} req/s): {err}" for (kind, err), (n, rate) in top]


# --- setup ----------------------------------------------------------------------------------


async def warm_up(driver: Driver, people: Population) -> None:
    """One stream per user (their first thread), a few visitors, then every kind once."""
    sem = asyncio.Semaphore(8)

    async def first_thread(user: User) -> None:
        async with sem:
            result = Result(kind="stream", scheduled=time.perf_counter(), lag=0.0)
            raw = await driver._stream_body(result, "/api/chat/stream/", {"input": QUESTION},
                                            user.token)  # fmt: skip
            error, thread_uuid = check_stream(raw, "thread_uuid") if raw else (result.error, None)
            if error:
                raise SystemExit(f"warm-up stream failed: {error}")
            user.threads.append(Thread(uuid=thread_uuid))

    await asyncio.gather(*(first_thread(u) for u in people.users))
    for _ in range(4):
        r = await driver.request("anon_stream", time.perf_counter())
        if not r.ok:
            raise SystemExit(f"warm-up anonymous stream failed: {r.error}")


async def probe(driver: Driver, kinds: list[str]) -> dict[str, Result]:
    return {k: await driver.request(k, time.perf_counter()) for k in kinds}


def main() -> int:
    args = parse_args()
    rates = [float(x) for x in args.rates.split(",")]
    mix = parse_mix(args.mix)
    rng = random.Random(args.seed)
    env = {**SERVER_ENV, **lab_.parse_env_pairs(args.env)}
    started = time.monotonic()
    steps: list[Step] = []
    notes: list[str] = []
    stop_reason = "every rate ran"
    with Limit(args.time_limit), LoadLab(args.database_url, env, args.source) as lab:
        print(f"host: {lab_.host_note()}; source {lab.source}; {lab.caps_note}")
        print(
            f"server env: {', '.join(f'{k}={v}' for k, v in env.items())}; devllm: "
            f"{FIRST_TOKEN_DELAY * 1000:.0f} ms to the first token, {TOKENS} tokens at "
            f"{1 / TOKEN_INTERVAL:.0f}/s; request timeout {args.request_timeout:g} s"
        )
        lab.prepare_database()
        tokens = lab.create_users(args.users, prefix="load")
        staff = lab.create_staff()
        devllm = lab.start_devllm()
        server, base = lab.start_server(uvicorn_args=args.uvicorn_arg)
        people = Population(tokens, staff, rng)
        pids = {"server": server.pid, "devllm": devllm.pid}

        async def run() -> None:
            nonlocal stop_reason
            async with make_client(args.request_timeout) as client:
                driver = Driver(client, base, people, args.request_timeout)
                await warm_up(driver, people)
                probes = await probe(driver, list(mix))
                for kind, r in probes.items():
                    if kind in ANALYTICS and r.status == 404:
                        mix.pop(kind)
                        notes.append(f"{kind}: 404, analytics routes absent; left out of the mix")
                    elif not r.ok:
                        raise SystemExit(f"probe of {kind} failed: {r.error}")
                print(
                    "mix (weights): "
                    + ", ".join(f"{k} {w:g}" for k, w in mix.items())
                    + (f"; {'; '.join(notes)}" if notes else "")
                )
                for rate in rates:
                    left = args.time_limit - (time.monotonic() - started)
                    if left < args.step_seconds + args.request_timeout + 15:
                        stop_reason = f"time budget: {left:.0f} s left before {rate:g} req/s"
                        break
                    step = await measure(driver, rate, args.step_seconds, mix, rng, pids)
                    steps.append(step)
                    print_step(step, list(mix))
                    if step.failure_rate() > args.error_threshold and not args.all_steps:
                        stop_reason = (
                            f"{step.failure_rate():.2f}% errors+timeouts at {rate:g} req/s "
                            f"> {args.error_threshold:g}%"
                        )
                        break
                    await asyncio.sleep(2)  # answers of disconnected clients finish

        asyncio.run(run())
        server_log = lab.tail("server", 400)
        print(f"\nhost at the end: {lab_.host_note()}; logs in {lab.logdir}")
    return report(steps, list(mix), stop_reason, server_log, args.error_threshold)


def report(steps, kinds, stop_reason, server_log, threshold) -> int:
    print("\n## Summary\n")
    header = " | ".join(f"{k} p50 / p99 ms" for k in kinds)
    print(f"| rate req/s | sent | ok/s | failed % | timeouts | server CPU % | {header} |")
    print("| --- " * (6 + len(kinds)) + "|")
    for s in steps:
        cells = []
        for kind in kinds:
            totals = [r.total for r in s.of(kind) if r.ok]
            cells.append(f"{ms(percentile(totals, 50))} / {ms(percentile(totals, 99))}")
        ok = len(s.results) - s.failed()
        print(
            f"| {s.rate:g} | {len(s.results)} | {ok / s.wall:.1f} | {s.failure_rate():.2f} "
            f"| {sum(r.timeout for r in s.results)} | {s.cpu.get('server', 0):.0f} "
            f"| {' | '.join(cells)} |"
        )
    first_any = next((s.rate for s in steps if s.failed()), None)
    first_over = next((s.rate for s in steps if s.failure_rate() > threshold), None)
    best = max((s for s in steps if s.failure_rate() <= threshold), key=lambda s: s.rate,
               default=None)  # fmt: skip
    print(f"\nstopped: {stop_reason}")
    print(
        "errors or timeouts begin at: "
        + (f"{first_any:g} req/s" if first_any is not None else "none at any rate run")
        + "; above "
        + f"{threshold:g}% at: "
        + (f"{first_over:g} req/s" if first_over is not None else "no rate run")
        + "; highest rate within it: "
        + (f"{best.rate:g} req/s" if best else "none")
    )
    samples = error_samples(steps)
    if samples:
        print("\nerrors other than timeouts (count, endpoint, first rate, status and body):")
        for line in samples:
            print(f"- {line}")
    tracebacks = server_log.count("Traceback")
    errors = [line for line in server_log.splitlines() if " ERROR " in line or "Error" in line]
    if tracebacks or errors:
        print(f"\nserver log (last 400 lines): {tracebacks} tracebacks; last error lines:")
        for line in errors[-8:]:
            print(f"    {line[:300]}")
    return 0 if steps else 1


if __name__ == "__main__":
    sys.exit(main())
