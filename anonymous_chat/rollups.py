"""The analytics roll-ups per conversation, conversation day, user slug and UTC day (PostgreSQL).

Triggers (migration 0005) keep ConversationRollup, ConversationDayRollup, UserRollup and
DailyRollup exact in the same statement as every write to turns, feedback and clicks. This
module recomputes them from the base rows: `rollup_rebuild` (the migration's backfill, a
repair) and `rollup_check` (tests, the benchmark), which lists every row that differs.
"""

from __future__ import annotations

from django.db import connection as default_connection
from django.db import transaction

TURNS = "anonymous_chat_anonymouschatinteraction"
FEEDBACK = "anonymous_chat_anonymouschatfeedback"
CLICKS = "anonymous_chat_anonymouschatclick"

RANK = (
    "CASE i.severity WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 "
    "WHEN 'critical' THEN 4 ELSE 0 END"
)
REVIEWED = "f.llm_reviewed_at IS NOT NULL"
ASKS_BACK = """i.assistant_blocks @> '[{"key": "ask_user_form"}]'::jsonb"""

# Each roll-up: its table, its columns (the key first) and their recomputation.
RECOMPUTE = {
    "anonymous_chat_conversationrollup": (
        "session_id, user_slug, message_count, flagged_count, max_severity_rank, "
        "injection_strikes, clarifications, offerings_shown, offerings_clicked, tokens_in, "
        "tokens_out, feedback_votes, positive_feedback, negative_feedback, reviewed_count, "
        "hallucinated_count, resolution_sum, resolution_count, review_input_tokens, "
        "review_output_tokens, started, last_active",
        f"""
        SELECT i.session_id, max(i.user_slug), count(*), count(*) FILTER (WHERE i.is_flagged),
            max({RANK}), count(*) FILTER (WHERE i.is_strike), count(*) FILTER (WHERE {ASKS_BACK}),
            sum(i.result_count), coalesce(sum(c.n), 0), sum(coalesce(i.input_tokens, 0)),
            sum(coalesce(i.output_tokens, 0)), count(*) FILTER (WHERE f.score IN (1, -1)),
            count(*) FILTER (WHERE f.score = 1), count(*) FILTER (WHERE f.score = -1),
            count(*) FILTER (WHERE {REVIEWED}),
            count(*) FILTER (WHERE {REVIEWED} AND f.llm_hallucination_detected),
            coalesce(sum(f.llm_resolution_score) FILTER (WHERE {REVIEWED}), 0),
            count(f.llm_resolution_score) FILTER (WHERE {REVIEWED}),
            coalesce(sum(f.llm_judge_input_tokens) FILTER (WHERE {REVIEWED}), 0),
            coalesce(sum(f.llm_judge_output_tokens) FILTER (WHERE {REVIEWED}), 0),
            min(i.created), max(i.created)
        FROM {TURNS} i
        LEFT JOIN {FEEDBACK} f ON f.interaction_id = i.id
        LEFT JOIN (
            SELECT interaction_id, count(*) AS n FROM {CLICKS} GROUP BY interaction_id
        ) c ON c.interaction_id = i.id
        GROUP BY i.session_id
        """,  # noqa: S608 - table names are constants, no input
    ),
    "anonymous_chat_conversationdayrollup": (
        "session_id, user_slug, day, turns, flagged, severity_rank, strikes, asks_back, shown, "
        "clicks, input_tokens, output_tokens, votes, positive, negative, reviewed, hallucinated, "
        "scores, scored, judge_input_tokens, judge_output_tokens, first_turn, "
        "last_turn, severity_none, severity_low, severity_medium, severity_high, "
        "severity_critical",
        f"""
        SELECT i.session_id, i.user_slug, (i.created AT TIME ZONE 'UTC')::date, count(*),
            count(*) FILTER (WHERE i.is_flagged), max({RANK}), count(*) FILTER (WHERE i.is_strike),
            count(*) FILTER (WHERE {ASKS_BACK}), sum(i.result_count), coalesce(sum(c.n), 0),
            sum(coalesce(i.input_tokens, 0)), sum(coalesce(i.output_tokens, 0)),
            count(*) FILTER (WHERE f.score IN (1, -1)), count(*) FILTER (WHERE f.score = 1),
            count(*) FILTER (WHERE f.score = -1), count(*) FILTER (WHERE {REVIEWED}),
            count(*) FILTER (WHERE {REVIEWED} AND f.llm_hallucination_detected),
            coalesce(sum(f.llm_resolution_score) FILTER (WHERE {REVIEWED}), 0),
            count(f.llm_resolution_score) FILTER (WHERE {REVIEWED}),
            coalesce(sum(f.llm_judge_input_tokens) FILTER (WHERE {REVIEWED}), 0),
            coalesce(sum(f.llm_judge_output_tokens) FILTER (WHERE {REVIEWED}), 0),
            min(i.created), max(i.created),
            count(*) FILTER (WHERE i.severity IN ('none', '')),
            count(*) FILTER (WHERE i.severity = 'low'),
            count(*) FILTER (WHERE i.severity = 'medium'),
            count(*) FILTER (WHERE i.severity = 'high'),
            count(*) FILTER (WHERE i.severity = 'critical')
        FROM {TURNS} i
        LEFT JOIN {FEEDBACK} f ON f.interaction_id = i.id
        LEFT JOIN (
            SELECT interaction_id, count(*) AS n FROM {CLICKS} GROUP BY interaction_id
        ) c ON c.interaction_id = i.id
        GROUP BY 1, 2, 3
        """,  # noqa: S608 - table names are constants, no input
    ),
    "anonymous_chat_userrollup": (
        "user_slug, total_interactions, positive_feedback, negative_feedback, "
        "injection_strikes, offerings_shown, last_seen",
        f"""
        SELECT i.user_slug, count(*), count(*) FILTER (WHERE f.score = 1),
            count(*) FILTER (WHERE f.score = -1), count(*) FILTER (WHERE i.is_strike),
            sum(i.result_count), max(i.created)
        FROM {TURNS} i
        LEFT JOIN {FEEDBACK} f ON f.interaction_id = i.id
        GROUP BY i.user_slug
        """,  # noqa: S608 - table names are constants, no input
    ),
    "anonymous_chat_dailyrollup": (
        "day, turns, severity_none, severity_low, severity_medium, severity_high, "
        "severity_critical",
        f"""
        SELECT (i.created AT TIME ZONE 'UTC')::date, count(*),
            count(*) FILTER (WHERE i.severity IN ('none', '')),
            count(*) FILTER (WHERE i.severity = 'low'),
            count(*) FILTER (WHERE i.severity = 'medium'),
            count(*) FILTER (WHERE i.severity = 'high'),
            count(*) FILTER (WHERE i.severity = 'critical')
        FROM {TURNS} i
        GROUP BY 1
        """,  # noqa: S608 - table names are constants, no input
    ),
}


