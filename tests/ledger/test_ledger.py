"""Postings on payment, commission rules, settlement, refunds, immutability and reconciliation."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from jishi.core.errors import PermissionDenied
from jishi.core.money import Money
from jishi.ledger import selectors
from jishi.ledger import services as ledger
from jishi.ledger.errors import InvalidRate, OrderSettled, RefundTooLarge
from jishi.ledger.models import AccountKind, CommissionRule, EntryKind, JournalEntry, JournalLine, Settlement
from jishi.ledger.reconcile import reconcile
from jishi.orders.models import Order
from jishi.orders.selectors import orders_of_checkout_with_lines
from jishi.orders.states import OrderStatus
from tests import factories

pytestmark = pytest.mark.django_db


def _balances(order):
    return {kind: money.minor for kind, money in selectors.balances_of(order.merchant_id).items()}


def test_a_paid_checkout_posts_one_balanced_entry_per_order_with_the_default_commission(paid_checkout):
    first, second = paid_checkout
    assert JournalEntry.objects.filter(kind=EntryKind.PAYMENT).count() == 2
    # 2 × 99.00 at 5 % is 9.90; 25.50 at 5 % is 1.275, rounded half-up once to 1.28.
    assert selectors.order_figures(first) == selectors.OrderFigures(
        paid=19800, refunded=0, commission=990, income=18810
    )
    assert selectors.order_figures(second) == selectors.OrderFigures(paid=2550, refunded=0, commission=128, income=2422)
    assert _balances(first)[AccountKind.MERCHANT_PENDING] == 18810
    assert _balances(second)[AccountKind.MERCHANT_PENDING] == 2422
    assert selectors.platform_balance(AccountKind.GATEWAY_CLEARING) == Money(22350, "CNY")
    assert selectors.platform_balance(AccountKind.COMMISSION_REVENUE) == Money(1118, "CNY")
    assert reconcile().ok


def test_an_order_is_booked_as_paid_once(paid_checkout):
    # given the checkout's orders, paid and booked
    orders = orders_of_checkout_with_lines(paid_checkout[0].checkout_number)
    # when their payment is posted again, then the database refuses it and nothing changes
    with pytest.raises(IntegrityError), transaction.atomic():
        ledger.payment_post(orders=orders, gateway="sandbox")
    assert JournalEntry.objects.filter(kind=EntryKind.PAYMENT).count() == 2
    assert reconcile().ok


def test_the_most_specific_commission_rule_in_force_applies(buyer, shop, merchant_staff):
    merchant = merchant_staff.membership.merchant
    root, leaf = shop.category.ancestor_ids()[0], shop.category
    today = timezone.localdate()
    CommissionRule.objects.create(category_id=root, rate_bp=800, starts_on=today)  # 8 % on the whole tree
    CommissionRule.objects.create(category=leaf, rate_bp=300, starts_on=today)  # 3 % on the leaf: deeper wins
    CommissionRule.objects.create(
        merchant=merchant, rate_bp=100, starts_on=today - dt.timedelta(days=30), ends_on=today - dt.timedelta(days=1)
    )  # ended yesterday: ignored
    factories.pay(factories.place(buyer, (factories.sku_of(shop), 1)))
    assert selectors.order_figures(Order.objects.get()).commission == 297  # 3 % of 99.00

    CommissionRule.objects.create(merchant=merchant, category=leaf, rate_bp=0, starts_on=today)  # merchant + leaf
    other = factories.user()
    factories.pay(factories.place(other, (factories.sku_of(shop), 1)))
    assert selectors.order_figures(Order.objects.get(buyer=other)).commission == 0


@pytest.mark.parametrize("rate", ["-1", "50.01", "5.555", "abc", "", "1e1", "NaN", "51"])
def test_a_bad_commission_rate_is_refused_and_nothing_is_written(admin_operator, rate, merchant_staff):
    with pytest.raises(InvalidRate):
        ledger.commission_rule_set(
            actor=admin_operator, rate=rate, starts_on=timezone.localdate(), merchant=merchant_staff.membership.merchant
        )
    assert not CommissionRule.objects.exists()


def test_only_finance_operators_set_commission(reviewer, merchant_staff):
    with pytest.raises(PermissionDenied):
        ledger.commission_rule_set(
            actor=reviewer, rate="3", starts_on=timezone.localdate(), merchant=merchant_staff.membership.merchant
        )


def test_a_commission_rule_is_audited(admin_operator, merchant_staff):
    from jishi.core.models import AuditEntry

    rule = ledger.commission_rule_set(
        actor=admin_operator, rate="3.5%", starts_on=timezone.localdate(), merchant=merchant_staff.membership.merchant
    )
    assert rule.rate_bp == 350
    assert AuditEntry.objects.get(action="ledger.commission_rule").after["rate_bp"] == 350


def test_settlement_moves_the_income_to_available_once(paid_checkout):
    order = paid_checkout[0]
    assert ledger.order_settle(order_id=order.pk) is None  # not completed yet
    factories.complete(order)
    settlement = ledger.order_settle(order_id=order.pk)
    assert (settlement.paid_minor, settlement.commission_minor, settlement.income_minor) == (19800, 990, 18810)
    assert ledger.order_settle(order_id=order.pk) == settlement
    assert ledger.orders_settle_due() == 0
    assert _balances(order) == {
        AccountKind.MERCHANT_PENDING: 0,
        AccountKind.MERCHANT_AVAILABLE: 18810,
        AccountKind.PAYOUTS_IN_TRANSIT: 0,
    }
    report = reconcile()
    assert report.ok, report.problems
    assert report.settlements == 1


def test_refunds_return_their_share_of_commission_and_the_settlement_adds_up(paid_checkout):
    order = paid_checkout[0]  # paid 198.00, commission 9.90
    ledger.refund_post(order=order, amount=Money(3300, "CNY"), reference="R1")
    ledger.refund_sent_post(order=order, amount=Money(3300, "CNY"), reference="R1")
    with pytest.raises(RefundTooLarge):
        ledger.refund_post(order=order, amount=Money(16501, "CNY"), reference="R2")
    ledger.refund_post(order=order, amount=Money(16500, "CNY"), reference="R3")  # the rest
    figures = selectors.order_figures(order)
    assert figures == selectors.OrderFigures(paid=19800, refunded=19800, commission=0, income=0)
    factories.complete(order)
    settlement = ledger.order_settle(order_id=order.pk)
    assert settlement.paid_minor == settlement.income_minor + settlement.commission_minor + settlement.refunded_minor
    with pytest.raises(OrderSettled):
        ledger.refund_post(order=order, amount=Money(1, "CNY"), reference="R4")
    assert reconcile().ok


def test_posted_entries_cannot_be_edited_or_deleted(paid_checkout):
    entry = JournalEntry.objects.first()
    line = JournalLine.objects.first()
    for attempt in (
        entry.save,
        entry.delete,
        line.save,
        line.delete,
        lambda: JournalEntry.objects.update(memo="x"),
        lambda: JournalLine.objects.filter(pk=line.pk).update(amount_minor=1),
        lambda: JournalLine.objects.all().delete(),
    ):
        with pytest.raises(TypeError):
            attempt()
    assert JournalLine.objects.count() == 6


def test_reconciliation_finds_a_settlement_that_does_not_match_the_ledger(paid_checkout):
    order = paid_checkout[0]
    factories.complete(order)
    ledger.order_settle(order_id=order.pk)
    Settlement.objects.filter(order=order).update(commission_minor=980, income_minor=18820)  # a bad hand edit
    report = reconcile()
    assert not report.ok
    assert any("ledger says" in problem for problem in report.problems)


def test_the_settle_sweep_settles_completed_orders(paid_checkout):
    for order in paid_checkout:
        factories.complete(order)
    assert Order.objects.filter(status=OrderStatus.COMPLETED).count() == 2
    assert ledger.orders_settle_due() == 2
    assert Settlement.objects.count() == 2
    assert reconcile().ok
