"""Order API schemas, shared by the buyer's and the merchant's views."""

import datetime as dt

from ninja import Field, Schema

from jishi.catalog.schemas import MerchantRefOut
from jishi.core.api import MoneyOut, money_out
from jishi.core.money import Money
from jishi.orders.models import Order, OrderEvent, OrderLine
from jishi.orders.states import OrderStatus


class OrderLineOut(Schema):
    id: int = Field(description="The line's id, which after-sales requests name (`order_line_id`).")
    sku_id: int
    product_id: int
    title: str
    sku_label: str
    unit_price: MoneyOut
    quantity: int
    discount: MoneyOut = Field(description="The line's share of the order's discounts.")
    total: MoneyOut = Field(description="What was paid for the line: unit price × quantity − discount.")
    refunded_quantity: int = Field(description="Units whose money has gone back.")
    returned_quantity: int = Field(description="Units sent back and received by the shop (returns and exchanges).")


class OrderAdjustmentOut(Schema):
    step: str = Field(description="unit_price, threshold, merchant_coupon, platform_coupon or shipping")
    label: str = Field(description="What the buyer reads: 满200减30, 店铺券, 秒杀")
    amount: MoneyOut = Field(description="Taken off")
    funded_by_platform: bool


class OrderEventOut(Schema):
    kind: str
    from_status: str
    to_status: str
    actor_role: str
    reason: str
    at: dt.datetime


class ShippingAddressOut(Schema):
    receiver: str
    phone: str
    province: str
    city: str
    district: str
    detail: str
    postal_code: str


class OrderOut(Schema):
    number: str
    checkout_number: str
    kind: str = Field(description="standard or flash (a flash-sale order, paid within minutes)")
    status: str
    status_label: str
    merchant: MerchantRefOut
    goods: MoneyOut
    shipping: MoneyOut
    discount: MoneyOut
    total: MoneyOut
    lines: list[OrderLineOut]
    note: str
    carrier: str
    tracking_number: str
    placed_at: dt.datetime
    pay_by: dt.datetime
    paid_at: dt.datetime | None
    shipped_at: dt.datetime | None
    confirm_by: dt.datetime | None
    delivered_at: dt.datetime | None
    completed_at: dt.datetime | None
    cancelled_at: dt.datetime | None


class OrderDetailOut(OrderOut):
    address: ShippingAddressOut
    adjustments: list[OrderAdjustmentOut] = Field(description="Each discount, in the order it was applied")
    events: list[OrderEventOut]


class OrderPageOut(Schema):
    items: list[OrderOut]
    count: int
    page: int
    page_size: int


def _line(line: OrderLine, order: Order) -> OrderLineOut:
    line.order = order  # the prefetched lines share their order: no query per line
    return OrderLineOut(
        id=line.pk,
        sku_id=line.sku_id,
        product_id=line.product_id,
        title=line.title,
        sku_label=line.sku_label,
        unit_price=money_out(line.unit_price),
        quantity=line.quantity,
        discount=money_out(Money(line.discount_minor, order.currency)),
        total=money_out(line.total),
        refunded_quantity=line.refunded_quantity,
        returned_quantity=line.returned_quantity,
    )


def _event(event: OrderEvent) -> OrderEventOut:
    return OrderEventOut(
        kind=event.kind,
        from_status=event.from_status,
        to_status=event.to_status,
        actor_role=event.actor_role,
        reason=event.reason_shown,
        at=event.created_at,
    )


def order_fields(order: Order) -> dict[str, object]:
    return {
        "number": order.number,
        "checkout_number": order.checkout_number,
        "kind": order.kind,
        "status": order.status,
        "status_label": str(OrderStatus(order.status).label),
        "merchant": MerchantRefOut(id=order.merchant.pk, name=order.merchant.name),
        "goods": money_out(order.goods),
        "shipping": money_out(order.shipping),
        "discount": money_out(order.discount),
        "total": money_out(order.total),
        "lines": [_line(line, order) for line in order.lines.all()],
        "note": order.note,
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "placed_at": order.placed_at,
        "pay_by": order.pay_by,
        "paid_at": order.paid_at,
        "shipped_at": order.shipped_at,
        "confirm_by": order.confirm_by,
        "delivered_at": order.delivered_at,
        "completed_at": order.completed_at,
        "cancelled_at": order.cancelled_at,
    }


def order_out(order: Order) -> OrderOut:
    return OrderOut(**order_fields(order))  # type: ignore[arg-type]


def order_detail_out(order: Order, *, masked: bool = False) -> OrderDetailOut:
    """The order with its address; ``masked`` (for shops and operators) hides the receiver's number.

    A shop that needs to call the receiver asks for the number on its own
    (``orders.services.receiver_phone_reveal``), which is audited.
    """
    phone = order.masked_receiver_phone if masked else order.receiver_phone
    return OrderDetailOut(
        **order_fields(order),  # type: ignore[arg-type]
        address=ShippingAddressOut(
            receiver=order.receiver,
            phone=phone,
            province=order.province,
            city=order.city,
            district=order.district,
            detail=order.address_detail,
            postal_code=order.postal_code,
        ),
        adjustments=[
            OrderAdjustmentOut(
                step=adjustment.step,
                label=adjustment.label,
                amount=money_out(Money(adjustment.amount_minor, order.currency)),
                funded_by_platform=adjustment.funded_by_platform,
            )
            for adjustment in order.adjustments.all()
        ],
        events=[_event(event) for event in order.events.all()],
    )
