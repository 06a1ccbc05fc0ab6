"""The anonymous turn as frames, on the signed-in turn's streaming core and budget settlement."""

from __future__ import annotations

import functools

from django.conf import settings

from anonymous_chat import services
from chat import cancel, policy
from chat.engine import Emit, Generation, Signals, generate
from chat.streaming import Settlement
from moderation.types import Verdict


def public_system_prompt() -> str:
    description = settings.ANONYMOUS_CHAT_SITE_DESCRIPTION.strip()
    prompt = (
        f"You are {settings.AI_ASSISTANT_NAME}, the public assistant of "
        f"{settings.ANONYMOUS_CHAT_SITE_NAME}. You talk to visitors who are not signed in: "
        "help them understand and find the site's services, answer briefly, use markdown, "
        "and never ask for personal data, passwords or keys."
    )
    if description:
        prompt += f"\n\nAbout the site: {description}"
    return prompt


def public_messages(visit: services.StartedVisit) -> list[dict]:
    return [
        {"role": "system", "content": public_system_prompt()},
        *visit.history,
        {"role": "user", "content": visit.llm_text},
    ]


async def run_anonymous_turn(
    visit: services.StartedVisit, verdict: Verdict, emit: Emit, signals: Signals
) -> None:
    """Stream one public answer; the reservation is always settled with what was spent."""
    settlement = Settlement(visit.grant)
    try:
        emit(
            {
                "m": {
                    "interaction_uuid": str(visit.interaction.uuid),
                    "feedback_token": visit.token,
                }
            }
        )
        if policy.warning(verdict):
            emit({"w": policy.warning(verdict)})
        generation = Generation(
            messages=public_messages(visit),
            max_tokens=visit.grant.max_tokens,
            poll_seconds=cancel.poll_interval(),
        )
        outcome = await generate(generation, emit, signals)
        usage = (outcome.usage.input_tokens, outcome.usage.output_tokens)
        store = functools.partial(
            services.visit_finish,
            visit=visit,
            blocks=outcome.blocks,
            usage=usage,
            finish=outcome.finish_reason,
        )
        await settlement.store(sum(usage), store)
        emit(
            {
                "m": {
                    "input_tokens": usage[0],
                    "output_tokens": usage[1],
                    "finish_reason": outcome.finish_reason,
                }
            }
        )
    finally:
        await settlement.close()
