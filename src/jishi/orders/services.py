"""Writes of the orders domain: placing, paying, cancelling, shipping, receiving, completing.

Every status change goes through the kernel, ``core.states.move`` with
:data:`MACHINE` (CONVENTIONS.md §5): the move must be in
``states.TRANSITIONS``, the UPDATE is a compare-and-set on the current
status, and a history row is written in the same transaction. Asking
for the status an order already has changes nothing, so every service here
is safe to repeat and safe to race — stock is released or sold only by the
caller whose compare-and-set won.
"""

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jishi.catalog.services import product_record_sales
from jishi.core import audit, ids
from jishi.core.actors import Actor, actor_id
from jishi.core.money import Money
from jishi.core.permissions import check
from jishi.core.phrases import phrase, stored
from jishi.core.states import Machine, Move, move
from jishi.inventory.services import stock_commit, stock_release, stock_reserve, stock_return
from jishi.merchants.selectors import merchant_owner_id
from jishi.notifications.services import Message, notify_all
from jishi.orders import selectors
from jishi.orders.errors import InvalidShipment, InvalidTransition, OrderOnHold, PhoneNotShown
from jishi.orders.models import Fulfilment, Order, OrderAdjustment, OrderEvent, OrderLine
from jishi.orders.permissions import ORDER_FULFIL
from jishi.orders.signals import order_completed, order_shipped
from jishi.orders.states import TRANSITIONS, ActorRole, EventKind, OrderKind, OrderStatus
from jishi.policies.selectors import platform_settings


@dataclass(frozen=True)
class LineDraft:
    sku: Any  # catalog Sku with its product loaded
    quantity: int
    unit_price: Money
    image: str = ""
    discount: Money | None = None  # the promotions' shares of the line
    subsidy: Money | None = None  # the platform-funded part of ``discount``
    limited_price_id: int | None = None
    limited_units: int = 0
    flash_item_id: int | None = None


@dataclass(frozen=True)
class AdjustmentDraft:
    step: str
    label: str
    amount: Money
    funded_by_platform: bool
    source_kind: str
    source_id: int


@dataclass(frozen=True)
class OrderDraft:
    merchant_id: int
    lines: list[LineDraft]
    goods: Money
    shipping: Money
    discount: Money  # every adjustment's amount, goods and shipping
    adjustments: list[AdjustmentDraft] = field(default_factory=list)
    kind: str = OrderKind.STANDARD
    pickup: "Pickup | None" = None  # collected at a point instead of delivered to the checkout's address


@dataclass(frozen=True)
class Destination:
    receiver: str
    phone: str
    province: str
    city: str
    district: str
    detail: str
    postal_code: str = ""


@dataclass(frozen=True)
class Pickup:
    """A pickup point an order is collected at (自提): its id and where it is, copied onto the order."""

    point_id: int
    destination: Destination


def _record(step: Move[Order, OrderStatus]) -> None:
    OrderEvent.objects.create(
        order=step.obj,
        from_status=step.source,
        to_status=step.target,
        actor_id=actor_id(step.actor),
        actor_role=step.context["role"],
        reason=step.reason[:200],
        reason_phrase=stored(step.reason),
    )
    _announce(step.obj, step.target)


MACHINE = Machine(status=OrderStatus, transitions=TRANSITIONS, invalid=InvalidTransition, record=_record)
# A shipment, a confirmation or a completion never moves an order an after-sales request holds.
UNLESS_HELD: dict[str, Any] = {"guard": Q(on_hold=False), "blocked": OrderOnHold}


