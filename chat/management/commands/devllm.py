"""manage.py devllm [--host H] [--port P] [--first-token-delay S] [--token-interval S]: run the
development LLM (base URL http://H:P/v1)."""

import argparse

from django.core.management.base import BaseCommand

from chat.devllm import DevLLMConfig, serve


def seconds(value: str) -> float:
    number = float(value)
    if not number >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds, not {value!r}")
    return number


class Command(BaseCommand):
    help = "Serve the bundled OpenAI-compatible development LLM."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument(
            "--first-token-delay",
            type=seconds,
            default=0.0,
            help="Seconds before the first token of a streamed answer.",
        )
        parser.add_argument(
            "--token-interval",
            type=seconds,
            default=0.0,
            help="Seconds between the tokens (words) of a streamed answer.",
        )

    def handle(self, *args, **options):
        config = DevLLMConfig(
            first_token_delay=options["first_token_delay"],
            token_interval=options["token_interval"],
        )
        self.stdout.write(f"Development LLM at http://{options['host']}:{options['port']}/v1")
        self.stdout.flush()
        serve(options["host"], options["port"], config)
