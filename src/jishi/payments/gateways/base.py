"""The gateway interface every payment provider implements.

Jishi's services talk to a gateway only through these operations, so the
sandbox, Alipay, WeChat Pay and UnionPay are interchangeable:

* ``create_payment`` — where to send the buyer to pay an intent;
* ``parse_notification`` — verify an asynchronous notification (signature,
  freshness, our app and merchant ids) and return what it says — a trade or
  a refund — or raise ``InvalidNotification``; the caller then checks
  amount and currency against its own records before anything changes;
* ``acknowledge`` — the answer the gateway expects, so it stops retrying;
* ``query`` — ask the gateway what happened to a trade (for lost notifications);
* ``close`` — stop an unpaid trade from taking money (the buyer cancelled);
* ``refund`` / ``refund_query`` — give money back on a trade, idempotent per
  refund number, and ask what became of a refund;
* ``statement`` — the gateway's own list of one day's payments and refunds,
  for reconciliation (None where the adapter cannot fetch one: the day is
  then reconciled by querying each of our trades).

Answers a gateway sends to our requests are verified like notifications; an
answer that does not verify raises ``GatewayUnavailable``, never a result.
"""

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from jishi.core.money import Money
from jishi.payments.errors import GatewayUnavailable
from jishi.payments.models import CloseResult


class TradeState(StrEnum):
    WAITING = "waiting"
    PAID = "paid"
    CLOSED = "closed"


class RefundState(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class PaymentRequest:
    out_trade_no: str
    amount: Money
    subject: str
    notify_url: str
    return_url: str
    # When the intent was made: UnionPay's ``txnTime``, which its queries need again.
    created_at: dt.datetime
    # The pay deadline: the gateway refuses to take money for the trade after it.
    expires_at: dt.datetime
    client_ip: str = ""


@dataclass(frozen=True)
class Trade:
    """A gateway's verified account of one trade."""

    out_trade_no: str
    trade_no: str
    amount: Money
    state: TradeState
    paid_at: dt.datetime | None = None


@dataclass(frozen=True)
class RefundRequest:
    out_trade_no: str
    trade_no: str  # the gateway's number for the paid trade (UnionPay refunds by it)
    refund_no: str
    amount: Money
    total: Money  # what the trade took (WeChat Pay asks for it)
    notify_url: str
    created_at: dt.datetime  # when we asked for the refund (UnionPay's ``txnTime`` again)
    reason: str = ""


@dataclass(frozen=True)
class Refund:
    """A gateway's verified account of one refund."""

    out_trade_no: str
    refund_no: str
    amount: Money
    state: RefundState
    gateway_refund_no: str = ""


@dataclass(frozen=True)
class StatementEntry:
    """One line of a gateway's daily statement: a payment, or a refund (with its refund number)."""

    out_trade_no: str
    trade_no: str
    amount: Money
    refund_no: str = ""


@dataclass(frozen=True)
class Acknowledgement:
    status: int
    content_type: str
    body: bytes


class Gateway(ABC):
    code: str
    label: Any  # the name buyers see (a lazy translation)

    @abstractmethod
    def create_payment(self, request: PaymentRequest) -> str:
        """The URL of the gateway's page where the buyer pays (idempotent per ``out_trade_no``)."""

    @abstractmethod
    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Trade | Refund:
        """Verify a notification exactly as received and return its trade or refund; raise InvalidNotification."""

    @abstractmethod
    def acknowledge(self, *, accepted: bool) -> Acknowledgement:
        """What to answer the gateway: success stops its retries, failure asks it to retry."""

    @abstractmethod
    def query(self, out_trade_no: str, *, created_at: dt.datetime) -> Trade | None:
        """The gateway's current record of a trade, or None when it never saw it."""

    @abstractmethod
    def close(self, out_trade_no: str, *, created_at: dt.datetime) -> CloseResult:
        """Close an unpaid trade so that no page still open can pay it. Safe to repeat. Raises GatewayUnavailable."""

    def closed_by_state(self, out_trade_no: str, *, created_at: dt.datetime) -> CloseResult:
        """What a trade's state says after the gateway refused to close it: paid, closed, or never opened.

        Raises GatewayUnavailable while it is still waiting (refused for another reason: ask again later).
        """
        trade = self.query(out_trade_no, created_at=created_at)
        if trade is None:
            return CloseResult.NOT_FOUND
        if trade.state == TradeState.WAITING:
            raise GatewayUnavailable
        return CloseResult.PAID if trade.state == TradeState.PAID else CloseResult.CLOSED

    @abstractmethod
    def refund(self, request: RefundRequest) -> Refund:
        """Refund part or all of a paid trade; the same ``refund_no`` twice refunds once. Raises RefundRefused."""

    @abstractmethod
    def refund_query(self, *, out_trade_no: str, refund_no: str, created_at: dt.datetime) -> Refund | None:
        """The gateway's current record of a refund, or None when it never saw it."""

    def statement(self, day: dt.date) -> list[StatementEntry] | None:
        """The gateway's payments and refunds of ``day`` (Beijing time), or None when it cannot be fetched."""
        return None
