"""Parcel tracking behind one interface: the sandbox courier, and 快递100's subscription-and-callback protocol.

Jishi's services talk to an aggregator only through :class:`TrackingAdapter`:

* ``subscribe(subscription, callback_url)`` — ask the aggregator to follow a
  parcel and call ``callback_url`` with each new event. Returns when it
  accepted; raises :class:`TrackingRefused` when it never will (a courier it
  does not serve, a bad key) and ``TrackingUnavailable`` when it could not be
  reached (try again later). Subscribing twice is harmless.
* ``parse_callback(body, headers)`` — verify a callback exactly as received
  (its signature first, before anything in it is read) and return its
  events; raises ``BadSignature`` (403, field ``sign``) or ``BadCallback``
  (400) so the endpoint answers a 4xx and nothing is written.

快递100 (https://api.kuaidi100.com/document/): the subscription is a form
POST of ``schema=json`` and ``param`` = {"company", "number", "key",
"parameters": {"callbackurl", "salt", "resultv2": "1", "phone"}} to
:data:`POLL_URL`, answered ``{"result": true, "returnCode": "200"}``; the
callback is a form POST of ``param`` (JSON: ``status``, ``lastResult`` with
``nu``, ``com``, ``state``, ``ischeck`` and ``data``, the whole history
newest first) and ``sign`` = upper-case MD5 of ``param`` + salt. The sandbox
courier (``sandbox.py``) speaks the same callback format, signed with the
sandbox key, so both go through the same parser.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from jishi.shipping import sandbox
from jishi.shipping.errors import BadCallback, BadSignature, TrackingUnavailable, UnknownTrackingAdapter
from jishi.shipping.models import TrackingStatus, TrackingSubscription
from jishi.shipping.selectors import parcel_facts

logger = logging.getLogger(__name__)

POLL_URL = "https://poll.kuaidi100.com/poll"
BEIJING = ZoneInfo("Asia/Shanghai")
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
MAX_EVENTS = 300
# The answer 快递100 expects to a callback it should not send again.
ACCEPTED = {"result": True, "returnCode": "200", "message": "成功"}

# 快递100's ``state`` codes (with resultv2=1 the sub-states too: 1xx are kinds of 揽收, 3xx of 签收, 1001-1003
# of 在途 …). Sub-states not listed here take their first digit's meaning.
STATES: Mapping[str, str] = {
    "0": TrackingStatus.IN_TRANSIT,  # 在途
    "1": TrackingStatus.COLLECTED,  # 揽收 (101 已下单, 102 待揽收, 103 已揽收)
    "2": TrackingStatus.PROBLEM,  # 疑难 (201 超时未签收, 204 派件异常 …)
    "3": TrackingStatus.DELIVERED,  # 签收 (301 本人签收, 303 代签, 304 投柜或站签收 …)
    "4": TrackingStatus.RETURNED,  # 退签 (returned to the sender and signed for)
    "5": TrackingStatus.OUT_FOR_DELIVERY,  # 派件 (501 投柜或驿站)
    "6": TrackingStatus.RETURNED,  # 退回 (on its way back)
    "7": TrackingStatus.IN_TRANSIT,  # 转投 (handed to another courier)
    "8": TrackingStatus.IN_TRANSIT,  # 清关
    "10": TrackingStatus.IN_TRANSIT,  # 待清关
    "11": TrackingStatus.IN_TRANSIT,  # 清关中
    "12": TrackingStatus.IN_TRANSIT,  # 已清关
    "13": TrackingStatus.PROBLEM,  # 清关异常
    "14": TrackingStatus.PROBLEM,  # 拒签
    "1001": TrackingStatus.IN_TRANSIT,  # 到达派件城市
    "1002": TrackingStatus.IN_TRANSIT,  # 干线
    "1003": TrackingStatus.IN_TRANSIT,  # 转递
}
# The same states as the words each event of the history carries in ``status``.
STATE_WORDS: Mapping[str, str] = {
    "在途": TrackingStatus.IN_TRANSIT,
    "揽收": TrackingStatus.COLLECTED,
    "疑难": TrackingStatus.PROBLEM,
    "签收": TrackingStatus.DELIVERED,
    "退签": TrackingStatus.RETURNED,
    "派件": TrackingStatus.OUT_FOR_DELIVERY,
    "退回": TrackingStatus.RETURNED,
    "转投": TrackingStatus.IN_TRANSIT,
    "清关": TrackingStatus.IN_TRANSIT,
    "拒签": TrackingStatus.PROBLEM,
}
# 快递100's answers to a subscription: accepted (501: already subscribed), try again later, or refused for good.
SUBSCRIBED_CODES = frozenset({"200", "501"})
RETRY_CODES = frozenset({"500"})


class TrackingRefused(Exception):
    """The aggregator will not follow this parcel (a courier it does not serve, a bad key): do not ask again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:200]


