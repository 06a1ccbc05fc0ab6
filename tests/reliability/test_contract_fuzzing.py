"""Contract fuzzing: schemathesis over every operation of the live server's own /api/schema/.

Three callers (a normal user, staff, no credentials) send schema-generated requests (valid and
invalid) to every operation. Every response must be documented (status code, content type,
headers, body) and none may be a 5xx. Expected deviations are listed, with reasons, in the
committed `schemathesis.toml` only.

Replay a failure with the seed printed at the start of the run:
`FUZZ_SEED=<seed> pytest tests/reliability/test_contract_fuzzing.py`. `FUZZ_MAX_EXAMPLES`
changes the examples per operation and generation mode (default 20).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.throttling import ScopedRateThrottle
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from anonymous_chat.models import AnonymousChatInteraction
from chat.devllm import DevLLMConfig
from config.settings import BASE_DIR
from tests.anonymous_chat.publickit import public_stream
from tests.chat.streamkit import auth, post_stream

pytestmark = [pytest.mark.timeout(600)]

SEED = int(os.environ.get("FUZZ_SEED", "20250808"))
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "20"))
REQUEST_TIMEOUT = 60  # seconds; a hang guard for one request (streams included), never a bound
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@pytest.fixture
def fuzz_settings(settings, monkeypatch):
    """Every cap and throttle off, the public chat on, strikes out of reach."""
    settings.AI_ASSISTANT_ENABLED_ROLES = "anonymous"
    settings.AI_ASSISTANT_GLOBAL_REQUESTS_PER_MINUTE = 0
    settings.AI_ASSISTANT_ANONYMOUS_REQUESTS_PER_MINUTE = 0
    settings.AI_ASSISTANT_USER_REQUESTS_PER_MINUTE = 0
    settings.AI_ASSISTANT_GLOBAL_DAILY_TOKEN_BUDGET = 0
    settings.AI_ASSISTANT_MAX_TOKENS = 64
    settings.ANONYMOUS_CHAT_FEEDBACK_PER_MINUTE = 0
    settings.ANONYMOUS_CHAT_STRIKE_THRESHOLD = 1_000_000
    # DRF binds the rates to the throttle class at import; a rate of None lets every call in.
    rates = dict.fromkeys(ScopedRateThrottle.THROTTLE_RATES, None)
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    return settings


@dataclass
class World:
    """Objects that exist on the server, so that path parameters sometimes hit real rows."""

    base: str
    path_values: dict[str, list[str]] = field(default_factory=dict)


@pytest.fixture
def world(fuzz_settings, chat_server, llm, user, other_user, staff) -> World:
    import httpx

    llm.app.config = DevLLMConfig(reply="Short answer.")
    turn = post_stream(chat_server, user, input="Hello, which storage do you offer?")
    assert turn.status == 200, turn.raw
    final = turn.final
    session = httpx.get(f"{chat_server}/api/chat-sessions/current/", headers=auth(user)).json()
    prompt = httpx.post(
        f"{chat_server}/api/chat-system-prompts/",
        json={"name": "Fuzz prompt", "description": "", "custom_instructions": "Be brief."},
        headers=auth(staff),
    )
    assert prompt.status_code == 201, prompt.text
    visit = public_stream(chat_server, input="Do you have GPUs?", session_id="fuzz-session-0001")
    assert visit.status == 200, visit.raw
    interaction = AnonymousChatInteraction.objects.get()
    uuids = [
        turn.meta["thread_uuid"],
        final["user_message_uuid"],
        final["assistant_message_uuid"],
        session["uuid"],
        prompt.json()["uuid"],
        str(interaction.uuid),
    ]
    return World(
        base=chat_server,
        path_values={
            "uuid": uuids,
            "interaction_uuid": [str(interaction.uuid)],
            "session_id": ["fuzz-session-0001"],
            "user_slug": [interaction.user_slug],
        },
    )


def load_schema(base: str):
    config = SchemathesisConfig.from_path(BASE_DIR / "schemathesis.toml")
    return schemathesis.openapi.from_url(f"{base}/api/schema/", config=config, timeout=30)


def strategy_for(operation, mode: GenerationMode, world: World):
    """Generated cases, plus the same with each path parameter set to an existing object."""
    strategies = [operation.as_strategy(generation_mode=mode)]
    names = [p.name for p in operation.path_parameters]
    for name in names:
        for value in world.path_values.get(name, []):
            strategies.append(
                operation.as_strategy(generation_mode=mode, path_parameters={name: value})
            )
    return st.one_of(strategies)


def is_form(media_type: str | None) -> bool:
    return bool(media_type) and media_type.startswith(
        ("multipart/form-data", "application/x-www-form-urlencoded")
    )


def fuzz_operation(
    operation, mode: GenerationMode, world: World, headers: dict[str, str], examples: int
):
    @hypothesis.seed(SEED)
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the seed replays a failure
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @hypothesis.given(case=strategy_for(operation, mode, world))
    def run(case):
        # Form encodings cannot carry JSON null (schemathesis sends the text "null"): such
        # bodies are not the positive data the schema promises. JSON bodies carry null fine.
        if mode is GenerationMode.POSITIVE and is_form(case.media_type):
            body = case.body if isinstance(case.body, dict) else {}
            hypothesis.assume(not any(v is None for v in body.values()))
        case.call_and_validate(base_url=world.base, headers=headers, timeout=REQUEST_TIMEOUT)

    run()


def fuzz(world: World, headers: dict[str, str], label: str, examples: int) -> None:
    schema = load_schema(world.base)
    operations = [result.ok() for result in schema.get_all_operations()]
    print(
        f"\nschemathesis {schemathesis.SCHEMATHESIS_VERSION}: {len(operations)} operations as "
        f"{label}, {examples} examples per mode; replay with FUZZ_SEED={SEED}"
    )
    failures: list[str] = []
    started = time.monotonic()
    for operation in operations:
        for mode in MODES:
            try:
                fuzz_operation(operation, mode, world, headers, examples)
            except Unsatisfiable:
                # Nothing to make invalid (no parameters, no body): no negative cases.
                assert mode is GenerationMode.NEGATIVE, operation.label
            except (Exception, BaseExceptionGroup) as exc:  # FailureGroup too
                failures.append(f"--- {operation.label} [{mode.value}, {label}]\n{exc}")
    print(f"{label}: {time.monotonic() - started:.1f}s")
    assert not failures, f"FUZZ_SEED={SEED}\n" + "\n".join(failures)


@pytest.mark.parametrize("caller", ["user", "staff", "anonymous"])
def test_every_operation_conforms_to_the_schema(world, caller, user, staff):
    headers = {"user": auth(user), "staff": auth(staff), "anonymous": {}}[caller]
    # Without credentials nearly every operation answers 401 before reading its input: half.
    examples = MAX_EXAMPLES if caller != "anonymous" else max(5, MAX_EXAMPLES // 2)
    fuzz(world, headers, caller, examples)
