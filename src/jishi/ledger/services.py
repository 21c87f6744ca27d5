"""Postings to the ledger, settlement of completed orders, and withdrawals.

Every function that moves money posts one balanced journal entry inside the
caller's transaction, so the books change exactly when the business fact
does. The payments domain posts a payment when it wins an intent; the
settlement sweep moves a completed order's income from pending to
available; merchants withdraw what is available and finance operators
approve the withdrawal before the payout adapter pays it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jishi.accounts.services import password_confirm
from jishi.core import audit, crypto, ids
from jishi.core.actors import Actor, user_of
from jishi.core.errors import InvalidInput
from jishi.core.money import Money, percent_to_basis_points, round_minor
from jishi.core.permissions import check
from jishi.core.phrases import phrase
from jishi.core.states import Machine, Move, move
from jishi.core.transactions import after_commit
from jishi.ledger import payouts, selectors
from jishi.ledger.commission import orders_commission
from jishi.ledger.errors import (
    InsufficientBalance,
    InvalidAmount,
    InvalidBankAccount,
    InvalidRate,
    OrderSettled,
    PayoutAccountMissing,
    PayoutNotPending,
    RefundTooLarge,
    UnbalancedEntry,
)
from jishi.ledger.locks import approved_payout_lock
from jishi.ledger.models import (
    ACCOUNT_NUMBER_CONTEXT,
    MAX_RATE_BP,
    MERCHANT_KINDS,
    Account,
    AccountKind,
    CommissionRule,
    EntryKind,
    JournalEntry,
    JournalLine,
    Payout,
    PayoutAccount,
    PayoutAccountStatus,
    Settlement,
)
from jishi.ledger.payees import Payee
from jishi.ledger.permissions import FINANCE_OPERATE, FINANCE_OWN
from jishi.ledger.states import PAYOUT_TRANSITIONS, PayoutStatus
from jishi.merchants.permissions import COMMISSION_MANAGE
from jishi.merchants.selectors import merchant_for, merchant_owner_id
from jishi.notifications.services import notify
from jishi.orders.locks import order_lock
from jishi.orders.selectors import order_completed

if TYPE_CHECKING:
    from jishi.orders.models import Order

logger = logging.getLogger(__name__)

Line = tuple[Account, int]


def account_for(
    kind: AccountKind, currency: str, merchant_id: int | None = None, *, leader_id: int | None = None
) -> Account:
    """The account of this kind: the merchant's or the leader's, or the platform's when neither is given; made on
    first use."""
    payee = merchant_id is not None or leader_id is not None
    if (kind in MERCHANT_KINDS) != payee:
        raise ValueError(f"{kind} is {'a payee' if kind in MERCHANT_KINDS else 'a platform'} account")
    owner = Payee(merchant_id, leader_id).owner if payee else {"merchant__isnull": True, "leader__isnull": True}
    account, _created = Account.objects.get_or_create(kind=kind, currency=currency, **owner)
    return account


def _post(kind: EntryKind, memo: str, lines: Iterable[Line], *, reference: str = "", **links: Any) -> JournalEntry:
    """Post one balanced entry and move the running balances of the merchant accounts it touches.

    Zero lines are dropped. Raises UnbalancedEntry if the lines do not sum to
    zero per currency, IntegrityError if ``reference`` was posted before for
    this kind, and InsufficientBalance if a merchant's available balance
    would go below zero (the database's CHECK constraint decides, so two
    concurrent withdrawals can never both spend the same money).
    """
    kept = [(account, amount) for account, amount in lines if amount]
    totals: dict[str, int] = defaultdict(int)
    for account, amount in kept:
        totals[account.currency] += amount
    if not kept or any(totals.values()):
        raise UnbalancedEntry(f"{kind} {reference}: {dict(totals)}")
    entry = JournalEntry.objects.create(kind=kind, memo=memo[:200], reference=reference, **links)
    JournalLine.objects.bulk_create(
        JournalLine(entry=entry, account=account, amount_minor=amount, currency=account.currency)
        for account, amount in kept
    )
    deltas: dict[int, int] = defaultdict(int)
    for account, amount in kept:
        if account.kind in MERCHANT_KINDS:
            deltas[account.pk] += amount
    try:
        with transaction.atomic(savepoint=False):  # the caller's transaction rolls back whole on the error
            for account_id in sorted(deltas):  # one lock order for every posting: no deadlocks
                Account.objects.filter(pk=account_id).update(balance_minor=F("balance_minor") + deltas[account_id])
    except IntegrityError as exc:
        raise InsufficientBalance from exc
    return entry


def _reverse(entry: JournalEntry, memo: str) -> JournalEntry:
    """Post the mirror image of ``entry``; an entry is reversed at most once."""
    lines = [(line.account, -line.amount_minor) for line in entry.lines.select_related("account")]
    return _post(EntryKind.REVERSAL, memo, lines, reverses=entry, order_id=entry.order_id, payout_id=entry.payout_id)


# Payments and refunds ------------------------------------------------------------------------


def _accounts(wanted: Iterable[tuple[AccountKind, str, int | None]]) -> dict[tuple[str, str, int | None], Account]:
    """The accounts asked for as (kind, currency, merchant id or None), in one query; any missing is made."""
    wanted = set(wanted)
    match = Q()
    for kind, currency, merchant_id in wanted:
        # None matches the platform's (IS NULL), which no leader holds either.
        match |= Q(kind=kind, currency=currency, merchant_id=merchant_id, leader__isnull=True)
    found: dict[tuple[str, str, int | None], Account] = {
        (account.kind, account.currency, account.merchant_id): account for account in Account.objects.filter(match)
    }
    for kind, currency, merchant_id in wanted - found.keys():
        found[(kind, currency, merchant_id)] = account_for(kind, currency, merchant_id)
    return found


@transaction.atomic(savepoint=False)  # inside the payment's transaction: a failure rolls all of it back
def payment_post(*, orders: list[Order], gateway: str) -> list[JournalEntry]:
    """Book the payment of orders just marked paid: per order, clearing and the platform's subsidy → merchant
    pending, less the commission.

    The merchant is owed what the buyer paid plus what the platform's
    coupons took off (``Order.subsidy``), which the platform-subsidy account
    pays. Called by the payments domain in the transaction that marked the
    orders paid, with the orders as ``orders_mark_paid`` returns them (their
    lines loaded, with their category paths). An order is booked once: its
    number is the entry's reference, so posting it again raises IntegrityError.
    """
    if not orders:
        return []
    accounts = _accounts(
        key
        for order in orders
        for key in (
            (AccountKind.GATEWAY_CLEARING, order.currency, None),
            (AccountKind.MERCHANT_PENDING, order.currency, order.merchant_id),
            (AccountKind.COMMISSION_REVENUE, order.currency, None),
            *([(AccountKind.PLATFORM_SUBSIDY, order.currency, None)] if order.subsidy_minor else []),
        )
    )
    entries = []
    for order, commission in zip(orders, orders_commission(orders), strict=True):
        currency = order.currency
        lines = [
            (accounts[(AccountKind.GATEWAY_CLEARING, currency, None)], order.total_minor),
            (
                accounts[(AccountKind.MERCHANT_PENDING, currency, order.merchant_id)],
                -(order.total_minor + order.subsidy_minor - commission.minor),
            ),
            (accounts[(AccountKind.COMMISSION_REVENUE, currency, None)], -commission.minor),
        ]
        if order.subsidy_minor:
            lines.append((accounts[(AccountKind.PLATFORM_SUBSIDY, currency, None)], order.subsidy_minor))
        entries.append(
            _post(
                EntryKind.PAYMENT,
                _("Order %(number)s paid through %(gateway)s") % {"number": order.number, "gateway": gateway},
                lines,
                reference=order.number,
                order=order,
            )
        )
    return entries


def _share(part: int, amount: int, left: int) -> int:
    """``part`` × ``amount`` / ``left``, half-up; all of ``part`` when ``amount`` is all that is ``left``."""
    return part if amount == left else round_minor(Decimal(part) * amount / left)


@transaction.atomic
def refund_post(*, order: Order, amount: Money, reference: str) -> JournalEntry:
    """Book a refund owed to the buyer of ``order``; the commission and the platform's subsidy on the refunded
    part go back.

    Each goes back in the refunded share of what is left of the payment, so
    refunding everything returns all of both; the merchant gives up the
    refund plus the subsidy returned, less the commission returned.
    Raises RefundTooLarge beyond what is left of the payment, OrderSettled
    once the order's money has been settled, IntegrityError for a reference
    booked before.
    """
    if amount.minor <= 0:
        raise InvalidAmount(field="amount")
    order_lock(order.pk)  # refunds of one order queue here
    if Settlement.objects.filter(order=order).exists():
        raise OrderSettled
    figures = selectors.order_figures(order)
    left = figures.paid - figures.refunded
    if amount.minor > left:
        raise RefundTooLarge(field="amount")
    commission_back = _share(figures.commission, amount.minor, left)
    subsidy_back = _share(figures.subsidy, amount.minor, left)
    leader_back = _share(figures.leader, amount.minor, left)
    currency = order.currency
    return _post(
        EntryKind.REFUND,
        _("Refund %(reference)s of order %(number)s") % {"reference": reference, "number": order.number},
        [
            (
                account_for(AccountKind.MERCHANT_PENDING, currency, order.merchant_id),
                amount.minor + subsidy_back - commission_back - leader_back,
            ),
            (account_for(AccountKind.COMMISSION_REVENUE, currency), commission_back),
            (account_for(AccountKind.REFUNDS_PAYABLE, currency), -amount.minor),
            *([(account_for(AccountKind.PLATFORM_SUBSIDY, currency), -subsidy_back)] if subsidy_back else []),
            *(
                [(account_for(AccountKind.MERCHANT_PENDING, currency, leader_id=figures.leader_id), leader_back)]
                if leader_back
                else []
            ),
        ],
        reference=reference,
        order=order,
    )


@transaction.atomic
def unapplied_payment_post(*, amount: Money, reference: str, memo: str) -> JournalEntry:
    """Book money a gateway took for a checkout that was no longer open: clearing → refunds payable, all of it.

    No order is paid, no merchant earns and no commission is due; the
    refund numbered ``reference`` gives it back (``refund_sent_post``).
    Raises IntegrityError for a reference booked before.
    """
    return _post(
        EntryKind.UNAPPLIED_PAYMENT,
        memo,
        [
            (account_for(AccountKind.GATEWAY_CLEARING, amount.currency), amount.minor),
            (account_for(AccountKind.REFUNDS_PAYABLE, amount.currency), -amount.minor),
        ],
        reference=reference,
    )


@transaction.atomic
def refund_sent_post(*, order: Order | None, amount: Money, reference: str) -> JournalEntry:
    """Book that the gateway returned a refund to the buyer: refunds payable → clearing."""
    return _post(
        EntryKind.REFUND_SENT,
        _("Refund %(reference)s returned through the gateway") % {"reference": reference},
        [
            (account_for(AccountKind.REFUNDS_PAYABLE, amount.currency), amount.minor),
            (account_for(AccountKind.GATEWAY_CLEARING, amount.currency), -amount.minor),
        ],
        reference=reference,
        order=order,
    )


@transaction.atomic
def leader_commission_post(*, order: Order, leader_id: int, rate_bp: int) -> JournalEntry | None:
    """Book a group leader's commission on an order handed over at their point: ``rate_bp`` of the goods paid
    and not refunded, out of the merchant's pending income (never more than is left of it) into the leader's.

    Refunds after this take back their share of it (``refund_post``); the
    order's settlement makes it available to withdraw. Booked once per order
    (a repeat returns the first); None when nothing is due.
    """
    if not 0 <= rate_bp <= 10_000:
        raise InvalidRate(field="leader_rate")
    order_lock(order.pk)  # queued with the order's refunds and its settlement
    if Settlement.objects.filter(order=order).exists():
        raise OrderSettled
    done = JournalEntry.objects.filter(kind=EntryKind.LEADER_COMMISSION, reference=order.number).first()
    if done is not None:
        return done
    figures = selectors.order_figures(order)
    goods = order.total_minor - order.shipping_minor
    if not figures.paid or goods <= 0:
        return None
    goods_left = _share(goods, figures.paid - figures.refunded, figures.paid)
    amount = min(round_minor(Decimal(goods_left) * rate_bp / 10_000), figures.income)
    if amount <= 0:
        return None
    currency = order.currency
    return _post(
        EntryKind.LEADER_COMMISSION,
        _("Leader commission on order %(number)s") % {"number": order.number},
        [
            (account_for(AccountKind.MERCHANT_PENDING, currency, order.merchant_id), amount),
            (account_for(AccountKind.MERCHANT_PENDING, currency, leader_id=leader_id), -amount),
        ],
        reference=order.number,
        order=order,
    )


# Settlement -----------------------------------------------------------------------------------


@transaction.atomic
def order_settle(*, order_id: int) -> Settlement | None:
    """Settle a completed order: what is left of its income moves from pending to available, and so does the
    group leader's commission on it, if any (this is the job that settles leader commission).

    The after-sales window has closed when an order completes, so nothing
    more can be refunded. Idempotent and safe to race (one settlement per
    order). Returns None for an order that is not completed or never paid.
    """
    order = order_completed(order_id)
    if order is None or order.paid_at is None:
        return None
    existing = Settlement.objects.filter(order=order).first()
    if existing is not None:
        return existing
    figures = selectors.order_figures(order)
    try:
        with transaction.atomic():
            settlement = Settlement.objects.create(
                order=order,
                merchant_id=order.merchant_id,
                currency=order.currency,
                paid_minor=figures.paid,
                subsidy_minor=figures.subsidy,
                refunded_minor=figures.refunded,
                commission_minor=figures.commission,
                leader_id=figures.leader_id if figures.leader else None,
                leader_commission_minor=figures.leader,
                income_minor=figures.income,
            )
    except IntegrityError:  # a concurrent sweep settled it first
        return Settlement.objects.get(order=order)
    if figures.income or figures.leader:
        currency, merchant_id, leader_id = order.currency, order.merchant_id, figures.leader_id
        entry = _post(
            EntryKind.SETTLEMENT,
            _("Order %(number)s settled") % {"number": order.number},
            [
                (account_for(AccountKind.MERCHANT_PENDING, currency, merchant_id), figures.income),
                (account_for(AccountKind.MERCHANT_AVAILABLE, currency, merchant_id), -figures.income),
                *(
                    [
                        (account_for(AccountKind.MERCHANT_PENDING, currency, leader_id=leader_id), figures.leader),
                        (account_for(AccountKind.MERCHANT_AVAILABLE, currency, leader_id=leader_id), -figures.leader),
                    ]
                    if figures.leader
                    else []
                ),
            ],
            reference=order.number,
            order=order,
        )
        Settlement.objects.filter(pk=settlement.pk).update(entry=entry)
        settlement.entry = entry
    return settlement


def orders_settle_due() -> int:
    """Settle every completed order not settled yet (the sweep). Returns how many were settled."""
    order_ids = selectors.orders_to_settle()
    return sum(1 for order_id in order_ids if order_settle(order_id=order_id) is not None)


# Commission rules ------------------------------------------------------------------------------


def parse_percent(value: str, *, field: str = "rate") -> int:
    """A percentage string such as ``"5.5"`` as basis points; 0 to 50 % with at most two decimals."""
    try:
        return percent_to_basis_points(value, most=MAX_RATE_BP)
    except ValueError:
        raise InvalidRate(field=field) from None


@transaction.atomic
def commission_rule_set(
    *,
    actor: Actor,
    rate: str,
    starts_on: dt.date,
    merchant: Any = None,
    category: Any = None,
    ends_on: dt.date | None = None,
) -> CommissionRule:
    """Add a commission rule for a merchant, a category or both. Orders paid from ``starts_on`` use it."""
    check(actor, COMMISSION_MANAGE)
    if merchant is None and category is None:
        raise InvalidInput(_("Choose a merchant, a category or both."), code="ledger.rule_scope", field="merchant")
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput(_("The end date is before the start date."), code="ledger.rule_span", field="ends_on")
    rule = CommissionRule.objects.create(
        merchant=merchant,
        category=category,
        rate_bp=parse_percent(rate),
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=user_of(actor),
    )
    audit.record(
        actor=actor,
        action="ledger.commission_rule",
        target=rule,
        after={
            "merchant": getattr(merchant, "pk", None),
            "category": getattr(category, "pk", None),
            "rate_bp": rule.rate_bp,
            "starts_on": str(starts_on),
            "ends_on": str(ends_on) if ends_on else None,
        },
    )
    return rule


# Bank accounts and withdrawals ---------------------------------------------------------------


def _mask_account(number: str) -> str:
    return f"**** {number[-4:]}"


def _payee(actor: Actor, payee: Payee | None) -> Payee:
    """The payee given (a group leader's, which the community's service checked the actor is), or else the
    actor's merchant, if the actor may handle its money."""
    if payee is not None:
        return payee
    check(actor, FINANCE_OWN)
    return Payee(merchant_id=merchant_for(actor).pk)


