"""manage.py chat_health: print the LLM configuration (key masked) and test a one-token call."""

import asyncio

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chat.turns import llm


def mask(secret: str) -> str:
    if not secret:
        return "(not set)"
    if len(secret) <= 12:
        return "*" * len(secret)
    return f"{secret[:4]}…{secret[-4:]}"


class Command(BaseCommand):
    help = "Show the LLM settings and check that the model answers."

    def handle(self, *args, **options):
        self.stdout.write(f"API URL:   {settings.AI_ASSISTANT_API_URL or '(not set)'}")
        self.stdout.write(f"API token: {mask(settings.AI_ASSISTANT_API_TOKEN)}")
        self.stdout.write(f"Model:     {settings.AI_ASSISTANT_MODEL}")
        self.stdout.write(f"Backend:   {settings.AI_ASSISTANT_BACKEND_TYPE}")
        if not settings.AI_ASSISTANT_API_URL or not settings.AI_ASSISTANT_API_TOKEN:
            raise CommandError("The LLM URL and token must both be set.")

        async def check():
            try:
                return await llm.complete_once(
                    [{"role": "user", "content": "Say OK."}], max_tokens=1
                )
            finally:
                await llm.close_clients()  # the loop's client ends with it

        try:
            text, usage = asyncio.run(check())
        except Exception as exc:
            kind = llm.error_kind(exc)
            raise CommandError(f"LLM check failed: {llm.ERROR_MESSAGES[kind]}") from None
        self.stdout.write(
            f"LLM answered ({usage.input_tokens} in / {usage.output_tokens} out): {text!r}"
        )
        self.stdout.write(self.style.SUCCESS("OK"))
