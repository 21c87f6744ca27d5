"""Ledger API: a merchant's balances, entries, bank account and withdrawals; the finance console."""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Schema
from ninja.responses import Status

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.catalog.selectors import category_get
from jishi.core.api import (
    Amount,
    BodyId,
    Id,
    IsoDate,
    MoneyOut,
    PageNumber,
    PublicNumber,
    Router,
    StrictIn,
    errors,
    money_out,
    parse_amount,
)
from jishi.core.errors import NotFound
from jishi.core.money import Money
from jishi.core.pagination import paginate
from jishi.core.permissions import requires
from jishi.ledger import selectors, services
from jishi.ledger.models import JournalLine, Payout, PayoutAccount
from jishi.ledger.permissions import FINANCE_OPERATE, FINANCE_OWN, FINANCE_VIEW
from jishi.merchants.permissions import COMMISSION_MANAGE
from jishi.merchants.selectors import merchant_get_for_operator

merchant_router = Router(tags=["merchant finance"], auth=SIGNED_IN)
operator_router = Router(tags=["operator finance"], auth=SIGNED_IN)


PayoutStatusParam = Literal["requested", "approved", "paid", "rejected", "failed"]


class BalancesOut(Schema):
    pending: MoneyOut
    available: MoneyOut
    in_transit: MoneyOut


class LineOut(Schema):
    id: int
    account: str
    kind: str
    memo: str
    amount: MoneyOut
    order_number: str | None
    payout_number: str | None
    posted_at: dt.datetime


class PayoutOut(Schema):
    number: str
    merchant_id: int | None  # the payee: a merchant, or else a group leader
    leader_id: int | None
    amount: MoneyOut
    status: str
    bank: str
    account: str
    reason: str
    requested_at: dt.datetime
    paid_at: dt.datetime | None


class BankAccountIn(StrictIn):
    password: str
    holder: str
    bank: str
    number: str


class BankAccountOut(Schema):
    holder: str
    bank: str
    account: str
    status: str


class WithdrawIn(StrictIn):
    amount: Amount


class RejectIn(StrictIn):
    reason: str


class CommissionRuleIn(StrictIn):
    merchant_id: BodyId | None = None
    category_id: BodyId | None = None
    rate: str
    starts_on: IsoDate
    ends_on: IsoDate | None = None


class CommissionRuleOut(Schema):
    id: int
    merchant_id: int | None
    category_id: int | None
    percent: str
    starts_on: dt.date
    ends_on: dt.date | None


def balances_out(by_kind: dict[str, Money]) -> BalancesOut:
    return BalancesOut(
        pending=money_out(by_kind["merchant_pending"]),
        available=money_out(by_kind["merchant_available"]),
        in_transit=money_out(by_kind["payouts_in_transit"]),
    )


def line_out(line: JournalLine) -> LineOut:
    entry = line.entry
    return LineOut(
        id=line.pk,
        account=line.account.kind,
        kind=entry.kind,
        memo=entry.memo,
        # Shown on the account's natural side: money coming to the merchant is positive.
        amount=money_out(line.natural_amount),
        order_number=entry.order.number if entry.order else None,
        payout_number=entry.payout.number if entry.payout else None,
        posted_at=entry.posted_at,
    )


def payout_out(payout: Payout) -> PayoutOut:
    return PayoutOut(
        number=payout.number,
        merchant_id=payout.merchant_id,
        leader_id=payout.leader_id,
        amount=money_out(payout.amount),
        status=payout.status,
        bank=payout.bank,
        account=payout.account_masked,
        reason=payout.reason,
        requested_at=payout.requested_at,
        paid_at=payout.paid_at,
    )


def bank_account_out(account: PayoutAccount) -> BankAccountOut:
    return BankAccountOut(
        holder=account.holder, bank=account.bank, account=account.number_masked, status=account.status
    )


@merchant_router.get("/finance", response={200: BalancesOut, **errors(401, 403)})
@requires(FINANCE_OWN)
def balances(request: HttpRequest) -> BalancesOut:
    """Pending (paid, not yet settled), available (may be withdrawn) and in transit (withdrawals under way)."""
    return balances_out(selectors.my_balances(actor_of(request)))


@merchant_router.get("/finance/entries", response={200: list[LineOut], **errors(401, 403)})
@requires(FINANCE_OWN)
def entries(request: HttpRequest, page: PageNumber = 1) -> list[LineOut]:
    """The postings behind the balances, newest first (50 a page)."""
    return [line_out(line) for line in paginate(selectors.my_lines(actor_of(request)), page=page, page_size=50).items]


