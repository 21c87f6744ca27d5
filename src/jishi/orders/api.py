"""Orders API: buyers read their orders and confirm receipt; merchant staff read and ship their merchant's."""

from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Schema

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.core.api import Id, PageNumber, PageSize, PublicNumber, Router, StrictIn, errors
from jishi.core.pagination import paginate
from jishi.core.permissions import requires
from jishi.orders import selectors, services
from jishi.orders.permissions import ORDER_BUY, ORDER_FULFIL, ORDER_OVERSEE
from jishi.orders.schemas import OrderDetailOut, OrderPageOut, order_detail_out, order_out

buyer_router = Router(tags=["orders"], auth=SIGNED_IN)
merchant_router = Router(tags=["merchant"], auth=SIGNED_IN)

Status = Literal["pending_payment", "paid", "shipped", "delivered", "completed", "cancelled", "closed"]


class ShipIn(StrictIn):
    carrier: Annotated[
        str, Field(max_length=40, description="Empty: the courier the number looks like (422 when none is sure)")
    ] = ""
    tracking_number: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")]


def _page(orders: object, page: int, page_size: int) -> OrderPageOut:
    result = paginate(orders, page=page, page_size=page_size)  # type: ignore[arg-type]
    return OrderPageOut(
        items=[order_out(order) for order in result.items], count=result.count, page=page, page_size=page_size
    )


@buyer_router.get("", response={200: OrderPageOut, **errors(401, 403)})
@requires(ORDER_BUY)
def order_list(
    request: HttpRequest, status: Status | None = None, page: PageNumber = 1, page_size: PageSize = 20
) -> OrderPageOut:
    """The buyer's orders, newest first."""
    return _page(selectors.order_list_for_buyer(actor_of(request), status=status), page, page_size)


@buyer_router.get("/{number}", response={200: OrderDetailOut, **errors(401, 403, 404)})
@requires(ORDER_BUY)
def order_detail(request: HttpRequest, number: PublicNumber) -> OrderDetailOut:
    """One of the buyer's orders with its timeline; someone else's order is 404."""
    return order_detail_out(selectors.order_get_for_buyer(actor_of(request), number))


@buyer_router.post("/{number}/confirm-receipt", response={200: OrderDetailOut, **errors(401, 403, 404, 409)})
@requires(ORDER_BUY)
def order_confirm_receipt(request: HttpRequest, number: PublicNumber) -> OrderDetailOut:
    """Confirm a shipped order arrived. Repeating it changes nothing; an unshipped order is 409."""
    actor = actor_of(request)
    services.order_confirm_receipt(actor=actor, order_number=number)
    return order_detail_out(selectors.order_get_for_buyer(actor, number))


@merchant_router.get("/orders", response={200: OrderPageOut, **errors(401, 403)})
@requires(ORDER_FULFIL)
def merchant_order_list(
    request: HttpRequest, status: Status | None = None, page: PageNumber = 1, page_size: PageSize = 20
) -> OrderPageOut:
    """The merchant's orders, newest first; ``status=paid`` is the queue to ship."""
    return _page(selectors.order_list_for_merchant(actor_of(request), status=status), page, page_size)


@merchant_router.get("/orders/{number}", response={200: OrderDetailOut, **errors(401, 403, 404)})
@requires(ORDER_FULFIL)
def merchant_order_detail(request: HttpRequest, number: PublicNumber) -> OrderDetailOut:
    return order_detail_out(selectors.order_get_for_merchant(actor_of(request), number), masked=True)


@merchant_router.post("/orders/{number}/ship", response={200: OrderDetailOut, **errors(401, 403, 404, 409)})
@requires(ORDER_FULFIL)
def merchant_order_ship(request: HttpRequest, number: PublicNumber, payload: ShipIn) -> OrderDetailOut:
    """Ship a paid order with its carrier and tracking number. Unpaid or cancelled orders are 409."""
    actor = actor_of(request)
    services.order_ship(
        actor=actor, order_number=number, carrier=payload.carrier, tracking_number=payload.tracking_number
    )
    return order_detail_out(selectors.order_get_for_merchant(actor, number), masked=True)


class ReceiverPhoneOut(Schema):
    phone: str


@merchant_router.post("/orders/{number}/receiver-phone", response={200: ReceiverPhoneOut, **errors(401, 403, 404, 409)})
@requires(ORDER_FULFIL)
def merchant_receiver_phone(request: HttpRequest, number: PublicNumber, response: HttpResponse) -> ReceiverPhoneOut:
    """The receiver's whole number, to hand the parcel over: only while the order is paid or shipped (else 409).

    Every look is audited, and the answer is ``Cache-Control: no-store``;
    order details show the number masked.
    """
    phone = services.receiver_phone_reveal(actor=actor_of(request), order_number=number)
    response["Cache-Control"] = "no-store"
    return ReceiverPhoneOut(phone=phone)


operator_router = Router(tags=["operator orders"], auth=SIGNED_IN)


class OperatorOrderFilters(Schema):
    q: Annotated[
        str, Field(max_length=254, description="Order or checkout number (or its start), buyer mobile or e-mail")
    ] = ""
    status: Status | None = None
    merchant_id: Id | None = None
    page: PageNumber = 1
    page_size: PageSize = 20


@operator_router.get("/orders", response={200: OrderPageOut, **errors(401, 403)})
@requires(ORDER_OVERSEE)
def operator_order_search(request: HttpRequest, filters: Query[OperatorOrderFilters]) -> OrderPageOut:
    """Orders across every merchant, newest first."""
    orders = selectors.orders_for_operator(
        actor_of(request), query=filters.q, status=filters.status or "", merchant_id=filters.merchant_id
    )
    return _page(orders, filters.page, filters.page_size)


@operator_router.get("/orders/{number}", response={200: OrderDetailOut, **errors(401, 403, 404)})
@requires(ORDER_OVERSEE)
def operator_order_detail(request: HttpRequest, number: PublicNumber) -> OrderDetailOut:
    return order_detail_out(selectors.order_get_for_operator(actor_of(request), number), masked=True)
