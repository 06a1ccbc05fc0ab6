"""`Authorization: Token <key>` authentication bound to our user model."""

from rest_framework import authentication


class TokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"