def _payee_user(payee: Payee) -> int | None:
    """Who is told about the payee's money: a leader, or a merchant's owner."""
    return payee.user_id if payee.leader_id else merchant_owner_id(payee.merchant_id or 0)


@transaction.atomic
def payout_account_set(
    *, actor: Actor, password: str, holder: str, bank: str, number: str, payee: Payee | None = None
) -> PayoutAccount:
    """Set the bank account of the actor's merchant (or of ``payee``, a leader), after the actor re-enters their
    password.

    The payout adapter verifies the account at once; the merchant's owner
    (or the leader) is told of every change. Raises PermissionDenied, InvalidInput.
    """
    payee = _payee(actor, payee)
    if not password_confirm(user=user_of(actor), password=password):
        raise InvalidInput(_("The password is wrong."), code="ledger.reauthentication_failed", field="password")
    holder, bank, number = holder.strip(), bank.strip(), re.sub(r"[\s-]", "", number or "")
    if not 2 <= len(holder) <= 100:
        raise InvalidInput(_("Enter the account holder's name."), code="ledger.invalid_holder", field="holder")
    if not 2 <= len(bank) <= 60:
        raise InvalidInput(_("Enter the bank's name."), code="ledger.invalid_bank", field="bank")
    if not re.fullmatch(r"\d{12,30}", number):
        raise InvalidBankAccount(field="number")
    verified = payouts.adapter().verify_account(holder=holder, bank=bank, number=number)
    before = PayoutAccount.objects.filter(**payee.owner).first()
    account, _created = PayoutAccount.objects.update_or_create(
        **payee.owner,
        defaults={
            "holder": holder,
            "bank": bank,
            "number_sealed": crypto.seal(number, context=ACCOUNT_NUMBER_CONTEXT),
            "number_masked": _mask_account(number),
            "status": PayoutAccountStatus.VERIFIED if verified else PayoutAccountStatus.FAILED,
            "verified_at": timezone.now() if verified else None,
        },
    )
    audit.record(
        actor=actor,
        action="ledger.payout_account_set",
        target=account,
        before={"bank": before.bank, "account": before.number_masked} if before else {},
        after={"bank": bank, "account": account.number_masked, "status": account.status},
    )
    owner = _payee_user(payee)
    if owner is not None:
        notify(
            owner,
            "payout_account_changed",
            phrase(
                gettext_lazy("Your shop's bank account was changed")
                if payee.merchant_id
                else gettext_lazy("Your bank account for commission was changed")
            ),
            phrase(
                gettext_lazy(
                    "The bank account for withdrawals is now %(bank)s %(account)s. "
                    "If this was not you, contact us at once."
                ),
                bank=bank,
                account=account.number_masked,
            ),
            link=payee.finance_page,
        )
    return account


