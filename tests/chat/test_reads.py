"""read_together: several values() querysets, in one round trip on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from chat.models import ChatSession, Thread, TokenQuota
from chat.reads import read_together

pytestmark = pytest.mark.django_db


@pytest.fixture
def threads(user):
    session = ChatSession.objects.create(user=user)
    return [
        Thread.objects.create(chat_session=session, name=name, flags={"injection": i})
        for i, name in enumerate(["first", "second"])
    ]


def test_each_result_is_what_the_queryset_itself_gives(user, threads):
    querysets = [
        Thread.objects.filter(pk__in=[t.pk for t in threads]).order_by("pk").values(),
        TokenQuota.objects.filter(user=user).values(),  # no rows
        Thread.objects.values("chat_session").annotate(n=Count("pk")).order_by("chat_session"),
        Thread.objects.order_by("-pk").values("name", "modified")[:1],
        Thread.objects.filter(pk__in=[]).values(),  # the ORM sends nothing for this one
    ]
    expected = [list(queryset) for queryset in querysets]
    assert read_together(*querysets) == expected
    assert expected[0][0]["flags"] == {"injection": 0}  # JSON decoded, as the ORM does
    assert expected[1] == []
    assert expected[2] == [{"chat_session": threads[0].chat_session_id, "n": 2}]
    assert expected[3][0]["modified"] == Thread.objects.get(pk=threads[1].pk).modified
    assert expected[4] == []
    assert read_together(querysets[4], querysets[4]) == [[], []]


def test_one_round_trip_on_postgresql(user, threads):
    querysets = [
        Thread.objects.filter(name="first").values("pk"),
        Thread.objects.filter(name="second").values("pk"),
        TokenQuota.objects.filter(user=user).values(),
    ]
    with CaptureQueriesContext(connection) as queries:
        first, second, quota = read_together(*querysets)
    assert (first, second, quota) == ([{"pk": threads[0].pk}], [{"pk": threads[1].pk}], [])
    assert len(queries.captured_queries) == (1 if connection.vendor == "postgresql" else 3)


def test_only_values_querysets_are_taken(threads):
    with pytest.raises(ValueError, match="values"):
        read_together(Thread.objects.all(), Thread.objects.values())
