"""The sandbox courier: a tracking aggregator that moves a parcel through a realistic journey and calls back.

This is the code 快递100 runs on its own servers. It lives here so the demo
and the tests have an aggregator that calls back like the real one: when a
parcel is subscribed it scripts the journey (揽收 in the shop's city, two to
four 运输中 hops through sorting centres, 派送中 and 已签收 in the buyer's
city, hours apart), and the periodic task :func:`parcels_advance` posts each
step when its time comes to our callback URL — in 快递100's own format (a
``param`` JSON with the whole history so far, newest first), signed with the
sandbox key instead of 快递100's salt (:func:`sign`). A step not answered
with ``{"result": true}`` is posted again on the next run.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import random
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from jishi.shipping.models import SandboxParcel, TrackingSubscription

logger = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# Sorting centres a parcel may pass between two cities.
HUBS = ("武汉", "郑州", "南京", "长沙", "济南", "合肥", "西安", "南昌")
# 快递100's state codes for the steps the sandbox scripts.
COLLECTED, IN_TRANSIT, OUT_FOR_DELIVERY, SIGNED = "1", "0", "5", "3"
_STATE_TEXT = {COLLECTED: "揽收", IN_TRANSIT: "在途", OUT_FOR_DELIVERY: "派件", SIGNED: "签收"}


def key() -> bytes:
    return f"tracking:{settings.JISHI_SANDBOX_KEY}".encode()


def sign(param: str) -> str:
    """The sandbox's signature of a callback's ``param``: HMAC-SHA256 with the sandbox key, upper-case hex."""
    return hmac.new(key(), param.encode(), hashlib.sha256).hexdigest().upper()


def _post(url: str, body: bytes) -> str:
    request = urllib.request.Request(  # noqa: S310 - the URL is our own callback endpoint, recorded at subscription
        url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return str(response.read(4096).decode("utf-8", "replace"))
    except OSError as error:  # refused, timed out, HTTP 4xx/5xx: all mean "try again later"
        logger.info("sandbox tracking callback to %s failed: %s", url, error)
        return ""


# How callbacks travel; tests replace it to route them through the test client.
deliver: Callable[[str, bytes], str] = _post


def _city(name: str, fallback: str) -> str:
    name = (name or fallback).strip()
    return name.removesuffix("市") or fallback


def script(*, seed: int, start: dt.datetime, origin: str, destination: str, courier: str) -> list[dict[str, str]]:
    """A parcel's journey from ``origin`` to ``destination`` (city names), the first step hours after ``start``.

    The same seed scripts the same journey. Steps are in time order.
    """
    rng = random.Random(seed)  # noqa: S311 - a made-up journey, not a secret
    origin, destination = _city(origin, "杭州"), _city(destination, "上海")
    at = start + dt.timedelta(hours=rng.randint(1, 3), minutes=rng.randint(0, 59))
    steps: list[tuple[dt.datetime, str, str, str]] = [
        (at, COLLECTED, f"【{origin}】{courier}快递员已揽收", origin),
    ]
    hubs = [f"{origin}转运中心"]
    middle = [hub for hub in HUBS if hub not in (origin, destination)]
    hubs += [f"{hub}转运中心" for hub in rng.sample(middle, rng.randint(0, 2))]
    if destination != origin:
        hubs.append(f"{destination}转运中心")
    for index, hub in enumerate(hubs):
        at += dt.timedelta(hours=rng.randint(3, 9), minutes=rng.randint(0, 59))
        following = hubs[index + 1] if index + 1 < len(hubs) else f"{destination}营业部"
        steps.append((at, IN_TRANSIT, f"快件已到达【{hub}】，准备发往【{following}】", hub.removesuffix("转运中心")))
    if len(hubs) == 1:  # a same-city parcel still passes the local sorting centre twice
        at += dt.timedelta(hours=rng.randint(3, 6))
        steps.append((at, IN_TRANSIT, f"快件已从【{hubs[0]}】发出，下一站【{destination}营业部】", destination))
    at += dt.timedelta(hours=rng.randint(2, 6), minutes=rng.randint(0, 59))
    steps.append((at, OUT_FOR_DELIVERY, f"【{destination}】快递员正在派件，请保持电话畅通", destination))
    at += dt.timedelta(hours=rng.randint(1, 4), minutes=rng.randint(0, 59))
    steps.append(
        (at, SIGNED, f"【{destination}】已签收，签收人：本人。感谢使用{courier}，期待再次为您服务", destination)
    )
    return [
        {"at": moment.isoformat(), "state": state, "context": context, "area": area}
        for moment, state, context, area in steps
    ]


@transaction.atomic
def parcel_open(
    subscription: TrackingSubscription,
    *,
    start: dt.datetime,
    callback_url: str,
    origin: str,
    destination: str,
    courier: str,
) -> SandboxParcel:
    """Start following a parcel: script its journey from ``start`` (when it shipped). Subscribing again keeps the
    first script."""
    steps = script(seed=subscription.pk, start=start, origin=origin, destination=destination, courier=courier)
    parcel, _created = SandboxParcel.objects.get_or_create(
        subscription=subscription,
        defaults={"callback_url": callback_url, "script": steps, "next_at": dt.datetime.fromisoformat(steps[0]["at"])},
    )
    return parcel


def callback_param(subscription: TrackingSubscription, steps: list[dict[str, str]], *, done: bool) -> str:
    """快递100's callback ``param`` for the steps so far (the whole history, newest first)."""
    newest = steps[-1]
    data = [
        {
            "context": step["context"],
            "time": dt.datetime.fromisoformat(step["at"]).astimezone(BEIJING).strftime(TIME_FORMAT),
            "ftime": dt.datetime.fromisoformat(step["at"]).astimezone(BEIJING).strftime(TIME_FORMAT),
            "status": _STATE_TEXT[step["state"]],
            "statusCode": step["state"],
            "areaName": step["area"],
        }
        for step in reversed(steps)
    ]
    body: dict[str, Any] = {
        "status": "shutdown" if done else "polling",
        "message": "",
        "lastResult": {
            "message": "ok",
            "nu": subscription.number,
            "com": subscription.carrier_code,
            "ischeck": "1" if done else "0",
            "state": newest["state"],
            "status": "200",
            "data": data,
        },
    }
    return json.dumps(body, ensure_ascii=False)


