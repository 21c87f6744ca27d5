"""Shared pieces of the HTTP API: the error schema and per-status response declarations."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema

from jishi.core.errors import InvalidInput


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """Response declarations for error statuses; 400 and 422 are always possible."""
    return dict.fromkeys({400, 422, *statuses}, ErrorOut)


def reject_unknown_params(request: HttpRequest, allowed: set[str]) -> None:
    """Answer 422 for a query parameter the operation does not know, instead of ignoring it."""
    for name in request.GET:
        if name not in allowed:
            raise InvalidInput(_("Unknown parameter."), code="request.unknown_parameter", field=name)


def client_ip(request: HttpRequest) -> str:
    """The client address as seen by this process (set ``REMOTE_ADDR`` correctly behind a proxy)."""
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")
