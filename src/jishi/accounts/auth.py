"""API authentication: bearer tokens, or the browser session with its CSRF token."""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from jishi.accounts.errors import InvalidToken
from jishi.accounts.models import User
from jishi.accounts.services import token_authenticate
from jishi.core.errors import NotAuthenticated


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>``; a credential that is given and fails is a 401 at once.

    Whatever else the request carries, a wrong, expired or revoked token (or
    another scheme) answers ``auth.invalid_token`` rather than falling through
    to the session and its CSRF check.
    """

    def __call__(self, request: HttpRequest) -> Any:
        given = request.headers.get(self.header)
        if not given:
            return None
        scheme, _, token = given.partition(" ")
        if scheme.lower() != self.openapi_scheme or not token.strip():
            raise InvalidToken
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = _token_user(request, token)
        if user is None:
            raise InvalidToken
        request.user = user
        request.jishi_token = token  # type: ignore[attr-defined]
        return user


class Session(SessionAuth):
    """The page session; ninja checks the CSRF token for it, when there is a session to ride on.

    A request with no session cookie cannot be a forgery riding on one: it is
    simply not signed in (401), not a page that expired (403).
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)


class GuestSession(SessionAuth):
    """Anyone, signed in or not, with the CSRF check of the session (guest carts live in the session)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return request.user


SIGNED_IN = [BearerToken(), Session()]
# Operations open to guests too; a bearer token still identifies the user when there is one.
ANYONE = [BearerToken(), GuestSession()]


def actor_of(request: HttpRequest) -> User:
    """The signed-in user of a request that passed authentication."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated
    return user


def _token_user(request: HttpRequest, token: str) -> User | None:
    """The user behind ``token``, looked up once per request (the idempotency guard asks before the API does)."""
    known = getattr(request, "jishi_token_user", None)
    if known is not None and known[0] == token:
        return known[1]
    user = token_authenticate(token)
    request.jishi_token_user = (token, user)  # type: ignore[attr-defined]
    return user


def request_user_id(request: HttpRequest) -> int | None:
    """The signed-in user of a request before the API authenticates it: its session's user, or its bearer token's."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return int(user.pk)
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        found = _token_user(request, secret.strip())
        return int(found.pk) if found is not None else None
    return None
