"""PostgreSQL only: triggers that keep the conversation, user and daily roll-ups exact.

Statement-level AFTER triggers on turns, feedback and clicks turn the changed rows (their
transition tables) into signed contributions and add them with one INSERT ... ON CONFLICT DO
UPDATE per roll-up, so concurrent writers from any process add up exactly and nothing outside
the database (bulk inserts, queryset updates and deletes, retention, the judge) can bypass
them. Additive columns take the signed sums; the greatest and least values (slug, severity,
first and last turn) take GREATEST / LEAST on additions and are recomputed from the remaining
turns where turns went away, in a later statement that sees every committed row.

A turn's votes and clicks are counted with the turn whichever is written or deleted first:
the turn's own trigger adds or removes the feedback and clicks that exist at that moment, the
feedback and click triggers only act while their turn exists.

SQLite has no such triggers: there the analytics group the turns instead (anonymous_chat
.rollups.enabled). The last step backfills the roll-ups from the existing rows.
"""

from django.db import migrations

from config.pgsql import postgres_only

TURNS = "anonymous_chat_anonymouschatinteraction"
FEEDBACK = "anonymous_chat_anonymouschatfeedback"
CLICKS = "anonymous_chat_anonymouschatclick"
CONVERSATIONS = "anonymous_chat_conversationrollup"
DAYS = "anonymous_chat_conversationdayrollup"
USERS = "anonymous_chat_userrollup"
DAILY = "anonymous_chat_dailyrollup"

DELTA_TYPE = """
CREATE TYPE anon_rollup_delta AS (
    session_id varchar, user_slug varchar, created timestamptz, severity varchar,
    turns integer, flagged integer, severity_rank integer, strikes integer,
    clarifications integer, shown bigint, tokens_in bigint, tokens_out bigint,
    votes integer, positive integer, negative integer, reviewed integer,
    hallucinated integer, resolution_sum bigint, resolution_count integer,
    review_in bigint, review_out bigint, clicks integer
)
"""

# A turn's own contribution. `counted` false gives only its additive columns (turns 0, no
# severity, no rank): an update that keeps session, slug, instant and severity. Instants only
# count where turns > 0; votes and clicks carry their turn's instant for its day.
TURN_PART = f"""
CREATE FUNCTION anon_rollup_turn(i {TURNS}, sign integer, counted boolean)
RETURNS anon_rollup_delta LANGUAGE sql IMMUTABLE AS $$
SELECT ROW(
    i.session_id, i.user_slug, i.created,
    CASE WHEN counted THEN i.severity END,
    CASE WHEN counted THEN sign ELSE 0 END,
    CASE WHEN i.is_flagged THEN sign ELSE 0 END,
    CASE WHEN counted THEN CASE i.severity WHEN 'low' THEN 1 WHEN 'medium' THEN 2
        WHEN 'high' THEN 3 WHEN 'critical' THEN 4 ELSE 0 END END,
    CASE WHEN i.is_strike THEN sign ELSE 0 END,
    CASE WHEN i.assistant_blocks @> '[{{"key": "ask_user_form"}}]'::jsonb THEN sign ELSE 0 END,
    sign * i.result_count,
    sign * coalesce(i.input_tokens, 0),
    sign * coalesce(i.output_tokens, 0),
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0
)::anon_rollup_delta
$$
"""

