"""Whose cart: a signed-in user's, or a guest's found through the token in their session."""

from dataclasses import dataclass
from typing import Any

from jishi.core.actors import signed_in


@dataclass(frozen=True)
class CartOwner:
    user: Any = None
    guest_token: str | None = None


SESSION_KEY = "jishi_cart_token"


def owner_of(request: Any) -> CartOwner:
    """The cart owner of a request: the signed-in user, or the guest cart token in the session."""
    user = signed_in(getattr(request, "user", None))
    if user is not None:
        return CartOwner(user=user)
    session = getattr(request, "session", None)
    return CartOwner(guest_token=session.get(SESSION_KEY) if session is not None else None)


def remember_guest_cart(request: Any, token: str | None) -> None:
    """Keep a new guest cart's token in the session (it survives the session key change at log-in)."""
    if token and signed_in(request.user) is None:
        request.session[SESSION_KEY] = token
