"""The sandbox gateway: a payment provider that behaves like Alipay or WeChat Pay, without the money.

It keeps its own books (``SandboxTrade``), hosts a pay page where the buyer
clicks pay or cancel, then POSTs an asynchronous notification to the
merchant's notify URL — form-encoded, signed with HMAC-SHA256 over the
canonical parameters and a timestamp — and retries with back-off until it
is answered ``success``, as real gateways do. The browser is sent back to
the return URL with signed parameters too, but (as with the real ones) the
return alone proves nothing: the merchant must verify a notification or
query the trade.

Canonical form: every parameter except ``sign`` with a non-empty value,
sorted by name, joined as ``name=value`` with ``&``, UTF-8.
"""

import contextlib
import datetime as dt
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Mapping
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jishi.core.money import Money
from jishi.core.states import move
from jishi.payments.errors import InvalidNotification, InvalidTransition, PaymentClosed, RefundRefused
from jishi.payments.gateways import wire
from jishi.payments.gateways.base import (
    Acknowledgement,
    CloseResult,
    Gateway,
    PaymentRequest,
    Refund,
    RefundRequest,
    RefundState,
    StatementEntry,
    Trade,
    TradeState,
)
from jishi.payments.models import SandboxRefund, SandboxTrade
from jishi.payments.states import SANDBOX_TRADE, SandboxTradeStatus

SIGN_TYPE = "HMAC-SHA256"
REQUIRED = ("app_id", "out_trade_no", "trade_no", "total_amount", "currency", "trade_status", "timestamp", "sign")
_STATES = {
    SandboxTradeStatus.WAITING: TradeState.WAITING,
    SandboxTradeStatus.SUCCESS: TradeState.PAID,
    SandboxTradeStatus.CLOSED: TradeState.CLOSED,
}


def canonical(params: Mapping[str, str]) -> str:
    return "&".join(f"{name}={params[name]}" for name in sorted(params) if name != "sign" and params[name] != "")


def sign(params: Mapping[str, str], key: str | None = None) -> str:
    secret = (key or settings.JISHI_SANDBOX_KEY).encode()
    return hmac.new(secret, canonical(params).encode(), hashlib.sha256).hexdigest()


def signed(params: Mapping[str, str], *, timestamp: int | None = None) -> dict[str, str]:
    """``params`` plus a timestamp, the sign type and the signature."""
    full = {
        **params,
        "timestamp": str(timestamp if timestamp is not None else int(time.time())),
        "sign_type": SIGN_TYPE,
    }
    full["sign"] = sign(full)
    return full


def notification_params(trade: SandboxTrade, *, timestamp: int | None = None) -> dict[str, str]:
    """The signed notification the sandbox sends about ``trade`` (a fresh timestamp on every attempt)."""
    return signed(
        {
            "app_id": trade.app_id,
            "notify_id": secrets.token_hex(8),
            "out_trade_no": trade.out_trade_no,
            "trade_no": trade.trade_no,
            "total_amount": trade.amount.to_string(),
            "currency": trade.currency,
            "trade_status": trade.status,
            "gmt_payment": trade.paid_at.isoformat() if trade.paid_at else "",
        },
        timestamp=timestamp,
    )


def verify(params: Mapping[str, str], *, now: float | None = None) -> None:
    """Check signature, app id and freshness; raise InvalidNotification with the first failure."""
    if any(not params.get(name) for name in REQUIRED):
        raise InvalidNotification("missing_parameter")
    if params.get("sign_type", SIGN_TYPE) != SIGN_TYPE:
        raise InvalidNotification("unsupported_sign_type")
    # Bytes, not text: compare_digest refuses a str with non-ASCII characters, and a forger may send one.
    if not hmac.compare_digest(sign(params).encode(), params["sign"].encode()):
        raise InvalidNotification("bad_signature")
    if params["app_id"] != settings.JISHI_SANDBOX_APP_ID:
        raise InvalidNotification("wrong_app_id")
    if not wire.digits(params["timestamp"]) or len(params["timestamp"]) > 12:
        raise InvalidNotification("malformed")
    wire.check_fresh(int(params["timestamp"]), now=now)


def _trade_of(row: SandboxTrade) -> Trade:
    return Trade(
        out_trade_no=row.out_trade_no,
        trade_no=row.trade_no,
        amount=row.amount,
        state=_STATES[SandboxTradeStatus(row.status)],
        paid_at=row.paid_at,
    )


