"""Prompt texts: the system prompt, the context-aware rejection, the canned reply, titles."""

from __future__ import annotations

import re

from django.conf import settings

CANNED_REJECTION = (
    "I can't help with that request. I can answer questions about your cloud resources, "
    "projects, orders, quotas and billing, and explain how to use the portal. "
    "Try again with a different question."
)

REJECTION_INSTRUCTIONS = (
    "The user's latest request cannot be served. You are declining that specific request. "
    "Reply in one or two sentences: say briefly that you cannot help with it, then suggest "
    "something related from the conversation that you can help with. Do not apologise at "
    "length, do not mention filters, policies or detection, and do not repeat the request."
)

TITLE_INSTRUCTIONS = (
    "Write a title of 3 to 6 words for a conversation that starts with the user message "
    "below. Answer with the title only: no quotes, no punctuation at the end."
)

PLACEHOLDER = re.compile(r"\{(assistant_name|organization)\}")


def fill_placeholders(text: str) -> str:
    """Replace the known placeholders; leave any other `{...}` as it is."""
    values = {
        "assistant_name": settings.AI_ASSISTANT_NAME,
        "organization": settings.AI_ASSISTANT_ORGANIZATION,
    }
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def core_prompt() -> str:
    return fill_placeholders(
        "You are {assistant_name}, the assistant of {organization}. "
        "Help users with their questions about the organization's services clearly and "
        "concisely. Use markdown; put code in fenced blocks with a language tag."
    )


def system_prompt(custom_instructions: str | None = None) -> str:
    """The core prompt plus the operator's custom instructions (placeholders filled)."""
    custom = (
        custom_instructions or settings.AI_ASSISTANT_SYSTEM_PROMPT_CUSTOM_INSTRUCTIONS
    ).strip()
    prompt = core_prompt()
    if custom:
        prompt += "\n\nADDITIONAL INSTRUCTIONS:\n" + fill_placeholders(custom)
    return prompt


def rejection_prompt() -> str:
    return core_prompt() + "\n\n" + REJECTION_INSTRUCTIONS


def title_messages(user_text: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": TITLE_INSTRUCTIONS},
        {"role": "user", "content": user_text[:500]},
    ]


def clean_title(raw: str) -> str:
    """Trim whitespace and surrounding quotes; cut to the thread name's 150 characters."""
    title = " ".join(raw.split())
    title = title.strip().strip("\"'`“”‘’«»").strip()
    return title[:150]
