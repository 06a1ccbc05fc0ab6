"""The Dockerfile, .dockerignore and docker-compose.yml name only what exists: scripts, settings,
paths, URLs and command options. No Docker engine runs here, so the files are read, not run."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import stat
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import get_commands, load_command_class
from django.test import Client
from django.urls import resolve

from config.settings import BASE_DIR, ENV_SETTINGS

# Variables of Python, pip and the shell, not of this project.
TOOL_VARIABLES = {
    "PATH",
    "VIRTUAL_ENV",
    "PYTHONUNBUFFERED",
    "PYTHONDONTWRITEBYTECODE",
    "PIP_NO_CACHE_DIR",
    "PIP_DISABLE_PIP_VERSION_CHECK",
}
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 (a container listens beyond its loopback)
INTERPOLATION = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


@dataclass(frozen=True)
class Instruction:
    stage: str  # the name given in the stage's FROM ... AS name
    keyword: str
    args: str


@cache
def dockerfile() -> tuple[Instruction, ...]:
    """The Dockerfile's instructions, continuation lines joined, each with its stage's name."""
    instructions: list[Instruction] = []
    stage, pending = "", ""
    for line in (BASE_DIR / "Dockerfile").read_text().splitlines():
        text = line.strip()
        if not pending and (not text or text.startswith("#")):
            continue
        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue
        keyword, _, args = (pending + text).partition(" ")
        pending = ""
        if keyword.upper() == "FROM":
            words = args.split()
            stage = words[-1] if len(words) == 3 and words[1].upper() == "AS" else ""
        instructions.append(Instruction(stage, keyword.upper(), " ".join(args.split())))
    return tuple(instructions)


def instructions(keyword: str, stage: str | None = None) -> list[Instruction]:
    return [i for i in dockerfile() if i.keyword == keyword and (stage is None or i.stage == stage)]


def final_stage() -> str:
    return instructions("FROM")[-1].stage


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction in instructions("ENV", final_stage()):
        for pair in shlex.split(instruction.args):
            name, _, value = pair.partition("=")
            env[name] = value
    return env


@cache
def compose() -> dict[str, Any]:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def image_services() -> dict[str, dict[str, Any]]:
    """The compose services that run this project's image (built from the Dockerfile)."""
    return {name: s for name, s in compose()["services"].items() if "build" in s}


def with_defaults(value: str) -> str:
    """Compose's interpolation with nothing set: `${X:-d}` gives d, `${X:?msg}` a value."""
    return INTERPOLATION.sub(lambda m: "set" if "?" in (m[2] or "") else m[3] or "", value)


def script_default(script: str, name: str) -> str:
    match = re.search(rf"\b{name}=\$\{{{name}:-([^}}]*)\}}", (BASE_DIR / script).read_text())
    assert match, f"{script} gives {name} no default"
    return match[1]


def assert_executable_script(path: str) -> None:
    file = BASE_DIR / path
    assert file.is_file(), f"{path} does not exist"
    assert file.stat().st_mode & stat.S_IXUSR, f"{path} is not executable"


def management_options(command: str, args: list[str]) -> dict[str, Any]:
    """The options a management command parses from `args` (CommandError when it refuses)."""
    assert command in get_commands(), f"no management command {command!r}"
    parser = load_command_class(get_commands()[command], command).create_parser("manage", command)
    return vars(parser.parse_args(args))


def run_command(command: list[str]) -> dict[str, Any]:
    """Check a command that runs in the image: a script, and for scripts/manage, its options."""
    assert_executable_script(command[0])
    if command[0] == "scripts/manage":
        return management_options(command[1], [with_defaults(arg) for arg in command[2:]])
    return {}


# --- Dockerfile ------------------------------------------------------------------------------


def test_the_image_is_built_in_stages_with_the_dependencies_installed_at_build_time():
    stages = [i.stage for i in instructions("FROM")]
    assert len(stages) >= 2, stages
    assert all(stages), f"every stage is named: {stages}"
    final = final_stage()
    installs = [i for i in instructions("RUN") if "pip install" in i.args]
    assert installs
    assert all(i.stage != final for i in installs), installs
    assert not [i for i in instructions("RUN", final) if "install" in i.args]
    copied_from = [
        i.args.split()[0].removeprefix("--from=")
        for i in instructions("COPY", final)
        if i.args.startswith("--from=")
    ]
    assert copied_from
    assert set(copied_from) <= set(stages[:-1]), copied_from


