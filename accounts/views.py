"""POST /api-auth/password/: exchange a username and password for the API token."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView


class PasswordLoginInput(serializers.Serializer):
    username = serializers.CharField(max_length=150, help_text="Account user name.")
    password = serializers.CharField(
        max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )


class PasswordLoginView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "password"

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
        if user is None or not user.is_active:
            return Response(
                {"detail": "Invalid username or password."}, status=status.HTTP_400_BAD_REQUEST
            )
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
