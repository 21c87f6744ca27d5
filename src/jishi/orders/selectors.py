"""Reads of the orders domain. Buyers see their own orders, merchant staff their merchant's."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Max, Min, Prefetch, Q, QuerySet, Sum

from jishi.accounts.selectors import user_find_by_identifier_or_none
from jishi.core.actors import Actor, user_of
from jishi.core.money import CURRENCY, Money
from jishi.core.permissions import check
from jishi.merchants.selectors import merchant_of, merchant_owner_id_of
from jishi.orders.errors import OrderNotFound
from jishi.orders.models import Fulfilment, Order, OrderEvent, OrderLine
from jishi.orders.permissions import ORDER_BUY, ORDER_FULFIL, ORDER_OVERSEE
from jishi.orders.states import OrderKind, OrderStatus


def _with_details(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.select_related("merchant").prefetch_related(
        "lines", "adjustments", Prefetch("events", queryset=OrderEvent.objects.select_related("actor"))
    )


def order_list_for_buyer(actor: Actor, *, status: str | None = None) -> QuerySet[Order]:
    """The actor's orders, newest first, with merchant and lines (three queries a page)."""
    check(actor, ORDER_BUY)
    orders = Order.objects.filter(buyer=user_of(actor)).select_related("merchant").prefetch_related("lines")
    return orders.filter(status=status) if status else orders


def order_counts_for_buyer(actor: Actor) -> dict[str, int]:
    """How many of the actor's orders are in each status (one query), for the shortcuts on 我的."""
    check(actor, ORDER_BUY)
    rows = Order.objects.filter(buyer=user_of(actor)).order_by().values_list("status").annotate(n=Count("id"))
    return dict(rows)


def order_get_for_buyer(actor: Actor, number: str) -> Order:
    """One of the actor's orders with lines and history; another buyer's order is OrderNotFound (404)."""
    check(actor, ORDER_BUY)
    order = _with_details(Order.objects.filter(buyer=user_of(actor), number=number)).first()
    if order is None:
        raise OrderNotFound
    return order


def merchant_orders(actor: Actor) -> QuerySet[Order]:
    """The orders of the actor's merchant (PermissionDenied without the fulfilment permission)."""
    check(actor, ORDER_FULFIL)
    return Order.objects.filter(merchant=merchant_of(actor))


def order_list_for_merchant(actor: Actor, *, status: str | None = None) -> QuerySet[Order]:
    """The orders of the actor's merchant, newest first, with buyer, merchant and lines (three queries a page)."""
    orders = merchant_orders(actor).select_related("buyer", "merchant").prefetch_related("lines")
    return orders.filter(status=status) if status else orders


def order_get_for_merchant(actor: Actor, number: str) -> Order:
    """One order of the actor's merchant; another merchant's order is OrderNotFound (404)."""
    order = _with_details(merchant_orders(actor).filter(number=number)).first()
    if order is None:
        raise OrderNotFound
    return order


def orders_for_operator(
    actor: Actor, *, query: str = "", status: str = "", merchant_id: int | None = None
) -> QuerySet[Order]:
    """Every merchant's orders, newest first, by order or checkout number (or its start), buyer mobile or e-mail."""
    check(actor, ORDER_OVERSEE)
    orders = Order.objects.select_related("merchant", "buyer").prefetch_related("lines")
    if status:
        orders = orders.filter(status=status)
    if merchant_id is not None:
        orders = orders.filter(merchant_id=merchant_id)
    query = query.strip()
    if not query:
        return orders
    if query.isdecimal() and len(query) != 11:
        return orders.filter(Q(number__startswith=query) | Q(checkout_number__startswith=query))
    buyer = user_find_by_identifier_or_none(query)
    return orders.filter(buyer=buyer) if buyer is not None else orders.none()


def order_get_for_operator(actor: Actor, number: str) -> Order:
    check(actor, ORDER_OVERSEE)
    order = _with_details(Order.objects.filter(number=number)).select_related("buyer").first()
    if order is None:
        raise OrderNotFound
    return order


def order_completed(order_id: int) -> Order | None:
    """The order when it is completed (settlement reads it), else None."""
    return Order.objects.filter(pk=order_id, status=OrderStatus.COMPLETED).first()