def test_the_build_installs_exactly_the_projects_dependencies(tmp_path):
    (tmp_path / "pyproject.toml").write_bytes((BASE_DIR / "pyproject.toml").read_bytes())
    install = next(i for i in instructions("RUN") if "pip install" in i.args)
    listing, _, pip = install.args.partition(" && ")
    assert pip.endswith("pip install -r requirements.txt"), pip
    # The command that writes requirements.txt, run here with this interpreter as `python`.
    env = {**os.environ, "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"}
    subprocess.run(["bash", "-c", listing], cwd=tmp_path, env=env, check=True)
    with (BASE_DIR / "pyproject.toml").open("rb") as file:
        dependencies = tomllib.load(file)["project"]["dependencies"]
    assert (tmp_path / "requirements.txt").read_text().splitlines() == dependencies


def test_every_copied_path_exists_and_every_package_is_copied():
    sources = []
    for instruction in instructions("COPY"):
        words = instruction.args.split()
        if not words[0].startswith("--from="):
            sources += [word.rstrip("/") for word in words[:-1]]
    for source in sources:
        assert (BASE_DIR / source).exists(), f"the Dockerfile copies {source}, which is missing"
    with (BASE_DIR / "pyproject.toml").open("rb") as file:
        packages = tomllib.load(file)["tool"]["setuptools"]["packages"]["find"]["include"]
    needed = {package.rstrip("*") for package in packages} | {"manage.py", "scripts"}
    assert needed <= set(sources), f"not copied into the image: {needed - set(sources)}"