def _announce(order: Order, to: OrderStatus) -> None:
    """Tell the buyer that the order was paid or shipped, and the merchant's owner that it was paid or received."""
    number = order.number
    messages = []
    if to == OrderStatus.PAID:
        messages.append(
            Message(
                order.buyer_id,
                "order_paid",
                phrase(gettext_lazy("Payment received for order %(number)s"), number=number),
                phrase(gettext_lazy("The shop will ship it soon.")),
                link=f"/orders/{number}/",
            )
        )
    elif to == OrderStatus.SHIPPED:
        messages.append(
            Message(
                order.buyer_id,
                "order_shipped",
                phrase(gettext_lazy("Order %(number)s has shipped"), number=number),
                f"{order.carrier} {order.tracking_number}",
                link=f"/orders/{number}/",
            )
        )
    owner_id = None
    if to in (OrderStatus.PAID, OrderStatus.DELIVERED):  # the owner's id, unless the order was read with it
        owner_id = order.owner_id if hasattr(order, "owner_id") else merchant_owner_id(order.merchant_id)
    if owner_id is not None:
        title = phrase(
            gettext_lazy("New paid order %(number)s to ship")
            if to == OrderStatus.PAID
            else gettext_lazy("Order %(number)s was received by the buyer"),
            number=number,
        )
        messages.append(Message(owner_id, f"merchant_order_{to}", title, link=f"/merchant/orders/{number}/"))
    notify_all(messages)


def _stock_lines(orders: list[Order], *, held: bool = True) -> dict[str, list[tuple[int, int]]]:
    """Each order's (SKU, quantity) lines; without the flash-sale lines, whose units a flash sale holds,
    unless ``held``."""
    return {
        order.number: [(line.sku_id, line.quantity) for line in order.lines.all() if held or line.flash_item_id is None]
        for order in orders
    }


@transaction.atomic(savepoint=False)  # inside the checkout's transaction: a failure rolls all of it back
def orders_place(
    *,
    buyer: Any,
    checkout_number: str,
    drafts: list[OrderDraft],
    destination: Destination,
    pay_by: dt.datetime,
    note: str = "",
) -> list[Order]:
    """Create one unpaid order per draft, to be paid by ``pay_by``, and reserve their stock: all or none.

    The orders come back with their lines, as written (no second read).
    The stock rows, which every buyer of a SKU contends for, are updated
    last, so their locks are held only until the caller commits (the
    checkout places last). Raises OutOfStock (409) if any SKU is short;
    nothing is written then.
    """
    orders = []
    for draft in drafts:
        to = draft.pickup.destination if draft.pickup else destination
        order = Order(
            number=ids.public_number(),
            checkout_number=checkout_number,
            buyer=buyer,
            merchant_id=draft.merchant_id,
            kind=draft.kind,
            currency=draft.goods.currency,
            goods_minor=draft.goods.minor,
            shipping_minor=draft.shipping.minor,
            discount_minor=draft.discount.minor,
            subsidy_minor=sum(a.amount.minor for a in draft.adjustments if a.funded_by_platform),
            total_minor=(draft.goods + draft.shipping - draft.discount).minor,
            note=note,
            fulfilment=Fulfilment.PICKUP if draft.pickup else Fulfilment.DELIVERY,
            pickup_point_id=draft.pickup.point_id if draft.pickup else None,
            receiver=to.receiver,
            province=to.province,
            city=to.city,
            district=to.district,
            address_detail=to.detail,
            postal_code=to.postal_code,
            pay_by=pay_by,
        )
        order.receiver_phone = to.phone
        orders.append(order)
    Order.objects.bulk_create(orders)
    lines = {
        order.number: [
            OrderLine(
                order=order,
                sku=line.sku,
                product_id=line.sku.product_id,
                title=line.sku.product.title,
                sku_label=line.sku.label,
                image=line.image,
                unit_price_minor=line.unit_price.minor,
                quantity=line.quantity,
                discount_minor=line.discount.minor if line.discount else 0,
                subsidy_minor=line.subsidy.minor if line.subsidy else 0,
                total_minor=(line.unit_price * line.quantity).minor - (line.discount.minor if line.discount else 0),
                weight_grams=line.sku.weight_grams,
                limited_price_id=line.limited_price_id,
                limited_units=line.limited_units,
                flash_item_id=line.flash_item_id,
            )
            for line in draft.lines
        ]
        for order, draft in zip(orders, drafts, strict=True)
    }
    OrderLine.objects.bulk_create(line for order_lines in lines.values() for line in order_lines)
    adjustments = [
        OrderAdjustment(
            order=order,
            step=adjustment.step,
            label=adjustment.label,
            amount_minor=adjustment.amount.minor,
            funded_by_platform=adjustment.funded_by_platform,
            source_kind=adjustment.source_kind,
            source_id=adjustment.source_id,
        )
        for order, draft in zip(orders, drafts, strict=True)
        for adjustment in draft.adjustments
    ]
    if adjustments:  # a basket without promotions costs no statement here
        OrderAdjustment.objects.bulk_create(adjustments)
    for order in orders:
        selectors.with_known_lines(order, lines[order.number])
    placed = phrase(gettext_lazy("Order placed"))
    OrderEvent.objects.bulk_create(
        OrderEvent(
            order=order,
            to_status=OrderStatus.PENDING_PAYMENT,
            actor_id=actor_id(buyer),
            actor_role=ActorRole.BUYER,
            reason=placed,
            reason_phrase=stored(placed),
        )
        for order in orders
    )
    reserved = {
        order.number: [(line.sku_id, line.quantity) for line in lines[order.number] if line.flash_item_id is None]
        for order in orders
    }
    if any(reserved.values()):  # a flash sale's units are held for it already
        stock_reserve(  # all orders in one call: one lock order, so two checkouts cannot deadlock
            actor=buyer, lines=reserved, savepoint=False
        )
    return orders