DIFFERENT_KEYS = (
    "SELECT k FROM ("
    "  (SELECT * FROM fresh EXCEPT SELECT * FROM stored)"
    "  UNION ALL (SELECT * FROM stored EXCEPT SELECT * FROM fresh)"
    ") AS diff (k)"
)


def enabled(connection=default_connection) -> bool:
    """Roll-ups exist where their triggers do: on PostgreSQL."""
    return connection.vendor == "postgresql"


def rollup_rebuild(*, connection=default_connection) -> None:
    """Replace every roll-up row with one recomputed from the base rows.

    Locks the base tables against writes meanwhile (so no trigger runs half-way through).
    """
    if not enabled(connection):
        return
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {TURNS}, {FEEDBACK}, {CLICKS} IN SHARE MODE")
        for table, (columns, select) in RECOMPUTE.items():
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - table names are constants, no input
            cursor.execute(f"INSERT INTO {table} ({columns}) {select}")


def rollup_check(*, connection=default_connection) -> dict[str, list[str]]:
    """Keys of the roll-up rows that differ from a recomputation (missing, extra or wrong),
    per table; an empty dict when every roll-up is exact."""
    if not enabled(connection):
        return {}
    differences: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for table, (columns, select) in RECOMPUTE.items():
            both = f"WITH fresh AS ({select}), stored AS (SELECT {columns} FROM {table}) "  # noqa: S608 - constants
            cursor.execute(both + DIFFERENT_KEYS)
            keys = sorted({str(row[0]) for row in cursor.fetchall()})
            if keys:
                differences[table] = keys
    return differences
