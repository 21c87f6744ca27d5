"""Request-scoped middleware."""

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from jishi.core.context import request_id

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Tag each request with an id (kept from ``X-Request-ID`` if sane) for logs and the audit trail."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = rid
        return response


class RejectNulMiddleware:
    """Refuse a NUL character in the path or the query string with 422, the same on every database.

    PostgreSQL cannot store or even compare text containing NUL, SQLite can;
    refusing it at the door keeps both answers the same.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = next(
            (name for name, value in request.GET.lists() if "\x00" in name or any("\x00" in v for v in value)), None
        )
        if field is None and "\x00" in request.path:
            field = "path"
        if field is None:
            return self.get_response(request)
        body = {
            "code": "request.invalid_character",
            "message": str(_("Text may not contain NUL characters.")),
            "field": field.replace("\x00", ""),
        }
        return JsonResponse(body, status=422)
