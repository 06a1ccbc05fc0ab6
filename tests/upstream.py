"""Run the development LLM (the fake OpenAI-compatible upstream) on a real loopback socket."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn

from chat.devllm import DevLLM, DevLLMConfig


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningLLM:
    app: DevLLM
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


@contextlib.contextmanager
def serve_asgi(app, *, lifespan: str = "auto") -> Iterator[int]:
    """Serve an ASGI app with uvicorn on a free loopback port in a thread; yield the port."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="critical",
        access_log=False,
        lifespan=lifespan,
        proxy_headers=False,  # as scripts/run: the app, not uvicorn, decides whom to trust
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("server did not start")
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@contextlib.contextmanager
def run_devllm(config: DevLLMConfig | None = None) -> Iterator[RunningLLM]:
    app = DevLLM(config)
    with serve_asgi(app) as port:
        yield RunningLLM(app, port)


def settings_env(settings) -> dict[str, str]:
    """The current Django settings as environment variables, for a server subprocess."""
    import json

    from django.db import connection

    from config.settings import ENV_SETTINGS

    env: dict[str, str] = {}
    for name in ENV_SETTINGS:
        if not name.startswith(("AI_ASSISTANT_", "ANONYMOUS_CHAT_")):
            continue
        value = getattr(settings, name)
        if isinstance(value, bool):
            env[name] = "true" if value else "false"
        elif isinstance(value, list):
            env[name] = ",".join(value)
        elif isinstance(value, dict):
            env[name] = json.dumps(value)
        else:
            env[name] = str(value)
    db = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    return env


@contextlib.contextmanager
def server_process(settings, **extra_env: str) -> Iterator[str]:
    """Another uvicorn process of the project, on the same test database and settings."""
    import os
    import subprocess
    import sys

    import httpx

    from config.settings import BASE_DIR

    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            *("-m", "uvicorn", "config.asgi:application", "--port", str(port)),
            *("--no-access-log", "--no-proxy-headers", "--log-level", "warning"),
        ],
        cwd=BASE_DIR,
        env={**os.environ, **settings_env(settings), **extra_env},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError("server process exited")
            try:
                if httpx.get(f"{base}/api/health/").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server process did not start")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.05):
    """Poll `predicate` until it returns something truthy (returned), or fail at `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not reached")
