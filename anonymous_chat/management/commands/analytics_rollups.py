"""`manage.py analytics_rollups [--rebuild]`: compare the analytics roll-ups with the base rows."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from anonymous_chat.rollups import enabled, rollup_check, rollup_rebuild


class Command(BaseCommand):
    help = (
        "Check that the trigger-kept analytics roll-ups equal a recomputation from the turns, "
        "feedback and clicks (PostgreSQL); --rebuild recomputes them first. Exit status 1 when "
        "a roll-up differs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Recompute every roll-up (after writes with triggers off, e.g. a restore).",
        )

    def handle(self, *args, rebuild: bool = False, **options):
        if not enabled():
            self.stdout.write("roll-ups: not used on this database (PostgreSQL only)")
            return
        if rebuild:
            rollup_rebuild()
            self.stdout.write("roll-ups: rebuilt")
        differences = rollup_check()
        if differences:
            counts = ", ".join(f"{table} {len(keys)}" for table, keys in differences.items())
            raise CommandError(f"roll-ups differ from the base rows: {counts}")
        self.stdout.write("roll-ups: exact")
