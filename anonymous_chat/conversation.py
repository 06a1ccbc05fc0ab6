"""The public caller kind: a visitor's turn in the public chat, one interaction row per turn.

A visitor is known by their network (the caller key, a pseudonymous slug) and a session id the
browser makes up; the first network to use a session id owns it. A blocked input is refused
with 400 `input_rejected` and, for a real injection, a strike; enough strikes in a day block the
network. Budgets are per network, inside the site's.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from anonymous_chat import services
from anonymous_chat.identity import Caller, feedback_token
from anonymous_chat.models import AnonymousChatInteraction
from chat import budgets, policy
from chat.turns import llm
from chat.turns.admission import Estimate, Row, estimate_tokens
from chat.turns.conversation import CallerKind, Plan, StoredTurn
from chat.turns.frames import blocks_to_llm_text
from chat.turns.generation import Outcome, Prompt, Title
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


@dataclass
class PublicConversation:
    caller: Caller
    session_id: str
    text: str
    kind: CallerKind = CallerKind.PUBLIC

    def resolve(self) -> str:
        """The visitor is not blocked (403) and owns the session id (403 for another network)."""
        services.check_not_blocked(self.caller)
        services.bind_session(session_id=self.session_id, caller=self.caller)
        return self.text

    def refuse_blocked(self, verdict: Verdict) -> None:
        """Store the refused turn (staff see attacks), count a strike, answer 400."""
        services.record_blocked(verdict=verdict, caller=self.caller, session_id=self.session_id)
        raise services.InputRejected(verdict.user_message or "Input rejected.")

    def budget_rows(self) -> list[Row]:
        return [services.visitor_row(self.caller), budgets.site_row(anonymous=True)]

    def plan(self, verdict: Verdict) -> Plan:
        """The session's earlier turns, the public prompt, and the admission estimate."""
        history = services.session_history(self.session_id)
        system = public_system_prompt()
        text = policy.stored_text(verdict)
        spoken = system + text + "".join(str(m["content"]) for m in history)
        messages = [
            {"role": "system", "content": system},
            *history,
            {"role": "user", "content": text},
        ]
        estimate = Estimate(
            input_tokens=estimate_tokens(spoken), max_tokens=llm.completion_options()["max_tokens"]
        )
        return Plan(prompt=Prompt(messages=messages), estimate=estimate)

    def store(self, verdict: Verdict, plan: Plan) -> StoredTurn:
        interaction = AnonymousChatInteraction.objects.create(
            **services.interaction_fields(verdict, self.caller, self.session_id)
        )
        token = feedback_token(
            interaction_uuid=str(interaction.uuid), session_id=self.session_id, key=self.caller.key
        )
        return StoredTurn(
            prompt=plan.prompt,
            opening={"interaction_uuid": str(interaction.uuid), "feedback_token": token},
            ref=str(interaction.uuid),
            stream_key=str(interaction.uuid),
            record=interaction,
            warning=policy.warning(verdict),
        )

    def should_stop(self, turn: StoredTurn) -> str | None:
        return None  # a public answer has no cancel; it stops only as any answer does

    def finish(self, turn: StoredTurn, outcome: Outcome, title: Title | None) -> None:
        interaction: AnonymousChatInteraction = turn.record
        offered = services.offering_uuids(outcome.blocks)
        AnonymousChatInteraction.objects.filter(pk=interaction.pk).update(
            model=outcome.model or interaction.model,
            assistant_blocks=outcome.blocks,
            search_text=f"{interaction.user_input}\n{blocks_to_llm_text(outcome.blocks)}",
            offering_uuids=offered,
            result_count=len(offered),
            input_tokens=outcome.usage.input_tokens,
            output_tokens=outcome.usage.output_tokens,
            finish_reason=outcome.finish_reason,
            last_active_at=timezone.now(),
        )

    def store_title(self, turn: StoredTurn, title: Title) -> None:
        raise NotImplementedError("Public turns have no title.")
