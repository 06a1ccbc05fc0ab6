"""What a newcomer runs from the README: scripts/run on a fresh database (a real server, a demo
token, the dev LLM at a visible pace), scripts/manage, and every command the READMEs give."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import time

import httpx
import pytest
from django.core.management import get_commands, load_command_class

from config.settings import BASE_DIR
from tests.upstream import free_port

READMES = ("README.md", "benchmarks/README.md")


@pytest.mark.timeout(300)
def test_run_command_serves_the_api_with_the_printed_token(tmp_path):
    port, llm_port = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AI_ASSISTANT_", "DATABASE_URL", "DJANGO_"))
    }
    env.update(
        PORT=str(port),
        DEVLLM_PORT=str(llm_port),
        DATABASE_URL=f"sqlite:///{tmp_path}/run.db",
        DEVLLM_FIRST_TOKEN_DELAY="0.6",  # DEVLLM_TOKEN_INTERVAL keeps its default
    )
    env.pop("DEVLLM_TOKEN_INTERVAL", None)
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
        assert_answers_at_a_visible_pace_with_a_real_title(base, token)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    log.seek(0)
    output = log.read()
    assert "127.0.0.1" not in re.sub(r"http://127\.0\.0\.1:\d+", "", output), output


def assert_answers_at_a_visible_pace_with_a_real_title(base: str, token: str) -> None:
    started = time.monotonic()
    texts, names = [], []
    with httpx.stream(
        "POST",
        f"{base}/api/chat/stream/",
        json={"input": "How do I resize a volume?"},
        headers={"Authorization": f"Token {token}"},
        timeout=30,
    ) as response:
        assert response.status_code == 200, response.read()
        for line in response.iter_lines():
            frame = json.loads(line)
            if frame.get("k") == "markdown":
                texts.append(time.monotonic() - started)
            names += [frame["m"]["thread_name"]] if "thread_name" in frame.get("m", {}) else []
    assert names == ["Resize a volume"]
    assert texts[0] >= 0.6, texts  # DEVLLM_FIRST_TOKEN_DELAY reached the development LLM
    # The default pace: about 30 words at 0.05 s, so that an answer is seen to stream.
    assert texts[-1] - texts[0] >= 1.0, texts


def test_every_variable_scripts_run_reads_is_documented():
    script = (BASE_DIR / "scripts" / "run").read_text()
    readme = (BASE_DIR / "README.md").read_text()
    names = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", script))
    assert {"DEVLLM_FIRST_TOKEN_DELAY", "DEVLLM_TOKEN_INTERVAL", "DEVLLM_PORT"} <= names
    assert not [name for name in names if f"`{name}`" not in readme]


def readme_commands(path: str) -> list[str]:
    """Shell lines of the code blocks and inline code spans of a README."""
    text = (BASE_DIR / path).read_text()
    blocks = re.findall(r"^```(?:sh|cron)\n(.*?)^```", text, re.M | re.S)
    lines = [line for block in blocks for line in block.splitlines()]
    return lines + re.findall(r"`([^`\n]+)`", re.sub(r"^```.*?^```", "", text, flags=re.M | re.S))


@pytest.mark.parametrize("path", READMES)
def test_readme_commands_run_manage_py_through_scripts_manage(path):
    commands = readme_commands(path)
    direct = [c for c in commands if re.search(r"(?<![\w/])manage\.py\s+\w", c)]
    assert not direct, f"{path} runs manage.py without its environment: {direct}"
    for command in commands:
        for script in re.findall(r"(?:^|[\s/])scripts/([\w.-]+)", command):
            mode = (BASE_DIR / "scripts" / script).stat().st_mode
            assert mode & stat.S_IXUSR, f"{path}: scripts/{script} is not executable"
        for name in re.findall(r"scripts/manage ([a-z_]+)", command):
            assert name in get_commands(), f"{path}: no management command {name}"


def test_readme_account_commands_parse_as_written():
    blocks = re.findall(r"^```sh\n(.*?)^```", (BASE_DIR / "README.md").read_text(), re.M | re.S)
    lines = [line for block in blocks for line in block.splitlines()]
    calls = [shlex.split(line) for line in lines if line.startswith("scripts/manage createuser")]
    parser = load_command_class("accounts", "createuser").create_parser("manage", "createuser")
    parsed = [vars(parser.parse_args(call[2:])) for call in calls]
    assert [(p["staff"], p["superuser"]) for p in parsed] == [(True, False), (False, True)]


@pytest.mark.timeout(120)
def test_scripts_manage_runs_commands_from_any_directory(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/manage.db"
    manage = str(BASE_DIR / "scripts" / "manage")

    def run(*args: str) -> list[str]:
        done = subprocess.run(
            [manage, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=100
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()

    run("migrate", "--noinput")
    lines = run("createuser", "root", "--superuser", "--password", "pw-root-123")
    assert lines[0] == "Created user root (staff, superuser)."
    assert re.fullmatch(r"[0-9a-f]{64}", lines[-1]), lines
    assert (tmp_path / "manage.db").is_file()


@pytest.mark.timeout(120)
def test_scripts_manage_uses_the_checkouts_development_secret_like_scripts_run(tmp_path):
    """README's `scripts/manage createuser ...` works on a fresh checkout with no SECRET_KEY:
    both scripts use (and make once) the checkout's .dev-secret-key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env.pop("SECRET_KEY", None)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/manage.db"
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    done = subprocess.run(
        [str(BASE_DIR / "scripts" / "manage"), "shell", "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert done.returncode == 0, done.stderr
    key = (BASE_DIR / ".dev-secret-key").read_text().strip()
    assert len(key) >= 50
    assert done.stdout.strip().splitlines()[-1] == key


def test_no_venv_leaves_the_python_on_path_as_it_is(tmp_path):
    shutil.copytree(BASE_DIR / "scripts", tmp_path / "scripts")

    def source(**env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            # As the scripts do: alone on a line, so that its `set -e` applies.
            ["bash", "-c", 'source ./_venv.sh\npwd\necho "$PATH"'],
            cwd=tmp_path / "scripts",
            env={**os.environ, "PYTHON_BIN": "false", **env},  # making .venv would fail
            capture_output=True,
            text=True,
        )

    done = source(NO_VENV="1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [str(tmp_path), os.environ["PATH"]]
    assert not (tmp_path / ".venv").exists()
    assert source(NO_VENV="").returncode != 0  # without it, it tries to make .venv


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
