"""Admission arithmetic: periods, reservation with clamping, settlement, lazy resets, races,
and the stream slots."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

import pytest
from django.db import transaction

from chat import budgets
from chat.models import GlobalBudget, TokenQuota
from chat.periods import Period, next_reset, period_start
from chat.turns import admission
from chat.turns.admission import CapacityError, Estimate, StreamCapacity, StreamSlots
from chat.turns.conversation import Plan
from chat.turns.generation import Prompt
from chat.turns.pipeline import admit_and_store

# Reservations run in autocommit, as in the server: no test transaction around them.
pytestmark = pytest.mark.django_db(transaction=True)

UTC = dt.UTC


def admit(*, rows, input_tokens, max_tokens, extra_tokens=0):
    return admission.reserve(rows, Estimate(input_tokens, max_tokens, extra_tokens))


@pytest.mark.parametrize(
    ("now", "period", "start", "reset"),
    [
        ("2026-01-25T15:30:10", Period.DAY, "2026-01-25T00:00:00", "2026-01-26T00:00:00"),
        ("2026-01-25T15:30:10", Period.WEEK, "2026-01-19T00:00:00", "2026-01-26T00:00:00"),
        ("2026-01-26T00:00:00", Period.WEEK, "2026-01-26T00:00:00", "2026-02-02T00:00:00"),
        ("2026-01-31T23:59:59", Period.MONTH, "2026-01-01T00:00:00", "2026-02-01T00:00:00"),
        ("2026-12-31T23:59:59", Period.MONTH, "2026-12-01T00:00:00", "2027-01-01T00:00:00"),
        ("2026-12-31T23:59:59", Period.DAY, "2026-12-31T00:00:00", "2027-01-01T00:00:00"),
        ("2026-05-05T10:07:41", Period.MINUTE, "2026-05-05T10:07:00", "2026-05-05T10:08:00"),
    ],
)
def test_period_boundaries(now, period, start, reset):
    moment = dt.datetime.fromisoformat(now).replace(tzinfo=UTC)
    assert period_start(period, moment) == dt.datetime.fromisoformat(start).replace(tzinfo=UTC)
    assert next_reset(period, moment) == dt.datetime.fromisoformat(reset).replace(tzinfo=UTC)


def quota_row(user, **limits):
    TokenQuota.objects.update_or_create(user=user, defaults=limits)
    return budgets.user_row(user)


def test_reservation_is_the_worst_case_and_settles_to_real_usage(user):
    row = quota_row(user, daily_limit=1000)
    grant = admit(rows=[row], input_tokens=100, max_tokens=200, extra_tokens=30)
    assert (grant.tokens, grant.max_tokens) == (330, 200)
    assert TokenQuota.objects.get(user=user).daily_usage == 330
    admission.settle(grant, 120)
    quota = TokenQuota.objects.get(user=user)
    assert (quota.daily_usage, quota.weekly_usage, quota.monthly_usage) == (120, 120, 120)


def test_a_grant_afterwards_charges_tokens_spent_after_the_settlement(user):
    row = quota_row(user, daily_limit=1000)
    grant = admit(rows=[row], input_tokens=100, max_tokens=200)
    admission.settle(grant, 120)
    admission.settle(grant.afterwards(), 30)  # a title that came after the answer was stored
    quota = TokenQuota.objects.get(user=user)
    assert (quota.daily_usage, quota.weekly_usage, quota.monthly_usage) == (150, 150, 150)


def test_completion_is_clamped_to_what_remains(user):
    row = quota_row(user, daily_limit=250)
    grant = admit(rows=[row], input_tokens=100, max_tokens=200)
    assert (grant.tokens, grant.max_tokens) == (250, 150)


def test_refused_when_the_input_alone_does_not_fit_and_nothing_is_reserved(user):
    row = quota_row(user, daily_limit=100)
    with pytest.raises(CapacityError) as refused:
        admit(rows=[row], input_tokens=100, max_tokens=200)
    assert refused.value.status_code == 409
    assert refused.value.code == "daily_token"
    assert refused.value.detail == "Daily token limit exceeded."
    assert int(refused.value.headers["Retry-After"]) >= 1
    assert TokenQuota.objects.get(user=user).daily_usage == 0


def test_the_tightest_period_names_the_refusal(user):
    row = quota_row(user, daily_limit=-1, weekly_limit=5000, monthly_limit=10)
    with pytest.raises(CapacityError) as refused:
        admit(rows=[row], input_tokens=50, max_tokens=10)
    assert refused.value.code == "monthly_token"


def test_minus_one_is_unlimited_and_null_uses_the_system_default(user, settings):
    settings.AI_ASSISTANT_TOKEN_LIMIT_DAILY = 50
    row = quota_row(user, weekly_limit=-1)
    with pytest.raises(CapacityError):
        admit(rows=[row], input_tokens=60, max_tokens=10)
    row = quota_row(user, daily_limit=-1)
    assert admit(rows=[row], input_tokens=10_000, max_tokens=10).tokens == 10_010


def test_a_counter_of_an_older_period_counts_as_zero(user):
    old = dt.datetime(2020, 1, 1, tzinfo=UTC)
    TokenQuota.objects.create(user=user, daily_limit=100, daily_usage=100, daily_start=old)
    grant = admit(rows=[budgets.user_row(user)], input_tokens=10, max_tokens=10)
    quota = TokenQuota.objects.get(user=user)
    assert quota.daily_usage == 20
    assert quota.daily_start == period_start(Period.DAY, grant.at)


def test_settlement_in_a_later_period_charges_the_new_period(user):
    row = quota_row(user, daily_limit=1000)
    grant = admit(rows=[row], input_tokens=10, max_tokens=10)
    grant.at -= dt.timedelta(days=1)  # as if reserved yesterday
    TokenQuota.objects.filter(user=user).update(daily_start=grant.at)
    admission.settle(grant, 7)
    quota = TokenQuota.objects.get(user=user)
    assert quota.daily_usage == 7
    assert quota.daily_start == period_start(Period.DAY, dt.datetime.now(UTC))


def test_site_minute_cap_counts_admissions_and_refuses_at_the_cap(settings):
    settings.AI_ASSISTANT_GLOBAL_REQUESTS_PER_MINUTE = 2
    for _ in range(2):
        admit(rows=[budgets.site_row(anonymous=False)], input_tokens=1, max_tokens=1)
    with pytest.raises(CapacityError) as refused:
        admit(rows=[budgets.site_row(anonymous=False)], input_tokens=1, max_tokens=1)
    assert (refused.value.status_code, refused.value.code) == (429, "global_minute_burst")
    site = GlobalBudget.objects.get(pk=1)
    assert site.minute_requests == 2
    assert site.minute_start == period_start(Period.MINUTE, site.minute_start)
    assert site.daily_requests == 2


def test_anonymous_minute_cap_does_not_limit_signed_in_users(settings, user):
    settings.AI_ASSISTANT_ANONYMOUS_REQUESTS_PER_MINUTE = 1
    admit(rows=[budgets.site_row(anonymous=True)], input_tokens=1, max_tokens=1)
    with pytest.raises(CapacityError) as refused:
        admit(rows=[budgets.site_row(anonymous=True)], input_tokens=1, max_tokens=1)
    assert refused.value.code == "anonymous_minute_burst"
    admit(rows=[budgets.site_row(anonymous=False)], input_tokens=1, max_tokens=1)


def test_site_daily_budget_refuses_with_429_and_reset_time(settings):
    settings.AI_ASSISTANT_GLOBAL_DAILY_TOKEN_BUDGET = 30
    admit(rows=[budgets.site_row(anonymous=False)], input_tokens=10, max_tokens=10)
    with pytest.raises(CapacityError) as refused:
        admit(rows=[budgets.site_row(anonymous=False)], input_tokens=10, max_tokens=10)
    error = refused.value
    assert (error.status_code, error.code) == (429, "global_daily_token")
    assert error.extra["error"] == "rate_limited"
    assert error.extra["reset_at"].endswith("T00:00:00+00:00")
    assert error.extra["retry_after_seconds"] == int(error.headers["Retry-After"])


def test_per_user_minute_cap(settings, user):
    settings.AI_ASSISTANT_USER_REQUESTS_PER_MINUTE = 1
    admit(rows=[budgets.user_row(user)], input_tokens=1, max_tokens=1)
    with pytest.raises(CapacityError) as refused:
        admit(rows=[budgets.user_row(user)], input_tokens=1, max_tokens=1)
    assert refused.value.code == "user_minute_burst"


def test_a_refusal_on_one_row_reserves_nothing_on_the_others(settings, user):
    settings.AI_ASSISTANT_GLOBAL_DAILY_TOKEN_BUDGET = 5
    rows = [quota_row(user, daily_limit=1000), budgets.site_row(anonymous=False)]
    with pytest.raises(CapacityError):
        admit(rows=rows, input_tokens=10, max_tokens=10)
    assert TokenQuota.objects.get(user=user).daily_usage == 0


def test_a_reservation_inside_a_transaction_is_refused_as_a_programming_error(user):
    row = quota_row(user)
    with pytest.raises(RuntimeError, match="autocommit"), transaction.atomic():
        admission.reserve([row], Estimate(1, 1))
    assert TokenQuota.objects.get(user=user).daily_usage == 0


def test_a_lost_race_gives_back_what_it_took_and_admits_on_fresh_values(settings, user):
    settings.AI_ASSISTANT_GLOBAL_DAILY_TOKEN_BUDGET = 10_000
    rows = [budgets.site_row(anonymous=False), quota_row(user, daily_limit=1000)]  # read now
    today = period_start(Period.DAY, dt.datetime.now(UTC))
    TokenQuota.objects.filter(user=user).update(daily_usage=800, daily_start=today)  # a rival
    grant = admit(rows=rows, input_tokens=100, max_tokens=200)
    # The first attempt reserved 300 on the site row, then lost on the quota row: the site's
    # 300 were given back, and the second attempt clamped the answer to what remained.
    assert (grant.tokens, grant.max_tokens) == (200, 100)
    assert TokenQuota.objects.get(user=user).daily_usage == 1000
    site = GlobalBudget.objects.get(pk=1)
    assert (site.daily_token_usage, site.daily_requests) == (200, 1)


def test_a_release_gives_back_tokens_and_requests(settings, user):
    settings.AI_ASSISTANT_USER_REQUESTS_PER_MINUTE = 5
    grant = admit(rows=[quota_row(user, daily_limit=1000)], input_tokens=10, max_tokens=10)
    assert TokenQuota.objects.get(user=user).minute_requests == 1
    admission.release(grant)
    quota = TokenQuota.objects.get(user=user)
    assert (quota.daily_usage, quota.weekly_usage, quota.minute_requests) == (0, 0, 0)


@dataclass
class Failing:
    """A Conversation whose store fails after writing: stands for any error while storing."""

    user: object
    stored: bool = False

    def plan(self, verdict):
        return Plan(prompt=Prompt(messages=[]), estimate=Estimate(100, 200))

    def budget_rows(self):
        return [budgets.user_row(self.user), budgets.site_row(anonymous=False)]

    def store(self, verdict, plan):
        GlobalBudget.objects.filter(pk=1).update(minute_requests=99)  # rolled back
        raise ValueError("storing failed")


def test_a_turn_whose_store_fails_gives_its_reservation_back(user):
    with pytest.raises(ValueError, match="storing failed"):
        admit_and_store(Failing(user), verdict=None)
    quota = TokenQuota.objects.get(user=user)
    site = GlobalBudget.objects.get(pk=1)
    assert (quota.daily_usage, site.daily_token_usage, site.daily_requests) == (0, 0, 0)
    assert site.minute_requests == 0


def test_a_burst_takes_exactly_as_many_stream_slots_as_the_cap(settings):
    settings.AI_ASSISTANT_MAX_STREAMS = 5
    slots, start = StreamSlots(), threading.Barrier(50)
    taken, refused = [], []

    def take():
        start.wait()
        try:
            taken.append(slots.take())
        except StreamCapacity:
            refused.append(1)

    threads = [threading.Thread(target=take) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert (len(taken), len(refused)) == (5, 45)
    taken[0].release()
    taken[0].release()  # a slot is given back once, however often it is released
    assert slots.in_use == 4
    slots.take()
    with pytest.raises(StreamCapacity):
        slots.take()