@transaction.atomic(savepoint=False)  # inside the payment's transaction: a failure rolls all of it back
def orders_mark_paid(*, checkout_number: str, paid_at: dt.datetime) -> list[Order]:
    """Mark the checkout's orders paid and turn their reservations into sales; the orders this call moved.

    Only the payments domain calls this, after it verified a payment and won
    the payment intent for it. Idempotent: a repeat moves nothing and returns
    no order. The orders come back with their lines loaded, as
    ``selectors.orders_of_checkout_with_lines`` gives them, so the ledger
    books them without reading them again. The hot rows (stock, then sales
    counts) are written last. Raises InvalidTransition if an order is
    cancelled (the payment service prevents that case first).
    """
    moved = [
        order
        for order in selectors.orders_of_checkout_with_lines(checkout_number)
        if move(
            MACHINE,
            order,
            OrderStatus.GROUPING if order.kind == OrderKind.TEAM else OrderStatus.PAID,
            reason=phrase(gettext_lazy("Payment received")),
            context={"role": ActorRole.SYSTEM},
            fields={"paid_at": paid_at},
        )
    ]
    if moved:
        stock_commit(actor=None, lines=_stock_lines(moved), savepoint=False)
        _record_sales([order for order in moved if order.status == OrderStatus.PAID])
    return moved


def _record_sales(orders: list[Order]) -> None:
    sold: Counter[int] = Counter()
    for order in orders:
        for line in order.lines.all():
            sold[line.product_id] += line.quantity
    for product_id, quantity in sorted(sold.items()):  # product order, like stock: no deadlocks between payers
        product_record_sales(product_id=product_id, quantity=quantity)


@transaction.atomic(savepoint=False)  # inside the group's transaction
def orders_group_formed(*, order_ids: list[int]) -> list[Order]:
    """A 拼团 group filled: its members' paid orders become ordinary paid orders the shop ships, and count as sold
    from now (a group that never fills sold nothing). Idempotent: the orders this call moved."""
    orders = list(Order.objects.filter(pk__in=order_ids).order_by("pk").prefetch_related("lines"))
    moved = [
        order
        for order in orders
        if move(
            MACHINE,
            order,
            OrderStatus.PAID,
            reason=phrase(gettext_lazy("The group filled")),
            context={"role": ActorRole.SYSTEM},
        )
    ]
    _record_sales(moved)
    return moved


@transaction.atomic(savepoint=False)  # inside the group's transaction, after the refund was booked
def order_close_unformed(*, order_id: int, reason: str) -> Order | None:
    """Close a 拼团 order refunded in full before its group filled, and put its units back on sale.

    Idempotent: the order if this call closed it, else None.
    """
    order = Order.objects.prefetch_related("lines").get(pk=order_id)
    if order.status != OrderStatus.GROUPING or not move(
        MACHINE,
        order,
        OrderStatus.CLOSED,
        reason=reason,
        context={"role": ActorRole.SYSTEM},
        fields={"closed_at": timezone.now()},
    ):
        return None
    OrderLine.objects.filter(order=order).update(refunded_quantity=F("quantity"))  # all its money went back
    stock_return(actor=None, lines=_stock_lines([order]))
    return order


