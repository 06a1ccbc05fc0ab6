"""Shared helpers of the streaming benchmarks (stream_overhead.py, stream_capacity.py).

A `Lab` starts the development LLM and the uvicorn server as separate processes (each in its own
process group, stopped at exit even on error or Ctrl-C), prepares a PostgreSQL database made for
the benchmark (dropped and re-created, then migrated), creates one user and API token per
concurrent stream, and measures CPU time of its processes. The load generator is this process:
an asyncio aiohttp client that records, per stream, the time to the first text and the whole
stream time, and checks every stream end to end (status 200, no `e` frame, the complete answer,
finish_reason `stop`).

Profile (issue 4): 200 ms to the first token, then 100 tokens at 20 tokens/s.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import httpx

try:
    import psutil
except ImportError:  # CPU figures then come from /proc
    psutil = None

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"  # loopback only

FIRST_TOKEN_DELAY = 0.2
TOKEN_INTERVAL = 0.05
TOKENS = 100
NOMINAL_STREAM_SECONDS = FIRST_TOKEN_DELAY + (TOKENS - 1) * TOKEN_INTERVAL  # 5.15 s
REPLY = " ".join(f"tok{i}" for i in range(TOKENS))  # split by the devllm into 100 pieces
MODEL = "bench-model"
QUESTION = "How do I resize the volume attached to my virtual machine in project Alpha?"
# One database per run (concurrent runs must not drop each other's), dropped at the end.
DEFAULT_DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/chat_bench_{os.getpid()}"

_SERVER_TEXT = re.compile(rb'"k":"markdown","c":"[^"]')
_UPSTREAM_TEXT = re.compile(rb'"content":"[^"]')
_LAST_TOKEN = REPLY.rsplit(" ", 1)[-1].encode()

DEVLLM_CODE = """
import sys
from chat.devllm import DevLLMConfig, serve
host, port, delay, interval, reply = sys.argv[1:6]
serve(host, int(port), DevLLMConfig(first_token_delay=float(delay),
      token_interval=float(interval), reply=reply, model="bench-model"))
