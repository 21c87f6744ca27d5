"""The gateway interface every payment provider implements.

Jishi's services talk to a gateway only through these five operations, so
Alipay, WeChat Pay and UnionPay adapters plug in beside the sandbox without
any change to the services:

* ``create_payment`` — where to send the buyer to pay an intent;
* ``parse_notification`` — verify an asynchronous notification (signature,
  freshness, our app id) and return what it says, or raise
  ``InvalidNotification``; the caller then checks amount and currency against
  its own records before anything changes;
* ``acknowledge`` — the body the gateway expects back, so it stops retrying;
* ``query`` — ask the gateway what happened to a trade (for lost notifications);
* ``refund`` — give money back on a trade, idempotent per refund number.
"""

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from jishi.core.money import Money


class TradeState(StrEnum):
    WAITING = "waiting"
    PAID = "paid"
    CLOSED = "closed"


@dataclass(frozen=True)
class PaymentRequest:
    out_trade_no: str
    amount: Money
    subject: str
    notify_url: str
    return_url: str


@dataclass(frozen=True)
class Trade:
    """A gateway's verified account of one trade."""

    out_trade_no: str
    trade_no: str
    amount: Money
    state: TradeState
    paid_at: dt.datetime | None = None


@dataclass(frozen=True)
class Acknowledgement:
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class RefundResult:
    refund_no: str
    amount: Money
    refunded_total: Money


class Gateway(ABC):
    code: str

    @abstractmethod
    def create_payment(self, request: PaymentRequest) -> str:
        """The URL of the gateway's page where the buyer pays (idempotent per ``out_trade_no``)."""

    @abstractmethod
    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Trade:
        """Verify a notification exactly as received and return its trade; raise InvalidNotification."""

    @abstractmethod
    def acknowledge(self, *, accepted: bool) -> Acknowledgement:
        """What to answer the gateway: success stops its retries, failure asks it to retry."""

    @abstractmethod
    def query(self, out_trade_no: str) -> Trade | None:
        """The gateway's current record of a trade, or None when it never saw it."""

    @abstractmethod
    def refund(self, *, out_trade_no: str, refund_no: str, amount: Money) -> RefundResult:
        """Refund ``amount`` of a paid trade; the same ``refund_no`` twice refunds once. Raises RefundRefused."""
