"""config.postgresql: a pooled connection is pinged on checkout only after it sat idle."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from config.postgresql import base

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def wrapper():
    """A backend of its own over a one-connection pool: every checkout gets that connection."""
    settings = {**connection.settings_dict, "OPTIONS": {"pool": {"min_size": 1, "max_size": 1}}}
    db = base.DatabaseWrapper(settings, alias="idle_check_test")
    yield db
    db.close()
    db.close_pool()


@pytest.fixture
def pings(monkeypatch):
    seen: list[int] = []

    def counting(conn):
        seen.append(conn.info.backend_pid)
        base.ConnectionPool.check_connection(conn)

    monkeypatch.setattr(base, "_ping", counting)
    return seen


def backend_pid(db) -> int:
    db.ensure_connection()
    with db.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def terminate(pid: int) -> None:
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])


def test_a_connection_given_back_moments_ago_is_not_pinged(wrapper, pings, settings):
    settings.DB_CHECK_IDLE_SECONDS = 3600
    first = backend_pid(wrapper)
    assert len(pings) == 1  # nobody had used it yet: checked
    for _ in range(3):
        wrapper.close()
        assert backend_pid(wrapper) == first
    assert len(pings) == 1


def test_an_idle_connection_that_broke_is_replaced_on_checkout(wrapper, pings, settings):
    first = backend_pid(wrapper)
    wrapper.close()
    terminate(first)  # as a database restart would
    settings.DB_CHECK_IDLE_SECONDS = 0  # it has now sat idle long enough
    second = backend_pid(wrapper)
    assert second != first
    assert pings[-2:] == [first, second]  # the broken one failed its ping, the new one passed
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
