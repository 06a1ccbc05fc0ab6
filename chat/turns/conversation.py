"""What differs between the two kinds of caller of a turn, passed to the one pipeline as a value.

A signed-in user's turn lives in a thread of messages (chat.turns.signed_in); a visitor's in
the public chat's interaction rows (anonymous_chat.conversation). Each kind is a Conversation:
where the turn is stored, whose budgets it draws on, what the LLM is told, and what a blocked
input gets. Everything else, in the order it happens, is chat.turns.pipeline.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Protocol

from chat.turns.admission import Estimate, Grant, Row
from chat.turns.generation import Outcome, Prompt, Title
from moderation.types import Verdict


class CallerKind(enum.Enum):
    SIGNED_IN = "signed_in"
    PUBLIC = "public"


@dataclass
class Plan:
    """What a turn will ask the LLM and may cost, read before anything is written."""

    prompt: Prompt
    estimate: Estimate
    reads: Any = None  # the caller kind's own reads that its store() needs


@dataclass
class StoredTurn:
    """A turn whose rows are written: what its generation and its final store need."""

    prompt: Prompt
    opening: dict[str, Any]  # the first frame's metadata (`m`), before any text
    record: Any  # the caller kind's own handle on the rows it stored
    ref: str  # the thread or interaction uuid, on the turn's log lines
    stream_key: str  # the answer's uuid (the interaction's, public): its frames' log (resume)
    warning: str | None = None  # the `w` frame, when moderation has something to say
    final_ids: dict[str, Any] | None = None  # leading keys of the final frame's metadata
    title_of: str | None = None  # ask the LLM to title this stored text (a new thread)
    title: Title | None = None  # a title made without the LLM (a blocked first message)
    cancel_key: str | None = None  # the thread whose cancels and newer turns stop this turn
    look_now: bool = False  # check for a cancel at once (one may predate our listening)
    grant: Grant | None = None  # what admission reserved


class Conversation(Protocol):
    kind: CallerKind

    def resolve(self) -> str:
        """Find the thread or session the turn belongs to (raising 403/404/400 as the caller
        kind does); return the text to moderate."""

    def refuse_blocked(self, verdict: Verdict) -> None:
        """Raise when a blocked input ends the request; return to store a refusal instead."""

    def plan(self, verdict: Verdict) -> Plan:
        """Read what the turn needs (history, prompts) and what it may cost; writes nothing."""

    def budget_rows(self) -> list[Row]:
        """The counter rows this turn reserves on, read now."""

    def store(self, verdict: Verdict, plan: Plan) -> StoredTurn:
        """Write the user's turn and a placeholder for the answer (in a transaction)."""

    def should_stop(self, turn: StoredTurn) -> str | None:
        """A finish reason when the turn was cancelled or superseded (reads the database)."""

    def finish(self, turn: StoredTurn, outcome: Outcome, title: Title | None) -> None:
        """Store the answer, and a title that is ready (inside the settlement's transaction)."""

    def store_title(self, turn: StoredTurn, title: Title) -> None:
        """Store a title that arrived after the answer was stored."""
