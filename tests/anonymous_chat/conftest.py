"""Fixtures shared by the staff analytics tests."""

from __future__ import annotations

import pytest

from tests.anonymous_chat.analyticskit import days_ago, turn, vote
from tests.conftest import client_for


@pytest.fixture
def staff_api(staff):
    return client_for(staff)


@pytest.fixture
def four_turns():
    """Reference data: 4 turns, 3 sessions, 2 users, 1 flagged, one vote each way."""
    first = turn("s-1", slug="slug-a", at=days_ago(3), input_tokens=100, output_tokens=20)
    second = turn("s-1", slug="slug-a", at=days_ago(2), input_tokens=15, output_tokens=8)
    third = turn("s-2", slug="slug-a", at=days_ago(1), is_flagged=True, severity="high")
    fourth = turn("s-3", slug="slug-b", at=days_ago(1, hour=13))
    vote(first, 1)
    vote(second, -1, "inaccurate")
    return first, second, third, fourth