# A feedback row's contribution, attributed to its turn's session and slug.
VOTE_PART = f"""
CREATE FUNCTION anon_rollup_vote(f {FEEDBACK}, i {TURNS}, sign integer)
RETURNS anon_rollup_delta LANGUAGE sql IMMUTABLE AS $$
SELECT ROW(
    i.session_id, i.user_slug, i.created, NULL, 0, 0, NULL, 0, 0, 0, 0, 0,
    CASE WHEN f.score IN (1, -1) THEN sign ELSE 0 END,
    CASE WHEN f.score = 1 THEN sign ELSE 0 END,
    CASE WHEN f.score = -1 THEN sign ELSE 0 END,
    CASE WHEN f.llm_reviewed_at IS NOT NULL THEN sign ELSE 0 END,
    CASE WHEN f.llm_reviewed_at IS NOT NULL AND f.llm_hallucination_detected
        THEN sign ELSE 0 END,
    CASE WHEN f.llm_reviewed_at IS NOT NULL
        THEN sign * coalesce(f.llm_resolution_score, 0) ELSE 0 END,
    CASE WHEN f.llm_reviewed_at IS NOT NULL AND f.llm_resolution_score IS NOT NULL
        THEN sign ELSE 0 END,
    CASE WHEN f.llm_reviewed_at IS NOT NULL THEN sign * f.llm_judge_input_tokens ELSE 0 END,
    CASE WHEN f.llm_reviewed_at IS NOT NULL THEN sign * f.llm_judge_output_tokens ELSE 0 END,
    0
)::anon_rollup_delta
$$
"""

CLICK_PART = f"""
CREATE FUNCTION anon_rollup_click(i {TURNS}, sign integer)
RETURNS anon_rollup_delta LANGUAGE sql IMMUTABLE AS $$
SELECT ROW(
    i.session_id, i.user_slug, i.created, NULL, 0, 0, NULL, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, sign
)::anon_rollup_delta
$$
"""

SEVERITY_RANK = (
    "CASE i.severity WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 "
    "WHEN 'critical' THEN 4 ELSE 0 END"
)

DAY = "(d.created AT TIME ZONE 'UTC')::date"