@dataclass(frozen=True)
class Event:
    """One step of a parcel's journey, as a verified callback reported it."""

    number: str
    carrier_code: str
    time: dt.datetime
    status: str  # a TrackingStatus value
    description: str
    location: str = ""


class TrackingAdapter(Protocol):
    @property
    def code(self) -> str: ...

    def subscribe(self, subscription: TrackingSubscription, callback_url: str) -> None: ...

    def parse_callback(self, body: bytes, headers: Mapping[str, str]) -> list[Event]: ...


def _urllib_send(url: str, body: bytes) -> tuple[int, bytes]:
    if not url.startswith("https://"):
        raise TrackingUnavailable
    request = urllib.request.Request(  # noqa: S310 - https only
        url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - https only
            return response.status, response.read(100_000)
    except urllib.error.HTTPError as error:
        return error.code, error.read(100_000)
    except OSError as error:
        logger.warning("tracking service %s unreachable: %s", url, type(error).__name__)
        raise TrackingUnavailable from None


# (url, form body) -> (HTTP status, body); raises TrackingUnavailable. Tests replace it: no test uses a network.
send: Callable[[str, bytes], tuple[int, bytes]] = _urllib_send


def form_fields(body: bytes) -> dict[str, str]:
    """A form-encoded callback as single values; BadCallback for anything else."""
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise BadCallback(field="param") from None
    if any(len(values) != 1 for values in parsed.values()):
        raise BadCallback(field="param")
    return {name: values[0] for name, values in parsed.items()}


def signed_param(body: bytes, signature: Callable[[str], str]) -> str:
    """The callback's ``param``, once its ``sign`` is ``signature(param)``; raises BadSignature, BadCallback."""
    fields = form_fields(body)
    param, sign = fields.get("param", ""), fields.get("sign", "")
    if not param:
        raise BadCallback(field="param")
    # Bytes, not text: compare_digest refuses a str with non-ASCII characters, and a forger may send one.
    if not sign or not hmac.compare_digest(signature(param).encode(), sign.upper().encode()):
        raise BadSignature(field="sign")
    return param


def status_of(code: str) -> str | None:
    """Our status for 快递100's state (or sub-state) ``code``; None for a code it never documented."""
    if code in STATES:
        return STATES[code]
    if len(code) == 3 and code.isdecimal():
        return STATES.get(code[0])
    return None


def _text(item: Mapping[str, Any], name: str, limit: int) -> str:
    value = item.get(name, "")
    if not isinstance(value, str):
        raise BadCallback(field="param")
    return value.strip()[:limit]


def _time(item: Mapping[str, Any]) -> dt.datetime:
    text = _text(item, "ftime", 30) or _text(item, "time", 30)
    try:
        moment = dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING) if text.isascii() else None
    except ValueError:
        moment = None
    if moment is None or not EARLIEST <= moment <= timezone.now() + dt.timedelta(days=1):
        raise BadCallback(field="param")
    return moment


def _event_status(item: Mapping[str, Any], fallback: str | None) -> str:
    code = str(item.get("statusCode", "")) if isinstance(item.get("statusCode"), str | int) else ""
    word = item.get("status", "")
    found = status_of(code) or (STATE_WORDS.get(word) if isinstance(word, str) else None) or fallback
    return found or TrackingStatus.IN_TRANSIT


def events_of(param: str) -> list[Event]:
    """The events of a verified callback's ``param`` (快递100's format), newest first. Raises BadCallback."""
    try:
        value = json.loads(param)
    except ValueError:
        raise BadCallback(field="param") from None
    last = value.get("lastResult") if isinstance(value, dict) else None
    if not isinstance(last, dict):
        raise BadCallback(field="param")
    number, carrier_code = _text(last, "nu", 41), _text(last, "com", 21)
    data = last.get("data") or []
    if not number or len(number) > 40 or not number.isascii() or len(carrier_code) > 20:
        raise BadCallback(field="param")
    if not isinstance(data, list) or len(data) > MAX_EVENTS or not all(isinstance(item, dict) for item in data):
        raise BadCallback(field="param")
    state = str(last.get("state", ""))
    events = []
    for index, item in enumerate(data):
        description = _text(item, "context", 500)
        if not description:
            raise BadCallback(field="param")
        events.append(
            Event(
                number=number,
                carrier_code=carrier_code,
                time=_time(item),
                # The newest event is in the parcel's current state when it names none of its own.
                status=_event_status(item, status_of(state) if index == 0 else None),
                description=description,
                location=_text(item, "areaName", 100),
            )
        )
    return events


