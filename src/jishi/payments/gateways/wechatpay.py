"""WeChat Pay API v3: Native and H5 orders, notifications, queries, closing orders and refunds.

Every request carries ``Authorization: WECHATPAY2-SHA256-RSA2048 …``: the
merchant's SHA256withRSA signature over method, path, timestamp, nonce and
body. Every answer and every notification carries ``Wechatpay-Signature``,
``-Timestamp``, ``-Nonce`` and ``-Serial``; the serial must name the platform
public key we hold, the timestamp must be fresh, and the signature over
timestamp, nonce and body must verify before the body is read. A
notification's ``resource`` is then decrypted with AEAD_AES_256_GCM under
the API v3 key (a tampered ciphertext fails its tag) and checked for our
``mchid`` and ``appid``.

Buyers pay by Native (``mode = native``, the default: a QR code the buyer
scans with WeChat, shown on a page of ours) or H5 (``mode = h5``: a WeChat
page opened from a phone's browser, which WeChat Pay grants per domain).
JSAPI (inside WeChat) needs the buyer's openid from a WeChat log-in, which
Jishi does not have yet.
"""

import base64
import binascii
import datetime as dt
import json
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.datastructures import CaseInsensitiveMapping
from django.utils.translation import gettext_lazy as _

from jishi.core.money import CURRENCY
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

QR_SALT = "jishi.payments.wechatpay.qr"
QR_MAX_AGE = 2 * 3600  # WeChat Pay's code_url is valid for two hours

_TRADE_STATES = {
    "SUCCESS": TradeState.PAID,
    "REFUND": TradeState.PAID,  # paid, then (partly) refunded
    "NOTPAY": TradeState.WAITING,
    "USERPAYING": TradeState.WAITING,
    "CLOSED": TradeState.CLOSED,
    "REVOKED": TradeState.CLOSED,
    "PAYERROR": TradeState.CLOSED,
}
_REFUND_STATES = {
    "SUCCESS": RefundState.SUCCEEDED,
    "PROCESSING": RefundState.PENDING,
    "CLOSED": RefundState.FAILED,
    "ABNORMAL": RefundState.FAILED,
}
# Business refusals of a refund; anything else (SYSTEM_ERROR, FREQUENCY_LIMITED, …) is worth retrying.
_REFUND_REFUSALS = {"NOT_ENOUGH", "INVALID_REQUEST", "PARAM_ERROR", "RESOURCE_NOT_EXISTS", "USER_ACCOUNT_ABNORMAL"}


@dataclass(frozen=True)
class WechatPayConfig:
    mchid: str
    appid: str
    serial_no: str  # the serial of our merchant API certificate
    private_key: str
    api_v3_key: str
    public_key: str  # WeChat Pay's platform public key …
    public_key_id: str  # … and its id, which ``Wechatpay-Serial`` names
    api_url: str = "https://api.mch.weixin.qq.com"
    mode: str = "native"