# Rows are locked in one order by every writer: sessions, session days, users, days, each in
# key order.
APPLY = f"""
CREATE FUNCTION anon_rollup_apply(deltas anon_rollup_delta[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(deltas) = 0 THEN
        RETURN;
    END IF;

    INSERT INTO {CONVERSATIONS} AS r (
        session_id, user_slug, message_count, flagged_count, max_severity_rank,
        injection_strikes, clarifications, offerings_shown, offerings_clicked, tokens_in,
        tokens_out, feedback_votes, positive_feedback, negative_feedback, reviewed_count,
        hallucinated_count, resolution_sum, resolution_count, review_input_tokens,
        review_output_tokens, started, last_active
    )
    SELECT d.session_id, coalesce(max(d.user_slug) FILTER (WHERE d.turns > 0), ''),
        sum(d.turns), sum(d.flagged), coalesce(max(d.severity_rank) FILTER (WHERE d.turns > 0), 0),
        sum(d.strikes), sum(d.clarifications), sum(d.shown), sum(d.clicks), sum(d.tokens_in),
        sum(d.tokens_out), sum(d.votes), sum(d.positive), sum(d.negative), sum(d.reviewed),
        sum(d.hallucinated), sum(d.resolution_sum), sum(d.resolution_count), sum(d.review_in),
        sum(d.review_out), min(d.created) FILTER (WHERE d.turns > 0),
        max(d.created) FILTER (WHERE d.turns > 0)
    FROM unnest(deltas) d
    GROUP BY d.session_id
    ORDER BY d.session_id
    ON CONFLICT (session_id) DO UPDATE SET
        user_slug = GREATEST(r.user_slug, EXCLUDED.user_slug),
        message_count = r.message_count + EXCLUDED.message_count,
        flagged_count = r.flagged_count + EXCLUDED.flagged_count,
        max_severity_rank = GREATEST(r.max_severity_rank, EXCLUDED.max_severity_rank),
        injection_strikes = r.injection_strikes + EXCLUDED.injection_strikes,
        clarifications = r.clarifications + EXCLUDED.clarifications,
        offerings_shown = r.offerings_shown + EXCLUDED.offerings_shown,
        offerings_clicked = r.offerings_clicked + EXCLUDED.offerings_clicked,
        tokens_in = r.tokens_in + EXCLUDED.tokens_in,
        tokens_out = r.tokens_out + EXCLUDED.tokens_out,
        feedback_votes = r.feedback_votes + EXCLUDED.feedback_votes,
        positive_feedback = r.positive_feedback + EXCLUDED.positive_feedback,
        negative_feedback = r.negative_feedback + EXCLUDED.negative_feedback,
        reviewed_count = r.reviewed_count + EXCLUDED.reviewed_count,
        hallucinated_count = r.hallucinated_count + EXCLUDED.hallucinated_count,
        resolution_sum = r.resolution_sum + EXCLUDED.resolution_sum,
        resolution_count = r.resolution_count + EXCLUDED.resolution_count,
        review_input_tokens = r.review_input_tokens + EXCLUDED.review_input_tokens,
        review_output_tokens = r.review_output_tokens + EXCLUDED.review_output_tokens,
        started = LEAST(r.started, EXCLUDED.started),
        last_active = GREATEST(r.last_active, EXCLUDED.last_active);

    INSERT INTO {DAYS} AS r (
        session_id, user_slug, day, turns, flagged, severity_rank, strikes, asks_back, shown,
        clicks, input_tokens, output_tokens, votes, positive, negative, reviewed, hallucinated,
        scores, scored, judge_input_tokens, judge_output_tokens, first_turn,
        last_turn, severity_none, severity_low, severity_medium, severity_high,
        severity_critical
    )
    SELECT d.session_id, d.user_slug, {DAY}, sum(d.turns), sum(d.flagged),
        coalesce(max(d.severity_rank) FILTER (WHERE d.turns > 0), 0), sum(d.strikes),
        sum(d.clarifications), sum(d.shown), sum(d.clicks), sum(d.tokens_in),
        sum(d.tokens_out), sum(d.votes), sum(d.positive), sum(d.negative), sum(d.reviewed),
        sum(d.hallucinated), sum(d.resolution_sum), sum(d.resolution_count), sum(d.review_in),
        sum(d.review_out), min(d.created) FILTER (WHERE d.turns > 0),
        max(d.created) FILTER (WHERE d.turns > 0),
        coalesce(sum(d.turns) FILTER (WHERE d.severity IN ('none', '')), 0),
        coalesce(sum(d.turns) FILTER (WHERE d.severity = 'low'), 0),
        coalesce(sum(d.turns) FILTER (WHERE d.severity = 'medium'), 0),
        coalesce(sum(d.turns) FILTER (WHERE d.severity = 'high'), 0),
        coalesce(sum(d.turns) FILTER (WHERE d.severity = 'critical'), 0)
    FROM unnest(deltas) d
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (session_id, user_slug, day) DO UPDATE SET
        turns = r.turns + EXCLUDED.turns,
        flagged = r.flagged + EXCLUDED.flagged,
        severity_rank = GREATEST(r.severity_rank, EXCLUDED.severity_rank),
        strikes = r.strikes + EXCLUDED.strikes,
        asks_back = r.asks_back + EXCLUDED.asks_back,
        shown = r.shown + EXCLUDED.shown,
        clicks = r.clicks + EXCLUDED.clicks,
        input_tokens = r.input_tokens + EXCLUDED.input_tokens,
        output_tokens = r.output_tokens + EXCLUDED.output_tokens,
        votes = r.votes + EXCLUDED.votes,
        positive = r.positive + EXCLUDED.positive,
        negative = r.negative + EXCLUDED.negative,
        reviewed = r.reviewed + EXCLUDED.reviewed,
        hallucinated = r.hallucinated + EXCLUDED.hallucinated,
        scores = r.scores + EXCLUDED.scores,
        scored = r.scored + EXCLUDED.scored,
        judge_input_tokens = r.judge_input_tokens + EXCLUDED.judge_input_tokens,
        judge_output_tokens = r.judge_output_tokens + EXCLUDED.judge_output_tokens,
        first_turn = LEAST(r.first_turn, EXCLUDED.first_turn),
        last_turn = GREATEST(r.last_turn, EXCLUDED.last_turn),
        severity_none = r.severity_none + EXCLUDED.severity_none,
        severity_low = r.severity_low + EXCLUDED.severity_low,
        severity_medium = r.severity_medium + EXCLUDED.severity_medium,
        severity_high = r.severity_high + EXCLUDED.severity_high,
        severity_critical = r.severity_critical + EXCLUDED.severity_critical;

    INSERT INTO {USERS} AS u (
        user_slug, total_interactions, positive_feedback, negative_feedback,
        injection_strikes, offerings_shown, last_seen
    )
    SELECT d.user_slug, sum(d.turns), sum(d.positive), sum(d.negative), sum(d.strikes),
        sum(d.shown), max(d.created) FILTER (WHERE d.turns > 0)
    FROM unnest(deltas) d
    GROUP BY d.user_slug
    HAVING bool_or(d.turns <> 0 OR d.positive <> 0 OR d.negative <> 0 OR d.strikes <> 0
        OR d.shown <> 0)
    ORDER BY d.user_slug
    ON CONFLICT (user_slug) DO UPDATE SET
        total_interactions = u.total_interactions + EXCLUDED.total_interactions,
        positive_feedback = u.positive_feedback + EXCLUDED.positive_feedback,
        negative_feedback = u.negative_feedback + EXCLUDED.negative_feedback,
        injection_strikes = u.injection_strikes + EXCLUDED.injection_strikes,
        offerings_shown = u.offerings_shown + EXCLUDED.offerings_shown,
        last_seen = GREATEST(u.last_seen, EXCLUDED.last_seen);

    INSERT INTO {DAILY} AS y (
        day, turns, severity_none, severity_low, severity_medium, severity_high,
        severity_critical
    )
    SELECT {DAY}, sum(d.turns),
        coalesce(sum(d.turns) FILTER (WHERE d.severity IN ('none', '')), 0),
        coalesce(sum(d.turns) FILTER (WHERE d.severity = 'low'), 0),
        coalesce(sum(d.turns) FILTER (WHERE d.severity = 'medium'), 0),
        coalesce(sum(d.turns) FILTER (WHERE d.severity = 'high'), 0),
        coalesce(sum(d.turns) FILTER (WHERE d.severity = 'critical'), 0)
    FROM unnest(deltas) d
    WHERE d.turns <> 0
    GROUP BY 1
    ORDER BY 1
    ON CONFLICT (day) DO UPDATE SET
        turns = y.turns + EXCLUDED.turns,
        severity_none = y.severity_none + EXCLUDED.severity_none,
        severity_low = y.severity_low + EXCLUDED.severity_low,
        severity_medium = y.severity_medium + EXCLUDED.severity_medium,
        severity_high = y.severity_high + EXCLUDED.severity_high,
        severity_critical = y.severity_critical + EXCLUDED.severity_critical;

    IF NOT EXISTS (SELECT 1 FROM unnest(deltas) d WHERE d.turns < 0) THEN
        RETURN;
    END IF;

    -- Turns went away: drop emptied rows, recompute the greatest and least values. Each
    -- statement takes a new snapshot, so rows committed while this one waited are seen.
    DELETE FROM {CONVERSATIONS} r
    WHERE r.message_count <= 0
        AND r.session_id IN (SELECT d.session_id FROM unnest(deltas) d WHERE d.turns < 0);
    DELETE FROM {DAYS} r
    WHERE r.turns <= 0 AND (r.session_id, r.user_slug, r.day) IN (
        SELECT d.session_id, d.user_slug, {DAY} FROM unnest(deltas) d WHERE d.turns < 0
    );
    DELETE FROM {USERS} u
    WHERE u.total_interactions <= 0
        AND u.user_slug IN (SELECT d.user_slug FROM unnest(deltas) d WHERE d.turns < 0);
    DELETE FROM {DAILY} y WHERE y.turns <= 0;
    UPDATE {CONVERSATIONS} r
    SET user_slug = s.user_slug, max_severity_rank = s.severity_rank, started = s.started,
        last_active = s.last_active
    FROM (
        SELECT i.session_id, max(i.user_slug) AS user_slug,
            max({SEVERITY_RANK}) AS severity_rank, min(i.created) AS started,
            max(i.created) AS last_active
        FROM {TURNS} i
        WHERE i.session_id IN (SELECT d.session_id FROM unnest(deltas) d WHERE d.turns < 0)
        GROUP BY i.session_id
    ) s
    WHERE r.session_id = s.session_id;
    UPDATE {DAYS} r
    SET severity_rank = s.severity_rank, first_turn = s.first_turn, last_turn = s.last_turn
    FROM (
        SELECT i.session_id, i.user_slug, (i.created AT TIME ZONE 'UTC')::date AS day,
            max({SEVERITY_RANK}) AS severity_rank, min(i.created) AS first_turn,
            max(i.created) AS last_turn
        FROM {TURNS} i
        WHERE (i.session_id, i.user_slug) IN (
            SELECT d.session_id, d.user_slug FROM unnest(deltas) d WHERE d.turns < 0
        )
        GROUP BY 1, 2, 3
    ) s
    WHERE r.session_id = s.session_id AND r.user_slug = s.user_slug AND r.day = s.day;
    UPDATE {USERS} u
    SET last_seen = s.last_seen
    FROM (
        SELECT i.user_slug, max(i.created) AS last_seen
        FROM {TURNS} i
        WHERE i.user_slug IN (SELECT d.user_slug FROM unnest(deltas) d WHERE d.turns < 0)
        GROUP BY i.user_slug
    ) s
    WHERE u.user_slug = s.user_slug;
END
$$
"""  # noqa: S608 - table names are constants, no input

