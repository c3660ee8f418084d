from django.contrib.auth import authenticate, user_logged_in
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.api.schema import ErrorSerializer

from .login import login_failed_error, login_locked_error
from .models import User


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "role",
            "school",
            "company",
            "mentor",
            "student",
            "guardian",
        ]
        read_only_fields = fields


class MeApi(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


class TokenObtainApi(APIView):
    """Exchange a user name and password for the API token. Failed logins count per account and per address
    (django-axes): past the limit the answer is LOGIN_LOCKED (429), even for the right password, until the
    cool-off has passed."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(
            max_length=4096, trim_whitespace=False, style={"input_type": "password"}
        )

        class Meta:
            ref_name = "TokenObtainInput"

    @extend_schema(
        request=InputSerializer,
        responses={
            200: inline_serializer("TokenObtainAnswer", {"token": serializers.CharField()}),
            400: OpenApiResponse(ErrorSerializer, description="LOGIN_FAILED or VALIDATION"),
            429: OpenApiResponse(ErrorSerializer, description="LOGIN_LOCKED"),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # Axes' backend counts the attempt against the request's account and address, and marks a locked one.
        user = authenticate(request, **data.validated_data)
        if getattr(request, "axes_locked_out", False):
            raise login_locked_error()
        if user is None or not user.is_active:
            raise login_failed_error()
        # A token login is a login: last_login moves and axes clears the account's and the address's failures.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
