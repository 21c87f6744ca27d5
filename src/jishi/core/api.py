"""Shared pieces of the HTTP API: the router, the error schema and per-status response declarations."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any

import ninja
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, BaseModel, BeforeValidator
from pydantic_core import PydanticCustomError

from jishi.core import dates
from jishi.core.errors import InvalidInput
from jishi.core.money import CURRENCY, Money

# A decimal amount in yuan as a string: "12.50". Never a float.
Amount = Annotated[str, Field(pattern=r"^\d{1,8}(\.\d{1,2})?$", examples=["12.50"])]
# A database id in a path or body.
Id = Annotated[int, Field(ge=1, le=2**53)]
# A page number and a page size of a paged list.
PageNumber = Annotated[int, Field(ge=1, le=10_000)]
PageSize = Annotated[int, Field(ge=1, le=100)]
# A database id in a JSON body: a real integer (``true`` or ``"3"`` is refused).
BodyId = Annotated[int, Field(ge=1, le=2**53, strict=True)]


def _iso_text(value: object) -> object:
    """Dates and times come as ISO 8601 text; pydantic would otherwise read ``0`` as 1970-01-01."""
    if isinstance(value, str) and re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return value
    if isinstance(value, dt.date):
        return value
    raise ValueError("use ISO 8601, e.g. 2026-11-24")


def _in_window(value: dt.date) -> dt.date:
    if not dates.in_window(value):
        raise PydanticCustomError("date_out_of_range", str(_("Choose a date from 2000-01-01 to a year from today.")))
    return value


def _expiry_in_window(value: dt.date) -> dt.date:
    if not dates.in_window(value, until=dates.LATEST_EXPIRY):
        raise PydanticCustomError("date_out_of_range", str(_("Choose a date from 2000-01-01 to 2099-12-31.")))
    return value


# A date or a time a person chose (a report's range, a filter, a rule's start): 2000-01-01 to a year from today.
_window = f"From {dates.EARLIEST} to a year from today."
IsoDate = Annotated[
    dt.date,
    BeforeValidator(_iso_text),
    AfterValidator(_in_window),
    Field(examples=["2026-11-24"], description=_window),
]
IsoDateTime = Annotated[
    dt.datetime,
    BeforeValidator(_iso_text),
    AfterValidator(_in_window),
    Field(examples=["2026-11-24T08:00:00+08:00"], description=_window),
]
# The day a document (a licence, a permit) stops being valid: 2000-01-01 to 2099-12-31.
ExpiryDate = Annotated[
    dt.date,
    BeforeValidator(_iso_text),
    AfterValidator(_expiry_in_window),
    Field(examples=["2030-06-30"], description=f"From {dates.EARLIEST} to {dates.LATEST_EXPIRY}."),
]


def _born(value: dt.date) -> dt.date:
    if not dt.date(1900, 1, 1) <= value <= dt.date.today():
        raise PydanticCustomError("date_out_of_range", str(_("Choose a date from 1900-01-01 to today.")))
    return value


# A person's birthday: 1900-01-01 to today.
BirthDate = Annotated[
    dt.date,
    BeforeValidator(_iso_text),
    AfterValidator(_born),
    Field(examples=["1992-05-20"], description="From 1900-01-01 to today."),
]
# An order, checkout or payment number (core.ids.public_number).
PublicNumber = Annotated[str, Field(pattern=r"^\d{18}$", description="18-digit number")]


class StrictIn(Schema):
    """An input body that refuses fields it does not know (422), so nothing can be mass-assigned."""

    model_config = {"extra": "forbid"}


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


class DataOut(BaseModel):
    """An answer filled from plain data (dicts, keyword arguments), never read off model objects.

    ninja's ``Schema`` wraps every value it validates in a getter that can
    read ORM attributes, a cost paid again for each nested object; the hot
    answers (listing, detail, money) are built as plain data instead and
    validated once, by pydantic alone, on the way out.
    """


class MoneyOut(DataOut):
    amount: str = Field(examples=["12.50"])
    currency: str = Field(examples=[CURRENCY])


def money_out(money: Money) -> MoneyOut:
    return MoneyOut(amount=money.to_string(), currency=money.currency)


def parse_amount(value: str, field: str, *, code: str = "invalid_amount") -> Money:
    """An ``Amount`` as CNY ``Money``; InvalidInput (422) with ``code`` on ``field`` if it does not parse."""
    try:
        return Money.parse(value, CURRENCY)
    except ValueError as exc:
        raise InvalidInput(code=code, field=field) from exc


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """Response declarations for error statuses; 400 and 422 are always possible."""
    return dict.fromkeys({400, 422, *statuses}, ErrorOut)


class Router(ninja.Router):
    """ninja's router whose every operation refuses a query parameter it does not declare.

    A misspelt filter (``?categroy=3``) answers 422 ``request.unknown_parameter``
    naming it, instead of being ignored and answering as if it were not there.
    """

    def add_api_operation(self, path: str, methods: list[str], view_func: Callable[..., Any], **kwargs: Any) -> None:
        super().add_api_operation(path, methods, _refusing_unknown_query(view_func), **kwargs)


def _refusing_unknown_query(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def operation(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        known = _declared_query(operation)
        unknown = next((name for name in request.GET if name not in known), None)
        if unknown is not None:
            raise InvalidInput(_("Unknown parameter."), code="request.unknown_parameter", field=unknown)
        return view(request, *args, **kwargs)

    operation.refuses_unknown_query = True  # type: ignore[attr-defined]
    return operation


def _declared_query(view: Callable[..., Any]) -> frozenset[str]:
    """The query parameter names the operation of ``view`` declares (ninja puts the operation on its function)."""
    names: frozenset[str] | None = getattr(view, "_query_names", None)
    if names is None:
        models = view._ninja_operation.models  # type: ignore[attr-defined]
        names = frozenset(
            name for model in models if model.__ninja_param_source__ == "query" for name in model.__ninja_flatten_map__
        )
        view._query_names = names  # type: ignore[attr-defined]
    return names


def public_read(request: HttpRequest, response: HttpResponse) -> None:
    """Let caches keep a catalog read that is the same for every anonymous reader.

    An anonymous reader's answer may be kept by the browser and by shared
    caches for ``JISHI_PUBLIC_MAX_AGE`` seconds; a signed-in reader's stays
    private and is checked again each time (what a member sees may differ
    from the public answer). Either way ``ConditionalGetMiddleware`` gives it
    an ETag, so a reader who sends it back in ``If-None-Match`` gets 304.
    """
    if "Authorization" in request.headers or request.user.is_authenticated:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(response, public=True, max_age=settings.JISHI_PUBLIC_MAX_AGE)
        patch_vary_headers(response, ("Authorization", "Cookie"))


def client_ip(request: HttpRequest) -> str:
    """The client address as seen by this process (set ``REMOTE_ADDR`` correctly behind a proxy)."""
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")
