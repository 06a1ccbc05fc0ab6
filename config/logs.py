"""Log lines that say which request (and which chat turn) they belong to.

The request id and the turn's thread or interaction uuid live in context variables: set by
config.middleware for a request, and by the turn pipeline for a turn; a stream's task inherits
them from the request that started it. `ContextFilter` puts them on every record, so both the
plain format and the JSON one (LOG_FORMAT=json) carry them. Nothing here logs message text,
tokens or addresses; that is up to each log call.
"""

from __future__ import annotations

import contextvars
import logging
import re

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
turn: contextvars.ContextVar[str] = contextvars.ContextVar("turn", default="-")

# What an X-Request-ID from a trusted proxy may look like (uuids, hex, ULIDs, dotted trace ids).
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class ContextFilter(logging.Filter):
    """Adds `request_id` and `turn` (the thread or interaction uuid) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.turn = turn.get()
        return True


PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(turn)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(turn)s %(message)s"
