"""Bearer tokens of the agency whose domain the request came to (``Authorization: Bearer tpk_...``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api.models import ApiToken
from api.selectors import api_token_for_secret
from api.services import api_token_touch


class TokenClient:
    """The caller behind a token: authenticated, not a user account. ``request.auth`` is the token."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False

    def __init__(self, token: ApiToken) -> None:
        self.token = token
        self.pk = None

    def __str__(self) -> str:
        return f"API-nøkkel {self.token.prefix}"


class AgencyTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):  # type: ignore[no-untyped-def]
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Ugyldig Authorization-felt: bruk «Bearer <nøkkel>»."))
        try:
            secret = header[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Ugyldig nøkkel.")) from None
        token = api_token_for_secret(secret=secret)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Ukjent, utløpt eller tilbaketrukket nøkkel."))
        api_token_touch(token=token)
        return TokenClient(token), token

    def authenticate_header(self, request) -> str:  # type: ignore[no-untyped-def]
        return f'{self.keyword} realm="api"'


class AgencyTokenScheme(OpenApiAuthenticationExtension):
    target_class = AgencyTokenAuthentication
    name = "etatsnokkel"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {"type": "http", "scheme": "bearer", "bearerFormat": "tpk_…",
                "description": "API-nøkkel laget av etatens administrator (Administrasjon → API-nøkler)."}