@transaction.atomic
def orders_cancel_unpaid(*, actor: Actor, checkout_number: str, role: ActorRole, reason: str) -> list[Order]:
    """Cancel the checkout's unpaid orders and release their stock (a flash sale's units are not released here:
    the checkout gives them back to the flash sale).

    The orders of one checkout are paid together, so they are cancelled
    together. Only the checkout domain calls this, after it closed the
    payment intent. Idempotent: cancelled orders stay as they are, and stock
    is released once. Raises InvalidTransition for an order already paid.
    """
    now = timezone.now()
    orders = list(selectors.orders_of_checkout(checkout_number).prefetch_related("lines"))
    moved = [
        order
        for order in orders
        if move(
            MACHINE,
            order,
            OrderStatus.CANCELLED,
            actor=actor,
            reason=reason,
            context={"role": role},
            fields={"cancelled_at": now},
        )
    ]
    if moved and any((released := _stock_lines(moved, held=False)).values()):
        stock_release(actor=actor, lines=released)
    return orders


# Rules other apps keep on their own goods, registered when their app is ready (orders imports none of them):
# a check that raises to refuse shipping an order (pets: no live animal travels without its quarantine
# certificate), and a longer after-sales window for an order, which keeps its money in escrow that much longer
# (pets: the health guarantee).
SHIP_CHECKS: list[Callable[[Order], None]] = []
AFTERSALES_WINDOWS: list[Callable[[Order], dt.timedelta | None]] = []
# The courier a tracking number looks like, by name (shipping: from the number's shape), for a shipment whose
# carrier was left empty; None when unsure.
CARRIER_GUESSES: list[Callable[[str], str | None]] = []


def _aftersales_window(order: Order) -> dt.timedelta:
    longer = (window(order) for window in AFTERSALES_WINDOWS)
    return max([dt.timedelta(days=platform_settings().aftersales_days), *(w for w in longer if w is not None)])


@transaction.atomic
def order_ship(*, actor: Actor, order_number: str, carrier: str, tracking_number: str) -> Order:
    """Record the shipment of a paid order of the actor's merchant.

    An empty ``carrier`` is the one the number looks like (:data:`CARRIER_GUESSES`). Sends ``order_shipped``
    when this call shipped it. Shipping a shipped order again changes nothing. Raises OrderNotFound
    (also for another merchant's order), InvalidShipment, InvalidTransition
    (unpaid or cancelled orders).
    """
    check(actor, ORDER_FULFIL)
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    if not carrier:  # left empty: the courier the number looks like, if one is sure
        carrier = next((name for guess in CARRIER_GUESSES if (name := guess(tracking_number))), "")
    if not carrier or len(carrier) > 40:
        raise InvalidShipment(field="carrier")
    if not tracking_number or len(tracking_number) > 40 or not tracking_number.isascii():
        raise InvalidShipment(_("A tracking number is up to 40 letters and digits."), field="tracking_number")
    order = selectors.order_get_for_merchant(actor, order_number)
    if order.status == OrderStatus.PAID:
        for ship_check in SHIP_CHECKS:
            ship_check(order)
    now = timezone.now()
    if move(
        MACHINE,
        order,
        OrderStatus.SHIPPED,
        actor=actor,
        context={"role": ActorRole.MERCHANT},
        **UNLESS_HELD,
        reason=f"{carrier} {tracking_number}",
        fields={
            "shipped_at": now,
            "confirm_by": now + dt.timedelta(days=platform_settings().auto_confirm_days),
            "carrier": carrier,
            "tracking_number": tracking_number,
        },
    ):
        audit.record(
            actor=actor,
            action="orders.shipped",
            target=order,
            before={"status": OrderStatus.PAID},
            after={"status": OrderStatus.SHIPPED, "carrier": carrier, "tracking_number": tracking_number},
        )
        order_shipped.send(sender=Order, order=order)
    return order


