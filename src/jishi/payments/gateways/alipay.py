"""Alipay (open platform, RSA2): pay requests, notifications, trade query and close, and refunds.

Requests are form-encoded common parameters plus a JSON ``biz_content``,
signed with the app's private key (SHA256withRSA over every non-empty
parameter but ``sign``, sorted by name, joined as ``name=value`` with
``&``). Notifications are verified the same way with Alipay's public key,
``sign`` and ``sign_type`` left out, and then checked for our ``app_id`` and
``seller_id`` and a fresh ``notify_time``. Answers to our requests carry a
``sign`` over the exact text of their ``<method>_response`` member, which is
verified before a single field is read.
"""

import datetime as dt
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jishi.payments.errors import GatewayUnavailable, InvalidNotification, RefundRefused
from jishi.payments.gateways import http, keys, wire
from jishi.payments.gateways.base import (
    Acknowledgement,
    CloseResult,
    Gateway,
    PaymentRequest,
    Refund,
    RefundRequest,
    RefundState,
    Trade,
    TradeState,
)

logger = logging.getLogger(__name__)

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_STATES = {
    "WAIT_BUYER_PAY": TradeState.WAITING,
    "TRADE_SUCCESS": TradeState.PAID,
    "TRADE_FINISHED": TradeState.PAID,
    "TRADE_CLOSED": TradeState.CLOSED,
}
_PRODUCTS = {
    "wap": ("alipay.trade.wap.pay", "QUICK_WAP_WAY"),
    "page": ("alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY"),
}
SUCCESS = "10000"
BUSINESS_FAILURE = "40004"


def canonical(params: Mapping[str, str], *, leave_out: tuple[str, ...] = ("sign",)) -> str:
    return "&".join(f"{name}={params[name]}" for name in sorted(params) if name not in leave_out and params[name])


def response_text(body: str, member: str) -> str:
    """The exact text of ``member``'s value in Alipay's answer: the bytes its ``sign`` covers."""
    found = re.search(rf'"{re.escape(member)}"\s*:\s*', body)
    if found is None:
        raise GatewayUnavailable
    try:
        _value, end = json.JSONDecoder().raw_decode(body, found.end())
    except ValueError:
        raise GatewayUnavailable from None
    return body[found.end() : end]


@dataclass(frozen=True)
class AlipayConfig:
    app_id: str
    seller_id: str
    private_key: str
    alipay_public_key: str
    gateway_url: str = "https://openapi.alipay.com/gateway.do"
    product: str = "wap"