"""

USERS_CODE = """
import json, sys
from accounts.services import user_upsert
prefix, count = sys.argv[1], int(sys.argv[2])
keys = [user_upsert(username=f"{prefix}{i}")[1] for i in range(count)]
print(json.dumps(keys))
"""


# --- measurement --------------------------------------------------------------------------


@dataclass
class StreamResult:
    ok: bool
    start: float  # perf_counter at the request
    ttft: float | None = None  # seconds to the first text (server: markdown frame; direct: delta)
    total: float | None = None  # seconds to the end of the body
    text_done: float | None = None  # seconds to the last token's text
    error: str = ""

    @property
    def end(self) -> float:
        return self.start + (self.total or 0.0)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return "n/a" if seconds != seconds else f"{seconds * 1000:.1f}"


def make_client(concurrency: int) -> aiohttp.ClientSession:
    """The load generator's client: aiohttp, whose C parser keeps the generator's own CPU low
    (with httpx it needed most of a core at 500 streams, on the machine it shares)."""
    connector = aiohttp.TCPConnector(limit=concurrency + 16, limit_per_host=0)
    timeout = aiohttp.ClientTimeout(sock_connect=10.0, sock_read=60.0)
    return aiohttp.ClientSession(connector=connector, timeout=timeout)


async def server_stream(client: aiohttp.ClientSession, base: str, token: str) -> StreamResult:
    """One POST /api/chat/stream/ on a new thread, checked end to end."""
    start = time.perf_counter()
    result = StreamResult(ok=False, start=start)
    headers = {"Authorization": f"Token {token}", "Accept": "application/x-ndjson"}
    try:
        async with client.post(
            f"{base}/api/chat/stream/", json={"input": QUESTION}, headers=headers
        ) as response:
            if response.status != 200:
                body = (await response.read())[:200].decode(errors="replace")
                result.error = f"HTTP {response.status}: {body}"
                return result
            buf = bytearray()
            async for chunk in response.content.iter_any():
                buf += chunk
                if result.ttft is None and _SERVER_TEXT.search(buf):
                    result.ttft = time.perf_counter() - start
                if _LAST_TOKEN in chunk:
                    result.text_done = time.perf_counter() - start
            result.total = time.perf_counter() - start
    except Exception as exc:  # any transport failure is an error of this stream
        result.error = f"{type(exc).__name__}: {exc}"[:200]
        return result
    result.error = _check_server_body(bytes(buf))
    result.ok = not result.error and result.ttft is not None
    return result


def _check_server_body(body: bytes) -> str:
    try:
        frames = [json.loads(line) for line in body.splitlines() if line.strip()]
    except ValueError:
        return "invalid NDJSON"
    if not frames or "thread_uuid" not in (frames[0].get("m") or {}):
        return "first frame is not the thread metadata"
    errors = [f["e"] for f in frames if "e" in f]
    if errors:
        return f"e frame: {errors[0]}"
    finals = [f["m"] for f in frames if "finish_reason" in (f.get("m") or {})]
    if not finals:
        return "no final frame"
    if finals[-1]["finish_reason"] != "stop":
        return f"finish_reason {finals[-1]['finish_reason']}"
    text = "".join(f.get("c", "") for f in frames if f.get("k") == "markdown")
    if text.strip() != REPLY:
        return f"incomplete answer ({len(text)} of {len(REPLY)} characters)"
    return ""


async def direct_stream(client: aiohttp.ClientSession, base: str, _token: str = "") -> StreamResult:
    """The same completion straight from the development LLM (the upstream's own figures)."""
    start = time.perf_counter()
    result = StreamResult(ok=False, start=start)
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": QUESTION}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    try:
        async with client.post(f"{base}/v1/chat/completions", json=body) as response:
            if response.status != 200:
                result.error = f"HTTP {response.status}"
                return result
            buf = bytearray()
            async for chunk in response.content.iter_any():
                buf += chunk
                if result.ttft is None and _UPSTREAM_TEXT.search(buf):
                    result.ttft = time.perf_counter() - start
                if _LAST_TOKEN in chunk:
                    result.text_done = time.perf_counter() - start
            result.total = time.perf_counter() - start
    except Exception as exc:
        result.error = f"{type(exc).__name__}: {exc}"[:200]
        return result
    if not buf.rstrip().endswith(b"data: [DONE]"):
        result.error = "upstream stream did not end with [DONE]"
    result.ok = not result.error and result.ttft is not None
    return result


StreamCall = Callable[[aiohttp.ClientSession, str, str], Awaitable[StreamResult]]


@dataclass
class LoadRun:
    results: list[StreamResult]
    steady: list[StreamResult]  # the streams that ran while all workers were busy
    wall: float

    @property
    def errors(self) -> list[StreamResult]:
        return [r for r in self.results if not r.ok]

    def ttfts(self, steady: bool = True) -> list[float]:
        rows = self.steady if steady else self.results
        return [r.ttft for r in rows if r.ok and r.ttft is not None]

    def totals(self, steady: bool = True) -> list[float]:
        rows = self.steady if steady else self.results
        return [r.total for r in rows if r.ok and r.total is not None]


async def run_load(
    call: StreamCall,
    base: str,
    tokens: list[str],
    *,
    concurrency: int,
    rounds: int,
    stagger: float,
    time_limit: float,
) -> LoadRun:
    """`concurrency` workers, each running `rounds` streams back to back (one user each).

    Worker i starts at i * stagger / concurrency, so arrivals are spread over `stagger` seconds
    (about one stream's length) instead of one burst, and the middle rounds run at the full
    concurrency. `steady` holds the streams that started after the last worker had started
    and ended before the first worker had finished; with one worker it is every stream.
    """
    results: list[StreamResult] = []
    first_done: list[float] = []
    last_start: list[float] = []
    async with make_client(concurrency) as client:
        t0 = time.perf_counter()

        async def worker(index: int) -> None:
            await asyncio.sleep(index * stagger / concurrency)
            for round_index in range(rounds):
                if round_index == 0 and index == concurrency - 1:
                    last_start.append(time.perf_counter())
                results.append(await call(client, base, tokens[index % len(tokens)]))
            first_done.append(time.perf_counter())

        tasks = [asyncio.create_task(worker(i)) for i in range(concurrency)]
        try:
            await asyncio.wait_for(asyncio.gather(*tasks), timeout=time_limit)
        except TimeoutError:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            results.append(StreamResult(ok=False, start=t0, error="load run hit its time limit"))
        wall = time.perf_counter() - t0
    if concurrency == 1:
        steady = list(results)
    else:
        lo = last_start[0] if last_start else t0
        hi = min(first_done) if first_done else t0 + wall
        steady = [r for r in results if r.start >= lo and r.ok and r.end <= hi]
    return LoadRun(results=results, steady=steady, wall=wall)


def summarize_errors(run: LoadRun, limit: int = 3) -> str:
    counts: dict[str, int] = {}
    for r in run.errors:
        counts[r.error] = counts.get(r.error, 0) + 1
    top = sorted(counts.items(), key=lambda kv: -kv[1])[:limit]
    return "; ".join(f"{n}x {e}" for e, n in top)


# --- CPU ----------------------------------------------------------------------------------


def _own_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # it has exited
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_pids() -> list[int]:
    """Every PostgreSQL server process on this host (the database serves the benchmark too)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        found += [int(c) for c in children]
        todo += [int(c) for c in children]
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and of its live descendants (all threads): the
    server's uvicorn supervisor and every worker process it started."""
    if psutil is not None:
        try:
            process = psutil.Process(pid)
            processes = [process, *process.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0.0
        total = 0.0
        for each in processes:
            try:
                times = each.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total
    return sum(_own_cpu_seconds(p) for p in [pid, *_descendants(pid)])


class CpuMeter:
    """CPU use (percent of one core) of named processes over a measured window."""

    def __init__(self, pids: dict[str, int]):
        self.pids = pids
        self.before: dict[str, float] = {}
        self.wall = 0.0

    def __enter__(self) -> CpuMeter:
        self._t0 = time.perf_counter()
        self.before = self._sample()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self._t0
        after = self._sample()
        self.percent = {
            name: 100 * (after[name] - self.before[name]) / self.wall for name in self.before
        }

    def _sample(self) -> dict[str, float]:
        sample = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        sample["postgres"] = sum(_own_cpu_seconds(pid) for pid in _postgres_pids())
        sample["loadgen"] = _own_cpu_seconds(os.getpid())  # not its children, the servers
        return sample

    def ms_per(self, name: str, count: int) -> float:
        """CPU milliseconds of `name` per unit of work (`count` units in the window)."""
        return 1000 * self.percent[name] / 100 * self.wall / max(1, count)

    def shares(self) -> str:
        keys = ("server", "postgres", "devllm", "loadgen")
        return " / ".join(f"{self.percent[k]:.0f}" for k in keys if k in self.percent)

    def line(self) -> str:
        return "  ".join(f"{name} {value:.0f}%" for name, value in self.percent.items())


def host_note() -> str:
    load = os.getloadavg()
    return f"{os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"


# --- processes ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Lab:
    """Owns the benchmark's processes and database; `close()` (also at exit) stops them all."""

    def __init__(
        self,
        database_url: str = DEFAULT_DATABASE_URL,
        extra_env: dict | None = None,
        source: Path | str = ROOT,
    ):
        self.database_url = database_url
        self.source = Path(source).resolve()  # the code under test (a checkout or snapshot)
        caps, self.caps_note = caps_off(self.source)
        self.extra_env = {**caps, **(extra_env or {})}
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.logdir = Path(tempfile.mkdtemp(prefix="streamlab-"))
        self.devllm_port: int | None = None
        self._created_db = False
        raise_fd_limit()
        atexit.register(self.close)
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _exit_on_signal)

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # environment shared by every Django process of the benchmark
    def env(self, **overrides: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DATABASE_URL": self.database_url,
                "DEBUG": "false",
                "LOG_LEVEL": "WARNING",
                "AI_ASSISTANT_ENABLED": "true",
                "AI_ASSISTANT_ENABLED_ROLES": "all",
                "AI_ASSISTANT_API_TOKEN": "bench-token",
                "AI_ASSISTANT_MODEL": MODEL,
                "AI_ASSISTANT_MAX_STREAMS": "100000",
                "AI_ASSISTANT_SHUTDOWN_GRACE_SECONDS": "2",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.devllm_port:
            env["AI_ASSISTANT_API_URL"] = f"http://{HOST}:{self.devllm_port}/v1"
        env.update(self.extra_env)
        env.update(overrides)
        return env

    def spawn(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.logdir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            argv,
            cwd=self.source,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.procs.append((name, proc))
        return proc

    def stop(self, proc: subprocess.Popen, grace: float = 10.0) -> None:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        self.procs = [(n, p) for n, p in self.procs if p is not proc]

    def close(self) -> None:
        for _, proc in reversed(list(self.procs)):
            with contextlib.suppress(Exception):
                self.stop(proc)
        if self._created_db and not os.environ.get("STREAMLAB_KEEP_DB"):
            self._created_db = False
            with contextlib.suppress(Exception):
                self._admin_sql(f'DROP DATABASE IF EXISTS "{self._db_name()}" WITH (FORCE)')

    def tail(self, name: str, lines: int = 20) -> str:
        path = self.logdir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def _wait_http(self, name: str, proc: subprocess.Popen, url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited ({proc.returncode}):\n{self.tail(name)}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{name} did not answer {url} within {timeout:.0f}s:\n{self.tail(name)}")

    # the database ------------------------------------------------------------------------
    def _db_name(self) -> str:
        return urlsplit(self.database_url).path.lstrip("/")

    def _admin_sql(self, sql: str) -> None:
        parts = urlsplit(self.database_url)
        admin = [
            "psql",
            "-h",
            parts.hostname or HOST,
            "-p",
            str(parts.port or 5432),
            "-U",
            parts.username or "postgres",
            "-d",
            "postgres",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
        ]
        env = dict(os.environ)
        if parts.password:
            env["PGPASSWORD"] = parts.password
        subprocess.run(admin, check=True, env=env, timeout=60, stdout=subprocess.DEVNULL)

    def prepare_database(self) -> None:
        """Drop and re-create the benchmark database, then migrate it (dropped again at close)."""
        parts = urlsplit(self.database_url)
        name = self._db_name()
        if parts.scheme not in ("postgres", "postgresql") or "bench" not in name:
            raise SystemExit("the benchmark database must be PostgreSQL and named *bench*")
        self._admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._admin_sql(f'CREATE DATABASE "{name}"')
        self._created_db = True
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput"],
            cwd=self.source,
            env=self.env(),
            check=True,
            timeout=300,
            stdout=subprocess.DEVNULL,
        )

    def create_users(self, count: int, prefix: str = "bench") -> list[str]:
        """`count` users, one API token each (what `manage.py createuser` does, in one process)."""
        return json.loads(self.run_django(USERS_CODE, prefix, str(count)))

    def run_django(self, code: str, *args: str) -> str:
        """Run `code` in a Django process on the benchmark database; its last line of output."""
        out = subprocess.run(
            [PYTHON, "-c", "import django; django.setup()\n" + code, *args],
            cwd=self.source,
            env=self.env(),
            check=True,
            timeout=600,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip().splitlines()[-1]

    # processes ---------------------------------------------------------------------------
    def start_devllm(self) -> subprocess.Popen:
        """The development LLM with the benchmark profile, in its own process."""
        self.devllm_port = free_port()
        argv = [
            PYTHON,
            "-c",
            DEVLLM_CODE,
            HOST,
            str(self.devllm_port),
            str(FIRST_TOKEN_DELAY),
            str(TOKEN_INTERVAL),
            REPLY,
        ]
        proc = self.spawn("devllm", argv, self.env())
        self._wait_http("devllm", proc, f"{self.devllm_url}/v1/models", 30)
        return proc

    @property
    def devllm_url(self) -> str:
        return f"http://{HOST}:{self.devllm_port}"

    def start_server(
        self, *, transport: str = "aiohttp", uvicorn_args: list[str] | None = None, **env: str
    ) -> tuple[subprocess.Popen, str]:
        """The server as deployed (`scripts/serve`: WEB_CONCURRENCY workers, by default one
        per core on PostgreSQL); returns its supervisor process and its URL."""
        port = free_port()
        argv = [
            "bash",
            "scripts/serve",
            "--log-level",
            "warning",
            "--timeout-graceful-shutdown",
            "5",
            *(uvicorn_args or []),
        ]
        env = self.env(
            AI_ASSISTANT_HTTP_TRANSPORT=transport, HOST=HOST, PORT=str(port), PYTHON=PYTHON, **env
        )
        proc = self.spawn("server", argv, env)
        base = f"http://{HOST}:{port}"
        self._wait_http("server", proc, f"{base}/api/health/", 60)
        time.sleep(2)  # every worker up (the health check answered from the first)
        print(f"server: scripts/serve, {len(_descendants(proc.pid))} processes under uvicorn")
        return proc, base


def _exit_on_signal(signum, _frame) -> None:
    raise SystemExit(128 + signum)


def parse_env_pairs(pairs: list[str]) -> dict[str, str]:
    env = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--env wants NAME=VALUE, not {pair!r}")
        env[name] = value
    return env


# Admission caps switched off for the benchmark, where the settings exist (values from their
# documentation: <= 0 is off for the budget and rates, -1 unlimited for the token limits).
CAPS_OFF = {
    "AI_ASSISTANT_GLOBAL_DAILY_TOKEN_BUDGET": "0",
    "AI_ASSISTANT_GLOBAL_REQUESTS_PER_MINUTE": "0",
    "AI_ASSISTANT_ANONYMOUS_REQUESTS_PER_MINUTE": "0",
    "AI_ASSISTANT_USER_REQUESTS_PER_MINUTE": "0",
    "AI_ASSISTANT_TOKEN_LIMIT_DAILY": "-1",
    "AI_ASSISTANT_TOKEN_LIMIT_WEEKLY": "-1",
    "AI_ASSISTANT_TOKEN_LIMIT_MONTHLY": "-1",
}
_CAP_WORDS = ("GLOBAL", "QUOTA", "BUDGET", "PER_MINUTE", "TOKEN_LIMIT")


def settings_names(source: Path) -> list[str]:
    """The environment settings the code under test declares (read in a child process)."""
    code = "from config.settings import ENV_SETTINGS; print(' '.join(ENV_SETTINGS))"
    out = subprocess.run(
        [PYTHON, "-c", code], cwd=source, capture_output=True, text=True, timeout=60
    )
    return out.stdout.split()


def caps_off(source: Path) -> tuple[dict[str, str], str]:
    """Env that switches the existing caps off, and a note naming them (unknown ones too)."""
    names = [n for n in settings_names(source) if any(w in n for w in _CAP_WORDS)]
    env = {n: CAPS_OFF[n] for n in names if n in CAPS_OFF}
    unknown = [n for n in names if n not in CAPS_OFF]
    note = "caps off: " + (", ".join(f"{k}={v}" for k, v in env.items()) or "none in settings")
    if unknown:
        note += "; caps left as configured (use --env): " + ", ".join(unknown)
    return env, note


@dataclass
class Limit:
    """A hard wall-clock limit for the whole benchmark (SIGALRM, then normal cleanup)."""

    seconds: int
    _old: object = field(default=None, repr=False)

    def __enter__(self) -> Limit:
        def expire(_signum, _frame):
            raise SystemExit(f"benchmark time limit ({self.seconds}s) reached")

        self._old = signal.signal(signal.SIGALRM, expire)
        signal.alarm(self.seconds)
        return self

    def __exit__(self, *exc) -> None:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, self._old)