class WechatPayGateway(Gateway):
    code = "wechatpay"
    label = _("WeChat Pay")

    def __init__(self, config: WechatPayConfig) -> None:
        if len(config.api_v3_key.encode()) != 32:
            raise ImproperlyConfigured("WeChat Pay API v3 key: 32 bytes")
        if config.mode not in ("native", "h5"):
            raise ImproperlyConfigured("WeChat Pay mode: native or h5")
        self.config = config
        self._private = keys.private_key(config.private_key, "WeChat Pay merchant private key")
        self._public = keys.public_key(config.public_key, "WeChat Pay public key")
        self._aead = AESGCM(config.api_v3_key.encode())

    # Signatures ----------------------------------------------------------------------------

    def authorization(self, method: str, path: str, body: str) -> str:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        signature = keys.sign(self._private, f"{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n".encode())
        return (
            f'WECHATPAY2-SHA256-RSA2048 mchid="{self.config.mchid}",nonce_str="{nonce}",'
            f'signature="{signature}",timestamp="{timestamp}",serial_no="{self.config.serial_no}"'
        )

    def verify_signed(self, body: bytes, headers: Mapping[str, str]) -> None:
        """Check the Wechatpay-* headers of an answer or a notification; raise InvalidNotification."""
        wire.require(headers, "Wechatpay-Serial", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature")
        if headers["Wechatpay-Serial"] != self.config.public_key_id:
            raise InvalidNotification("wrong_serial")
        timestamp = headers["Wechatpay-Timestamp"]
        if not wire.digits(timestamp) or len(timestamp) > 12:
            raise InvalidNotification("malformed")
        message = f"{timestamp}\n{headers['Wechatpay-Nonce']}\n".encode() + body + b"\n"
        if not keys.verify(self._public, message, headers["Wechatpay-Signature"]):
            raise InvalidNotification("bad_signature")
        wire.check_fresh(int(timestamp))

    def _request(self, method: str, path: str, payload: Mapping[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")) if payload is not None else ""
        answer = http.send(
            method,
            self.config.api_url + path,
            body.encode(),
            {
                "Authorization": self.authorization(method, path, body),
                "Accept": "application/json",
                "Content-Type": "application/json",
            },
        )
        if answer.status >= 500:
            raise GatewayUnavailable
        try:
            self.verify_signed(answer.body, CaseInsensitiveMapping(answer.headers))
            return answer.status, wire.json_object(answer.body) if answer.body else {}
        except InvalidNotification as failure:
            logger.error("wechat pay answer to %s %s failed verification: %s", method, path, failure.reason)
            raise GatewayUnavailable from None

    # Payments ------------------------------------------------------------------------------

    def create_payment(self, request: PaymentRequest) -> str:
        order: dict[str, Any] = {
            "appid": self.config.appid,
            "mchid": self.config.mchid,
            "description": request.subject[:127],
            "out_trade_no": request.out_trade_no,
            "notify_url": request.notify_url,
            "time_expire": request.expires_at.astimezone(wire.BEIJING).isoformat(timespec="seconds"),
            "amount": {"total": request.amount.minor, "currency": request.amount.currency},
        }
        if self.config.mode == "h5":
            order["scene_info"] = {"payer_client_ip": request.client_ip or "127.0.0.1", "h5_info": {"type": "Wap"}}
        status, data = self._request("POST", f"/v3/pay/transactions/{self.config.mode}", order)
        url = data.get("h5_url" if self.config.mode == "h5" else "code_url")
        if status != 200 or not isinstance(url, str) or not url.startswith(("https://", "weixin://")):
            logger.error("wechat pay refused order %s: %s", request.out_trade_no, data.get("code"))
            raise GatewayUnavailable
        if self.config.mode == "h5":
            return f"{url}&redirect_url={quote(request.return_url, safe='')}"
        page = {
            "code_url": url,
            "amount": request.amount.to_string(),
            "return_url": request.return_url,
            "out_trade_no": request.out_trade_no,
        }
        return reverse("gateway_forms:wechatpay", args=[signing.dumps(page, salt=QR_SALT, compress=True)])

    def decrypt(self, resource: Any) -> dict[str, Any]:
        if not isinstance(resource, dict) or resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise InvalidNotification("unsupported_algorithm")
        wire.require(resource, "ciphertext", "nonce")
        try:
            plaintext = self._aead.decrypt(
                resource["nonce"].encode(),
                base64.b64decode(resource["ciphertext"], validate=True),
                str(resource.get("associated_data", "")).encode(),
            )
        except (InvalidTag, binascii.Error, ValueError):
            raise InvalidNotification("bad_ciphertext") from None
        return wire.json_object(plaintext)

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Trade | Refund:
        self.verify_signed(body, headers)
        envelope = wire.json_object(body)
        event = envelope.get("event_type")
        data = self.decrypt(envelope.get("resource"))
        if data.get("mchid") != self.config.mchid:
            raise InvalidNotification("wrong_merchant_id")
        if isinstance(event, str) and event.startswith("TRANSACTION."):
            return self._trade(data)
        if isinstance(event, str) and event.startswith("REFUND."):
            return self._refund(data, refund_field="refund_status")
        raise InvalidNotification("malformed")

    def _trade(self, data: Mapping[str, Any]) -> Trade:
        if data.get("appid") != self.config.appid:
            raise InvalidNotification("wrong_app_id")
        wire.require(data, "out_trade_no", "trade_state")
        state = _TRADE_STATES.get(data["trade_state"])
        amount = data.get("amount")
        if state is None or not isinstance(amount, dict):
            raise InvalidNotification("malformed")
        paid = data.get("success_time")
        paid_at = wire.iso_time(paid) if isinstance(paid, str) and paid else None
        currency = amount.get("currency", CURRENCY)
        if currency != CURRENCY:
            raise InvalidNotification("wrong_currency")
        return Trade(
            out_trade_no=data["out_trade_no"],
            trade_no=str(data.get("transaction_id", "")),
            amount=wire.fen(amount.get("total")),
            state=state,
            paid_at=paid_at,
        )

    def _refund(self, data: Mapping[str, Any], *, refund_field: str) -> Refund:
        wire.require(data, "out_refund_no", refund_field)
        state = _REFUND_STATES.get(data[refund_field])
        amount = data.get("amount")
        if state is None or not isinstance(amount, dict):
            raise InvalidNotification("malformed")
        return Refund(
            out_trade_no=str(data.get("out_trade_no", "")),
            refund_no=data["out_refund_no"],
            amount=wire.fen(amount.get("refund")),
            state=state,
            gateway_refund_no=str(data.get("refund_id", "")),
        )

    def acknowledge(self, *, accepted: bool) -> Acknowledgement:
        if accepted:
            return Acknowledgement(204, "application/json", b"")
        return Acknowledgement(400, "application/json", b'{"code":"FAIL","message":"rejected"}')

    # Queries and refunds -------------------------------------------------------------------

    def query(self, out_trade_no: str, *, created_at: dt.datetime) -> Trade | None:
        status, data = self._request(
            "GET", f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no)}?mchid={quote(self.config.mchid)}"
        )
        if status == 404:
            return None
        if status != 200 or data.get("mchid") != self.config.mchid or data.get("out_trade_no") != out_trade_no:
            raise GatewayUnavailable
        try:
            return self._trade(data)
        except InvalidNotification:
            raise GatewayUnavailable from None

    def close(self, out_trade_no: str, *, created_at: dt.datetime) -> CloseResult:
        status, data = self._request(
            "POST", f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no)}/close", {"mchid": self.config.mchid}
        )
        if status == 204 or data.get("code") == "ORDER_CLOSED":
            return CloseResult.CLOSED
        if status == 404:
            return CloseResult.NOT_FOUND
        # Refused (paid already, or asked within five minutes of the order): the trade's state says which.
        logger.info("wechat pay refused to close %s: %s %s", out_trade_no, status, data.get("code"))
        return self.closed_by_state(out_trade_no, created_at=created_at)

    def refund(self, request: RefundRequest) -> Refund:
        status, data = self._request(
            "POST",
            "/v3/refund/domestic/refunds",
            {
                "out_trade_no": request.out_trade_no,
                "out_refund_no": request.refund_no,
                "reason": request.reason[:80],
                "notify_url": request.notify_url,
                "amount": {
                    "refund": request.amount.minor,
                    "total": request.total.minor,
                    "currency": request.amount.currency,
                },
            },
        )
        if status >= 400:
            if data.get("code") in _REFUND_REFUSALS:
                raise RefundRefused(params={"gateway_code": str(data.get("code"))})
            raise GatewayUnavailable
        try:
            return self._refund(data, refund_field="status")
        except InvalidNotification:
            raise GatewayUnavailable from None

    def refund_query(self, *, out_trade_no: str, refund_no: str, created_at: dt.datetime) -> Refund | None:
        status, data = self._request("GET", f"/v3/refund/domestic/refunds/{quote(refund_no)}")
        if status == 404:
            return None
        if status != 200:
            raise GatewayUnavailable
        try:
            return self._refund(data, refund_field="status")
        except InvalidNotification:
            raise GatewayUnavailable from None