@merchant_router.get("/finance/bank-account", response={200: BankAccountOut, **errors(401, 403, 404)})
@requires(FINANCE_OWN)
def bank_account(request: HttpRequest) -> BankAccountOut:
    account = selectors.my_payout_account(actor_of(request))
    if account is None:
        raise NotFound(code="ledger.payout_account_missing")
    return bank_account_out(account)


@merchant_router.put("/finance/bank-account", response={200: BankAccountOut, **errors(401, 403, 429)})
@requires(FINANCE_OWN)
def bank_account_set(request: HttpRequest, payload: BankAccountIn) -> BankAccountOut:
    """Set the withdrawal account; needs the password again (throttled like logging in: 429), and tells the owner."""
    account = services.payout_account_set(actor=actor_of(request), **payload.dict())
    return bank_account_out(account)


@merchant_router.get("/payouts", response={200: list[PayoutOut], **errors(401, 403)})
@requires(FINANCE_OWN)
def payouts(request: HttpRequest, page: PageNumber = 1) -> list[PayoutOut]:
    return [payout_out(p) for p in paginate(selectors.my_payouts(actor_of(request)), page=page, page_size=50).items]


@merchant_router.post("/payouts", response={201: PayoutOut, **errors(401, 403, 409)})
@requires(FINANCE_OWN)
def payout_request(request: HttpRequest, payload: WithdrawIn) -> Status:
    """Withdraw part of the available balance; 409 ``ledger.insufficient_balance`` beyond it."""
    payout = services.payout_request(actor=actor_of(request), amount=parse_amount(payload.amount, "amount"))
    return Status(201, payout_out(payout))


@operator_router.get("/payouts", response={200: list[PayoutOut], **errors(401, 403)})
@requires(FINANCE_VIEW)
def operator_payouts(
    request: HttpRequest, status: PayoutStatusParam | None = None, page: PageNumber = 1
) -> list[PayoutOut]:
    queryset = selectors.payouts_for_operator(actor_of(request), status=status)
    return [payout_out(p) for p in paginate(queryset, page=page, page_size=50).items]


@operator_router.post("/payouts/{number}/approve", response={200: PayoutOut, **errors(401, 403, 404, 409)})
@requires(FINANCE_OPERATE)
def payout_approve(request: HttpRequest, number: PublicNumber) -> PayoutOut:
    """Approve a requested withdrawal; it is paid in the background. 409 once decided."""
    return payout_out(services.payout_approve(actor=actor_of(request), number=number))


@operator_router.post("/payouts/{number}/reject", response={200: PayoutOut, **errors(401, 403, 404, 409)})
@requires(FINANCE_OPERATE)
def payout_reject(request: HttpRequest, number: PublicNumber, payload: RejectIn) -> PayoutOut:
    return payout_out(services.payout_reject(actor=actor_of(request), number=number, reason=payload.reason))


@operator_router.get("/merchants/{merchant_id}/balances", response={200: BalancesOut, **errors(401, 403, 404)})
@requires(FINANCE_VIEW)
def merchant_balances(request: HttpRequest, merchant_id: Id) -> BalancesOut:
    merchant = merchant_get_for_operator(actor_of(request), merchant_id)
    return balances_out(selectors.balances_of(merchant.pk))


@operator_router.post("/commission-rules", response={201: CommissionRuleOut, **errors(401, 403, 404)})
@requires(COMMISSION_MANAGE)
def commission_rule_create(request: HttpRequest, payload: CommissionRuleIn) -> Status:
    """Add a commission rule (a percentage such as ``"5.5"``) for a merchant, a category or both."""
    actor = actor_of(request)
    merchant = merchant_get_for_operator(actor, payload.merchant_id) if payload.merchant_id else None
    category = category_get(payload.category_id) if payload.category_id else None
    rule = services.commission_rule_set(
        actor=actor,
        rate=payload.rate,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        merchant=merchant,
        category=category,
    )
    return Status(
        201,
        CommissionRuleOut(
            id=rule.pk,
            merchant_id=rule.merchant_id,
            category_id=rule.category_id,
            percent=f"{rule.percent:.2f}",
            starts_on=rule.starts_on,
            ends_on=rule.ends_on,
        ),
    )
