"""Writes: queued UPDATEs applied all or none, with the number of rows they changed."""

from __future__ import annotations

import asyncio

import pytest
from django.db import IntegrityError
from django.db.models import F

from chat.models import GlobalBudget, TokenQuota
from chat.writes import Writes, close_loop_pool

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
            await close_loop_pool()

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
