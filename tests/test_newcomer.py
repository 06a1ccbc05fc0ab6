"""The README's run command on a fresh database: a real server, a demo token, the dev LLM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time

import httpx
import pytest

from config.settings import BASE_DIR
from tests.upstream import free_port


@pytest.mark.timeout(300)
def test_run_command_serves_the_api_with_the_printed_token(tmp_path):
    port, llm_port = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AI_ASSISTANT_", "DATABASE_URL", "DJANGO_"))
    }
    env.update(
        PORT=str(port), DEVLLM_PORT=str(llm_port), DATABASE_URL=f"sqlite:///{tmp_path}/run.db"
    )
    log = (tmp_path / "run.log").open("w+")
    process = subprocess.Popen(
        ["bash", str(BASE_DIR / "scripts" / "run")],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        token = wait_for_token(log, process)
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/api/health/", process)
        response = httpx.get(
            f"{base}/api/chat-sessions/current/", headers={"Authorization": f"Token {token}"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["user_username"] == "demo"
        models = httpx.get(f"http://127.0.0.1:{llm_port}/v1/models")
        assert models.status_code == 200
        config = httpx.get(f"{base}/api/configuration/").json()["WALDUR_CORE"]
        assert config["AI_ASSISTANT_ENABLED_ROLES"] == "anonymous"
        # The web pages need no extra step: their static files are served as they are.
        for page, script in (("/", "chat.js"), ("/public/", "public.js"), ("/staff/", "staff.js")):
            html = httpx.get(f"{base}{page}")
            assert html.status_code == 200
            assert f"/static/web/{script}" in html.text
            assert httpx.get(f"{base}/static/web/{script}").status_code == 200
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    log.seek(0)
    output = log.read()
    assert "127.0.0.1" not in re.sub(r"http://127\.0\.0\.1:\d+", "", output), output


def wait_for_token(log, process, timeout: float = 240) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log.seek(0)
        match = re.search(r"^Demo API token: (\w+)$", log.read(), re.M)
        if match:
            return match.group(1)
        assert process.poll() is None, "scripts/run exited early"
        time.sleep(0.2)
    raise AssertionError("no token printed")


def wait_until_up(url: str, process, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "server exited"
        try:
            if httpx.get(url).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("server did not come up")
