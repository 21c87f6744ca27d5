"""Fake Alipay, WeChat Pay and UnionPay servers that speak each gateway's wire format with throwaway keys.

Each fake keeps its own books, verifies every request our adapter sends
with our public key (so a wrong signature of ours fails the test), and signs
its answers and notifications with the gateway's own key, exactly as the
real one does. Nothing here touches a network.
"""

import base64
import datetime as dt
import functools
import json
import secrets
import time
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

from jishi.payments.gateways import alipay, unionpay
from jishi.payments.gateways.http import Answer
from jishi.payments.gateways.wire import BEIJING


@functools.cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """One throwaway 2048-bit key per name for the whole test run."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def public_base64(key: rsa.RSAPrivateKey) -> str:
    """A public key as Alipay's console shows it: base64 DER, no PEM armour."""
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def rsa_sign(key: rsa.RSAPrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_verify(key: rsa.RSAPrivateKey, message: bytes, signature: str) -> None:
    key.public_key().verify(base64.b64decode(signature), message, padding.PKCS1v15(), hashes.SHA256())


def beijing(moment: float, fmt: str) -> str:
    return dt.datetime.fromtimestamp(moment, BEIJING).strftime(fmt)


class TradeClosed(Exception):
    """The buyer tried to pay a trade the gateway had closed: no money moves."""


class Books:
    """A gateway's own record of trades (waiting, paid or closed) and refunds."""

    def __init__(self) -> None:
        self.trades: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []

    def open(self, out_trade_no: str, minor: int) -> dict[str, Any]:
        """The gateway opens a trade the buyer has not paid yet (once per number)."""
        trade = {
            "out_trade_no": out_trade_no,
            "trade_no": f"T{secrets.randbelow(10**20):020d}",
            "minor": minor,
            "state": "waiting",
        }
        return self.trades.setdefault(out_trade_no, trade)

    def pay(self, out_trade_no: str, minor: int) -> dict[str, Any]:
        trade = self.open(out_trade_no, minor)
        if trade["state"] == "closed":
            raise TradeClosed(out_trade_no)
        trade["state"] = "paid"
        return trade

    def close(self, out_trade_no: str) -> str | None:
        """Close a waiting trade; returns the state the trade was in (None when there is no such trade)."""
        trade = self.trades.get(out_trade_no)
        if trade is None:
            return None
        before = trade["state"]
        if before == "waiting":
            trade["state"] = "closed"
        return before

    def refund(self, refund_no: str, out_trade_no: str, minor: int) -> dict[str, Any] | None:
        """Book a refund once per number; None when it would exceed the trade."""
        if refund_no in self.refunds:
            return self.refunds[refund_no]
        trade = self.trades.get(out_trade_no)
        done = sum(r["minor"] for r in self.refunds.values() if r["out_trade_no"] == out_trade_no)
        if trade is None or trade["state"] != "paid" or done + minor > trade["minor"]:
            return None
        self.refunds[refund_no] = {"out_trade_no": out_trade_no, "minor": minor, "id": f"R{len(self.refunds) + 1:08d}"}
        return self.refunds[refund_no]


# Alipay ----------------------------------------------------------------------------------------


class FakeAlipay(Books):
    app_id = "2021000000000001"
    seller_id = "2088000000000001"

    def __init__(self) -> None:
        super().__init__()
        self.key = rsa_key("alipay")
        self.app_key = rsa_key("alipay-app")

    def settings(self) -> dict[str, str]:
        return {
            "app_id": self.app_id,
            "seller_id": self.seller_id,
            "private_key": private_pem(self.app_key),
            "alipay_public_key": public_base64(self.key),
            "gateway_url": "https://alipay.test/gateway.do",
        }

    def notification(self, number: str, *, key: rsa.RSAPrivateKey | None = None, **fields: str) -> bytes:
        trade = self.trades[number]
        now = time.time()
        params = {
            "notify_time": beijing(now, "%Y-%m-%d %H:%M:%S"),
            "notify_type": "trade_status_sync",
            "notify_id": secrets.token_hex(16),
            "charset": "utf-8",
            "version": "1.0",
            "app_id": self.app_id,
            "seller_id": self.seller_id,
            "out_trade_no": number,
            "trade_no": trade["trade_no"],
            "trade_status": "TRADE_SUCCESS",
            "total_amount": f"{trade['minor'] / 100:.2f}",
            "gmt_payment": beijing(now - 5, "%Y-%m-%d %H:%M:%S"),
            "subject": "集市订单",
            **fields,
        }
        params["sign"] = rsa_sign(key or self.key, alipay.canonical(params, leave_out=("sign", "sign_type")).encode())
        params["sign_type"] = "RSA2"
        return urlencode(params).encode()

    def check_request(self, params: dict[str, str]) -> None:
        rsa_verify(self.app_key, alipay.canonical(params).encode(), params["sign"])
        assert params["app_id"] == self.app_id

    def handle(self, method: str, url: str, body: bytes, headers: Any) -> Answer:
        params = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        self.check_request(params)
        biz = json.loads(params["biz_content"])
        self.requests.append((params["method"], biz.get("out_trade_no", "")))
        member = getattr(self, "_" + params["method"].replace(".", "_"))(biz)
        name = params["method"].replace(".", "_") + "_response"
        text = json.dumps(member, ensure_ascii=False)
        return Answer(200, f'{{"{name}":{text},"sign":"{rsa_sign(self.key, text.encode())}"}}'.encode())

    def _alipay_trade_query(self, biz: dict[str, Any]) -> dict[str, Any]:
        trade = self.trades.get(biz["out_trade_no"])
        if trade is None:
            return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST"}
        return {
            "code": "10000",
            "msg": "Success",
            "out_trade_no": trade["out_trade_no"],
            "trade_no": trade["trade_no"],
            "trade_status": {"waiting": "WAIT_BUYER_PAY", "paid": "TRADE_SUCCESS", "closed": "TRADE_CLOSED"}[
                trade["state"]
            ],
            "total_amount": f"{trade['minor'] / 100:.2f}",
            "send_pay_date": beijing(time.time(), "%Y-%m-%d %H:%M:%S"),
        }

    def _alipay_trade_close(self, biz: dict[str, Any]) -> dict[str, Any]:
        before = self.close(biz["out_trade_no"])
        if before is None:  # the buyer never reached the password step: Alipay opened no trade
            return {
                "code": "40004",
                "msg": "Business Failed",
                "sub_code": "ACQ.TRADE_NOT_EXIST",
                "sub_msg": "交易不存在",
            }
        if before != "waiting":
            return {
                "code": "40004",
                "msg": "Business Failed",
                "sub_code": "ACQ.TRADE_STATUS_ERROR",
                "sub_msg": "交易状态不合法",
            }
        trade = self.trades[biz["out_trade_no"]]
        return {"code": "10000", "msg": "Success", "out_trade_no": trade["out_trade_no"], "trade_no": trade["trade_no"]}

    def _alipay_trade_refund(self, biz: dict[str, Any]) -> dict[str, Any]:
        minor = int(Decimal(biz["refund_amount"]) * 100)
        repeated = biz["out_request_no"] in self.refunds
        done = self.refund(biz["out_request_no"], biz["out_trade_no"], minor)
        if done is None:
            return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"}
        return {"code": "10000", "msg": "Success", "fund_change": "N" if repeated else "Y", "refund_fee": "0.00"}

    def _alipay_trade_fastpay_refund_query(self, biz: dict[str, Any]) -> dict[str, Any]:
        done = self.refunds.get(biz["out_request_no"])
        if done is None:
            return {"code": "10000", "msg": "Success"}
        return {"code": "10000", "refund_amount": f"{done['minor'] / 100:.2f}", "refund_status": "REFUND_SUCCESS"}


# WeChat Pay ------------------------------------------------------------------------------------


class FakeWechatPay(Books):
    mchid = "1900000001"
    appid = "wx0000000000000001"
    public_key_id = "PUB_KEY_ID_0000000000000000000000000001"
    api_v3_key = "0123456789abcdef0123456789abcdef"
    merchant_serial = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"

    def __init__(self) -> None:
        super().__init__()
        self.key = rsa_key("wechatpay")
        self.merchant_key = rsa_key("wechatpay-merchant")

    def settings(self) -> dict[str, str]:
        return {
            "mchid": self.mchid,
            "appid": self.appid,
            "serial_no": self.merchant_serial,
            "private_key": private_pem(self.merchant_key),
            "api_v3_key": self.api_v3_key,
            "public_key": public_pem(self.key),
            "public_key_id": self.public_key_id,
            "api_url": "https://wechatpay.test",
            "mode": "h5",
        }

    def signed_headers(
        self, body: bytes, *, timestamp: int | None = None, serial: str | None = None, key: Any = None
    ) -> dict[str, str]:
        stamp, nonce = str(timestamp or int(time.time())), secrets.token_hex(16)
        return {
            "Wechatpay-Serial": serial or self.public_key_id,
            "Wechatpay-Timestamp": stamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": rsa_sign(key or self.key, f"{stamp}\n{nonce}\n".encode() + body + b"\n"),
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        }

    def encrypt(self, plaintext: dict[str, Any]) -> dict[str, str]:
        nonce = secrets.token_hex(6)
        ciphertext = AESGCM(self.api_v3_key.encode()).encrypt(
            nonce.encode(), json.dumps(plaintext).encode(), b"transaction"
        )
        return {
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": base64.b64encode(ciphertext).decode(),
            "associated_data": "transaction",
            "original_type": "transaction",
            "nonce": nonce,
        }

    def transaction(self, out_trade_no: str, **fields: Any) -> dict[str, Any]:
        trade = self.trades[out_trade_no]
        return {
            "mchid": self.mchid,
            "appid": self.appid,
            "out_trade_no": out_trade_no,
            "transaction_id": trade["trade_no"],
            "trade_type": "MWEB",
            "trade_state": {"waiting": "NOTPAY", "paid": "SUCCESS", "closed": "CLOSED"}[trade["state"]],
            "trade_state_desc": "支付成功",
            "success_time": dt.datetime.now(BEIJING).isoformat(timespec="seconds"),
            "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            "amount": {"total": trade["minor"], "payer_total": trade["minor"], "currency": "CNY"},
            **fields,
        }

    def notification(
        self,
        plaintext: dict[str, Any],
        *,
        event_type: str = "TRANSACTION.SUCCESS",
        resource: Any = None,
        **signing: Any,
    ) -> tuple[bytes, dict[str, str]]:
        envelope = {
            "id": secrets.token_hex(16),
            "create_time": dt.datetime.now(BEIJING).isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "支付成功",
            "resource": resource if resource is not None else self.encrypt(plaintext),
        }
        body = json.dumps(envelope, ensure_ascii=False).encode()
        return body, self.signed_headers(body, **signing)

    def handle(self, method: str, url: str, body: bytes, headers: Any) -> Answer:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        fields = dict(item.split("=", 1) for item in headers["Authorization"].split(" ", 1)[1].split(","))
        fields = {k: v.strip('"') for k, v in fields.items()}
        message = f"{method}\n{path}\n{fields['timestamp']}\n{fields['nonce_str']}\n{body.decode()}\n".encode()
        rsa_verify(self.merchant_key, message, fields["signature"])
        assert (fields["mchid"], fields["serial_no"]) == (self.mchid, self.merchant_serial)
        self.requests.append((method, parts.path))
        status, data = self._route(method, parts.path, json.loads(body) if body else {})
        answer = json.dumps(data).encode() if status != 204 else b""
        return Answer(status, answer, self.signed_headers(answer))

    def _route(self, method: str, path: str, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if path in ("/v3/pay/transactions/native", "/v3/pay/transactions/h5"):
            return self._order(path.rsplit("/", 1)[1], data)
        if path.startswith("/v3/pay/transactions/out-trade-no/") and path.endswith("/close"):
            assert data == {"mchid": self.mchid}
            return self._close(path.split("/")[-2])
        if path.startswith("/v3/pay/transactions/out-trade-no/"):
            number = path.rsplit("/", 1)[1]
            if number not in self.trades:
                return 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"}
            return 200, self.transaction(number)
        if path == "/v3/refund/domestic/refunds" and method == "POST":
            done = self.refund(data["out_refund_no"], data["out_trade_no"], data["amount"]["refund"])
            if done is None:
                return 403, {"code": "NOT_ENOUGH", "message": "基本账户余额不足"}
            return 200, self.refund_body(data["out_refund_no"], "PROCESSING", field="status")
        if path.startswith("/v3/refund/domestic/refunds/"):
            number = path.rsplit("/", 1)[1]
            if number not in self.refunds:
                return 404, {"code": "RESOURCE_NOT_EXISTS", "message": "退款单不存在"}
            return 200, self.refund_body(number, "SUCCESS", field="status")
        return 404, {"code": "NOT_FOUND", "message": path}

    def _order(self, mode: str, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """WeChat Pay opens the trade when the merchant orders it: a code to scan (native) or a page (h5)."""
        assert data["amount"]["total"] > 0
        assert data["mchid"] == self.mchid
        assert ("scene_info" in data) == (mode == "h5")
        self.open(data["out_trade_no"], data["amount"]["total"])
        if mode == "native":
            return 200, {"code_url": f"weixin://wxpay/bizpayurl?pr={data['out_trade_no'][-7:]}"}
        return 200, {
            "h5_url": f"https://wx.tenpay.test/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={data['out_trade_no']}"
        }

    def _close(self, out_trade_no: str) -> tuple[int, dict[str, Any]]:
        before = self.close(out_trade_no)
        if before is None:
            return 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"}
        if before == "closed":
            return 400, {"code": "ORDER_CLOSED", "message": "订单已关闭"}
        if before == "paid":
            return 403, {"code": "TRADE_ERROR", "message": "订单已支付"}
        return 204, {}

    def refund_body(self, refund_no: str, state: str, *, field: str = "refund_status") -> dict[str, Any]:
        done = self.refunds[refund_no]
        return {
            "mchid": self.mchid,
            "out_trade_no": done["out_trade_no"],
            "transaction_id": self.trades[done["out_trade_no"]]["trade_no"],
            "out_refund_no": refund_no,
            "refund_id": done["id"],
            field: state,
            "amount": {"total": self.trades[done["out_trade_no"]]["minor"], "refund": done["minor"]},
        }


# UnionPay --------------------------------------------------------------------------------------


def certificate(
    subject_cn: str,
    key: rsa.RSAPrivateKey,
    *,
    issuer: tuple[x509.Certificate, rsa.RSAPrivateKey] | None = None,
    ca: bool = False,
    days: tuple[int, int] = (-1, 365),
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)])
    issuer_name, issuer_key = (issuer[0].subject, issuer[1]) if issuer else (name, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=days[0]))
        .not_valid_after(now + dt.timedelta(days=days[1]))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    return builder.sign(issuer_key, hashes.SHA256())


def cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


class FakeUnionPay(Books):
    mer_id = "777290058110097"
    signer_cn = f"CFCA@{unionpay.COMPANY}@00040000:SIGN@00000062"

    def __init__(self) -> None:
        super().__init__()
        self.root_key, self.middle_key, self.key = rsa_key("cup-root"), rsa_key("cup-middle"), rsa_key("cup-sign")
        self.root = certificate("CFCA TEST CS CA", self.root_key, ca=True)
        self.middle = certificate("CFCA TEST OCA1", self.middle_key, issuer=(self.root, self.root_key), ca=True)
        self.cert = certificate(self.signer_cn, self.key, issuer=(self.middle, self.middle_key))
        self.merchant_key = rsa_key("cup-merchant")
        self.merchant_cert = certificate("merchant", self.merchant_key, issuer=(self.middle, self.middle_key))
        self.txn_times: dict[str, str] = {}
        self.waiting: set[str] = set()  # trades its books show as still in progress

    def settings(self) -> dict[str, str]:
        return {
            "mer_id": self.mer_id,
            "sign_key": private_pem(self.merchant_key),
            "sign_cert": cert_pem(self.merchant_cert),
            "middle_cert": cert_pem(self.middle),
            "root_cert": cert_pem(self.root),
            "front_url": "https://unionpay.test/gateway/api/frontTransReq.do",
            "back_url": "https://unionpay.test/gateway/api/backTransReq.do",
            "query_url": "https://unionpay.test/gateway/api/queryTrans.do",
        }

    def sign(self, params: dict[str, str], *, key: Any = None, cert: x509.Certificate | None = None) -> dict[str, str]:
        full = {"signPubKeyCert": cert_pem(cert or self.cert), "signMethod": "01", **params}
        full["signature"] = rsa_sign(key or self.key, unionpay.digest(full))
        return full

    def check_request(self, params: dict[str, str]) -> None:
        assert params["certId"] == str(self.merchant_cert.serial_number)
        rsa_verify(self.merchant_key, unionpay.digest(params), params["signature"])
        assert params["merId"] == self.mer_id

    def pay(self, out_trade_no: str, minor: int, txn_time: str = "") -> dict[str, Any]:
        trade = super().pay(out_trade_no, minor)
        self.txn_times[out_trade_no] = txn_time
        return trade

    def notification(
        self, order_id: str, *, txn_type: str = "01", key: Any = None, cert: Any = None, **fields: str
    ) -> bytes:
        booked = self.trades.get(order_id) or self.refunds[order_id]
        params = {
            "version": "5.1.0",
            "encoding": "UTF-8",
            "bizType": "000201",
            "txnType": txn_type,
            "txnSubType": "01" if txn_type == "01" else "00",
            "accessType": "0",
            "merId": self.mer_id,
            "orderId": order_id,
            "txnTime": self.txn_times.get(order_id, ""),
            "txnAmt": str(booked["minor"]),
            "currencyCode": "156",
            "queryId": booked.get("trade_no", booked.get("id", "")),
            "respCode": "00",
            "respMsg": "成功[0000000]",
            "traceNo": "123456",
            "traceTime": beijing(time.time(), "%m%d%H%M%S"),
            **fields,
        }
        return urlencode(self.sign(params, key=key, cert=cert)).encode()

    def handle(self, method: str, url: str, body: bytes, headers: Any) -> Answer:
        params = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        self.check_request(params)
        self.requests.append((params["txnType"], params["orderId"]))
        answer = {"version": "5.1.0", "encoding": "UTF-8", "merId": self.mer_id, "orderId": params["orderId"]}
        if url.endswith("queryTrans.do"):
            answer.update(self._query(params))
        elif url.endswith("backTransReq.do"):
            original = next((t for t in self.trades.values() if t["trade_no"] == params["origQryId"]), None)
            done = original and self.refund(params["orderId"], original["out_trade_no"], int(params["txnAmt"]))
            if done:
                self.txn_times[params["orderId"]] = params["txnTime"]
            answer.update(
                {"txnType": "04", "respCode": "00" if done else "35", "respMsg": "成功" if done else "余额不足"}
            )
        return Answer(200, urlencode(self.sign(answer)).encode())

    def _query(self, params: dict[str, str]) -> dict[str, str]:
        number = params["orderId"]
        if number in self.trades and self.txn_times.get(number) == params["txnTime"]:
            trade = self.trades[number]
            return {
                "txnType": "01",
                "respCode": "00",
                "origRespCode": "05" if number in self.waiting else "00",
                "txnAmt": str(trade["minor"]),
                "queryId": trade["trade_no"],
            }
        if number in self.refunds and self.txn_times.get(number) == params["txnTime"]:
            done = self.refunds[number]
            return {
                "txnType": "04",
                "respCode": "00",
                "origRespCode": "00",
                "txnAmt": str(done["minor"]),
                "queryId": done["id"],
            }
        return {"respCode": "34", "respMsg": "查无此交易"}
