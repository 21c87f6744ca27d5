"""One error hierarchy for the whole platform.

A :class:`DomainError` carries a stable dotted ``code`` (tests and clients
match on it), a human ``message`` and, where the error is about one input,
the ``field``. ``config/api.py`` turns every one of them into
``{"code", "message", "field"}`` with the class's HTTP status; the pages turn
them into form errors.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status: ClassVar[int] = 400
    default_code: ClassVar[str] = "error"
    default_message: ClassVar[Any] = _("The request could not be completed.")

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        field: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.code = code or self.default_code
        self.message = str(message if message is not None else self.default_message)
        self.field = field
        self.params = params or {}
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "field": self.field}


class InvalidInput(DomainError):
    """The input is well-formed but not acceptable (a value out of range, a bad ID number)."""

    status = 422
    default_code = "invalid"
    default_message = _("This value is not valid.")


class MalformedRequest(DomainError):
    status = 400
    default_code = "request.malformed"
    default_message = _("The request body could not be read.")


class NotAuthenticated(DomainError):
    status = 401
    default_code = "auth.not_authenticated"
    default_message = _("Please sign in first.")


class PermissionDenied(DomainError):
    status = 403
    default_code = "auth.permission_denied"
    default_message = _("You do not have permission to do this.")


class NotFound(DomainError):
    status = 404
    default_code = "not_found"
    default_message = _("Not found.")


class Conflict(DomainError):
    status = 409
    default_code = "conflict"
    default_message = _("The request conflicts with the current state.")


class RateLimited(DomainError):
    status = 429
    default_code = "rate_limited"
    default_message = _("Too many attempts. Please try again later.")

    def __init__(self, message: Any = None, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = max(1, int(retry_after))


class ServiceBusy(DomainError):
    status = 503
    default_code = "core.busy"
    default_message = _("The service is busy. Please try again.")
