"""Page helpers every audience shares: the page-view decorator, paging, going back and deciding.

The decorator is the same permission layer as the API, with page-shaped answers.

An anonymous visitor is sent to the log-in page, a signed-in one without
the permission gets a 403 page, a missing or foreign object is a 404 page,
and any other domain error on a form post comes back as a message on the
page it came from — never a 500.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlparse

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
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
    return max(1, min(int(value), 10_000)) if value.isdigit() else 1


def back(request: HttpRequest, fallback: str = "/") -> HttpResponseRedirect:
    """Redirect to the page the request came from (same host only)."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        parts = urlparse(referer)
        return HttpResponseRedirect(f"{parts.path}?{parts.query}" if parts.query else parts.path)
    return HttpResponseRedirect(fallback)


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