class SandboxGateway(Gateway):
    code = "sandbox"
    label = _("Sandbox pay (test money)")

    def create_payment(self, request: PaymentRequest) -> str:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    row, _ = SandboxTrade.objects.get_or_create(
                        out_trade_no=request.out_trade_no,
                        defaults={
                            "app_id": settings.JISHI_SANDBOX_APP_ID,
                            "trade_no": f"SBX{secrets.randbelow(10**18):018d}",
                            "subject": request.subject[:120],
                            "amount_minor": request.amount.minor,
                            "currency": request.amount.currency,
                            "notify_url": request.notify_url,
                            "return_url": request.return_url,
                            "expires_at": request.expires_at,
                        },
                    )
            except IntegrityError:
                row = SandboxTrade.objects.get(out_trade_no=request.out_trade_no)
        if row.amount != request.amount:
            raise PaymentClosed(params={"reason": "amount_changed"})
        return reverse("sandbox:pay", args=[row.trade_no])

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Trade:
        params = wire.form_fields(body, max_fields=50)
        verify(params)
        if not re.fullmatch(r"[A-Z]{3}", params["currency"]):
            raise InvalidNotification("malformed")
        amount = wire.yuan(params["total_amount"], params["currency"])
        try:
            state = _STATES[SandboxTradeStatus(params["trade_status"])]
        except ValueError:
            raise InvalidNotification("malformed") from None
        paid_at = wire.iso_time(params["gmt_payment"]) if params.get("gmt_payment") else None
        return Trade(
            out_trade_no=params["out_trade_no"],
            trade_no=params["trade_no"],
            amount=amount,
            state=state,
            paid_at=paid_at,
        )

    def acknowledge(self, *, accepted: bool) -> Acknowledgement:
        if accepted:
            return Acknowledgement(200, "text/plain", b"success")
        return Acknowledgement(400, "text/plain", b"failure")

    def query(self, out_trade_no: str, *, created_at: dt.datetime) -> Trade | None:
        row = SandboxTrade.objects.filter(out_trade_no=out_trade_no).first()
        return _trade_of(row) if row else None

    def close(self, out_trade_no: str, *, created_at: dt.datetime) -> CloseResult:
        row = SandboxTrade.objects.filter(out_trade_no=out_trade_no).first()
        if row is None:
            return CloseResult.NOT_FOUND
        with contextlib.suppress(InvalidTransition):  # paid before it could be closed
            move(SANDBOX_TRADE, row, SandboxTradeStatus.CLOSED)
        return CloseResult.PAID if row.status == SandboxTradeStatus.SUCCESS else CloseResult.CLOSED

    @transaction.atomic
    def refund(self, request: RefundRequest) -> Refund:
        row = SandboxTrade.objects.filter(out_trade_no=request.out_trade_no).first()
        amount = request.amount
        if row is None or amount.minor <= 0 or amount.currency != row.currency:
            raise RefundRefused
        try:
            with transaction.atomic():
                done = SandboxRefund.objects.create(trade=row, refund_no=request.refund_no, amount_minor=amount.minor)
        except IntegrityError:  # this refund number was used: answer what it did, refund nothing more
            done = SandboxRefund.objects.get(refund_no=request.refund_no)
            if done.trade_id != row.pk or done.amount_minor != amount.minor:
                raise RefundRefused from None
        else:
            granted = SandboxTrade.objects.filter(
                pk=row.pk, status=SandboxTradeStatus.SUCCESS, refunded_minor__lte=F("amount_minor") - amount.minor
            ).update(refunded_minor=F("refunded_minor") + amount.minor)
            if granted != 1:
                raise RefundRefused
        return _refund_of(done, row)

    def refund_query(self, *, out_trade_no: str, refund_no: str, created_at: dt.datetime) -> Refund | None:
        done = SandboxRefund.objects.select_related("trade").filter(refund_no=refund_no).first()
        if done is None or done.trade.out_trade_no != out_trade_no:
            return None
        return _refund_of(done, done.trade)

    def statement(self, day: dt.date) -> list[StatementEntry]:
        start = dt.datetime.combine(day, dt.time(), tzinfo=wire.BEIJING)
        end = start + dt.timedelta(days=1)
        paid = SandboxTrade.objects.filter(paid_at__gte=start, paid_at__lt=end).order_by("pk")
        refunds = SandboxRefund.objects.filter(created_at__gte=start, created_at__lt=end).select_related("trade")
        return [StatementEntry(t.out_trade_no, t.trade_no, t.amount) for t in paid] + [
            StatementEntry(r.trade.out_trade_no, r.trade.trade_no, Money(r.amount_minor, r.trade.currency), r.refund_no)
            for r in refunds.order_by("pk")
        ]


def _refund_of(done: SandboxRefund, row: SandboxTrade) -> Refund:
    return Refund(
        out_trade_no=row.out_trade_no,
        refund_no=done.refund_no,
        amount=Money(done.amount_minor, row.currency),
        state=RefundState.SUCCEEDED,
        gateway_refund_no=f"SBXR{done.pk:012d}",
    )


def return_query(trade: SandboxTrade) -> str:
    """The signed query string the sandbox appends to the return URL after the buyer paid."""
    return urlencode(
        signed(
            {
                "app_id": trade.app_id,
                "out_trade_no": trade.out_trade_no,
                "trade_no": trade.trade_no,
                "total_amount": trade.amount.to_string(),
                "currency": trade.currency,
                "trade_status": trade.status,
            }
        )
    )
