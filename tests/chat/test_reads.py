"""read_together: several values() querysets, in one round trip on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from chat import reads as reads_module
from chat.models import ChatSession, Thread, TokenQuota
from chat.reads import Shape, read_together
from tests.chat.streamkit import post_stream

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


class Builds:
    """Shape builders that count how often they are called."""

    def __init__(self) -> None:
        self.count = 0

    def threads_named(self, name):
        def build():
            self.count += 1
            return Thread.objects.filter(name=name).values("pk", "flags", "modified")

        return build


def test_a_shape_is_built_once_then_read_with_new_parameters(threads, monkeypatch):
    monkeypatch.setattr(reads_module, "_kept", {})
    builds = Builds()
    other = Thread.objects.values("pk").order_by("pk")  # a plain queryset beside it
    results = []
    for thread in [*threads, threads[0]]:
        shape = Shape("test.named", builds.threads_named(thread.name), (thread.name,))
        results.append(read_together(shape, other)[0])
    for thread, rows in zip([*threads, threads[0]], results, strict=True):
        # Converted as the ORM converts (JSON decoded, aware datetimes).
        expected = list(Thread.objects.filter(pk=thread.pk).values("pk", "flags", "modified"))
        assert rows == expected
    assert results[1][0]["flags"] == {"injection": 1}
    assert builds.count == (1 if connection.vendor == "postgresql" else 3)


def test_a_shape_whose_parameters_differ_from_its_compiled_ones_is_not_kept(threads, monkeypatch):
    monkeypatch.setattr(reads_module, "_kept", {})
    builds = Builds()
    other = Thread.objects.values("pk")
    for _ in range(2):  # compiles to ("first",), not ("wrong",): rebuilt every time
        shape = Shape("test.mismatch", builds.threads_named("first"), ("wrong",))
        assert read_together(shape, other)[0][0]["pk"] == threads[0].pk
    assert builds.count == 2


def test_a_none_parameter_is_never_read_from_what_was_kept(threads, monkeypatch):
    monkeypatch.setattr(reads_module, "_kept", {})
    builds = Builds()
    other = Thread.objects.values("pk")
    kept = Shape("test.none", builds.threads_named("first"), ("first",))
    assert [r["pk"] for r in read_together(kept, other)[0]] == [threads[0].pk]
    unnamed = Shape("test.none", builds.threads_named(None), (None,))  # compiles to IS NULL
    assert read_together(unnamed, other)[0] == []
    assert builds.count == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_a_stream_start_compiles_its_reads_once(chat_server, user, llm, monkeypatch):
    monkeypatch.setattr(reads_module, "_kept", {})
    for _ in range(2):
        assert post_stream(chat_server, user, input="hi").final["finish_reason"] == "stop"
    kept = {key for _, key in reads_module._kept}
    if connection.vendor == "postgresql":  # each Shape's parameters are its compiled ones
        assert kept == {"turn.custom_instructions", "turn.quota", "turn.site", "turn.session"}
    else:
        assert kept == set()  # SQLite reads the querysets one by one
