"""`manage.py review_anonymous_conversations`: the nightly LLM judge; safe to run from cron."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from anonymous_chat.review import review_run


class Command(BaseCommand):
    help = (
        "Ask the LLM judge for one verdict per anonymous conversation idle for "
        "ANONYMOUS_CHAT_REVIEW_IDLE_HOURS and not reviewed since its last turn, within "
        "ANONYMOUS_CHAT_REVIEW_DAILY_TOKEN_BUDGET per UTC day."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, help="Conversations at most (default: setting).")

    def handle(self, *args, limit: int | None = None, **options):
        report = review_run(limit=limit).as_dict()
        report.pop("sessions")
        self.stdout.write(json.dumps(report, sort_keys=True))
