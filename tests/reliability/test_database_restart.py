"""A throwaway PostgreSQL instance restarted under a running server: clear 503s, no 500s,
no partial turns, and recovery without restarting the server."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from config.settings import BASE_DIR
from tests.upstream import free_port

pytestmark = [pytest.mark.postgres_only, pytest.mark.timeout(300)]

BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


def as_postgres(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *args],
        check=True,
        capture_output=True,
        text=True,
        **kwargs,
    )


@contextlib.contextmanager
def throwaway_cluster():
    """initdb as the postgres OS user on a free port; never the shared cluster."""
    if not BIN or os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.fail("needs root, runuser and PostgreSQL server binaries (CI has them)")
    bindir = BIN[-1]
    root = tempfile.mkdtemp(prefix="pgfault-")
    shutil.chown(root, "postgres", "postgres")
    data, port = os.path.join(root, "data"), free_port()
    as_postgres(f"{bindir}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
    ctl = [f"{bindir}/pg_ctl", "-D", data, "-l", os.path.join(root, "log"), "-w"]
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    as_postgres(*ctl, "-o", options, "start")
    try:
        yield (
            port,
            lambda: as_postgres(*ctl, "-m", "fast", "stop"),
            lambda: as_postgres(*ctl, "-o", options, "start"),
        )
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", *ctl, "-m", "immediate", "stop"])
        shutil.rmtree(root, ignore_errors=True)


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    return done.stdout


def test_restart_gives_clear_errors_and_the_server_recovers(llm):
    with throwaway_cluster() as (port, stop, start):
        subprocess.run(
            [f"{BIN[-1]}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "fault"],
            check=True,
        )
        url = f"postgres://postgres@127.0.0.1:{port}/fault"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "AI_ASSISTANT_API_URL": llm.base_url,
            "AI_ASSISTANT_API_TOKEN": "t",
            "AI_ASSISTANT_GLOBAL_REQUESTS_PER_MINUTE": "0",
            "DB_POOL_TIMEOUT_SECONDS": "5",
        }
        manage(env, "migrate", "--noinput")
        token = manage(env, "createuser", "faulty").strip().splitlines()[-1]
        headers = {"Authorization": f"Token {token}"}
        server_port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port",
             str(server_port), "--no-access-log", "--no-proxy-headers"],
            cwd=BASE_DIR, env=env,
        )  # fmt: skip
        base = f"http://127.0.0.1:{server_port}"
        try:
            wait_ok(f"{base}/api/health/")
            before, during = hammer_through_outage(base, headers, stop, start)
            assert set(before) == {200}, before
            assert 503 in during, during  # a clear "retry later", not a 500
            assert set(during) <= {200, 503}, during
            wait_ok(f"{base}/api/chat-sessions/current/", headers)  # recovered, no restart
            turn = httpx.post(
                f"{base}/api/chat/stream/", json={"input": "after"}, headers=headers, timeout=60
            )
            assert turn.status_code == 200
            assert '"finish_reason":"stop"' in turn.text
            assert no_partial_turns(port)
        finally:
            server.terminate()
            server.wait(timeout=30)


def hammer_through_outage(base, headers, stop, start) -> tuple[list[int], list[int]]:
    def call(i: int) -> int:
        if i % 3 == 0:
            body = {"input": f"q{i}"}
            r = httpx.post(f"{base}/api/chat/stream/", json=body, headers=headers, timeout=60)
        else:
            r = httpx.get(f"{base}/api/chat-threads/", headers=headers, timeout=60)
        return r.status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        before = list(pool.map(call, range(6)))
        stop()
        during = list(pool.map(call, range(6, 18)))
        start()
    return before, during


def wait_ok(url: str, headers=None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = httpx.get(url, headers=headers, timeout=10).status_code
            if last == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer 200 (last {last})")


def no_partial_turns(port: int) -> bool:
    """Every user message has its answer row: a turn is stored whole or not at all."""
    query = (
        "select count(*) from chat_message u where u.role='user' and not exists "
        "(select 1 from chat_message a where a.thread_id=u.thread_id and a.role='assistant' "
        "and a.sequence_index=u.sequence_index+1)"
    )
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "fault",
         "-Atc", query],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return out.stdout.strip() == "0"
