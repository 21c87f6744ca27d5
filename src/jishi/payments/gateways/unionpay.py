"""UnionPay online gateway (全渠道, version 5.1.0, signMethod 01): pay, notify, query, refund.

Signing: every field but ``signature``, sorted by name, joined as
``name=value`` with ``&``; the SHA-256 hex digest of that text is signed
with SHA256withRSA by our signing key, whose certificate's serial number is
the ``certId``. A notification or answer carries UnionPay's signing
certificate (``signPubKeyCert``), which must have been issued by the middle
certificate we hold (itself issued by the root), be valid now and belong to
China UnionPay before its signature is checked.

A verified notification still changes nothing by itself: the adapter asks
UnionPay (``queryTrans``) what became of the trade and reports that answer.
So a replayed or stale notification can do no more than repeat the truth.

The buyer's browser must POST the signed form to UnionPay, so
``create_payment`` returns the address of a small page of ours that does
that; the form travels to it signed by Django, not stored.
"""

import datetime as dt
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.x509.oid import NameOID
from django.core import signing
from django.urls import reverse
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

TIME_FORMAT = "%Y%m%d%H%M%S"
COMPANY = "中国银联股份有限公司"
FORM_SALT = "jishi.payments.unionpay.form"
FORM_MAX_AGE = 3600
CNY = "156"
CONSUME, REFUND, QUERY = "01", "04", "00"
# Answers of a query about the original transaction that mean "not settled yet".
_IN_PROGRESS = {"03", "04", "05"}


def canonical(params: Mapping[str, str]) -> str:
    return "&".join(f"{name}={params[name]}" for name in sorted(params) if name != "signature")


def digest(params: Mapping[str, str]) -> bytes:
    return hashlib.sha256(canonical(params).encode()).hexdigest().encode()


@dataclass(frozen=True)
class UnionPayConfig:
    mer_id: str
    sign_key: str  # our private key …
    sign_cert: str  # … and its certificate (its serial number is the certId)
    middle_cert: str  # UnionPay's intermediate and root certificates, to check its signing certificate
    root_cert: str
    front_url: str = "https://gateway.95516.com/gateway/api/frontTransReq.do"
    back_url: str = "https://gateway.95516.com/gateway/api/backTransReq.do"
    query_url: str = "https://gateway.95516.com/gateway/api/queryTrans.do"
    channel: str = "08"  # 08 mobile, 07 desktop


