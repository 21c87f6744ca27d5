"""Reads of the after-sales domain; every one takes the actor, and a foreign request is simply not found."""

import datetime as dt
from typing import Any

from django.db.models import Prefetch, QuerySet, Sum
from django.utils import timezone

from jishi.aftersales.errors import AftersalesNotFound
from jishi.aftersales.models import AftersalesEvent, AftersalesLine, AftersalesRequest, Evidence
from jishi.aftersales.permissions import AFTERSALES_ARBITRATE, AFTERSALES_REQUEST, MERCHANT_AFTERSALES
from jishi.aftersales.states import OPEN, Kind, Party, Status
from jishi.core.actors import Actor, user_of
from jishi.core.permissions import check
from jishi.merchants.models import Merchant
from jishi.merchants.selectors import merchant_for
from jishi.orders.states import OrderStatus


def _detailed(requests: QuerySet[AftersalesRequest]) -> QuerySet[AftersalesRequest]:
    return requests.select_related("order", "merchant", "buyer").prefetch_related(
        Prefetch("lines", queryset=AftersalesLine.objects.select_related("order_line")),
        Prefetch("events", queryset=AftersalesEvent.objects.order_by("created_at", "id")),
        Prefetch("evidence", queryset=Evidence.objects.order_by("created_at", "id")),
    )


def _one(requests: QuerySet[AftersalesRequest], number: str) -> AftersalesRequest:
    found = _detailed(requests.filter(number=number)).first()
    if found is None:
        raise AftersalesNotFound
    return found


def requests_for_buyer(actor: Actor) -> QuerySet[AftersalesRequest]:
    check(actor, AFTERSALES_REQUEST)
    return AftersalesRequest.objects.filter(buyer=user_of(actor)).select_related("order", "merchant")


def open_count_for_buyer(actor: Actor) -> int:
    """The actor's after-sales requests still open (one query)."""
    return requests_for_buyer(actor).filter(status__in=OPEN).count()


def request_get_for_buyer(actor: Actor, number: str) -> AftersalesRequest:
    check(actor, AFTERSALES_REQUEST)
    return _one(AftersalesRequest.objects.filter(buyer=user_of(actor)), number)


def requests_for_merchant(actor: Actor, *, status: str = "") -> QuerySet[AftersalesRequest]:
    """The actor's shop's requests, the ones waiting for it first (by deadline)."""
    check(actor, MERCHANT_AFTERSALES)
    requests = AftersalesRequest.objects.filter(merchant=merchant_for(actor)).select_related("order", "buyer")
    if status:
        requests = requests.filter(status=status)
    return requests.order_by("respond_by", "-created_at")


def request_get_for_merchant(actor: Actor, number: str) -> AftersalesRequest:
    check(actor, MERCHANT_AFTERSALES)
    return _one(AftersalesRequest.objects.filter(merchant=merchant_for(actor)), number)


def arbitrations(actor: Actor, *, status: str = Status.ARBITRATION) -> QuerySet[AftersalesRequest]:
    """Requests for the platform to decide, oldest first (or any status an arbitrator asks for)."""
    check(actor, AFTERSALES_ARBITRATE)
    requests = AftersalesRequest.objects.select_related("order", "merchant", "buyer")
    return (requests.filter(status=status) if status else requests).order_by("created_at")


def request_get_for_operator(actor: Actor, number: str) -> AftersalesRequest:
    check(actor, AFTERSALES_ARBITRATE)
    return _one(AftersalesRequest.objects.all(), number)


def request_get_for_party(actor: Actor, number: str) -> tuple[AftersalesRequest, Party]:
    """The request and which side the actor is on: an arbitrator, its shop's after-sales staff, or its buyer.

    Shop staff may be buyers elsewhere: a request that is not their shop's is looked for among their own.
    """
    if AFTERSALES_ARBITRATE.allows(actor):
        return request_get_for_operator(actor, number), Party.OPERATOR
    if MERCHANT_AFTERSALES.allows(actor):
        shop = _detailed(AftersalesRequest.objects.filter(merchant=merchant_for(actor), number=number)).first()
        if shop is not None:
            return shop, Party.MERCHANT
    return request_get_for_buyer(actor, number), Party.BUYER


def kinds_for(order: Any) -> list[Kind]:
    """What the buyer may ask for on ``order`` now: a refund before shipping; a return, an exchange or a
    compensation keeping the goods after delivery, within the after-sales window."""
    if order.status == OrderStatus.PAID:
        return [Kind.REFUND]
    if order.status == OrderStatus.DELIVERED and not (order.complete_at and order.complete_at <= timezone.now()):
        return [Kind.RETURN, Kind.EXCHANGE, Kind.CLAIM]
    return []


def claimed_quantities(order_line_ids: list[int]) -> dict[int, int]:
    """How many units of each order line are in open or refunded requests already."""
    rows = (
        AftersalesLine.objects.filter(order_line_id__in=order_line_ids, request__status__in=[*OPEN, Status.REFUNDED])
        .values_list("order_line_id")
        .annotate(total=Sum("quantity"))
    )
    return dict(rows)


def open_request_of_order(order: Any) -> AftersalesRequest | None:
    return AftersalesRequest.objects.filter(order=order, status__in=OPEN).first()


def requests_due(*, now: dt.datetime, limit: int = 200) -> list[int]:
    """Requests whose party in turn let the deadline pass, oldest deadline first (the sweep acts for them)."""
    return list(
        AftersalesRequest.objects.filter(status__in=OPEN - {Status.ARBITRATION}, respond_by__lte=now)
        .order_by("respond_by")
        .values_list("pk", flat=True)[:limit]
    )


def return_address_for(merchant_id: int) -> str:
    """Where goods go back to: the shop's default return address, else the one it gave most recently."""
    merchant = Merchant.objects.filter(pk=merchant_id).only("return_address_sealed").first()
    if merchant is not None and merchant.return_address:
        return merchant.return_address
    last = (
        AftersalesRequest.objects.filter(merchant_id=merchant_id)
        .exclude(return_address_sealed="")
        .only("return_address_sealed")
        .order_by("-created_at")
        .first()
    )
    return last.return_address if last is not None else ""
