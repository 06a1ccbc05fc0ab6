"""PostgreSQL only: indexes the staff analytics need at scale.

- A trigram GIN index for the `query` filter's substring match on the slug, on the expression
  Django compiles `user_slug__icontains` to (`UPPER("user_slug"::text) LIKE UPPER(%s)`), so
  the planner ORs it with the full-text index (a BitmapOr) instead of scanning every turn.
  pg_trgm is a trusted extension (PostgreSQL 13+).
- The session index, rebuilt under the same name with the turn id as an included column:
  a conversation's turn ids (the KPI's and the pages' semi-joins) come from the index alone.
- The feedback list's default sort key (`-submitted_at`, unsubmitted last, then the newest
  interaction; AnonymousChatFeedbackViewSet), so its first page is an index scan.
"""

from django.db import migrations

from config.pgsql import postgres_only

TURNS = "anonymous_chat_anonymouschatinteraction"
FEEDBACK = "anonymous_chat_anonymouschatfeedback"

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX anon_interaction_slug_trgm_idx ON {TURNS} "
    "USING GIN ((UPPER(user_slug::text)) gin_trgm_ops)",
    "DROP INDEX anon_interaction_session_idx",
    f"CREATE INDEX anon_interaction_session_idx ON {TURNS} (session_id, created) INCLUDE (id)",
    f"CREATE INDEX anon_feedback_submitted_key_idx ON {FEEDBACK} "
    "((COALESCE(submitted_at, '1970-01-01 00:00:00+00'::timestamptz)) DESC, interaction_id DESC)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS anon_feedback_submitted_key_idx",
    "DROP INDEX IF EXISTS anon_interaction_session_idx",
    f"CREATE INDEX anon_interaction_session_idx ON {TURNS} (session_id, created)",
    "DROP INDEX IF EXISTS anon_interaction_slug_trgm_idx",
]


class Migration(migrations.Migration):
    dependencies = [("anonymous_chat", "0005_rollup_triggers")]

    operations = [postgres_only(FORWARD, BACKWARD)]
