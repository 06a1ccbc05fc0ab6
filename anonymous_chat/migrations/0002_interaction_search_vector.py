"""PostgreSQL only: a generated tsvector over the interaction's search_text, GIN-indexed.

Like chat's message search: the model does not declare the column, so SQLite migrates as is.
"""

from django.db import migrations

from config.pgsql import postgres_only

FORWARD = [
    "ALTER TABLE anonymous_chat_anonymouschatinteraction ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', coalesce(search_text, ''))) STORED",
    "CREATE INDEX anon_interaction_search_idx ON anonymous_chat_anonymouschatinteraction "
    "USING GIN (search_vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS anon_interaction_search_idx",
    "ALTER TABLE anonymous_chat_anonymouschatinteraction DROP COLUMN IF EXISTS search_vector",
]


class Migration(migrations.Migration):
    dependencies = [("anonymous_chat", "0001_initial")]

    operations = [postgres_only(FORWARD, BACKWARD)]
