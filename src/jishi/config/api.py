"""The HTTP API: one NinjaAPI, one error shape for every 4xx.

Every error leaves as ``{"code", "message", "field"}``: domain errors with
their own status and code, schema validation as 422 naming the first bad
field, unreadable bodies as 400, a locked SQLite database as 503 — never a
500 for bad input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DataError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer

from jishi.accounts import api as accounts_api
from jishi.accounts.api_operators import router as operator_roles_router
from jishi.aftersales.api import merchant_router as merchant_aftersales_router
from jishi.aftersales.api import operator_router as operator_aftersales_router
from jishi.aftersales.api import router as aftersales_router
from jishi.analytics.api import router as analytics_router
from jishi.cart.api import router as cart_router
from jishi.catalog.api import router as catalog_router
from jishi.catalog.api_categories import router as operator_categories_router
from jishi.catalog.api_merchant import router as merchant_catalog_router
from jishi.catalog.api_operator import requirements_router
from jishi.catalog.api_operator import router as operator_catalog_router
from jishi.checkout.api import orders_router as checkout_orders_router
from jishi.checkout.api import router as checkout_router
from jishi.community.api import leader_router as community_leader_router
from jishi.community.api import merchant_router as merchant_community_router
from jishi.community.api import operator_router as operator_community_router
from jishi.community.api import resident_router as community_resident_router
from jishi.community.api import router as community_router
from jishi.core.errors import DomainError, RateLimited
from jishi.favourites.api import router as favourites_router
from jishi.groupbuy.api import buyer_router as group_buyer_router
from jishi.groupbuy.api import merchant_router as merchant_group_router
from jishi.groupbuy.api import router as group_router
from jishi.ledger.api import merchant_router as merchant_finance_router
from jishi.ledger.api import operator_router as operator_finance_router
from jishi.loyalty.api import member_router as loyalty_member_router
from jishi.loyalty.api import merchant_router as merchant_loyalty_router
from jishi.loyalty.api import operator_router as operator_loyalty_router
from jishi.loyalty.api import router as loyalty_router
from jishi.merchants.api import applications_router, invitations_router, team_router
from jishi.merchants.api import operator_router as operator_merchants_router
from jishi.merchants.api import router as merchants_router
from jishi.notifications.api import router as notifications_router
from jishi.orders.api import buyer_router as orders_router
from jishi.orders.api import merchant_router as merchant_orders_router
from jishi.orders.api import operator_router as operator_orders_router
from jishi.payments.api import operator_router as operator_payments_router
from jishi.payments.api import router as payments_router
from jishi.pets.api import buyer_router as pets_buyer_router
from jishi.pets.api import merchant_router as merchant_pets_router
from jishi.pets.api import operator_router as operator_pets_router
from jishi.pets.api import router as pets_router
from jishi.policies.api import operator_router as operator_policies_router
from jishi.policies.api import router as legal_router
from jishi.promotions.api import merchant_router as merchant_coupons_router
from jishi.promotions.api import operator_router as operator_coupons_router
from jishi.promotions.api import router as coupons_router
from jishi.promotions.api import wallet_router as coupon_wallet_router
from jishi.promotions.api_flash import merchant_router as merchant_flash_router
from jishi.promotions.api_flash import operator_router as operator_flash_router
from jishi.promotions.api_flash import router as flash_router
from jishi.promotions.api_offers import router as merchant_offers_router
from jishi.recommendations.api import member_router as recommendations_member_router
from jishi.recommendations.api import router as recommendations_router
from jishi.reviews.api import buyer_router as reviews_buyer_router
from jishi.reviews.api import merchant_router as merchant_reviews_router
from jishi.reviews.api import operator_router as operator_reviews_router
from jishi.reviews.api import router as reviews_router
from jishi.search.api import router as search_router
from jishi.shipping.api import carriers_router, orders_tracking_router, tracking_router
from jishi.shipping.api import router as shipping_router


class Utf8JSON(JSONRenderer):
    """JSON with Chinese as UTF-8 characters, not ``\\u`` escapes (smaller, and readable in a log)."""

    json_dumps_params: Mapping[str, Any] = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=Utf8JSON(),
    title="Jishi API",
    version="1",
    description=(
        "The contract of the Jishi marketplace. Authenticate with `Authorization: Bearer <token>` "
        "(from `POST /api/v1/auth/login`) or a browser session plus CSRF token. "
        'Every error is `{"code", "message", "field"}`.'
    ),
    urls_namespace="api",
)

# Names of the body/query parameters whose own name should not appear in an error's field path.
_PARAM_NAMES = {"payload", "filters", "data"}


def _error(request: HttpRequest, status: int, code: str, message: str, field: str | None = None) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "field": field}, status=status)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = _error(request, exc.status, exc.code, exc.message, exc.field)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _field_of(location: Any) -> str | None:
    parts = [str(p) for p in (location or ()) if p not in ("body", "query", "path", "header", "cookie", "form")]
    if parts and parts[0] in _PARAM_NAMES:
        parts = parts[1:]
    return ".".join(parts) or None


# Schema validation messages in the reader's language (pydantic writes English), by error type.
_MESSAGES: dict[str, Any] = {
    "missing": gettext_lazy("This field is required."),
    "extra_forbidden": gettext_lazy("This field is not part of the request."),
    "string_type": gettext_lazy("Enter text."),
    "string_too_short": gettext_lazy("Enter at least %(min_length)s characters."),
    "string_too_long": gettext_lazy("Enter at most %(max_length)s characters."),
    "string_pattern_mismatch": gettext_lazy("Enter a value in the expected format."),
    "int_type": gettext_lazy("Enter a whole number (not text)."),
    "int_parsing": gettext_lazy("Enter a whole number."),
    "int_from_float": gettext_lazy("Enter a whole number."),
    "bool_type": gettext_lazy("Enter true or false."),
    "greater_than_equal": gettext_lazy("Enter a value of at least %(ge)s."),
    "less_than_equal": gettext_lazy("Enter a value of at most %(le)s."),
    "greater_than": gettext_lazy("Enter a value greater than %(gt)s."),
    "less_than": gettext_lazy("Enter a value less than %(lt)s."),
    "too_short": gettext_lazy("Give at least %(min_length)s items."),
    "too_long": gettext_lazy("Give at most %(max_length)s items."),
    "list_type": gettext_lazy("Give a list."),
    "literal_error": gettext_lazy("Choose one of %(expected)s."),
    "model_attributes_type": gettext_lazy("Give an object."),
    "dict_type": gettext_lazy("Give an object."),
    "model_type": gettext_lazy("Give an object."),
    "date_from_datetime_parsing": gettext_lazy("Enter a date like 2026-11-24."),
    "datetime_from_date_parsing": gettext_lazy("Enter a date and time like 2026-11-24T08:00:00+08:00."),
    "one_source": gettext_lazy("Send sku_ids or buy_now, not both."),
}
# Error types whose code says what is wrong with the request as a whole rather than with a value.
_REQUEST_CODES = {"extra_forbidden": "request.unknown_field"}


def _message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    template = _MESSAGES.get(kind)
    if template is None:  # our own PydanticCustomError messages are translated where they are raised
        return str(error.get("msg") or _("This value is not valid."))
    context = {key: value for key, value in (error.get("ctx") or {}).items() if isinstance(value, str | int)}
    try:
        return str(template) % context
    except (KeyError, TypeError, ValueError):
        return str(_("This value is not valid."))


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    kind = str(first.get("type", "invalid"))
    location = tuple(first.get("loc") or ())
    if kind == "missing" and location[:1] == ("body",) and len(location) == 2:  # no body at all
        return _error(request, 422, "request.body_required", _("Send a JSON body."), "body")
    code = _REQUEST_CODES.get(kind, f"validation.{kind}")
    return _error(request, 422, code, _message(first), _field_of(location))


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "auth.not_authenticated", _("Please sign in first."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        return _error(request, 400, "request.malformed", _("The request body could not be read."), "body")
    if exc.status_code == 403:  # ninja's session authentication refuses a missing or wrong CSRF token
        return _error(request, 403, "auth.csrf_failed", _("The page expired. Reload it and try again."))
    return _error(request, exc.status_code, f"http.{exc.status_code}", str(exc.message))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("Not found."))


@api.exception_handler(DjangoPermissionDenied)
def _forbidden(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
    return _error(request, 403, "auth.permission_denied", _("You do not have permission to do this."))


@api.exception_handler(DataError)
def _unstorable_text(request: HttpRequest, exc: DataError) -> HttpResponse:
    # PostgreSQL refuses NUL characters in text, in a query parameter or a body alike, and in JSON
    # (as the escape \u0000: "unsupported Unicode escape sequence"); SQLite stores them.
    if "NUL" in str(exc) or "Unicode escape" in str(exc):
        return _error(request, 422, "request.invalid_character", _("Text may not contain NUL characters."))
    raise exc


@api.exception_handler(OperationalError)
def _database_busy(request: HttpRequest, exc: OperationalError) -> HttpResponse:
    if "locked" in str(exc).lower():
        response = _error(request, 503, "core.busy", _("The service is busy. Please try again."))
        response["Retry-After"] = "1"
        return response
    raise exc


api.add_router("/auth", accounts_api.auth_router)
api.add_router("/me", accounts_api.me_router)
api.add_router("/regions", accounts_api.regions_router)
api.add_router("/operator/kyc", accounts_api.operator_router)
api.add_router("/operator", accounts_api.users_router)
api.add_router("/operator", operator_roles_router)
api.add_router("/merchants", merchants_router)
api.add_router("/", search_router)
api.add_router("/", catalog_router)
api.add_router("/merchant", merchant_catalog_router)
api.add_router("/operator/products", operator_catalog_router)
api.add_router("/operator/category-requirements", requirements_router)
api.add_router("/operator", operator_categories_router)
api.add_router("/cart", cart_router)
api.add_router("/checkout", checkout_router)
api.add_router("/orders", orders_router)
api.add_router("/orders", checkout_orders_router)
api.add_router("/payments", payments_router)
api.add_router("/merchant", merchant_orders_router)
api.add_router("/merchant", shipping_router)
api.add_router("/carriers", carriers_router)
api.add_router("/orders", orders_tracking_router)
api.add_router("/tracking", tracking_router)
api.add_router("/merchant", merchant_finance_router)
api.add_router("/merchant", team_router)
api.add_router("/merchant-applications", applications_router)
api.add_router("/invitations", invitations_router)
api.add_router("/operator", operator_merchants_router)
api.add_router("/operator", operator_finance_router)
api.add_router("/notifications", notifications_router)
api.add_router("/operator", operator_orders_router)
api.add_router("/", analytics_router)
api.add_router("/aftersales", aftersales_router)
api.add_router("/merchant", merchant_aftersales_router)
api.add_router("/operator", operator_aftersales_router)
api.add_router("/operator", operator_payments_router)
api.add_router("/", coupons_router)
api.add_router("/", coupon_wallet_router)
api.add_router("/merchant", merchant_coupons_router)
api.add_router("/operator", operator_coupons_router)
api.add_router("/merchant", merchant_offers_router)
api.add_router("/", flash_router)
api.add_router("/merchant", merchant_flash_router)
api.add_router("/operator", operator_flash_router)
api.add_router("/", group_router)
api.add_router("/", group_buyer_router)
api.add_router("/merchant", merchant_group_router)
api.add_router("/", community_router)
api.add_router("/", community_resident_router)
api.add_router("/", community_leader_router)
api.add_router("/merchant", merchant_community_router)
api.add_router("/operator", operator_community_router)
api.add_router("/", pets_router)
api.add_router("/", pets_buyer_router)
api.add_router("/merchant", merchant_pets_router)
api.add_router("/operator", operator_pets_router)
api.add_router("/", loyalty_router)
api.add_router("/", loyalty_member_router)
api.add_router("/operator", operator_loyalty_router)
api.add_router("/", merchant_loyalty_router)
api.add_router("/", favourites_router)
api.add_router("/", recommendations_router)
api.add_router("/", recommendations_member_router)
api.add_router("/", reviews_router)
api.add_router("/", reviews_buyer_router)
api.add_router("/", merchant_reviews_router)
api.add_router("/operator", operator_reviews_router)
api.add_router("/operator", operator_policies_router)
api.add_router("/", legal_router)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 (a Host header not allowed, too many fields): the API's error shape under /api/."""
    if request.path.startswith("/api/"):
        return _error(request, 400, "request.bad", _("The request could not be read."))
    return defaults.bad_request(request, exception)
