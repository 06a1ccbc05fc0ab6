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
