"""One permission layer: declared on every operation, checked again in services.

A :class:`Permission` is a named predicate over the actor (the signed-in
user or an anonymous one). Domain apps declare theirs in their own
``permissions.py``; API operations and page views declare the one they need
with :func:`requires`, which a test reads off every route. Object scope is
not a permission: selectors that take the actor return only the actor's
rows, and a foreign row is simply not found (404).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from jishi.core.actors import Actor, signed_in
from jishi.core.errors import NotAuthenticated, PermissionDenied

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Permission:
    code: str
    predicate: Callable[[Any], bool] = field(compare=False)
    needs_sign_in: bool = True

    def allows(self, actor: Actor) -> bool:
        user = signed_in(actor)
        if self.needs_sign_in and user is None:
            return False
        if user is not None and not user.is_active:
            return False
        return bool(self.predicate(actor))

    def __or__(self, other: Permission) -> Permission:
        """Either permission will do (a page two operator roles share)."""
        return Permission(f"{self.code}|{other.code}", lambda actor: self.allows(actor) or other.allows(actor))

    def __str__(self) -> str:
        return self.code


PUBLIC = Permission("public", lambda actor: True, needs_sign_in=False)
AUTHENTICATED = Permission("authenticated", lambda actor: True)


def check(actor: Actor, permission: Permission) -> None:
    """Raise NotAuthenticated (401) or PermissionDenied (403) unless ``actor`` holds ``permission``."""
    if permission.allows(actor):
        return
    if permission.needs_sign_in and signed_in(actor) is None:
        raise NotAuthenticated
    raise PermissionDenied


def requires(permission: Permission) -> Callable[[F], F]:
    """Declare and enforce the permission an API operation or page view needs.

    The wrapped callable takes the request first; the permission is checked
    against ``request.user`` before the body runs, and is kept on the function
    as ``required_permission`` so tests can prove every route declares one.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
            check(getattr(request, "user", None), permission)
            return view(request, *args, **kwargs)

        wrapper.required_permission = permission  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
