"""POST /api-auth/password/: exchange a username and password for the API token."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.services import token_create
from config.rest import DomainError, TextField


class LoginLocked(DomainError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "login_locked"
    default_detail = "Too many failed sign-ins. Please try again later."


class PasswordLoginInput(serializers.Serializer):
    username = TextField(max_length=150, help_text="Account user name.")
    password = TextField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class PasswordLoginView(APIView):
    """Failed guesses are counted per account and per client, in the database, by django-axes
    (every worker and restart sees them); past LOGIN_FAILURE_LIMIT either is locked out for
    LOGIN_LOCKOUT_MINUTES, the right password included."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    extra_error_statuses = (429,)  # locked out

    @extend_schema(
        request=PasswordLoginInput,
        responses={200: inline_serializer("AuthToken", {"token": serializers.CharField()})},
        auth=[],
        summary="Obtain the API token with a username and password",
    )
    def post(self, request):
        data = PasswordLoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if getattr(request, "axes_locked_out", False):
            minutes = settings.LOGIN_LOCKOUT_MINUTES
            raise LoginLocked(headers={"Retry-After": str(int(minutes * 60))})
        if user is None or not user.is_active:
            return Response(
                {"detail": "Invalid username or password."}, status=status.HTTP_400_BAD_REQUEST
            )
        # A sign-in without a session: tell whoever listens (last_login, the guessing limits,
        # which start counting again for this account) as django.contrib.auth.login would.
        user_logged_in.send(sender=type(user), request=request, user=user)
        days = settings.API_TOKEN_LOGIN_TTL_DAYS
        ttl = dt.timedelta(days=days) if days > 0 else None
        return Response({"token": token_create(user=user, name="Password login", ttl=ttl)})
