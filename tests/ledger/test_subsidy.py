"""The platform pays for its own coupons: the merchant earns as if the buyer had paid, refunds take it back."""

from typing import Any

import pytest

from jishi.core.money import Money
from jishi.ledger import selectors
from jishi.ledger import services as ledger
from jishi.ledger.models import AccountKind, Settlement
from jishi.ledger.reconcile import reconcile
from jishi.orders.models import Order
from jishi.payments import services as payments
from jishi.promotions import services as promotions
from jishi.promotions.pricing import CouponKind
from tests import factories

pytestmark = pytest.mark.django_db


def yuan(amount: str) -> Money:
    return Money.parse(amount, "CNY")


@pytest.fixture
def subsidised_checkout(admin_operator: Any, buyer: Any, shop: Any, other_shop: Any) -> list[Order]:
    """2 × 99.00 and 1 × 25.50 from two shops, paid with the platform's 满100减20, which both orders share."""
    template = promotions.coupon_template_create(
        actor=admin_operator,
        data=promotions.CouponTemplateInput(
            name="平台券",
            kind=CouponKind.AMOUNT,
            amount=yuan("20.00"),
            min_spend=yuan("100.00"),
            total_quantity=100,
            valid_days=7,
        ),
        platform=True,
    )
    promotions.coupon_claim(actor=buyer, template_id=template.pk)
    factories.pay(factories.place(buyer, (factories.sku_of(shop), 2), (factories.sku_of(other_shop), 1)))
    return list(Order.objects.order_by("merchant__name"))


def test_the_merchant_earns_what_it_would_without_the_platforms_coupon(subsidised_checkout):
    first, second = subsidised_checkout
    # the coupon was chosen for the buyer and split over both orders
    assert first.subsidy_minor + second.subsidy_minor == 2000
    assert first.subsidy_minor > 0
    assert second.subsidy_minor > 0
    assert first.total_minor + second.total_minor == 22350 - 2000
    for order in (first, second):
        (adjustment,) = order.adjustments.all()
        assert (adjustment.label, adjustment.funded_by_platform) == ("平台券", True)
        assert sum(line.subsidy_minor for line in order.lines.all()) == order.subsidy_minor
    # commission is on the price before the platform's coupon, so income is as without it (see test_ledger)
    assert selectors.order_figures(first) == selectors.OrderFigures(
        paid=first.total_minor, refunded=0, commission=990, income=18810, subsidy=first.subsidy_minor
    )
    assert selectors.order_figures(second) == selectors.OrderFigures(
        paid=second.total_minor, refunded=0, commission=128, income=2422, subsidy=second.subsidy_minor
    )
    assert selectors.platform_balance(AccountKind.PLATFORM_SUBSIDY) == yuan("20.00")
    assert selectors.platform_balance(AccountKind.GATEWAY_CLEARING) == yuan("203.50")
    report = reconcile()
    assert report.ok, report.problems
    assert report.subsidy == {"CNY": 2000}


def _refund(order: Order, amount: int, reference: str) -> None:
    payments.refund_create(order=order, amount=Money(amount, "CNY"), reason="测试", reference=reference)


def test_refunds_give_the_subsidy_back_in_the_refunded_share_and_all_of_it_at_the_end(subsidised_checkout):
    first, _second = subsidised_checkout
    subsidy, paid = first.subsidy_minor, first.total_minor
    # when a third of what the buyer paid goes back
    _refund(first, paid // 3, "r1")
    figures = selectors.order_figures(first)
    back = subsidy - figures.subsidy
    assert back == round(subsidy * (paid // 3) / paid)
    # then the books still add up: paid + subsidy = income + commission + refunds
    assert figures.paid + figures.subsidy == figures.income + figures.commission + figures.refunded
    # when the rest goes back, then the platform has its whole subsidy back and the merchant keeps nothing
    _refund(first, paid - paid // 3, "r2")
    assert selectors.order_figures(first) == selectors.OrderFigures(
        paid=paid, refunded=paid, commission=0, income=0, subsidy=0
    )
    assert reconcile().ok


def test_a_settlement_records_the_subsidy_and_reconciles(subsidised_checkout):
    _first, second = subsidised_checkout
    factories.complete(second)
    settlement = ledger.order_settle(order_id=second.pk)
    assert (settlement.paid_minor, settlement.subsidy_minor, settlement.income_minor) == (
        second.total_minor,
        second.subsidy_minor,
        2422,
    )
    assert selectors.balances_of(second.merchant_id)[AccountKind.MERCHANT_AVAILABLE] == Money(2422, "CNY")
    assert reconcile().ok
    # figures changed behind the ledger's back are caught: a settlement's, an order's promise
    Settlement.objects.filter(pk=settlement.pk).update(
        subsidy_minor=0, paid_minor=second.total_minor + second.subsidy_minor
    )
    Order.objects.filter(pk=second.pk).update(subsidy_minor=second.subsidy_minor - 1)
    problems = reconcile().problems
    assert f"order {second.number}: subsidy {second.subsidy_minor - 1} promised, {second.subsidy_minor} booked" in (
        problems
    )
    assert any(problem.startswith(f"settlement of order {second.number}: ledger says") for problem in problems)