def callback_body(param: str) -> bytes:
    return urlencode({"param": param, "sign": sign(param)}).encode()


def _accepted(answer: str) -> bool:
    try:
        value = json.loads(answer)
    except ValueError:
        return False
    return isinstance(value, dict) and value.get("result") is True


def parcel_advance(*, parcel_id: int, now: dt.datetime) -> int:
    """Call back every step of the parcel due by ``now``, one at a time; returns how many were answered.

    A step whose callback is not accepted stops the run; the next run posts it again.
    """
    parcel = SandboxParcel.objects.select_related("subscription").filter(pk=parcel_id).first()
    answered = 0
    while parcel is not None and parcel.sent < len(parcel.script):
        step = parcel.script[parcel.sent]
        if dt.datetime.fromisoformat(step["at"]) > now:
            break
        done = parcel.sent + 1 == len(parcel.script)
        param = callback_param(parcel.subscription, parcel.script[: parcel.sent + 1], done=done)
        if not _accepted(deliver(parcel.callback_url, callback_body(param))):
            break
        parcel.sent += 1
        parcel.next_at = None if done else dt.datetime.fromisoformat(parcel.script[parcel.sent]["at"])
        SandboxParcel.objects.filter(pk=parcel.pk, sent=parcel.sent - 1).update(
            sent=parcel.sent, next_at=parcel.next_at
        )
        answered += 1
    return answered


def parcels_advance(*, now: dt.datetime, limit: int = 500) -> int:
    """Move every sandbox parcel whose next step is due (the periodic task). Returns the steps called back."""
    due = SandboxParcel.objects.filter(Q(next_at__lte=now)).order_by("next_at").values_list("pk", flat=True)[:limit]
    return sum(parcel_advance(parcel_id=parcel_id, now=now) for parcel_id in list(due))