class UnionPayGateway(Gateway):
    code = "unionpay"
    label = _("UnionPay")

    def __init__(self, config: UnionPayConfig) -> None:
        self.config = config
        self._private = keys.private_key(config.sign_key, "UnionPay signing key")
        self._cert_id = str(keys.certificate(config.sign_cert, "UnionPay signing certificate").serial_number)
        self._middle = keys.certificate(config.middle_cert, "UnionPay middle certificate")
        self._middle.verify_directly_issued_by(keys.certificate(config.root_cert, "UnionPay root certificate"))

    # Signatures ----------------------------------------------------------------------------

    def signed(self, fields: Mapping[str, str]) -> dict[str, str]:
        params = {
            "version": "5.1.0",
            "encoding": "UTF-8",
            "signMethod": "01",
            "bizType": "000201",
            "accessType": "0",
            "currencyCode": CNY,
            "merId": self.config.mer_id,
            "certId": self._cert_id,
            **fields,
        }
        params["signature"] = keys.sign(self._private, digest(params))
        return params

    def verify(self, params: Mapping[str, str]) -> None:
        """Check UnionPay's certificate and signature on a notification or an answer; raise InvalidNotification."""
        wire.require(params, "signature", "signPubKeyCert")
        if params.get("signMethod") != "01":
            raise InvalidNotification("unsupported_sign_type")
        try:  # cryptography reads a certificate's fields lazily: any of them may turn out unreadable here
            cert = x509.load_pem_x509_certificate(params["signPubKeyCert"].encode())
            cert.verify_directly_issued_by(self._middle)
            names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
            valid = cert.not_valid_before_utc <= timezone.now() <= cert.not_valid_after_utc
            public = cert.public_key()
        except (ValueError, TypeError, InvalidSignature, x509.InvalidVersion, UnsupportedAlgorithm):
            raise InvalidNotification("untrusted_certificate") from None  # unreadable, or not the middle's
        owner = str(names[0].value).split("@") if names else []
        if not valid or len(owner) < 2 or owner[1] != COMPANY:
            raise InvalidNotification("untrusted_certificate")
        if not isinstance(public, keys.rsa.RSAPublicKey) or not keys.verify(
            public, digest(params), params["signature"]
        ):
            raise InvalidNotification("bad_signature")
        if params.get("merId") != self.config.mer_id:
            raise InvalidNotification("wrong_merchant_id")

    def _call(self, url: str, fields: Mapping[str, str]) -> dict[str, str]:
        answer = http.send(
            "POST",
            url,
            urlencode(self.signed(fields)).encode(),
            {"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
        )
        try:
            params = wire.form_fields(answer.body)
            self.verify(params)
        except InvalidNotification as failure:
            logger.error("unionpay answer from %s failed verification: %s", url, failure.reason)
            raise GatewayUnavailable from None
        return params

    # Payments ------------------------------------------------------------------------------

    def create_payment(self, request: PaymentRequest) -> str:
        form = self.signed(
            {
                "txnType": CONSUME,
                "txnSubType": "01",
                "channelType": self.config.channel,
                "orderId": request.out_trade_no,
                "txnTime": wire.beijing_text(request.created_at, TIME_FORMAT),
                "txnAmt": str(request.amount.minor),
                "frontUrl": request.return_url,
                "backUrl": request.notify_url,
                # UnionPay refuses the payment after this, and returns money a bank took late by itself.
                "payTimeout": wire.beijing_text(request.expires_at, TIME_FORMAT),
            }
        )
        token = signing.dumps({"action": self.config.front_url, "fields": form}, salt=FORM_SALT, compress=True)
        return reverse("gateway_forms:unionpay", args=[token])

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Trade | Refund:
        params = wire.form_fields(body)
        self.verify(params)
        wire.require(params, "orderId", "txnTime", "txnType")
        if params["txnType"] not in (CONSUME, REFUND):
            raise InvalidNotification("malformed")
        # The confirming query: the notification says something happened; UnionPay's books say what.
        try:
            answer = self._query_fields(params["orderId"], params["txnTime"])
        except GatewayUnavailable:
            raise InvalidNotification("query_failed") from None
        if answer is None or answer.get("txnType") != params["txnType"]:
            raise InvalidNotification("unknown_trade")
        try:
            return self._refund(answer) if params["txnType"] == REFUND else self._trade(answer)
        except GatewayUnavailable:
            raise InvalidNotification("query_failed") from None

    def acknowledge(self, *, accepted: bool) -> Acknowledgement:
        # UnionPay retries until it gets HTTP 200.
        return Acknowledgement(200, "text/plain", b"ok") if accepted else Acknowledgement(400, "text/plain", b"fail")

    # Queries and refunds -------------------------------------------------------------------

    def _query_fields(self, order_id: str, txn_time: str) -> dict[str, str] | None:
        params = self._call(
            self.config.query_url,
            {"txnType": QUERY, "txnSubType": "00", "channelType": "07", "orderId": order_id, "txnTime": txn_time},
        )
        if params.get("respCode") == "34":  # no such transaction
            return None
        if params.get("respCode") != "00" or params.get("orderId") != order_id:
            raise GatewayUnavailable
        return params

    def _state(self, answer: Mapping[str, str]) -> str:
        code = answer.get("origRespCode", "")
        return "done" if code == "00" else "waiting" if code in _IN_PROGRESS else "failed"

    def _trade(self, answer: Mapping[str, str]) -> Trade:
        try:
            amount = wire.fen(answer.get("txnAmt"))
        except InvalidNotification:
            raise GatewayUnavailable from None
        state = {"done": TradeState.PAID, "waiting": TradeState.WAITING}.get(self._state(answer), TradeState.CLOSED)
        return Trade(
            out_trade_no=answer["orderId"],
            trade_no=answer.get("queryId", ""),
            amount=amount,
            state=state,
        )

    def _refund(self, answer: Mapping[str, str]) -> Refund:
        try:
            amount = wire.fen(answer.get("txnAmt"))
        except InvalidNotification:
            raise GatewayUnavailable from None
        state = {"done": RefundState.SUCCEEDED, "waiting": RefundState.PENDING}.get(
            self._state(answer), RefundState.FAILED
        )
        return Refund("", answer["orderId"], amount, state, answer.get("queryId", ""))

    def query(self, out_trade_no: str, *, created_at: dt.datetime) -> Trade | None:
        answer = self._query_fields(out_trade_no, wire.beijing_text(created_at, TIME_FORMAT))
        return self._trade(answer) if answer is not None else None

    def close(self, out_trade_no: str, *, created_at: dt.datetime) -> CloseResult:
        """UnionPay has no call that closes an unpaid trade (its cancel, 消费撤销, reverses a paid one).

        The ``payTimeout`` sent with the payment ends the trade at the pay
        deadline; until then, a payment that still lands is refunded.
        """
        trade = self.query(out_trade_no, created_at=created_at)
        if trade is not None and trade.state == TradeState.PAID:
            return CloseResult.PAID
        if trade is not None and trade.state == TradeState.CLOSED:
            return CloseResult.CLOSED
        return CloseResult.UNSUPPORTED

    def refund(self, request: RefundRequest) -> Refund:
        answer = self._call(
            self.config.back_url,
            {
                "txnType": REFUND,
                "txnSubType": "00",
                "channelType": "07",
                "orderId": request.refund_no,
                "origQryId": request.trade_no,
                "txnTime": wire.beijing_text(request.created_at, TIME_FORMAT),
                "txnAmt": str(request.amount.minor),
                "backUrl": request.notify_url,
            },
        )
        code = answer.get("respCode", "")
        if code in ("00", "03", "04", "05"):  # accepted; the result arrives by notification or query
            return Refund(request.out_trade_no, request.refund_no, request.amount, RefundState.PENDING)
        if code.startswith(("1", "2", "3", "6")):  # format, business and account refusals
            raise RefundRefused(params={"gateway_code": code})
        raise GatewayUnavailable

    def refund_query(self, *, out_trade_no: str, refund_no: str, created_at: dt.datetime) -> Refund | None:
        answer = self._query_fields(refund_no, wire.beijing_text(created_at, TIME_FORMAT))
        return self._refund(answer) if answer is not None else None