def _deliver(order: Order, *, actor: Actor, role: ActorRole, reason: str, unless_held: bool = False) -> Order:
    now = timezone.now()
    move(
        MACHINE,
        order,
        OrderStatus.DELIVERED,
        actor=actor,
        reason=reason,
        context={"role": role},
        **(UNLESS_HELD if unless_held else {}),
        fields={"delivered_at": now, "complete_at": now + _aftersales_window(order)},
    )
    return order


@transaction.atomic
def orders_send_to_point(*, actor: Actor, order_ids: list[int], batch_number: str) -> list[Order]:
    """Ship the actor's shop's paid pickup orders to their point in one batch (a leader's 到货 delivers them when
    their buyers collect them, so they get no confirmation deadline). Orders an after-sales request holds stay
    behind. Returns the orders this call shipped."""
    check(actor, ORDER_FULFIL)
    now = timezone.now()
    carrier = _("Pickup point")
    orders = selectors.merchant_orders(actor).filter(
        pk__in=order_ids, fulfilment=Fulfilment.PICKUP, status=OrderStatus.PAID, on_hold=False
    )
    return [
        order
        for order in orders.order_by("pk")
        if move(
            MACHINE,
            order,
            OrderStatus.SHIPPED,
            actor=actor,
            context={"role": ActorRole.MERCHANT},
            **UNLESS_HELD,
            reason=f"{carrier} {batch_number}",
            fields={"shipped_at": now, "carrier": carrier, "tracking_number": batch_number},
        )
    ]


@transaction.atomic
def order_picked_up(*, actor: Actor, order_id: int) -> Order:
    """The buyer collected a pickup order at its point (the leader checked the code): delivered, and the
    after-sales window starts. Raises OrderOnHold while an after-sales request holds it."""
    order = Order.objects.get(pk=order_id)
    return _deliver(
        order,
        actor=actor,
        role=ActorRole.LEADER,
        reason=phrase(gettext_lazy("Collected at the pickup point")),
        unless_held=True,
    )


@transaction.atomic
def order_confirm_receipt(*, actor: Actor, order_number: str) -> Order:
    """The buyer confirms they received a shipped order. Idempotent.

    Raises OrderNotFound (another buyer's order), InvalidTransition (not shipped yet, or collected at a pickup
    point: the leader's check of its code delivers it).
    """
    order = selectors.order_get_for_buyer(actor, order_number)
    if order.fulfilment == Fulfilment.PICKUP and order.status == OrderStatus.SHIPPED:
        raise InvalidTransition(_("Collect it at the pickup point with its code: that confirms it."))
    return _deliver(
        order, actor=actor, role=ActorRole.BUYER, reason=phrase(gettext_lazy("Receipt confirmed by the buyer"))
    )


@transaction.atomic
def order_confirm_by_set(*, order_id: int, confirm_by: dt.datetime) -> Order | None:
    """Move a shipped order's automatic receipt (another app's rule: a live animal's arrival is confirmed within
    a day of it). Returns the order, or None when it is not shipped any more."""
    updated = Order.objects.filter(pk=order_id, status=OrderStatus.SHIPPED).update(confirm_by=confirm_by)
    return Order.objects.get(pk=order_id) if updated else None


@transaction.atomic
def order_confirm_overdue(*, order_id: int) -> Order | None:
    """Confirm receipt for the buyer once ``confirm_by`` has passed (the sweep calls it). Idempotent."""
    order = Order.objects.filter(
        pk=order_id, status=OrderStatus.SHIPPED, confirm_by__lte=timezone.now(), on_hold=False
    ).first()
    if order is None:
        return None
    try:
        return _deliver(
            order,
            actor=None,
            role=ActorRole.SYSTEM,
            reason=phrase(gettext_lazy("Receipt confirmed automatically")),
            unless_held=True,
        )
    except OrderOnHold:  # an after-sales request arrived a moment ago
        return None