def test_the_build_context_keeps_secrets_out_and_what_the_image_needs_in():
    ignored = [
        line.strip()
        for line in (BASE_DIR / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert {".env", ".venv", ".git"} <= set(ignored)
    for instruction in instructions("COPY"):
        for source in instruction.args.split()[:-1]:
            if source.startswith("--"):
                continue
            hits = [p for p in ignored if fnmatch.fnmatch(source.rstrip("/"), p)]
            assert not hits, f"{source} is copied but .dockerignore leaves it out: {hits}"


def test_the_server_runs_as_a_user_other_than_root():
    final = final_stage()
    users = instructions("USER", final)
    assert users, "the image runs as root"
    user, _, group = users[-1].args.partition(":")
    assert user not in {"root", "0"}, users[-1]
    assert group not in {"root", "0"}, users[-1]
    order = [i.keyword for i in dockerfile() if i.stage == final]
    assert order.index("USER") > max(n for n, k in enumerate(order) if k in {"RUN", "COPY"})


def test_the_image_serves_with_scripts_serve_on_every_interface():
    (cmd,) = instructions("CMD", final_stage())
    command = json.loads(cmd.args)
    assert command == ["scripts/serve"]
    run_command(command)
    env = image_env()
    assert env["HOST"] == ALL_INTERFACES
    assert instructions("EXPOSE", final_stage())[-1].args == env["PORT"]


def test_the_image_environment_names_settings_or_variables_its_scripts_read():
    scripts = "".join(p.read_text() for p in (BASE_DIR / "scripts").iterdir())
    for name in image_env():
        known = name in ENV_SETTINGS or name in TOOL_VARIABLES
        assert known or re.search(rf"\$\{{?{name}\b", scripts), f"nothing reads {name}"
    # scripts/manage must not try to make .venv in the image: its files are read-only there.
    assert image_env()["NO_VENV"] == "1"


@pytest.mark.django_db
def test_the_health_check_asks_a_url_the_app_serves():
    (check,) = instructions("HEALTHCHECK", final_stage())
    match = re.search(r"http://127\.0\.0\.1:\$\{PORT\}(/[^'\"\s]*)", check.args)
    assert match, check.args
    path = match[1]
    assert resolve(path).url_name == "health"
    response = Client(HTTP_HOST="127.0.0.1").get(path)
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "127.0.0.1" in settings.ALLOWED_HOSTS  # the image's own default


def test_static_files_need_no_collect_step_in_the_image():
    assert not [i for i in instructions("RUN") if "collectstatic" in i.args]
    # Which holds while WhiteNoise serves from the finders, not from a collected STATIC_ROOT.
    assert settings.WHITENOISE_USE_FINDERS
    assert settings.STATIC_ROOT is None
    for asset in ("web/chat.js", "admin/css/base.css", "drf_spectacular_sidecar"):
        assert finders.find(asset), asset


# --- docker-compose.yml ----------------------------------------------------------------------


def test_compose_builds_the_image_and_reads_an_optional_env_file():
    services = image_services()
    assert {"migrate", "app", "devllm"} <= set(services)
    for name, service in services.items():
        assert (BASE_DIR / service["build"] / "Dockerfile").is_file(), name
        assert service["env_file"] == [{"path": ".env", "required": False}], name


def test_compose_never_runs_on_a_well_known_secret():
    secret = image_services()["app"]["environment"]["SECRET_KEY"]
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", secret), secret


def test_compose_keeps_the_health_checks_host_allowed():
    hosts = with_defaults(image_services()["app"]["environment"]["ALLOWED_HOSTS"]).split(",")
    assert "127.0.0.1" in hosts
    assert image_services()["app"]["environment"]["ALLOWED_HOSTS"].endswith(",127.0.0.1")


def test_compose_commands_are_scripts_and_management_commands_that_exist():
    services = image_services()
    for service in services.values():
        run_command(service["command"])
    assert services["app"]["command"] == ["scripts/serve"]
    assert services["migrate"]["command"][:2] == ["scripts/manage", "migrate"]
    assert run_command(services["migrate"]["command"])["interactive"] is False


def test_compose_migrates_before_the_app_starts():
    services = compose()["services"]
    depends = services["app"]["depends_on"]
    assert depends["db"] == {"condition": "service_healthy"}
    assert depends["migrate"] == {"condition": "service_completed_successfully"}
    assert services["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}
    assert "healthcheck" in services["db"]
    for service in services.values():
        assert set(service.get("depends_on", {})) <= set(services)


def test_compose_runs_the_development_llm_in_a_profile_on_every_interface():
    services = compose()["services"]
    devllm = services["devllm"]
    assert devllm["profiles"] == ["devllm"]
    assert "profiles" not in services["app"]
    assert "profiles" not in services["db"]
    options = run_command(devllm["command"])
    assert options["host"] == ALL_INTERFACES
    # Without the profile the app still starts: nothing needs the development LLM to start.
    assert not [n for n, s in services.items() if "devllm" in s.get("depends_on", {})]
    check = " ".join(devllm["healthcheck"]["test"])
    assert f"http://127.0.0.1:{options['port']}/v1/models" in check
    readme = (BASE_DIR / "README.md").read_text()
    assert f"AI_ASSISTANT_API_URL=http://devllm:{options['port']}/v1" in readme


def test_compose_defaults_are_those_of_scripts_run():
    environment = image_services()["app"]["environment"]
    roles = with_defaults(environment["AI_ASSISTANT_ENABLED_ROLES"])
    assert roles == script_default("scripts/run", "AI_ASSISTANT_ENABLED_ROLES")
    options = run_command(image_services()["devllm"]["command"])
    assert options["first_token_delay"] == float(
        script_default("scripts/run", "DEVLLM_FIRST_TOKEN_DELAY")
    )
    assert options["token_interval"] == float(
        script_default("scripts/run", "DEVLLM_TOKEN_INTERVAL")
    )


def test_readme_says_how_to_make_the_first_user_in_compose():
    readme = (BASE_DIR / "README.md").read_text()
    match = re.search(r"^docker compose run --rm app (scripts/manage createuser .+)$", readme, re.M)
    assert match, "README gives no docker compose command for the first user"
    options = run_command(shlex.split(match[1]))
    assert options["superuser"] is True
