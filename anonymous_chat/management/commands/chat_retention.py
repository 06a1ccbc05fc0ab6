"""`manage.py chat_retention [--dry-run]`: apply the retention settings; safe to run from cron."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from anonymous_chat.retention import retention_run


class Command(BaseCommand):
    help = (
        "Delete signed-in threads idle past AI_ASSISTANT_SESSION_RETENTION_DAYS, anonymous "
        "turns past ANONYMOUS_CHAT_RETENTION_DAYS, null IPs past ANONYMOUS_CHAT_IP_RETENTION_DAYS "
        "and purge bindings and visitor budgets past ANONYMOUS_CHAT_ARTIFACT_RETENTION_DAYS."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would change; change nothing."
        )

    def handle(self, *args, dry_run: bool = False, **options):
        for outcome in retention_run(dry_run=dry_run):
            self.stdout.write(outcome.line(dry_run=dry_run))