@transaction.atomic
def order_complete_due(*, order_id: int) -> Order | None:
    """Complete a delivered order once its after-sales window has closed (the sweep calls it). Idempotent."""
    order = Order.objects.filter(
        pk=order_id, status=OrderStatus.DELIVERED, complete_at__lte=timezone.now(), on_hold=False
    ).first()
    if order is None:
        return None
    now = timezone.now()
    try:
        moved = move(
            MACHINE,
            order,
            OrderStatus.COMPLETED,
            reason=phrase(gettext_lazy("After-sales window closed")),
            context={"role": ActorRole.SYSTEM},
            **UNLESS_HELD,
            fields={"completed_at": now},
        )
    except OrderOnHold:  # an after-sales request arrived a moment ago
        return None
    if moved:  # once, by whichever call completed it
        order_completed.send(sender=Order, order=order)
    return order


@transaction.atomic
def order_hold(
    *, order_id: int, held: bool, actor: Actor, role: ActorRole, reason: str, status: str | None = None
) -> bool:
    """Hold an order while an after-sales request is open (only while it is still in ``status``), or let it go on.

    A held order is not shipped, confirmed or completed, so its money stays
    pending and can still be refunded in full; the guard on ``status`` and
    the ``UNLESS_HELD`` moves make a hold and a shipment (or a completion)
    exclude each other under any concurrency. A hold put on or taken off is
    a row on the order's timeline. Returns whether the order was found to
    hold or release. Idempotent: a repeat changes and records nothing.
    """
    orders = Order.objects.filter(pk=order_id)
    if held and status is not None:
        orders = orders.filter(status=status)
    if orders.filter(on_hold=not held).update(on_hold=held) == 1:
        current = status or Order.objects.values_list("status", flat=True).get(pk=order_id)
        OrderEvent.objects.create(
            order_id=order_id,
            kind=EventKind.HELD if held else EventKind.RELEASED,
            from_status=current,
            to_status=current,
            actor_id=actor_id(actor),
            actor_role=role,
            reason=reason[:200],
            reason_phrase=stored(reason),
        )
        return True
    return orders.exists()


@transaction.atomic
def order_lines_settle_aftersales(*, lines: list[tuple[int, int]], refunded: bool, returned: bool) -> None:
    """Count ``(order_line_id, quantity)`` as refunded and/or returned (after-sales calls it when it settles).

    The count never passes the line's quantity: the guard is in the UPDATE and a CHECK constraint backs it.
    Refunded units leave the product's sold count. Raises InvalidTransition when the count would pass.
    """
    for line_id, quantity in lines:
        guard, changes = Q(pk=line_id), {}
        if refunded:
            guard &= Q(refunded_quantity__lte=F("quantity") - quantity)
            changes["refunded_quantity"] = F("refunded_quantity") + quantity
        if returned:
            guard &= Q(returned_quantity__lte=F("quantity") - quantity)
            changes["returned_quantity"] = F("returned_quantity") + quantity
        if changes and OrderLine.objects.filter(guard).update(**changes) != 1:
            raise InvalidTransition(params={"line": line_id})
        if refunded:  # a refunded unit was not sold after all
            product_id = OrderLine.objects.filter(pk=line_id).values_list("product_id", flat=True).get()
            product_record_sales(product_id=product_id, quantity=-quantity)


@transaction.atomic
def order_close_refunded(*, order_id: int, actor: Actor, role: ActorRole, reason: str) -> Order:
    """Close a paid or delivered order whose payment was refunded in full (after-sales calls it). Idempotent."""
    order = Order.objects.get(pk=order_id)
    move(
        MACHINE,
        order,
        OrderStatus.CLOSED,
        actor=actor,
        reason=reason,
        context={"role": role},
        fields={"closed_at": timezone.now()},
    )
    return order


def receiver_phone_reveal(*, actor: Actor, order_number: str) -> str:
    """The receiver's whole number for the shop's fulfilment staff, while the order is paid or shipped.

    Pages and the API show the number masked; each look is audited (who,
    which order, when), never with the number. A virtual-number adapter
    can later answer a relay number here instead. Raises PermissionDenied,
    OrderNotFound, PhoneNotShown.
    """
    check(actor, ORDER_FULFIL)
    order = selectors.order_get_for_merchant(actor, order_number)
    if not order.in_fulfilment:
        raise PhoneNotShown
    audit.record(actor=actor, action="orders.receiver_phone_shown", target=order)
    return order.receiver_phone
