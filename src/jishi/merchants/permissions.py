"""Permissions of the merchants domain."""

from typing import Any

from jishi.core.permissions import Permission


def active_membership(actor: Any) -> Any:
    """The actor's membership at an active merchant, or None (uses the joined row when loaded)."""
    try:
        membership = actor.membership
    except Exception:  # RelatedObjectDoesNotExist, or an anonymous user
        return None
    return membership if membership.merchant.is_active else None


MERCHANT_STAFF = Permission("merchants.staff", lambda actor: active_membership(actor) is not None)
