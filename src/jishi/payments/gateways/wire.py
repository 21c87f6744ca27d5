"""Pieces of the gateways' wire formats that more than one adapter reads."""

import datetime as dt
import json
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from jishi.core.money import CURRENCY, Money
from jishi.payments.errors import InvalidNotification

# The gateways write their times as naive Beijing time.
BEIJING = ZoneInfo("Asia/Shanghai")
# A notification older (or newer) than this is a replay, however good its signature.
MAX_AGE_SECONDS = 300
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def form_fields(body: bytes, *, max_fields: int = 80) -> dict[str, str]:
    """A form-encoded body as single values; InvalidNotification("malformed") for anything else."""
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True, max_num_fields=max_fields)
    except (UnicodeDecodeError, ValueError):
        raise InvalidNotification("malformed") from None
    if any(len(values) != 1 for values in parsed.values()):
        raise InvalidNotification("malformed")
    return {name: values[0] for name, values in parsed.items()}


def json_object(body: bytes | str) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise InvalidNotification("malformed") from None
    if not isinstance(value, dict):
        raise InvalidNotification("malformed")
    return value


def require(params: Mapping[str, Any], *names: str) -> None:
    if any(not isinstance(params.get(name), str) or not params[name] for name in names):
        raise InvalidNotification("missing_parameter")


def check_fresh(sent_at: float, *, now: float | None = None) -> None:
    if not -MAX_AGE_SECONDS <= (now if now is not None else time.time()) - sent_at <= MAX_AGE_SECONDS:
        raise InvalidNotification("stale_timestamp")


def _sane(moment: dt.datetime | None) -> dt.datetime:
    """A gateway's time, from 2000 to a day from now: nothing done with it later can overflow."""
    if moment is None or moment.tzinfo is None:
        raise InvalidNotification("malformed")
    if not EARLIEST <= moment <= dt.datetime.now(dt.UTC) + dt.timedelta(days=1):
        raise InvalidNotification("malformed")
    return moment


def beijing_time(text: str, fmt: str) -> dt.datetime:
    """A naive Beijing time in ``fmt`` (ASCII digits only: strptime reads "２０２６" as 2026)."""
    try:
        moment = dt.datetime.strptime(text, fmt).replace(tzinfo=BEIJING) if text.isascii() else None
    except ValueError:
        moment = None
    return _sane(moment)


def iso_time(text: str) -> dt.datetime:
    """An ISO 8601 time with its offset."""
    try:
        moment = dt.datetime.fromisoformat(text) if text.isascii() else None
    except ValueError:
        moment = None
    return _sane(moment)


def beijing_text(moment: dt.datetime, fmt: str) -> str:
    return moment.astimezone(BEIJING).strftime(fmt)


def digits(text: Any) -> bool:
    """Whether ``text`` is ASCII digits only: ``str.isdigit`` and ``int`` also take "１２", "١٢" and "²"."""
    return isinstance(text, str) and text.isascii() and text.isdecimal()


def yuan(text: Any, currency: str = CURRENCY) -> Money:
    """An amount the gateway wrote in yuan (``"12.50"``); only plain ASCII decimals are accepted."""
    if not isinstance(text, str) or not re.fullmatch(r"[0-9]{1,10}(\.[0-9]{1,2})?", text):
        raise InvalidNotification("malformed")
    return Money.parse(text, currency)


def fen(value: Any, currency: str = CURRENCY) -> Money:
    """An amount the gateway wrote in fen (an integer, or ASCII digits in a string)."""
    if isinstance(value, bool) or not (isinstance(value, int) or digits(value)):
        raise InvalidNotification("malformed")
    minor = int(value)
    if not 0 <= minor < 10**12:
        raise InvalidNotification("malformed")
    return Money(minor, currency)
