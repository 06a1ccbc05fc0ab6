"""PostgreSQL only: a feedback row moved to another turn moves its vote and verdict too.

The feedback row's key is its turn (`interaction_id`). The update trigger of 0005 paired old
and new rows by that key, so a row whose key changed had no pair and its contribution stayed
on the old turn's conversation, user and day. Now every old row without an equal new row is
taken out and every new row without an equal old row is added, each on its own turn.
"""

from importlib import import_module

from django.db import migrations

from config.pgsql import postgres_only

triggers = import_module("anonymous_chat.migrations.0005_rollup_triggers")
TURNS = triggers.TURNS

UNCHANGED = (
    "SELECT 1 FROM {other} x WHERE x.interaction_id = {row}.interaction_id "
    "AND anon_rollup_vote(x, i, 1) IS NOT DISTINCT FROM anon_rollup_vote({row}, i, 1)"
)

ON_FEEDBACK = f"""
CREATE OR REPLACE FUNCTION anon_rollup_on_feedback() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM anon_rollup_apply(ARRAY(
            SELECT anon_rollup_vote(n, i, 1) FROM new_rows n JOIN {TURNS} i
                ON i.id = n.interaction_id
        ));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM anon_rollup_apply(ARRAY(
            SELECT anon_rollup_vote(o, i, -1) FROM old_rows o JOIN {TURNS} i
                ON i.id = o.interaction_id
        ));
    ELSE
        PERFORM anon_rollup_apply(ARRAY(
            SELECT anon_rollup_vote(o, i, -1) FROM old_rows o JOIN {TURNS} i
                ON i.id = o.interaction_id
            WHERE NOT EXISTS ({UNCHANGED.format(other="new_rows", row="o")})
            UNION ALL
            SELECT anon_rollup_vote(n, i, 1) FROM new_rows n JOIN {TURNS} i
                ON i.id = n.interaction_id
            WHERE NOT EXISTS ({UNCHANGED.format(other="old_rows", row="n")})
        ));
    END IF;
    RETURN NULL;
END
$$
"""  # noqa: S608 - table names are constants, no input

PREVIOUS = triggers.ON_FEEDBACK.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


class Migration(migrations.Migration):
    dependencies = [("anonymous_chat", "0006_analytics_indexes")]

    operations = [postgres_only([ON_FEEDBACK], [PREVIOUS])]
