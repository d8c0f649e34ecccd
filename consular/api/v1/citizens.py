"""Citizen accounts for the mobile app: sign up, sign in for an API token, sign out (revoke the token).

Thin: the rules, the emails and the audit rows are in `consular.accounts.services`. A sign-up answers the same
`202 {"status": "verification_sent"}` whether or not the address already has an account; the emails differ. Wrong
credentials, an account not yet activated and a paused account (too many wrong passwords) all get the same
neutral 401."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consular.accounts import services
from consular.accounts.authentication import BearerTokenAuthentication
from consular.accounts.models import ApiToken
from consular.core.context import current
from consular.core.errors import ApplicationError, ErrorCode


class CitizenSignUpSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                  help_text="Mobile phone with the country code (E.164), optional.")


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="",
                                 help_text="A label for the device, shown in the account's token list.")


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Bearer <token>`; shown only once.")
    expires_at = serializers.DateTimeField()


_SIGN_UP_ANSWER = inline_serializer("CitizenSignUpAnswer", {"status": serializers.CharField()})


class CitizenSignUp(APIView):
    """Create a citizen account. The account is inactive until the link in the verification email is followed
    (in a browser). The answer is the same whether the address is new or already has an account."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(request=CitizenSignUpSerializer, responses={202: _SIGN_UP_ANSWER})
    def post(self, request: Request) -> Response:
        data = CitizenSignUpSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        services.citizen_sign_up(actor=None, email=v["email"], password=v["password"], phone=v["phone"],
                                 client=current().client_address)
        return Response({"status": "verification_sent"}, status=status.HTTP_202_ACCEPTED)


class AuthToken(APIView):
    """POST: a citizen signs in with email and password and receives an API token that expires (CITIZEN_TOKEN_DAYS).
    DELETE: revoke the token the request is authenticated with."""

    authentication_classes = [BearerTokenAuthentication]

    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(request=TokenRequestSerializer, responses={201: TokenSerializer})
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        # Counted by the login-failure limits like the login page; a failure is audited (`user.login_failed`).
        user = authenticate(request._request, username=v["email"].strip().lower(), password=v["password"])
        if user is None:
            raise exceptions.AuthenticationFailed(
                _("Wrong email or password, or the account is not active yet. Too many wrong passwords pause "
                  "sign-in for a while."))
        record, token = services.citizen_token_create(actor=user, user=user, name=v["name"])
        body = TokenSerializer({"token": token, "expires_at": record.expires_at}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        token = request.auth
        if not isinstance(token, ApiToken):
            raise ApplicationError(ErrorCode.INVALID, _("Only a bearer token can be revoked here."))
        services.token_revoke(actor=request.user, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)