PAIRS = "old_rows o JOIN new_rows n ON n.id = o.id"
MOVED = (
    "(o.session_id, o.user_slug, o.created, o.severity) "
    "IS DISTINCT FROM (n.session_id, n.user_slug, n.created, n.severity)"
)
ADDS = "anon_rollup_turn(o, 1, false) IS DISTINCT FROM anon_rollup_turn(n, 1, false)"

# An update that keeps session, slug, instant and severity moves only additive columns; any
# other is the old turn (with its votes and clicks) out and the new one in.
ON_TURNS = f"""
CREATE FUNCTION anon_rollup_on_turns() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM anon_rollup_apply(ARRAY(
            SELECT anon_rollup_turn(n, 1, true) FROM new_rows n
            UNION ALL
            SELECT anon_rollup_vote(f, n, 1) FROM new_rows n JOIN {FEEDBACK} f
                ON f.interaction_id = n.id
            UNION ALL
            SELECT anon_rollup_click(n, 1) FROM new_rows n JOIN {CLICKS} c
                ON c.interaction_id = n.id
        ));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM anon_rollup_apply(ARRAY(
            SELECT anon_rollup_turn(o, -1, true) FROM old_rows o
            UNION ALL
            SELECT anon_rollup_vote(f, o, -1) FROM old_rows o JOIN {FEEDBACK} f
                ON f.interaction_id = o.id
            UNION ALL
            SELECT anon_rollup_click(o, -1) FROM old_rows o JOIN {CLICKS} c
                ON c.interaction_id = o.id
        ));
    ELSE
        PERFORM anon_rollup_apply(ARRAY(
            SELECT anon_rollup_turn(o, -1, false) FROM {PAIRS} WHERE NOT {MOVED} AND {ADDS}
            UNION ALL
            SELECT anon_rollup_turn(n, 1, false) FROM {PAIRS} WHERE NOT {MOVED} AND {ADDS}
            UNION ALL
            SELECT anon_rollup_turn(o, -1, true) FROM {PAIRS} WHERE {MOVED}
            UNION ALL
            SELECT anon_rollup_turn(n, 1, true) FROM {PAIRS} WHERE {MOVED}
            UNION ALL
            SELECT anon_rollup_vote(f, o, -1) FROM {PAIRS}
                JOIN {FEEDBACK} f ON f.interaction_id = o.id WHERE {MOVED}
            UNION ALL
            SELECT anon_rollup_vote(f, n, 1) FROM {PAIRS}
                JOIN {FEEDBACK} f ON f.interaction_id = n.id WHERE {MOVED}
            UNION ALL
            SELECT anon_rollup_click(o, -1) FROM {PAIRS}
                JOIN {CLICKS} c ON c.interaction_id = o.id WHERE {MOVED}
            UNION ALL
            SELECT anon_rollup_click(n, 1) FROM {PAIRS}
                JOIN {CLICKS} c ON c.interaction_id = n.id WHERE {MOVED}
        ));
    END IF;
    RETURN NULL;
END
$$
"""  # noqa: S608 - table names are constants, no input

