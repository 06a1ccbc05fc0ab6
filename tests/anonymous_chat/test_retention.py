"""`manage.py chat_retention`: per-thread activity, anonymous turns, IPs, bindings and budgets."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from anonymous_chat.models import (
    AnonymousChatClick,
    AnonymousChatFeedback,
    AnonymousChatInteraction,
    SessionBinding,
    VisitorBudget,
)
from chat.models import Message, Thread
from tests.anonymous_chat.analyticskit import click, turn, vote
from tests.chat.helpers import add_turn, thread_for

pytestmark = pytest.mark.django_db


def ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("chat_retention", *args, stdout=out)
    return out.getvalue()


def _aged_thread(user, *, created_days: float, active_days: float) -> Thread:
    thread = thread_for(user)
    add_turn(thread)
    Thread.objects.filter(pk=thread.pk).update(created=ago(created_days), modified=ago(active_days))
    return thread


def test_threads_are_kept_by_last_activity_not_by_creation(user, settings):
    settings.AI_ASSISTANT_SESSION_RETENTION_DAYS = 90
    active = _aged_thread(user, created_days=400, active_days=10)
    idle = _aged_thread(user, created_days=100, active_days=91)
    output = run()
    assert list(Thread.objects.values_list("pk", flat=True)) == [active.pk]
    assert not Message.objects.filter(thread_id=idle.pk).exists()
    assert Message.objects.filter(thread_id=active.pk).count() == 2
    assert "signed-in threads older than 90 days: did delete threads 1, delete messages 2" in (
        output
    )


def test_anonymous_turns_feedback_and_clicks_are_deleted_after_retention(settings):
    settings.ANONYMOUS_CHAT_RETENTION_DAYS = 180
    old, recent = turn("old", at=ago(181)), turn("new", at=ago(179))
    for row in (old, recent):
        vote(row, 1)
        click(row, 2)
    output = run()
    assert list(AnonymousChatInteraction.objects.all()) == [recent]
    assert AnonymousChatFeedback.objects.count() == 1
    assert AnonymousChatClick.objects.count() == 2
    assert "delete interactions 1, delete feedback 1, delete clicks 2" in output


def test_stored_ips_are_nulled_after_their_retention(settings):
    settings.ANONYMOUS_CHAT_IP_RETENTION_DAYS = 7
    old = turn("ip-old", at=ago(8), ip_address="192.0.2.1")
    new = turn("ip-new", at=ago(6), ip_address="192.0.2.2")
    vote(old, 1, submitted_from_ip="192.0.2.1", submitted_at=ago(8))
    vote(new, 1, submitted_from_ip="192.0.2.2", submitted_at=ago(1))
    output = run()
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.ip_address is None
    assert new.ip_address == "192.0.2.2"
    assert AnonymousChatFeedback.objects.get(pk=old.pk).submitted_from_ip is None
    assert AnonymousChatFeedback.objects.get(pk=new.pk).submitted_from_ip == "192.0.2.2"
    assert AnonymousChatInteraction.objects.count() == 2  # the turns themselves stay
    assert "null interaction IPs 1, null feedback IPs 1" in output


def test_stale_bindings_and_idle_budgets_go_but_active_blocks_stay(settings):
    settings.ANONYMOUS_CHAT_ARTIFACT_RETENTION_DAYS = 30
    SessionBinding.objects.create(session_id="stale", caller_key="k1", last_seen=ago(31))
    SessionBinding.objects.create(session_id="fresh", caller_key="k1", last_seen=ago(1))
    idle = VisitorBudget.objects.create(caller_key="idle")
    blocked = VisitorBudget.objects.create(caller_key="blocked", blocked_until=ago(-1))
    expired = VisitorBudget.objects.create(caller_key="expired", blocked_until=ago(20))
    fresh = VisitorBudget.objects.create(caller_key="fresh")
    VisitorBudget.objects.filter(pk__in=[idle.pk, blocked.pk, expired.pk]).update(modified=ago(40))
    output = run()
    assert list(SessionBinding.objects.values_list("session_id", flat=True)) == ["fresh"]
    kept = set(VisitorBudget.objects.values_list("caller_key", flat=True))
    assert kept == {blocked.caller_key, fresh.caller_key}
    assert "delete session bindings 1, delete visitor budgets 2" in output


def test_dry_run_changes_nothing_and_says_what_it_would_do(user, settings):
    _aged_thread(user, created_days=200, active_days=200)
    turn("old", at=ago(400), ip_address="192.0.2.9")
    SessionBinding.objects.create(session_id="stale", caller_key="k", last_seen=ago(60))
    output = run("--dry-run")
    assert "would delete threads 1" in output
    assert "would delete interactions 1" in output
    assert "would null interaction IPs 1" in output
    assert "would delete session bindings 1" in output
    assert Thread.objects.count() == 1
    assert AnonymousChatInteraction.objects.count() == 1
    assert SessionBinding.objects.count() == 1


@pytest.mark.parametrize("days", [0, -1])
def test_a_value_of_zero_or_less_disables_each_part(user, settings, days):
    settings.AI_ASSISTANT_SESSION_RETENTION_DAYS = days
    settings.ANONYMOUS_CHAT_RETENTION_DAYS = days
    settings.ANONYMOUS_CHAT_IP_RETENTION_DAYS = days
    settings.ANONYMOUS_CHAT_ARTIFACT_RETENTION_DAYS = days
    _aged_thread(user, created_days=1000, active_days=1000)
    turn("ancient", at=ago(1000), ip_address="192.0.2.3")
    SessionBinding.objects.create(session_id="ancient", caller_key="k", last_seen=ago(1000))
    output = run()
    assert output.count("disabled") == 4, output
    assert Thread.objects.count() == 1
    assert AnonymousChatInteraction.objects.get().ip_address == "192.0.2.3"
    assert SessionBinding.objects.count() == 1


def test_nothing_to_delete_reports_zeros():
    output = run()
    assert "did delete threads 0, delete messages 0" in output
    assert "delete interactions 0" in output
