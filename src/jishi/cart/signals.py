"""The guest cart follows the buyer when they sign in."""

from typing import Any

from jishi.cart.owner import SESSION_KEY
from jishi.cart.services import cart_merge


def merge_guest_cart(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    token = session.pop(SESSION_KEY, None) if session is not None else None
    if token:
        cart_merge(user=user, guest_token=token)