VOTE_PAIRS = (
    f"old_rows o JOIN new_rows n ON n.interaction_id = o.interaction_id "
    f"JOIN {TURNS} i ON i.id = n.interaction_id "
    "WHERE anon_rollup_vote(o, i, 1) IS DISTINCT FROM anon_rollup_vote(n, i, 1)"
)

ON_FEEDBACK = f"""
CREATE FUNCTION anon_rollup_on_feedback() RETURNS trigger LANGUAGE plpgsql AS $$
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
            SELECT anon_rollup_vote(o, i, -1) FROM {VOTE_PAIRS}
            UNION ALL
            SELECT anon_rollup_vote(n, i, 1) FROM {VOTE_PAIRS}
        ));
    END IF;
    RETURN NULL;
END
$$
"""  # noqa: S608 - table names are constants, no input

ON_CLICKS = f"""
CREATE FUNCTION anon_rollup_on_clicks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM anon_rollup_apply(ARRAY(
            SELECT anon_rollup_click(i, 1) FROM new_rows n JOIN {TURNS} i
                ON i.id = n.interaction_id
        ));
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM anon_rollup_apply(ARRAY(
            SELECT anon_rollup_click(i, -1) FROM old_rows o JOIN {TURNS} i
                ON i.id = o.interaction_id
        ));
    END IF;
    RETURN NULL;
END
$$
"""  # noqa: S608 - table names are constants, no input


