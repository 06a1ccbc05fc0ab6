"""Writes: queued UPDATEs applied all or none, with the number of rows they changed."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from psycopg._queries import MAX_CACHED_STATEMENT_PARAMS
from psycopg.pq import TransactionStatus

from accounts.models import User
from chat import writes as writes_module
from chat.models import ChatSession, GlobalBudget, Message, Thread, TokenQuota
from chat.writes import WRITER_NAME, Expr, Writes, close_loop_writers, insert_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def quotas(user, other_user):
    return [TokenQuota.objects.create(user=u, daily_usage=10) for u in (user, other_user)]


def test_every_statement_applies_and_the_changed_rows_are_counted(quotas):
    first, second = quotas
    writes = Writes()
    writes.update(TokenQuota.objects.filter(pk=first.pk), daily_usage=F("daily_usage") + 5)
    writes.update(TokenQuota.objects.filter(pk=second.pk), daily_limit=70)
    writes.update(TokenQuota.objects.filter(pk=-1), daily_limit=1)  # matches nothing
    GlobalBudget.objects.get_or_create(pk=1)
    writes.sql('UPDATE "chat_globalbudget" SET "daily_requests" = %s WHERE "id" = %s', [3, 1])
    assert writes.apply() == 3
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.daily_usage, second.daily_limit) == (15, 70)
    assert GlobalBudget.objects.get(pk=1).daily_requests == 3


@pytest.mark.django_db(transaction=True)  # autocommit, as in the server: no outer rollback
def test_a_refused_statement_leaves_the_others_unapplied(quotas):
    first, second = quotas
    GlobalBudget.objects.get_or_create(pk=1)
    writes = Writes()
    writes.update(TokenQuota.objects.filter(pk=first.pk), daily_usage=99)
    writes.update(GlobalBudget.objects.filter(pk=1), daily_token_usage=7)
    writes.update(TokenQuota.objects.filter(pk=second.pk), user_id=None)  # NOT NULL
    with pytest.raises(IntegrityError):
        writes.apply()
    first.refresh_from_db()
    assert first.daily_usage == 10
    assert GlobalBudget.objects.get(pk=1).daily_token_usage == 0


def test_one_statement_and_none(quotas):
    assert Writes().apply() == 0
    writes = Writes()
    writes.update(TokenQuota.objects.filter(daily_usage=10), daily_usage=1)
    assert writes.apply() == 2  # one statement may change several rows


def test_update_row_writes_values_as_their_fields_store_them(user):
    session = ChatSession.objects.create(user=user)
    ours, theirs = uuid.uuid4(), uuid.uuid4()
    threads = [
        Thread.objects.create(
            chat_session=session, active_turn=turn, cancel_requested_at=timezone.now()
        )
        for turn in (ours, theirs)
    ]
    answer = Message.objects.create(thread=threads[0], role="assistant", sequence_index=1)
    blocks = [{"id": "blk_0", "key": "markdown", "status": "complete", "content": 'Hi "x"'}]
    when = timezone.now()
    writes = Writes()
    writes.update_row(Message, answer.pk, blocks=blocks, finish_reason="stop", output_tokens=3)
    for thread in threads:  # both markers are cleared only where the turn is still ours
        writes.update_row(
            Thread,
            thread.pk,
            modified=when,
            name="Renamed",
            cancel_requested_at=Expr(
                "CASE WHEN {active_turn} = %s THEN NULL ELSE {column} END", (ours,), "active_turn"
            ),
            active_turn=Expr("CASE WHEN {column} = %s THEN NULL ELSE {column} END", (ours,)),
        )
    assert writes.apply() == 3
    answer.refresh_from_db()
    assert (answer.blocks, answer.finish_reason, answer.output_tokens) == (blocks, "stop", 3)
    mine, other = (Thread.objects.get(pk=t.pk) for t in threads)
    assert (mine.active_turn, mine.cancel_requested_at) == (None, None)
    assert other.active_turn == theirs
    assert other.cancel_requested_at is not None
    assert mine.modified == other.modified == when
    assert mine.name == other.name == "Renamed"


def test_insert_all_inserts_rows_that_refer_to_each_other_in_one_statement(user):
    session = ChatSession.objects.create(user=user)
    earlier = Thread.objects.create(chat_session=session)
    edited = Message.objects.create(thread=earlier, role="user", sequence_index=1)
    thread = Thread(chat_session_id=session.pk, name="Fresh")
    blocks = [{"id": "blk_0", "key": "markdown", "status": "complete", "content": "Q?"}]
    question = Message(thread=thread, role="user", sequence_index=1, blocks=blocks)
    answer = Message(thread=thread, role="assistant", sequence_index=2, replaces=edited)
    with CaptureQueriesContext(connection) as queries:
        insert_all(thread, question, answer)
    assert len(queries) == (1 if connection.vendor == "postgresql" else 3)
    assert thread.pk is not None
    assert question.thread_id == answer.thread_id == thread.pk
    stored = {m.pk: m for m in Message.objects.filter(thread_id=thread.pk)}
    assert set(stored) == {question.pk, answer.pk}
    assert (stored[question.pk].uuid, stored[question.pk].blocks) == (question.uuid, blocks)
    assert stored[answer.pk].replaces_id == edited.pk
    assert stored[answer.pk].modified is not None  # auto_now, as save() would set it
    assert Thread.objects.get(pk=thread.pk).name == "Fresh"
    # Nones go into the text as NULL: stored as NULL, and the statement for a new thread and
    # its two messages keeps within the parameters whose parsing psycopg caches between calls.
    assert stored[question.pk].replaces_id is None
    assert Message.objects.filter(pk=question.pk, feedback_submitted_at__isnull=True).exists()
    statements = []

    def capture(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    thread = Thread(chat_session_id=session.pk)
    pair = [Message(thread=thread, role=r, sequence_index=i) for i, r in ((1, "user"), (2, "ai"))]
    with connection.execute_wrapper(capture):
        insert_all(thread, *pair)
    assert all("NULL" in sql for sql, _ in statements)
    assert sum(len(params) for _, params in statements) <= MAX_CACHED_STATEMENT_PARAMS


@pytest.mark.django_db(transaction=True)
def test_insert_all_inserts_nothing_when_a_row_is_refused(user):
    session = ChatSession.objects.create(user=user)
    thread = Thread(chat_session_id=session.pk)
    first = Message(thread=thread, role="user", sequence_index=1)
    clash = Message(thread=thread, role="user", sequence_index=1)  # the same active position
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_all(thread, first, clash)
    assert not Thread.objects.filter(chat_session=session).exists()
    assert not Message.objects.exists()


def test_only_update_statements_are_queued():
    with pytest.raises(ValueError, match="UPDATE"):
        Writes().sql("DELETE FROM chat_tokenquota", [])


@pytest.mark.django_db(transaction=True)
def test_from_the_event_loop_all_or_none_with_the_orm_exceptions(quotas):
    first, second = quotas

    async def apply(writes: Writes) -> int:
        try:
            return await writes.aapply()
        finally:
            await close_loop_writers()

    good, bad = Writes(), Writes()
    for writes in (good, bad):
        writes.update(TokenQuota.objects.filter(pk=first.pk), daily_usage=F("daily_usage") + 1)
    good.update(TokenQuota.objects.filter(pk=second.pk), daily_limit=5)
    bad.update(TokenQuota.objects.filter(pk=second.pk), user_id=None)  # NOT NULL
    with pytest.raises(IntegrityError):  # django.db's, on SQLite and PostgreSQL alike
        asyncio.run(apply(bad))
    assert TokenQuota.objects.get(pk=first.pk).daily_usage == 10
    assert asyncio.run(apply(good)) == 2
    assert TokenQuota.objects.get(pk=first.pk).daily_usage == 11
    assert TokenQuota.objects.get(pk=second.pk).daily_limit == 5


class Lost(Exception):
    pass


def _quota_updates(first, second, *, second_matches: bool) -> Writes:
    writes = Writes()
    writes.update(TokenQuota.objects.filter(pk=first.pk), daily_usage=F("daily_usage") + 1)
    writes.update(TokenQuota.objects.filter(pk=second.pk if second_matches else -1), daily_limit=5)
    return writes


@pytest.mark.django_db(transaction=True)
def test_apply_and_commit_commits_the_outermost_transaction_with_its_statement(quotas):
    first, second = quotas
    with transaction.atomic():
        assert _quota_updates(first, second, second_matches=True).apply_and_commit(2)
        if connection.vendor == "postgresql":  # the COMMIT went with the statement
            assert connection.connection.info.transaction_status == TransactionStatus.IDLE
    assert TokenQuota.objects.get(pk=first.pk).daily_usage == 11
    assert TokenQuota.objects.get(pk=second.pk).daily_limit == 5


@pytest.mark.django_db(transaction=True)
def test_apply_and_commit_commits_nothing_when_a_row_was_lost(quotas):
    first, second = quotas
    lost = None
    with contextlib.suppress(Lost), transaction.atomic():
        TokenQuota.objects.filter(pk=second.pk).update(weekly_usage=7)  # earlier in the turn
        lost = not _quota_updates(first, second, second_matches=False).apply_and_commit(2)
        raise Lost  # as the admission does: its atomic block then rolls back
    assert lost is True
    assert TokenQuota.objects.get(pk=first.pk).daily_usage == 10
    assert TokenQuota.objects.get(pk=second.pk).weekly_usage == 0


@pytest.mark.django_db(transaction=True)
def test_apply_and_commit_inside_a_nested_block_leaves_the_commit_to_the_outer_one(quotas):
    first, second = quotas
    applied = None
    with contextlib.suppress(Lost), transaction.atomic():
        with transaction.atomic():
            applied = _quota_updates(first, second, second_matches=True).apply_and_commit(2)
        raise Lost  # the outer block rolls back
    assert applied is True
    assert TokenQuota.objects.get(pk=first.pk).daily_usage == 10


def _writer_backends(sql: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sql} FROM pg_stat_activity WHERE application_name = %s"  # noqa: S608
            " AND datname = current_database()",
            [WRITER_NAME],
        )
        return [row[0] for row in cursor.fetchall()]


def _writers_gone() -> bool:
    """Whether the writers' backends have ended (they do so just after the client closes)."""
    for _ in range(200):
        if not _writer_backends("pid"):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_loop_writers_answer_each_caller_with_its_own_result(quotas):
    callers = 12
    users = User.objects.bulk_create(
        User(username=f"writer-{i}") for i in range(callers * (callers + 1) // 2)
    )
    many = TokenQuota.objects.bulk_create(TokenQuota(user=user) for user in users)
    rows = iter(many)
    own = {n: [next(rows).pk for _ in range(n)] for n in range(1, callers + 1)}  # disjoint

    def writes_for(n: int) -> Writes:
        writes = Writes()  # changes the n rows of caller n
        writes.update(TokenQuota.objects.filter(pk__in=own[n]), daily_usage=F("daily_usage") + 1)
        return writes

    refused = Writes()
    refused.update(TokenQuota.objects.filter(pk=quotas[1].pk), daily_usage=F("daily_usage") + 1)
    refused.update(TokenQuota.objects.filter(pk=quotas[0].pk), user_id=None)  # NOT NULL

    async def scenario():
        try:
            return await asyncio.gather(
                *(writes_for(n).aapply() for n in own),
                refused.aapply(),
                return_exceptions=True,
            )
        finally:
            await close_loop_writers()

    *counts, failure = asyncio.run(scenario())
    assert counts == list(own)  # more callers than connections, none answered with another's
    assert isinstance(failure, IntegrityError)  # failed its own caller only
    assert TokenQuota.objects.get(pk=quotas[1].pk).daily_usage == 10
    usage = TokenQuota.objects.filter(pk__in=[q.pk for q in many]).values_list("daily_usage")
    assert sorted(usage) == [(1,)] * len(many)  # each row once
    assert _writers_gone()  # closed with the loop


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("ping", [True, False])
def test_a_loop_writer_replaces_a_connection_the_database_dropped(
    quotas, settings, monkeypatch, ping
):
    # With the idle check at 0 every statement is preceded by a ping; without it, the
    # database's goodbye waiting on the idle connection's socket gives the drop away. Either
    # way the dropped connection is replaced before use and no statement fails.
    settings.DB_CHECK_IDLE_SECONDS = 0 if ping else 3600
    monkeypatch.setattr(writes_module, "LOOP_WRITERS", 1)  # so the dropped one is used next
    first, _ = quotas

    def bump() -> Writes:
        writes = Writes()
        writes.update(TokenQuota.objects.filter(pk=first.pk), daily_usage=F("daily_usage") + 1)
        return writes

    async def scenario():
        try:
            assert await bump().aapply() == 1
            await asyncio.to_thread(_writer_backends, "pg_terminate_backend(pid)")
            assert await asyncio.to_thread(_writers_gone)  # as after a database restart
            return [await bump().aapply(), await bump().aapply()]
        finally:
            await close_loop_writers()

    assert asyncio.run(scenario()) == [1, 1]
    assert TokenQuota.objects.get(pk=first.pk).daily_usage == 13


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_closing_the_loop_writers_runs_what_was_queued_then_closes_their_connections(quotas):
    first, _ = quotas

    async def scenario():
        writes = Writes()
        writes.update(TokenQuota.objects.filter(pk=first.pk), daily_usage=F("daily_usage") + 1)
        pending = [asyncio.ensure_future(writes.aapply()) for _ in range(20)]
        await asyncio.sleep(0)  # queued; the writers have not connected yet
        await close_loop_writers()  # as at server shutdown
        return await asyncio.gather(*pending, return_exceptions=True)

    assert asyncio.run(asyncio.wait_for(scenario(), timeout=60)) == [1] * 20
    assert TokenQuota.objects.get(pk=first.pk).daily_usage == 30
    assert _writers_gone()
