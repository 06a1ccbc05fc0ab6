"""PostgreSQL only: a generated tsvector over Message.search_text with a GIN index.

The model does not declare the column, so SQLite migrates unchanged and makemigrations stays
clean; chat.selectors matches against it with websearch_to_tsquery.
"""

from django.db import migrations

from config.pgsql import postgres_only

FORWARD = [
    "ALTER TABLE chat_message ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', coalesce(search_text, ''))) STORED",
    "CREATE INDEX chat_message_search_vector_idx ON chat_message USING GIN (search_vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS chat_message_search_vector_idx",
    "ALTER TABLE chat_message DROP COLUMN IF EXISTS search_vector",
]


class Migration(migrations.Migration):
    dependencies = [("chat", "0001_initial")]

    operations = [postgres_only(FORWARD, BACKWARD)]