def _triggers(table: str, function: str, name: str) -> list[str]:
    return [
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {table} "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ]


FORWARD = [
    DELTA_TYPE,
    TURN_PART,
    VOTE_PART,
    CLICK_PART,
    APPLY,
    ON_TURNS,
    ON_FEEDBACK,
    ON_CLICKS,
    *_triggers(TURNS, "anon_rollup_on_turns", "anon_rollup_turns"),
    *_triggers(FEEDBACK, "anon_rollup_on_feedback", "anon_rollup_feedback"),
    *_triggers(CLICKS, "anon_rollup_on_clicks", "anon_rollup_clicks"),
]
BACKWARD = [
    *(
        f"DROP TRIGGER IF EXISTS {name}_{op} ON {table}"
        for table, name in (
            (TURNS, "anon_rollup_turns"),
            (FEEDBACK, "anon_rollup_feedback"),
            (CLICKS, "anon_rollup_clicks"),
        )
        for op in ("insert", "update", "delete")
    ),
    "DROP FUNCTION IF EXISTS anon_rollup_on_clicks()",
    "DROP FUNCTION IF EXISTS anon_rollup_on_feedback()",
    "DROP FUNCTION IF EXISTS anon_rollup_on_turns()",
    "DROP FUNCTION IF EXISTS anon_rollup_apply(anon_rollup_delta[])",
    f"DROP FUNCTION IF EXISTS anon_rollup_click({TURNS}, integer)",
    f"DROP FUNCTION IF EXISTS anon_rollup_vote({FEEDBACK}, {TURNS}, integer)",
    f"DROP FUNCTION IF EXISTS anon_rollup_turn({TURNS}, integer, boolean)",
    "DROP TYPE IF EXISTS anon_rollup_delta",
]


def backfill(apps, schema_editor):
    from anonymous_chat.rollups import rollup_rebuild

    if schema_editor.connection.vendor == "postgresql":
        rollup_rebuild(connection=schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("anonymous_chat", "0004_rollups")]

    operations = [
        postgres_only(FORWARD, BACKWARD),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
    ]
