"""Points at checkout, on completion and on refunds, kept in an append-only ledger whose sum is the balance."""

import datetime as dt
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone

from jishi.checkout import services as checkout
from jishi.core.money import Money
from jishi.ledger import selectors as ledger_selectors
from jishi.ledger.reconcile import reconcile
from jishi.loyalty import selectors, services
from jishi.loyalty.errors import PointsInsufficient, PointsInvalid
from jishi.loyalty.models import EntryKind, Member, PointsEntry, Tier
from jishi.orders.models import Order
from jishi.payments import services as payments
from jishi.promotions.errors import PointsAboveCap
from tests import factories
from tests.loyalty.conftest import grant

pytestmark = pytest.mark.django_db


def balance(user: Any) -> int:
    return Member.objects.get(pk=user.pk).balance


def ledger_sum(user: Any) -> int:
    return PointsEntry.objects.filter(member_id=user.pk).aggregate(s=Sum("points"))["s"] or 0


def spend_at_checkout(buyer: Any, shop: Any, points: int, quantity: int = 1) -> Any:
    """Buy ``quantity`` of ``shop`` now, spending ``points``; returns the placement."""
    buy_now = checkout.BuyNow(sku_id=factories.sku_of(shop).pk, quantity=quantity)
    address_id = buyer.addresses.first().pk
    quote = checkout.checkout_quote(actor=buyer, address_id=address_id, buy_now=buy_now, points=points)
    return checkout.checkout_place(
        actor=buyer, address_id=address_id, fingerprint=quote.fingerprint, buy_now=buy_now, points=points
    )


def test_the_quote_offers_points_up_to_their_share_and_the_balance(rich_buyer, shop):
    buy_now = checkout.BuyNow(sku_id=factories.sku_of(shop).pk, quantity=1)
    address_id = rich_buyer.addresses.first().pk
    quote = checkout.checkout_quote(actor=rich_buyer, address_id=address_id, buy_now=buy_now)
    # ¥99.00 of goods: half of it is 4,950 points at 100 a yuan, more than the buyer's 1,000
    assert (quote.points, quote.points_balance, quote.points_most) == (0, 1000, 1000)
    quote = checkout.checkout_quote(actor=rich_buyer, address_id=address_id, buy_now=buy_now, points=300)
    (adjustment,) = quote.groups[0].priced.adjustments
    assert (adjustment.step, adjustment.amount, adjustment.funded_by_platform) == (
        "points",
        Money(300, "CNY"),
        True,
    )
    assert quote.total == quote.goods + quote.shipping - Money(300, "CNY")


def test_spent_points_are_a_platform_subsidy_the_merchant_is_paid_in_full(rich_buyer, shop):
    factories.pay(spend_at_checkout(rich_buyer, shop, 300))
    order = Order.objects.get(buyer=rich_buyer)
    assert order.subsidy_minor == 300
    assert balance(rich_buyer) == 700 == ledger_sum(rich_buyer)
    figures = ledger_selectors.order_figures(order)
    assert figures.subsidy == 300
    assert figures.paid + figures.subsidy == figures.income + figures.commission
    assert reconcile().ok


def test_more_points_than_held_or_than_their_share_is_refused_and_nothing_is_written(rich_buyer, shop):
    with pytest.raises(PointsInsufficient) as held:
        spend_at_checkout(rich_buyer, shop, 1001)
    assert held.value.field == "points"
    grant(rich_buyer, 10_000)
    with pytest.raises(PointsAboveCap) as share:
        spend_at_checkout(rich_buyer, shop, 4951)  # half of ¥99.00 is 4,950 fen
    assert share.value.field == "points"
    with pytest.raises(PointsInvalid):
        spend_at_checkout(rich_buyer, shop, -1)
    assert not Order.objects.exists()
    assert balance(rich_buyer) == 11_000 == ledger_sum(rich_buyer)


def test_a_checkout_cancelled_unpaid_gives_its_points_back_once(rich_buyer, shop):
    placement = spend_at_checkout(rich_buyer, shop, 400)
    assert balance(rich_buyer) == 600
    order = placement.orders[0]
    checkout.checkout_cancel(actor=rich_buyer, order_number=order.number)
    checkout.checkout_cancel(actor=rich_buyer, order_number=order.number)
    services.points_give_back_cancelled(order_ids=[order.pk])
    assert balance(rich_buyer) == 1000 == ledger_sum(rich_buyer)


