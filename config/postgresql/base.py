"""Django's PostgreSQL backend, with pooled connections checked only after sitting idle.

Django's CONN_HEALTH_CHECKS makes the pool ping a connection on every checkout: one more
round trip for each request, and for each database step of a stream. A connection given
back a little while ago is almost always still good, so this backend pings only one that has
sat idle for DB_CHECK_IDLE_SECONDS or longer (as PgBouncer's server_check_delay), or that
nobody has used yet. A connection that broke within that time (a database restart) fails its
one request, which the API answers 503, and the pool discards it when it comes back, as it
does any broken connection.
"""

from __future__ import annotations

import math
import time
import weakref

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool

_ping = ConnectionPool.check_connection


class DatabaseWrapper(base.DatabaseWrapper):
    # When each pooled connection was last given back (keyed weakly: the pool owns them).
    _returned_at: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def get_new_connection(self, conn_params):
        if not self.pool:
            return super().get_new_connection(conn_params)
        # Every pooled connection may have broken (a database restart): try each once, then
        # one the pool opens afresh.
        for _ in range(self.pool.max_size + 1):
            conn = super().get_new_connection(conn_params)
            returned = self._returned_at.pop(conn, None)
            idle = math.inf if returned is None else time.monotonic() - returned
            if idle < settings.DB_CHECK_IDLE_SECONDS:
                return conn
            try:
                _ping(conn)
            except psycopg.Error:
                self.pool.putconn(conn)  # broken: the pool closes it and makes room
                continue
            return conn
        return super().get_new_connection(conn_params)

    def _close(self):
        if self.pool and self.connection is not None:
            self._returned_at[self.connection] = time.monotonic()
        super()._close()
