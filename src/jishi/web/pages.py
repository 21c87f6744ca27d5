"""Page helpers every audience shares: the page-view decorator, paging, going back and deciding.

The decorator is the same permission layer as the API, with page-shaped answers.

An anonymous visitor is sent to the log-in page, a signed-in one without
the permission gets a 403 page, a missing or foreign object is a 404 page,
and any other domain error on a form post renders the page the form came
from again, in the same answer (422, or 200 for htmx so that it swaps):
what the user typed stays in the form (the ``kept`` tag) and the error
shows beside its field (the ``error_for`` tag) and at the top — never a 500.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlparse

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from jishi.core.errors import DomainError, NotFound
from jishi.core.permissions import Permission
from jishi.web.forms import ReasonForm


def is_htmx(request: HttpRequest) -> bool:
    """True for a request made by htmx (set by django-htmx's middleware)."""
    return bool(getattr(request, "htmx", False))


def page_number(request: HttpRequest) -> int:
    """The ``page`` query parameter, 1 to 10,000; anything else is page 1."""
    value = request.GET.get("page", "")
    return max(1, min(int(value), 10_000)) if value.isdecimal() else 1


def _came_from(request: HttpRequest) -> tuple[str, str] | None:
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        parts = urlparse(referer)
        if parts.path.startswith("/") and not parts.path.startswith("//"):  # //elsewhere is another host
            return parts.path, parts.query
    return None


def back(request: HttpRequest, fallback: str = "/") -> HttpResponseRedirect:
    """Redirect to the page the request came from (same host only)."""
    came_from = _came_from(request)
    if came_from is None:
        return HttpResponseRedirect(fallback)
    path, query = came_from
    return HttpResponseRedirect(f"{path}?{query}" if query else path)


@dataclass(frozen=True)
class Posted:
    """A refused form post, shown again: what was typed and the error (its ``field`` names the input)."""

    data: QueryDict
    error: DomainError

    def of(self, form: object) -> bool:
        """True when the post came from ``form`` (its hidden ``_form`` input), or no form is named."""
        return not form or self.data.get("_form", "") == str(form)


def posted(request: HttpRequest) -> Posted | None:
    """The refused post being shown again on this page, if any."""
    return getattr(request, "posted", None)


def _show_again(request: HttpRequest, error: DomainError) -> HttpResponse | None:
    """Render the page the form was posted from with the typed values and the error; None when it cannot."""
    came_from = _came_from(request)
    if came_from is None:
        return None
    path, query = came_from
    try:
        match = resolve(path)
    except Resolver404:
        return None
    again = copy.copy(request)
    again.META = {**request.META, "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query}
    again.method, again.path, again.path_info = "GET", path, path
    again.GET, again.POST = QueryDict(query), QueryDict()
    again.resolver_match = match
    # base.html shows the error at the top of a whole page; a fragment shows it in place only
    again.posted = Posted(data=request.POST, error=error)  # type: ignore[attr-defined]
    try:
        response = match.func(again, *match.args, **match.kwargs)
    except (Http404, DjangoPermissionDenied):  # the page is gone or closed to them now: the message and back
        return None
    if response.status_code != 200:  # the page itself moved on (a redirect): follow that instead
        return None
    if not is_htmx(request):
        response.status_code = 422
    return response


def page(permission: Permission) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not permission.allows(request.user):
                if permission.needs_sign_in and not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                raise DjangoPermissionDenied
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except DomainError as exc:
                if exc.status in (401, 403):
                    raise DjangoPermissionDenied from exc
                if request.method == "POST" and (shown := _show_again(request, exc)) is not None:
                    return shown
                messages.error(request, exc.message)
                return back(request)

        wrapper.required_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorate


def decide(
    request: HttpRequest, *, approve: Callable[[], object], reject: Callable[[str], object], messages_: tuple[str, str]
) -> bool:
    """Apply the posted decision; False when a rejection came without a reason."""
    if request.POST.get("decision") == "approve":
        approve()
        messages.success(request, messages_[0])
        return True
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the rejection."))
        return False
    reject(form.cleaned_data["reason"])
    messages.success(request, messages_[1])
    return True