class AlipayGateway(Gateway):
    code = "alipay"
    label = _("Alipay")

    def __init__(self, config: AlipayConfig) -> None:
        self.config = config
        self._private = keys.private_key(config.private_key, "Alipay app private key")
        self._public = keys.public_key(config.alipay_public_key, "Alipay public key")

    # Requests ------------------------------------------------------------------------------

    def signed(self, method: str, biz: Mapping[str, Any], **extra: str) -> dict[str, str]:
        params = {
            "app_id": self.config.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": wire.beijing_text(timezone.now(), TIME_FORMAT),
            "version": "1.0",
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
            **extra,
        }
        params["sign"] = keys.sign(self._private, canonical(params).encode())
        return params

    def _call(self, method: str, biz: Mapping[str, Any]) -> dict[str, Any]:
        """Send one request and return its verified ``<method>_response`` member."""
        answer = http.send(
            "POST",
            f"{self.config.gateway_url}?charset=utf-8",
            urlencode(self.signed(method, biz)).encode(),
            {"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
        )
        try:
            body = answer.body.decode("utf-8")
            signature = json.loads(body).get("sign", "")
        except (UnicodeDecodeError, ValueError, AttributeError):
            raise GatewayUnavailable from None
        text = response_text(body, method.replace(".", "_") + "_response")
        if not isinstance(signature, str) or not keys.verify(self._public, text.encode(), signature):
            logger.error("alipay answer to %s failed verification", method)
            raise GatewayUnavailable
        member = json.loads(text)
        if not isinstance(member, dict):
            raise GatewayUnavailable
        return member

    def create_payment(self, request: PaymentRequest) -> str:
        method, product_code = _PRODUCTS[self.config.product]
        biz = {
            "out_trade_no": request.out_trade_no,
            "total_amount": request.amount.to_string(),
            "subject": request.subject[:256],
            "product_code": product_code,
            "time_expire": wire.beijing_text(request.expires_at, TIME_FORMAT),
        }
        params = self.signed(method, biz, notify_url=request.notify_url, return_url=request.return_url)
        return f"{self.config.gateway_url}?{urlencode(params)}"

    # Notifications -------------------------------------------------------------------------

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Trade:
        params = wire.form_fields(body)
        wire.require(params, "notify_time", "app_id", "sign", "out_trade_no", "trade_no", "total_amount")
        wire.require(params, "trade_status", "seller_id")
        if params.get("sign_type", "RSA2") != "RSA2":
            raise InvalidNotification("unsupported_sign_type")
        message = canonical(params, leave_out=("sign", "sign_type")).encode()
        if not keys.verify(self._public, message, params["sign"]):
            raise InvalidNotification("bad_signature")
        if params["app_id"] != self.config.app_id:
            raise InvalidNotification("wrong_app_id")
        if params["seller_id"] != self.config.seller_id:
            raise InvalidNotification("wrong_seller_id")
        wire.check_fresh(wire.beijing_time(params["notify_time"], TIME_FORMAT).timestamp())
        return self._trade(params, paid_at_field="gmt_payment")

    def _trade(self, fields: Mapping[str, Any], *, paid_at_field: str) -> Trade:
        state = _STATES.get(fields.get("trade_status", ""))
        if state is None:
            raise InvalidNotification("malformed")
        paid = fields.get(paid_at_field)
        return Trade(
            out_trade_no=str(fields["out_trade_no"]),
            trade_no=str(fields["trade_no"]),
            amount=wire.yuan(fields["total_amount"]),
            state=state,
            paid_at=wire.beijing_time(paid, TIME_FORMAT) if isinstance(paid, str) and paid else None,
        )

    def acknowledge(self, *, accepted: bool) -> Acknowledgement:
        # Alipay stops retrying only on the exact body "success".
        return (
            Acknowledgement(200, "text/plain", b"success") if accepted else Acknowledgement(400, "text/plain", b"fail")
        )

    # Queries and refunds -------------------------------------------------------------------

    def query(self, out_trade_no: str, *, created_at: dt.datetime) -> Trade | None:
        member = self._call("alipay.trade.query", {"out_trade_no": out_trade_no})
        if member.get("code") == BUSINESS_FAILURE and member.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return None
        if member.get("code") != SUCCESS or member.get("out_trade_no") != out_trade_no:
            raise GatewayUnavailable
        try:
            return self._trade(member, paid_at_field="send_pay_date")
        except (InvalidNotification, KeyError):
            raise GatewayUnavailable from None

    def close(self, out_trade_no: str, *, created_at: dt.datetime) -> CloseResult:
        member = self._call("alipay.trade.close", {"out_trade_no": out_trade_no})
        if member.get("code") == SUCCESS:
            return CloseResult.CLOSED
        if member.get("code") != BUSINESS_FAILURE:
            raise GatewayUnavailable
        if member.get("sub_code") == "ACQ.TRADE_NOT_EXIST":  # the buyer never reached the password step
            return CloseResult.NOT_FOUND
        # Refused for the trade's state (paid, finished or closed already): its state says which.
        logger.info("alipay refused to close %s: %s", out_trade_no, member.get("sub_code"))
        return self.closed_by_state(out_trade_no, created_at=created_at)

    def refund(self, request: RefundRequest) -> Refund:
        member = self._call(
            "alipay.trade.refund",
            {
                "out_trade_no": request.out_trade_no,
                "refund_amount": request.amount.to_string(),
                "out_request_no": request.refund_no,
                "refund_reason": request.reason[:256],
            },
        )
        if member.get("code") == BUSINESS_FAILURE:
            logger.warning("alipay refused refund %s: %s", request.refund_no, member.get("sub_code"))
            raise RefundRefused(params={"gateway_code": str(member.get("sub_code", ""))})
        if member.get("code") != SUCCESS:
            raise GatewayUnavailable
        # fund_change "N" is Alipay's answer to a refund number it has already refunded: ask what it did.
        state = RefundState.SUCCEEDED if member.get("fund_change") == "Y" else RefundState.PENDING
        return Refund(request.out_trade_no, request.refund_no, request.amount, state, str(member.get("trade_no", "")))

    def refund_query(self, *, out_trade_no: str, refund_no: str, created_at: dt.datetime) -> Refund | None:
        member = self._call(
            "alipay.trade.fastpay.refund.query",
            {"out_trade_no": out_trade_no, "out_request_no": refund_no, "query_options": ["gmt_refund_pay"]},
        )
        if member.get("code") != SUCCESS:
            raise GatewayUnavailable
        if not member.get("refund_amount"):  # Alipay answers success with no refund when it never made one
            return None
        try:
            amount = wire.yuan(member["refund_amount"])
        except InvalidNotification:
            raise GatewayUnavailable from None
        state = RefundState.SUCCEEDED if member.get("refund_status") == "REFUND_SUCCESS" else RefundState.PENDING
        return Refund(out_trade_no, refund_no, amount, state, str(member.get("trade_no", "")))