def line_units_cost(line: OrderLine, quantity: int, already: int) -> int:
    """What the next ``quantity`` units of the line cost its buyer (minor units), after ``already`` units.

    The line's total (after its discounts) is split over its units to the cent, so shares of all of them add up
    to it exactly: ¥290.00 for 3 units is ¥96.67, ¥96.67 and ¥96.66.
    """
    units = Money(line.total_minor, line.order.currency).allocate([1] * line.quantity)
    return sum(unit.minor for unit in units[already : already + quantity])


def orders_by_ids(order_ids: list[int]) -> list[Order]:
    return list(Order.objects.filter(pk__in=order_ids).order_by("pk"))


def orders_of_checkout(checkout_number: str) -> QuerySet[Order]:
    """All orders of one checkout, in a fixed order (for services that move them together)."""
    return Order.objects.filter(checkout_number=checkout_number).order_by("pk")


def subsidies_promised() -> dict[str, int]:
    """Each paid order's platform subsidy (its platform coupons' share), by order number, where it has one."""
    paid = Order.objects.filter(subsidy_minor__gt=0, paid_at__isnull=False)
    return dict(paid.values_list("number", "subsidy_minor"))


def checkout_refunded_in_full(checkout_number: str) -> bool:
    """Whether every order of the checkout was refunded in full and closed."""
    return not orders_of_checkout(checkout_number).exclude(status=OrderStatus.CLOSED).exists()


def has_paid_order(user_id: int) -> bool:
    """Whether the user ever paid for an order."""
    return Order.objects.filter(buyer_id=user_id, paid_at__isnull=False).exists()


def with_known_lines(order: Order, lines: list[OrderLine]) -> Order:
    """Let ``order.lines.all()`` answer ``lines`` without reading them (as a prefetch does)."""
    known = order.lines.all()
    known._result_cache = lines
    known._prefetch_done = True  # type: ignore[attr-defined]
    order._prefetched_objects_cache = {"lines": known}  # type: ignore[attr-defined]
    return order


def orders_of_checkout_with_lines(checkout_number: str) -> list[Order]:
    """The checkout's orders as :func:`orders_of_checkout` gives them, their lines loaded, in one query.

    Each line also carries ``category_path``, the path of its product's
    category (what commission rules are scoped by), and each order
    ``owner_id``, the id of its shop's owner (whom a paid order is announced to).
    """
    lines = (
        OrderLine.objects.filter(order__checkout_number=checkout_number)
        .select_related("order")
        .annotate(category_path=F("product__category__path"), owner_id=merchant_owner_id_of("order__merchant_id"))
        .order_by("order_id", "pk")
    )
    orders: dict[int, Order] = {}
    grouped: dict[int, list[OrderLine]] = {}
    for line in lines:
        line.order = orders.setdefault(line.order_id, line.order)  # one instance per order, shared by its lines
        line.order.owner_id = line.owner_id  # type: ignore[attr-defined]
        grouped.setdefault(line.order_id, []).append(line)
    return [with_known_lines(order, grouped[order_id]) for order_id, order in orders.items()]


def orders_for_buyer_checkout(actor: Actor, checkout_number: str) -> list[Order]:
    """The actor's orders of one checkout (empty for someone else's checkout)."""
    check(actor, ORDER_BUY)
    return list(
        Order.objects.filter(buyer=user_of(actor), checkout_number=checkout_number)
        .select_related("merchant")
        .prefetch_related("lines")
        .order_by("pk")
    )


def units_bought_at_limited_prices(buyer_id: int, limited_price_ids: list[int]) -> dict[int, int]:
    """How many units the buyer bought at each of these limited prices, in orders not cancelled (their limits)."""
    rows = (
        OrderLine.objects.filter(order__buyer_id=buyer_id, limited_price_id__in=limited_price_ids)
        .exclude(order__status=OrderStatus.CANCELLED)
        .values_list("limited_price_id")
        .annotate(units=Sum("limited_units"))
    )
    return {limited_id: units for limited_id, units in rows if limited_id is not None}


def checkouts_unpaid_overdue(*, now: dt.datetime, limit: int = 500) -> list[str]:
    """Checkout numbers with an order still unpaid after its deadline (for the time-out sweep)."""
    numbers = (
        Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, pay_by__lte=now)
        .order_by("pay_by")
        .values_list("checkout_number", flat=True)[:limit]
    )
    return list(dict.fromkeys(numbers))


def orders_confirm_overdue(*, now: dt.datetime, limit: int = 500) -> list[int]:
    return list(
        Order.objects.filter(status=OrderStatus.SHIPPED, confirm_by__lte=now, on_hold=False)
        .order_by("confirm_by")
        .values_list("pk", flat=True)[:limit]
    )