def test_refunds_give_back_spent_points_pro_rata_and_the_whole_once_refunded_in_full(rich_buyer, shop):
    factories.pay(spend_at_checkout(rich_buyer, shop, 999, quantity=2))  # ¥198.00 - ¥9.99
    order = Order.objects.get(buyer=rich_buyer)
    assert order.total_minor == 19800 - 999
    third = Money(order.total_minor // 3, "CNY")
    payments.refund_create(order=order, amount=third, reason="少件", reference="r1")
    payments.refund_create(order=order, amount=third, reason="少件", reference="r1")  # a repeat: nothing new
    assert balance(rich_buyer) == 1 + 999 * third.minor // order.total_minor
    rest = Money(order.total_minor - third.minor, "CNY")
    payments.refund_create(order=order, amount=rest, reason="全退", reference="r2")
    assert balance(rich_buyer) == 1000 == ledger_sum(rich_buyer)
    assert PointsEntry.objects.filter(kind=EntryKind.GIVE_BACK).count() == 2


def test_a_completed_order_earns_at_the_tier_rate_and_a_refund_takes_it_back(buyer, home, shop):
    factories.pay(factories.place(buyer, (factories.sku_of(shop), 2)))
    order = Order.objects.get(buyer=buyer)
    factories.complete(order)
    paid = order.total_minor
    assert balance(buyer) == paid // 100  # 1 point a yuan for a regular member
    (earned,) = PointsEntry.objects.filter(kind=EntryKind.EARN_ORDER)
    assert earned.spend_minor == paid
    # a gold member earns 150 %
    Member.objects.filter(pk=buyer.pk).update(tier=Tier.GOLD)
    services.order_completed(None, order=order)  # a repeat of the same completion earns nothing more
    assert balance(buyer) == paid // 100
    payments.refund_create(order=order, amount=Money(paid // 2, "CNY"), reason="退一件", reference="half")
    assert balance(buyer) == paid // 100 - (paid // 100) * (paid // 2) // paid
    assert selectors.standing(buyer).spend == Money(paid - paid // 2, "CNY")


def test_a_gold_member_earns_more(buyer, home, shop):
    Member.objects.create(user=buyer, tier=Tier.GOLD)
    factories.pay(factories.place(buyer, (factories.sku_of(shop), 1)))
    factories.complete(Order.objects.get(buyer=buyer))
    assert balance(buyer) == 9900 * 150 // 10_000


def test_points_expire_twelve_months_on_oldest_first(rich_buyer, shop):
    now = timezone.now()
    old = grant(rich_buyer, 500, at=now - dt.timedelta(days=300))  # expires in 65 days
    factories.pay(spend_at_checkout(rich_buyer, shop, 600))
    old.refresh_from_db()
    assert old.remaining == 0  # the oldest lot was used first
    assert selectors.standing(rich_buyer).expiring == 0
    assert services.points_expire_due(now=now + dt.timedelta(days=366)) == 1
    assert balance(rich_buyer) == 0 == ledger_sum(rich_buyer)
    assert services.points_expire_due(now=now + dt.timedelta(days=367)) == 0


def test_the_standing_shows_points_about_to_expire(rich_buyer):
    grant(rich_buyer, 70, at=timezone.now() - dt.timedelta(days=350))
    standing = selectors.standing(rich_buyer)
    assert (standing.balance, standing.expiring) == (1070, 70)


def test_a_refund_of_points_already_spent_leaves_a_debt_the_next_points_pay(buyer, home, shop):
    factories.pay(factories.place(buyer, (factories.sku_of(shop), 2)))
    order = Order.objects.get(buyer=buyer)
    factories.complete(order)
    earned = balance(buyer)
    grant(buyer, 400)
    spend_at_checkout(buyer, shop, earned + 400 - 5)  # everything but 5 points
    payments.refund_create(order=order, amount=Money(order.total_minor, "CNY"), reason="全退", reference="all")
    assert balance(buyer) == 5 - earned == ledger_sum(buyer)
    assert not PointsEntry.objects.filter(member_id=buyer.pk, remaining__gt=0).exists()
    grant(buyer, earned + 20)
    assert balance(buyer) == 25
    assert PointsEntry.objects.filter(member_id=buyer.pk).aggregate(s=Sum("remaining"))["s"] == 25