@transaction.atomic
def payout_request(*, actor: Actor, amount: Money, payee: Payee | None = None) -> Payout:
    """Withdraw ``amount`` of the available balance of the actor's merchant (or of ``payee``, a leader) to its
    verified bank account.

    The money leaves the available balance at once (into payouts in
    transit) so it cannot be spent twice; a finance operator then approves
    or rejects. Raises InvalidAmount, PayoutAccountMissing,
    InsufficientBalance.
    """
    payee = _payee(actor, payee)
    if amount.minor <= 0:
        raise InvalidAmount(field="amount")
    bank_account = PayoutAccount.objects.filter(**payee.owner, status=PayoutAccountStatus.VERIFIED).first()
    if bank_account is None:
        raise PayoutAccountMissing
    payout = Payout.objects.create(
        number=ids.public_number(),
        **payee.owner,
        amount_minor=amount.minor,
        currency=amount.currency,
        bank=bank_account.bank,
        account_masked=bank_account.number_masked,
        requested_by=user_of(actor),
    )
    try:
        _post(
            EntryKind.PAYOUT_REQUEST,
            _("Withdrawal %(number)s requested") % {"number": payout.number},
            [
                (account_for(AccountKind.MERCHANT_AVAILABLE, amount.currency, **payee.owner), amount.minor),
                (account_for(AccountKind.PAYOUTS_IN_TRANSIT, amount.currency, **payee.owner), -amount.minor),
            ],
            reference=payout.number,
            payout=payout,
        )
    except InsufficientBalance as error:
        error.field = "amount"
        raise
    audit.record(
        actor=actor,
        action="ledger.payout_request",
        target=payout,
        after={"amount_minor": amount.minor, "currency": amount.currency, "account": bank_account.number_masked},
    )
    return payout