@dataclass(frozen=True)
class Kuaidi100Adapter:
    key: str
    salt: str
    code: str = "kuaidi100"

    def sign(self, param: str) -> str:
        return hashlib.md5((param + self.salt).encode(), usedforsecurity=False).hexdigest().upper()

    def request_body(self, subscription: TrackingSubscription, callback_url: str, *, phone: str = "") -> bytes:
        """The form 快递100's ``/poll`` takes to follow ``subscription``'s parcel."""
        parameters = {"callbackurl": callback_url, "salt": self.salt, "resultv2": "1"}
        if phone:
            parameters["phone"] = phone
        param = {
            "company": subscription.carrier_code,
            "number": subscription.number,
            "key": self.key,
            "parameters": parameters,
        }
        return urlencode({"schema": "json", "param": json.dumps(param, ensure_ascii=False)}).encode()

    def subscribe(self, subscription: TrackingSubscription, callback_url: str) -> None:
        facts = parcel_facts(subscription.order_id)
        # 顺丰 (and 丰网) answer only for the receiver's or sender's phone number; the others do not need it.
        phone = facts.phone if facts is not None and subscription.carrier_code in ("shunfeng", "fengwang") else ""
        status, answer = send(POLL_URL, self.request_body(subscription, callback_url, phone=phone))
        if status >= 500:
            raise TrackingUnavailable
        try:
            value = json.loads(answer)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise TrackingUnavailable
        code, message = str(value.get("returnCode", "")), str(value.get("message", ""))
        if code in SUBSCRIBED_CODES:
            return
        if code in RETRY_CODES:
            raise TrackingUnavailable
        raise TrackingRefused(f"{code} {message}".strip())

    def parse_callback(self, body: bytes, headers: Mapping[str, str]) -> list[Event]:
        return events_of(signed_param(body, self.sign))


@dataclass(frozen=True)
class SandboxTrackingAdapter:
    """The sandbox courier (``sandbox.py``): scripts a journey and calls back like 快递100."""

    code: str = "sandbox"

    def subscribe(self, subscription: TrackingSubscription, callback_url: str) -> None:
        facts = parcel_facts(subscription.order_id)
        if facts is None:
            raise TrackingRefused("no such order")
        sandbox.parcel_open(
            subscription,
            start=facts.shipped_at,
            callback_url=callback_url,
            origin=facts.origin,
            destination=facts.destination,
            courier=facts.courier,
        )

    def parse_callback(self, body: bytes, headers: Mapping[str, str]) -> list[Event]:
        return events_of(signed_param(body, sandbox.sign))


def available() -> dict[str, TrackingAdapter]:
    """The adapters this deployment runs: 快递100 once its key and salt are set, the sandbox where it is enabled.

    The sandbox makes up deliveries, so it runs only where the payment sandbox does (``JISHI_SANDBOX_ENABLED``:
    never in production unless switched on), whatever ``JISHI_TRACKING_ADAPTER`` says.
    """
    found: dict[str, TrackingAdapter] = {}
    if settings.JISHI_KUAIDI100_KEY and settings.JISHI_KUAIDI100_SALT:
        found["kuaidi100"] = Kuaidi100Adapter(key=settings.JISHI_KUAIDI100_KEY, salt=settings.JISHI_KUAIDI100_SALT)
    if settings.JISHI_SANDBOX_ENABLED:
        found["sandbox"] = SandboxTrackingAdapter()
    return found


def get(code: str) -> TrackingAdapter:
    """The adapter ``code``; raises UnknownTrackingAdapter (404, field ``adapter``) for one this site does not run."""
    adapter = available().get(code)
    if adapter is None:
        raise UnknownTrackingAdapter(field="adapter")
    return adapter


def current() -> TrackingAdapter | None:
    """The adapter new parcels are subscribed with (``JISHI_TRACKING_ADAPTER``), or None when it is not running."""
    return available().get(settings.JISHI_TRACKING_ADAPTER)
