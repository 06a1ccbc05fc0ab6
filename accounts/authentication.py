"""`Authorization: Token <key>` authentication bound to our user model."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from config.rows import Converters, column_converters, convert_row


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, with its one query written by hand (`token_with_user`).

    Every API request, each stream start included, looks its token up. Having the ORM build
    and compile `select_related("user").get(key=...)` took about three times as long as the
    query itself against a local PostgreSQL, in Python, holding the GIL that the streaming
    server's event loop needs too. The answers and their errors are DRF's.
    """

    keyword = "Token"

    def authenticate_credentials(self, key):
        token = token_with_user(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)


@dataclass(frozen=True)
class _Lookup:
    sql: str
    token_names: list[str]  # attnames, in the order selected
    user_names: list[str]
    converters: Converters


# Per vendor, built once (see config.rows on keeping converters).
_lookups: dict[str, _Lookup] = {}


def token_with_user(key: str) -> Token | None:
    """The token with this key, its user loaded with it (one query), or None.

    The SELECT is written from the models' metadata once per database vendor; the values go
    through the converters the ORM would apply, so the instances are the ones it would build.
    """
    lookup = _lookups.get(connection.vendor) or _lookups.setdefault(connection.vendor, _build())
    with connection.cursor() as cursor:
        cursor.execute(lookup.sql, [key])
        row = cursor.fetchone()
    if row is None:
        return None
    values = convert_row(lookup.converters, row, connection)
    split = len(lookup.token_names)
    token = Token.from_db(connection.alias, lookup.token_names, values[:split])
    user = USER_FIELD.related_model.from_db(connection.alias, lookup.user_names, values[split:])
    USER_FIELD.set_cached_value(token, user)
    USER_FIELD.remote_field.set_cached_value(user, token)  # user.auth_token, as select_related
    return token


USER_FIELD = Token._meta.get_field("user")


def _build() -> _Lookup:
    quote = connection.ops.quote_name
    user_model = USER_FIELD.related_model
    token_fields = list(Token._meta.concrete_fields)
    user_fields = list(user_model._meta.concrete_fields)
    token_table, user_table = quote(Token._meta.db_table), quote(user_model._meta.db_table)
    columns = [f"{token_table}.{quote(f.column)}" for f in token_fields]
    columns += [f"{user_table}.{quote(f.column)}" for f in user_fields]
    cols = [f.get_col(f.model._meta.db_table) for f in token_fields + user_fields]
    # Identifiers come from model metadata (quoted); the key is a parameter.
    sql = (
        f"SELECT {', '.join(columns)} FROM {token_table} "  # noqa: S608
        f"INNER JOIN {user_table} ON ({token_table}.{quote(USER_FIELD.column)} = "
        f"{user_table}.{quote(user_model._meta.pk.column)}) "
        f"WHERE {token_table}.{quote(Token._meta.pk.column)} = %s"
    )
    return _Lookup(
        sql,
        [f.attname for f in token_fields],
        [f.attname for f in user_fields],
        column_converters(connection, cols),
    )