def _record(step: Move[Payout, PayoutStatus]) -> None:
    payout = step.obj
    audit.record(
        actor=step.actor,
        action=f"ledger.payout_{step.target}",
        target=payout,
        before={"status": step.source},
        after={"status": step.target, "amount_minor": payout.amount_minor, **step.context},
        reason=step.reason,
    )


PAYOUT = Machine(status=PayoutStatus, transitions=PAYOUT_TRANSITIONS, invalid=PayoutNotPending, record=_record)


def _decide(actor: Actor, number: str, to: PayoutStatus, reason: str = "") -> tuple[Payout, bool]:
    check(actor, FINANCE_OPERATE)
    payout = selectors.payout_get_for_operator(actor, number)
    decided = move(
        PAYOUT,
        payout,
        to,
        actor=actor,
        reason=reason,
        fields={"decided_by": actor, "decided_at": timezone.now(), "reason": reason},
    )
    return payout, decided


@transaction.atomic
def payout_approve(*, actor: Actor, number: str) -> Payout:
    """Approve a requested withdrawal; the payout adapter pays it after commit.

    Idempotent. Raises PayoutNotPending (rejected, or paid or failed already).
    """
    from jishi.ledger.tasks import payout_execute

    payout, decided = _decide(actor, number, PayoutStatus.APPROVED)
    if decided:
        after_commit(payout_execute.enqueue, payout_id=payout.pk)
    return payout


