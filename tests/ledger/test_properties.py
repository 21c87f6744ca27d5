"""Property: whatever the orders, commission rules and refunds, every entry balances and every settlement adds up."""

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from jishi.core.money import Money
from jishi.ledger import selectors
from jishi.ledger import services as ledger
from jishi.ledger.models import CommissionRule, Settlement
from jishi.ledger.reconcile import reconcile
from jishi.orders.models import Order
from jishi.promotions import services as promotions
from jishi.promotions.pricing import CouponKind
from tests import factories
from tests.fuzzing import fuzzed

pytestmark = pytest.mark.django_db

prices = st.integers(min_value=1, max_value=500_000)  # 0.01 to 5,000.00
order_plans = st.lists(
    st.fixed_dictionaries(
        {
            "lines": st.lists(st.tuples(prices, st.integers(1, 5)), min_size=1, max_size=3),
            # Refunds as fractions of what is left to refund; 0 means none.
            "refunds": st.lists(st.decimals(min_value=0, max_value=1, places=2), max_size=3),
            # A platform coupon the buyer holds (its amount off), which the platform pays for.
            "platform_off": st.none() | prices,
        }
    ),
    min_size=1,
    max_size=4,
)


@fuzzed(25)
@given(
    plans=order_plans,
    merchant_rate=st.none() | st.integers(0, 5_000),
    category_rate=st.none() | st.integers(0, 5_000),
)
def test_random_days_of_orders_commissions_and_refunds_reconcile_to_the_cent(
    merchant_staff, admin_operator, leaf_category, plans, merchant_rate, category_rate
):
    with transaction.atomic():
        _business_day(merchant_staff, admin_operator, leaf_category, plans, merchant_rate, category_rate)
        report = reconcile()
        assert report.ok, report.problems
        assert report.totals.get("CNY", 0) == 0
        for settlement in Settlement.objects.all():
            assert settlement.paid_minor + settlement.subsidy_minor == (
                settlement.income_minor + settlement.commission_minor + settlement.refunded_minor
            )
        transaction.set_rollback(True)


def _business_day(staff, admin, category, plans, merchant_rate, category_rate):
    today = timezone.localdate()
    if merchant_rate is not None:
        CommissionRule.objects.create(merchant=staff.membership.merchant, rate_bp=merchant_rate, starts_on=today)
    if category_rate is not None:
        CommissionRule.objects.create(category=category, rate_bp=category_rate, starts_on=today)
    for number, plan in enumerate(plans):
        buyer = factories.user()
        lines = []
        for price, quantity in plan["lines"]:
            product = factories.product(
                staff, category, title=f"商品{number}", price=f"{price // 100}.{price % 100:02d}", stock=9
            )
            lines.append((factories.sku_of(product), quantity))
        if plan["platform_off"] is not None:
            template = promotions.coupon_template_create(
                actor=admin,
                data=promotions.CouponTemplateInput(
                    name="平台券",
                    kind=CouponKind.AMOUNT,
                    amount=Money(plan["platform_off"], "CNY"),
                    total_quantity=1,
                    valid_days=1,
                ),
                platform=True,
            )
            promotions.coupon_claim(actor=buyer, template_id=template.pk)
        factories.pay(factories.place(buyer, *lines))
        order = Order.objects.get(buyer=buyer)
        for index, share in enumerate(plan["refunds"]):
            figures = selectors.order_figures(order)
            amount = int((figures.paid - figures.refunded) * share)
            if amount:
                ledger.refund_post(order=order, amount=Money(amount, "CNY"), reference=f"{order.number}-{index}")
        factories.complete(order)
    ledger.orders_settle_due()
    assert Settlement.objects.count() == len(plans)
    assert selectors.platform_balance("commission_revenue").minor >= 0
    assert selectors.platform_balance("platform_subsidy").minor >= 0
