"""manage.py devllm [--host H] [--port P]: run the development LLM (base URL http://H:P/v1)."""

from django.core.management.base import BaseCommand

from chat.devllm import DevLLMConfig, serve


class Command(BaseCommand):
    help = "Serve the bundled OpenAI-compatible development LLM."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--first-token-delay", type=float, default=0.0, help="Seconds.")
        parser.add_argument("--token-interval", type=float, default=0.0, help="Seconds.")

    def handle(self, *args, **options):
        config = DevLLMConfig(
            first_token_delay=options["first_token_delay"],
            token_interval=options["token_interval"],
        )
        self.stdout.write(f"Development LLM at http://{options['host']}:{options['port']}/v1")
        self.stdout.flush()
        serve(options["host"], options["port"], config)
