"""Helpers for migration steps that exist only on PostgreSQL (full-text columns, GIN indexes)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import migrations


def postgres_only(forward: Sequence[str], backward: Sequence[str]) -> migrations.RunPython:
    """A RunPython that executes raw SQL on PostgreSQL and does nothing elsewhere.

    Models do not declare such columns, so SQLite still migrates and makemigrations stays clean.
    """

    def run(statements: Sequence[str]):
        def apply(apps, schema_editor):
            if schema_editor.connection.vendor != "postgresql":
                return
            for sql in statements:
                schema_editor.execute(sql)

        return apply

    return migrations.RunPython(run(forward), run(backward), elidable=False)
