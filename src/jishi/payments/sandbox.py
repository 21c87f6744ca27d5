"""The sandbox gateway's side of a payment: the buyer's click on its pay page and its notifications.

This is the code a real gateway runs on its own servers. It lives here so
the demo and the tests have a gateway that pays, notifies, retries and
answers queries like one.
"""

import datetime as dt
import logging
import urllib.request
from collections.abc import Callable
from urllib.parse import urlencode

from django.db import transaction
from django.utils import timezone

from jishi.core.states import move
from jishi.core.transactions import after_commit
from jishi.payments.errors import InvalidTransition, PaymentNotFound
from jishi.payments.gateways.sandbox import notification_params, return_query
from jishi.payments.models import SandboxTrade
from jishi.payments.states import SANDBOX_TRADE, SandboxTradeStatus

logger = logging.getLogger(__name__)

# Seconds to wait before each retry, as the real gateways back off (they keep trying for about a day).
RETRY_DELAYS = (15, 60, 180, 600, 1800, 3600, 3 * 3600, 6 * 3600)


def _post(url: str, body: bytes) -> str:
    request = urllib.request.Request(  # noqa: S310 - the URL is our own notify endpoint, recorded at creation
        url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return str(response.read(64).decode("utf-8", "replace"))
    except OSError as error:  # refused, timed out, HTTP 4xx/5xx: all mean "try again later"
        logger.info("sandbox notification to %s failed: %s", url, error)
        return ""


# How notifications travel; tests replace it to route them through the test client.
deliver: Callable[[str, bytes], str] = _post


def trade_get(trade_no: str) -> SandboxTrade:
    trade = SandboxTrade.objects.filter(trade_no=trade_no).first()
    if trade is None:
        raise PaymentNotFound
    return trade


@transaction.atomic
def trade_pay(*, trade_no: str) -> str:
    """The buyer pressed pay: take the money, notify the merchant after commit, and return the return URL.

    Pressing pay twice takes the money once; a trade the merchant closed, or
    one past the deadline it sent, takes none.
    """
    trade = trade_get(trade_no)
    now = timezone.now()
    try:
        if trade.expires_at is not None and trade.expires_at <= now:  # too late: the deadline passed
            move(SANDBOX_TRADE, trade, SandboxTradeStatus.CLOSED)
            paid = False
        else:
            paid = move(SANDBOX_TRADE, trade, SandboxTradeStatus.SUCCESS, fields={"paid_at": now})
    except InvalidTransition:  # closed by the merchant, or paid, before the buyer pressed pay
        paid = False
    if paid:
        from jishi.payments.tasks import sandbox_notify

        after_commit(sandbox_notify.enqueue, trade.trade_no)
    if trade.status != SandboxTradeStatus.SUCCESS:
        return trade.return_url
    return f"{trade.return_url}?{return_query(trade)}"


def trade_notify(*, trade_no: str) -> dt.timedelta | None:
    """Send one notification attempt; None when the merchant answered ``success`` (or there is nothing to send),
    otherwise how long to wait before the next attempt (None again once the retries are used up).
    """
    trade = trade_get(trade_no)
    if trade.notified_at is not None or trade.status == SandboxTradeStatus.WAITING:
        return None
    answer = deliver(trade.notify_url, urlencode(notification_params(trade)).encode())
    attempts = trade.notify_attempts + 1
    if answer.strip() == "success":
        SandboxTrade.objects.filter(pk=trade.pk).update(notify_attempts=attempts, notified_at=timezone.now())
        return None
    SandboxTrade.objects.filter(pk=trade.pk).update(notify_attempts=attempts)
    if attempts > len(RETRY_DELAYS):
        return None
    return dt.timedelta(seconds=RETRY_DELAYS[attempts - 1])
