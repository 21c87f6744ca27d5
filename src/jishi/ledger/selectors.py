"""Reads of the ledger domain: balances, entries, figures per order, withdrawals."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet, Sum

from jishi.core.actors import Actor
from jishi.core.money import CURRENCY, Money
from jishi.core.permissions import check
from jishi.ledger.errors import PayoutNotFound
from jishi.ledger.models import (
    MERCHANT_KINDS,
    Account,
    AccountKind,
    CommissionRule,
    EntryKind,
    JournalLine,
    Payout,
    PayoutAccount,
    natural_sign,
)
from jishi.ledger.payees import Payee
from jishi.ledger.permissions import FINANCE_OPERATE, FINANCE_OWN, FINANCE_VIEW
from jishi.ledger.states import PayoutStatus
from jishi.merchants.selectors import merchant_of
from jishi.orders.models import Order
from jishi.orders.states import OrderStatus


@dataclass(frozen=True)
class OrderFigures:
    """One order's money as the ledger has it (minor units): paid, refunded, commission kept, merchant income, the
    platform's subsidy kept (its coupons, less what refunds took back), and the group leader's commission kept.

    paid + subsidy = income + commission + leader + refunded.
    """

    paid: int
    refunded: int
    commission: int
    income: int
    subsidy: int = 0
    leader: int = 0
    leader_id: int | None = None  # the leader the commission was booked for


def order_figures(order: Order) -> OrderFigures:
    """Sum the order's payment, refund and leader-commission postings, per account kind and leader (one query)."""
    rows = (
        JournalLine.objects.filter(
            entry__order=order,
            entry__kind__in=[EntryKind.PAYMENT, EntryKind.REFUND, EntryKind.LEADER_COMMISSION],
        )
        .values_list("account__kind", "account__leader_id")
        .annotate(total=Sum("amount_minor"))
    )
    by_kind: dict[str, int] = {}
    leader, leader_id = 0, None
    for kind, owner, total in rows:
        if owner is not None:
            leader, leader_id = leader - total, owner
        else:
            by_kind[kind] = total
    return OrderFigures(
        paid=by_kind.get(AccountKind.GATEWAY_CLEARING, 0),
        refunded=-by_kind.get(AccountKind.REFUNDS_PAYABLE, 0),
        commission=-by_kind.get(AccountKind.COMMISSION_REVENUE, 0),
        income=-by_kind.get(AccountKind.MERCHANT_PENDING, 0),
        subsidy=by_kind.get(AccountKind.PLATFORM_SUBSIDY, 0),
        leader=leader,
        leader_id=leader_id,
    )


def orders_to_settle(limit: int = 500) -> list[int]:
    """Completed, paid orders without a settlement, oldest first."""
    orders = Order.objects.filter(status=OrderStatus.COMPLETED, paid_at__isnull=False, settlement__isnull=True)
    return list(orders.order_by("completed_at", "pk").values_list("pk", flat=True)[:limit])


def balances_of(merchant_id: int, currency: str = CURRENCY) -> dict[str, Money]:
    """The merchant's pending, available and in-transit balances (zero for accounts never used)."""
    return payee_balances(Payee(merchant_id=merchant_id), currency)


def payee_balances(payee: Payee, currency: str = CURRENCY) -> dict[str, Money]:
    """A merchant's or a leader's pending, available and in-transit balances (zero for accounts never used)."""
    found = dict(Account.objects.filter(**payee.owner, currency=currency).values_list("kind", "balance_minor"))
    return {kind: Money(natural_sign(kind) * found.get(kind, 0), currency) for kind in MERCHANT_KINDS}


def payee_lines(payee: Payee) -> QuerySet[JournalLine]:
    """The lines of a merchant's or a leader's accounts, newest first, with their entry and account."""
    lines = JournalLine.objects.filter(**{f"account__{field}": value for field, value in payee.owner.items()})
    return lines.select_related("entry__order", "entry__payout", "account").order_by("-entry__posted_at", "-id")


