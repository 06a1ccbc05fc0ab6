"""A thread as a document its owner can take away: the active conversation (what the user
sees now, without replaced edits), with timestamps, models and token counts, and the text as
stored (personal data already redacted). JSON follows ThreadExportSerializer (the schema's
`ThreadExport`); Markdown is the same document for people to read."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from chat import selectors
from chat.models import Role, Thread
from chat.turns.frames import blocks_to_llm_text

EXPORT_FORMAT = "chat-thread-export/1"  # bumped when a field changes meaning or goes away


def thread_export(*, thread: Thread) -> dict[str, Any]:
    """The export document of `thread` (ThreadExportSerializer's shape)."""
    messages = [
        {
            "uuid": message.uuid,
            "role": message.role,
            "created": message.created,
            "text": blocks_to_llm_text(message.blocks),
            "blocks": message.blocks,
            "model": message.model,
            "input_tokens": message.input_tokens,
            "output_tokens": message.output_tokens,
            "finish_reason": message.finish_reason,
            "warning": message.warning,
            "feedback_score": message.feedback_score,
        }
        for message in selectors.thread_export_messages(thread=thread)
    ]
    answers = [m for m in messages if m["role"] == Role.ASSISTANT]
    return {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now(),
        "thread": thread,
        "models": sorted({m["model"] for m in answers if m["model"]}),
        "input_tokens": sum(m["input_tokens"] or 0 for m in answers),
        "output_tokens": sum(m["output_tokens"] or 0 for m in answers),
        "messages": messages,
    }


def export_markdown(document: dict[str, Any]) -> str:
    """The serialized export document (ThreadExportSerializer(...).data) as Markdown."""
    thread = document["thread"]
    lines = [
        f"# {thread['name']}",
        "",
        f"- Thread: `{thread['uuid']}`",
        f"- Started: {thread['created']}",
        f"- Exported: {document['exported_at']}",
        f"- Models: {', '.join(document['models']) or 'none'}",
        f"- Tokens: {document['input_tokens']} in, {document['output_tokens']} out",
        "",
    ]
    for message in document["messages"]:
        if message["role"] == Role.USER:
            heading = "## You"
            details = [message["created"]]
        else:
            heading = "## Assistant"
            details = [message["created"], message["model"] or "unknown model"]
            if message["input_tokens"] is not None or message["output_tokens"] is not None:
                details.append(
                    f"{message['input_tokens'] or 0} in / {message['output_tokens'] or 0} out"
                )
            if message["finish_reason"] and message["finish_reason"] != "stop":
                details.append(f"ended: {message['finish_reason']}")
        lines += [heading, "", f"_{' · '.join(str(d) for d in details)}_", ""]
        if message["warning"]:
            lines += [f"> {message['warning']}", ""]
        lines += [message["text"] or "_(empty)_", ""]
    return "\n".join(lines).rstrip() + "\n"