def orders_complete_due(*, now: dt.datetime, limit: int = 500) -> list[int]:
    return list(
        Order.objects.filter(status=OrderStatus.DELIVERED, complete_at__lte=now, on_hold=False)
        .order_by("complete_at")
        .values_list("pk", flat=True)[:limit]
    )


def paid_purchases(
    *, since: dt.datetime | None = None
) -> QuerySet[OrderLine, tuple[int, int, int, dt.datetime | None]]:
    """``(buyer_id, product_id, quantity, paid_at)`` of every line of every paid order (paid since ``since``) that
    was not refunded in full and closed, in the order they were paid (ties by order and line), for the
    recommendations."""
    lines = OrderLine.objects.filter(order__paid_at__isnull=False).exclude(order__status=OrderStatus.CLOSED)
    if since is not None:
        lines = lines.filter(order__paid_at__gte=since)
    return lines.order_by("order__paid_at", "order_id", "pk").values_list(
        "order__buyer_id", "product_id", "quantity", "order__paid_at"
    )


def campaign_purchases() -> set[tuple[int, int]]:
    """(buyer_id, product_id) bought in a flash sale, a group buy or a community pickup: bought for the campaign
    the buyer was shown, which the recommendations' evaluation does not ask them to predict."""
    campaign = Q(order__kind__in=[OrderKind.FLASH, OrderKind.TEAM]) | Q(order__fulfilment=Fulfilment.PICKUP)
    lines = OrderLine.objects.filter(campaign, order__paid_at__isnull=False)
    return set(lines.values_list("order__buyer_id", "product_id"))


def products_bought_by(buyer_id: int, *, since: dt.datetime | None = None) -> QuerySet[OrderLine, object]:
    """The products the buyer paid for (since ``since``), as a subquery (``product_id``) for another query."""
    lines = OrderLine.objects.filter(order__buyer_id=buyer_id, order__paid_at__isnull=False)
    if since is not None:
        lines = lines.filter(order__paid_at__gte=since)
    return lines.values("product_id")


@dataclass(frozen=True)
class BuyerPurchases:
    """One buyer's paid orders, for the member segments: ``orders`` and ``paid_minor`` count those paid since the
    window's start; the times are of all their paid orders."""

    buyer_id: int
    first_paid_at: dt.datetime
    last_paid_at: dt.datetime
    orders: int  # paid in the window and not refunded in full (closed)
    paid_minor: int  # what the window's paid orders paid, closed ones included (their refunds are the ledger's)


def buyer_purchases(*, since: dt.datetime, currency: str = CURRENCY) -> list[BuyerPurchases]:
    """Every buyer with a paid order, by buyer id, in one grouped query. A paid order has ``paid_at`` set and is not
    a 拼团 order still waiting for its group (its money may yet go back); one refunded in full and closed still
    dates the buyer's first and last purchase but is not counted among their orders."""
    paid = Order.objects.filter(paid_at__isnull=False, currency=currency).exclude(status=OrderStatus.GROUPING)
    in_window = Q(paid_at__gte=since)
    rows = (
        paid.values("buyer_id")
        .annotate(
            first=Min("paid_at"),
            last=Max("paid_at"),
            orders=Count("pk", filter=in_window & ~Q(status=OrderStatus.CLOSED)),
            paid_minor=Sum("total_minor", filter=in_window, default=0),
        )
        .order_by("buyer_id")
    )
    return [
        BuyerPurchases(row["buyer_id"], row["first"], row["last"], row["orders"], row["paid_minor"]) for row in rows
    ]


REVIEWABLE = (OrderStatus.DELIVERED, OrderStatus.COMPLETED)


def buyer_line(buyer_id: int, line_id: int) -> OrderLine | None:
    """One of the buyer's order lines, with its order (None for another buyer's)."""
    return OrderLine.objects.select_related("order").filter(pk=line_id, order__buyer_id=buyer_id).first()


def lines_to_review(buyer_id: int) -> QuerySet[OrderLine]:
    """The buyer's lines of received orders, but those refunded in full, newest first (待评价 before the
    caller leaves out what was reviewed)."""
    return (
        OrderLine.objects.filter(order__buyer_id=buyer_id, order__status__in=REVIEWABLE)
        .exclude(refunded_quantity=F("quantity"))
        .select_related("order")
        .order_by("-order__delivered_at", "-pk")
    )
