"""Who acts: a signed-in user, an anonymous visitor, or the system (``None``).

Services take ``actor: Actor``. Whether the actor is somebody is asked in
one place, :func:`signed_in`, instead of ``getattr(actor, "is_authenticated")``
written by hand wherever a history row or an audit entry names its author.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jishi.core.errors import NotAuthenticated

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from jishi.accounts.models import User

type Actor = User | AnonymousUser | None


def signed_in(actor: Actor) -> User | None:
    """The actor when it is a signed-in user; None for an anonymous visitor or the system."""
    return actor if getattr(actor, "is_authenticated", False) else None  # type: ignore[return-value]


def user_of(actor: Actor) -> User:
    """The signed-in user a service acts for, after its permission check. Raises NotAuthenticated otherwise."""
    user = signed_in(actor)
    if user is None:
        raise NotAuthenticated
    return user


def actor_id(actor: Actor) -> int | None:
    """The signed-in actor's user id, or None."""
    user = signed_in(actor)
    return None if user is None else user.pk
