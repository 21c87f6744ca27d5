"""Request-scoped middleware: request ids, the size of a body, and the API's error shape for every error."""

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
        query = request.META.get("QUERY_STRING", "")
        if "%00" not in query and "\x00" not in query and "\x00" not in request.path:
            return self.get_response(request)  # the common case, without parsing the query string here
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


API_PREFIX = "/api/"
# Payment gateways' notifications: each gateway reads its own answer ("success", "fail", …), which stays as it is.
GATEWAY_NOTIFICATIONS = "/api/v1/payments/notify/"

# What a framework-level error (no view ran, or one failed) says under /api/: a code and a message per status.
_FRAMEWORK_ERRORS = {
    400: ("request.bad", gettext_lazy("The request could not be read.")),
    401: ("auth.not_authenticated", gettext_lazy("Please sign in first.")),
    403: ("auth.permission_denied", gettext_lazy("You do not have permission to do this.")),
    404: ("not_found", gettext_lazy("Not found.")),
    405: ("request.method_not_allowed", gettext_lazy("This address does not take that method.")),
    413: ("request.too_large", gettext_lazy("The request is too large.")),
    416: ("request.range_not_satisfiable", gettext_lazy("The range asked for is outside the file.")),
    500: ("server.error", gettext_lazy("Something went wrong on our side. Please try again.")),
}


def error_body(status: int) -> dict[str, str | None]:
    """``{code, message, field}`` for a framework-level error of this status."""
    code, message = _FRAMEWORK_ERRORS.get(status, (f"http.{status}", gettext_lazy("The request failed.")))
    return {"code": code, "message": str(message), "field": None}


class BodyLimitMiddleware:
    """Refuse a body over ``JISHI_MAX_REQUEST_BYTES`` with 413 before anything reads it, on every route.

    The size is the declared ``Content-Length``: Django reads no more than
    that, and a WSGI server hands a body without one over as empty.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared <= settings.JISHI_MAX_REQUEST_BYTES or request.path.startswith(GATEWAY_NOTIFICATIONS):
            return self.get_response(request)  # a notification is refused, unread, in the gateway's own words
        request.META["CONTENT_LENGTH"] = "0"  # nothing below may start reading it
        if request.path.startswith(API_PREFIX):
            return JsonResponse(error_body(413) | {"field": "body"}, status=413)
        try:
            return HttpResponse(
                render_to_string("413.html", {"limit": settings.JISHI_MAX_REQUEST_BYTES}, request=request), status=413
            )
        except TemplateDoesNotExist:
            return HttpResponse(str(_FRAMEWORK_ERRORS[413][1]), status=413, content_type="text/plain; charset=utf-8")


class ApiErrorShapeMiddleware:
    """Under /api/, every error answer is ``{code, message, field}`` JSON, whoever produced it.

    Views and ninja's handlers already answer that way; this catches what the
    framework answers by itself (an unknown address, a method the address
    does not take, a failure before or outside a view) and replaces it,
    so no HTML page and no traceback reaches an API client in any mode.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith(API_PREFIX)
            or request.path.startswith(GATEWAY_NOTIFICATIONS)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        shaped = JsonResponse(error_body(response.status_code), status=response.status_code)
        for header in ("Allow", "Retry-After", "Content-Range", "X-Request-ID"):
            if header in response:
                shaped[header] = response[header]
        return shaped
