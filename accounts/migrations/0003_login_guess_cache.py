"""The database cache table that counts failed sign-ins (settings.CACHES["axes"])."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", "axes_cache", database=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_api_tokens")]

    operations = [
        migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=False),
    ]