@transaction.atomic
def payout_reject(*, actor: Actor, number: str, reason: str) -> Payout:
    """Reject a requested withdrawal with a reason; the money returns to the available balance.

    Idempotent. Raises PayoutNotPending (approved already).
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give a reason."), code="ledger.reason_required", field="reason")
    payout, decided = _decide(actor, number, PayoutStatus.REJECTED, reason[:200])
    if not decided:
        return payout
    _return_to_available(payout, _("Withdrawal %(number)s rejected") % {"number": payout.number})
    _tell_owner(payout, phrase(gettext_lazy("Your withdrawal was rejected")), reason)
    return payout


def _return_to_available(payout: Payout, memo: str) -> None:
    request = JournalEntry.objects.get(kind=EntryKind.PAYOUT_REQUEST, payout=payout)
    _reverse(request, memo)


def _payout_payee(payout: Payout) -> Payee:
    if payout.merchant_id:
        return Payee(merchant_id=payout.merchant_id)
    leader = payout.leader
    assert leader is not None  # a payout is a merchant's or a leader's
    return Payee(leader_id=leader.pk, user_id=leader.user_id)


def _tell_owner(payout: Payout, title: str, body: str) -> None:
    payee = _payout_payee(payout)
    owner = _payee_user(payee)
    if owner is not None:
        notify(owner, "payout_decided", title, body, link=payee.finance_page)


@transaction.atomic
def payout_execute(*, payout_id: int) -> Payout | None:
    """Pay an approved withdrawal through the payout adapter and book it. Idempotent.

    The adapter is told the payout number, which it treats as its own
    idempotency key, so a retry after a crash never pays twice.
    """
    payout = approved_payout_lock(payout_id)
    if payout is None:
        return None
    bank_account = PayoutAccount.objects.get(**_payout_payee(payout).owner)
    result = payouts.adapter().pay(number=payout.number, amount=payout.amount, account_number=bank_account.number)
    if not result.ok:
        move(PAYOUT, payout, PayoutStatus.FAILED, reason=result.message, fields={"reason": result.message[:200]})
        _return_to_available(payout, _("Withdrawal %(number)s failed") % {"number": payout.number})
        _tell_owner(payout, phrase(gettext_lazy("Your withdrawal could not be paid")), result.message)
        return payout
    move(
        PAYOUT,
        payout,
        PayoutStatus.PAID,
        context={"reference": result.reference},
        fields={"paid_at": timezone.now(), "adapter_reference": result.reference},
    )
    _post(
        EntryKind.PAYOUT_PAID,
        _("Withdrawal %(number)s paid") % {"number": payout.number},
        [
            (
                account_for(AccountKind.PAYOUTS_IN_TRANSIT, payout.currency, **_payout_payee(payout).owner),
                payout.amount_minor,
            ),
            (account_for(AccountKind.GATEWAY_CLEARING, payout.currency), -payout.amount_minor),
        ],
        reference=payout.number,
        payout=payout,
    )
    _tell_owner(
        payout,
        phrase(gettext_lazy("Your withdrawal has been paid")),
        phrase(
            gettext_lazy("%(amount)s is on its way to %(bank)s %(account)s."),
            amount=payout.amount,
            bank=payout.bank,
            account=payout.account_masked,
        ),
    )
    return payout