def payee_payouts(payee: Payee) -> QuerySet[Payout]:
    return Payout.objects.filter(**payee.owner)


def payee_bank_account(payee: Payee) -> PayoutAccount | None:
    return PayoutAccount.objects.filter(**payee.owner).first()


def platform_balance(kind: AccountKind, currency: str = CURRENCY) -> Money:
    """A platform account's balance on its natural side, summed from its lines."""
    total = JournalLine.objects.filter(account__kind=kind, currency=currency).aggregate(s=Sum("amount_minor"))["s"]
    return Money(natural_sign(kind) * (total or 0), currency)


def _payee_of(actor: Actor) -> Payee:
    merchant = merchant_of(actor)
    assert merchant is not None  # FINANCE_OWN needs an active membership
    return Payee(merchant_id=merchant.pk)


def my_balances(actor: Actor) -> dict[str, Money]:
    check(actor, FINANCE_OWN)
    return payee_balances(_payee_of(actor))


def my_lines(actor: Actor, *, kind: str | None = None) -> QuerySet[JournalLine]:
    """The lines of the actor's merchant's accounts, newest first, with their entry and account."""
    check(actor, FINANCE_OWN)
    lines = payee_lines(_payee_of(actor))
    return lines.filter(account__kind=kind) if kind else lines


def my_payouts(actor: Actor) -> QuerySet[Payout]:
    check(actor, FINANCE_OWN)
    return payee_payouts(_payee_of(actor))


def my_payout_account(actor: Actor) -> PayoutAccount | None:
    check(actor, FINANCE_OWN)
    return payee_bank_account(_payee_of(actor))


def payouts_for_operator(actor: Actor, *, status: str | None = None) -> QuerySet[Payout]:
    check(actor, FINANCE_VIEW)
    payouts = Payout.objects.select_related("merchant", "leader__point", "requested_by", "decided_by")
    return payouts.filter(status=status) if status else payouts


def payouts_approved(limit: int = 200) -> list[int]:
    """Ids of approved withdrawals not paid yet (their payment task may have been lost)."""
    return list(Payout.objects.filter(status=PayoutStatus.APPROVED).values_list("pk", flat=True)[:limit])


def payout_get_for_operator(actor: Actor, number: str) -> Payout:
    check(actor, FINANCE_OPERATE)
    payout = Payout.objects.select_related("merchant").filter(number=number).first()
    if payout is None:
        raise PayoutNotFound
    return payout


def lines_for_operator(actor: Actor) -> QuerySet[JournalLine]:
    """Every journal line of the platform, newest first (for finance's export)."""
    check(actor, FINANCE_OPERATE)
    return JournalLine.objects.select_related("entry", "account__merchant").order_by("-entry__posted_at", "-id")


def commission_rules(actor: Actor, *, merchant_id: int | None = None) -> QuerySet[CommissionRule]:
    """Commission rules, newest first, optionally only those naming one merchant."""
    check(actor, FINANCE_VIEW)
    rules = CommissionRule.objects.select_related("merchant", "category").order_by("-starts_on", "-id")
    return rules.filter(merchant_id=merchant_id) if merchant_id else rules


def refunds_per_buyer(*, paid_since: dt.datetime, currency: str = CURRENCY) -> dict[int, int]:
    """What the ledger booked as refunded (minor units) on each buyer's orders paid since ``paid_since``, by buyer
    id; buyers with no refund are absent. One grouped query."""
    rows = (
        JournalLine.objects.filter(
            entry__kind=EntryKind.REFUND,
            account__kind=AccountKind.REFUNDS_PAYABLE,
            currency=currency,
            entry__order__paid_at__gte=paid_since,
        )
        .values_list("entry__order__buyer_id")
        .annotate(total=Sum("amount_minor"))
        .order_by()
    )
    return {buyer_id: -total for buyer_id, total in rows}
