"""The couriers offered when a parcel is sent: a shop's shipment, a buyer's return, a replacement.

Shops may still type another courier's name; this list is what the forms suggest and the API serves.
Each courier has the company code 快递100 knows it by, which tracking subscribes with, and
:func:`detect_carrier` guesses the courier from a tracking number's shape.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Carrier:
    name: str  # what buyers and shops read, and what an order keeps as its ``carrier``
    code: str  # 快递100's company code (``com``)


CARRIER_TABLE = (
    Carrier("顺丰速运", "shunfeng"),
    Carrier("京东物流", "jd"),
    Carrier("中通快递", "zhongtong"),
    Carrier("圆通速递", "yuantong"),
    Carrier("韵达快递", "yunda"),
    Carrier("申通快递", "shentong"),
    Carrier("EMS", "ems"),
    Carrier("极兔速递", "jtexpress"),
)
CARRIERS = tuple(carrier.name for carrier in CARRIER_TABLE)
_BY_CODE = {carrier.code: carrier for carrier in CARRIER_TABLE}
_BY_NAME = {carrier.name: carrier for carrier in CARRIER_TABLE}

# How each courier's numbers look, tried in this order on the number upper-cased without spaces or dashes.
# The shapes overlap (a 13-digit number starting 77 fits 中通 and 申通 alike): the first rule that matches wins,
# so the distinctive shapes (a prefix of letters, 申通's 773) come before the broad digit ranges. A number that
# matches no rule is not guessed at.
DETECTION_RULES: tuple[tuple[str, str], ...] = (
    ("shunfeng", r"SF\d{12,13}"),
    ("jd", r"JD[A-Z0-9]{10,18}"),
    ("yuantong", r"YT\d{13}"),
    ("jtexpress", r"JT\d{13}"),
    ("ems", r"[A-Z]{2}\d{9}CN"),  # the UPU form: EA123456789CN
    ("ems", r"(?:10|11|50|51)\d{11}"),
    ("shentong", r"773\d{10}"),
    ("yunda", r"(?:31|4\d)\d{11}"),  # 13 digits: 31…, 43…, 46…
    ("zhongtong", r"[765]\d{11,14}"),
    ("shentong", r"(?:77|66|88|55|37)\d{10,11}"),  # what 中通 left: 88… and 37…
)
_COMPILED = tuple((code, re.compile(pattern)) for code, pattern in DETECTION_RULES)


def normalised(tracking_number: str) -> str:
    """The number as couriers print it: upper case, without spaces or dashes."""
    return re.sub(r"[\s-]", "", tracking_number).upper()


def detect_carrier(tracking_number: str) -> Carrier | None:
    """The courier whose numbers look like ``tracking_number``, or None when no rule is sure.

    The first of :data:`DETECTION_RULES` that matches the whole number wins.
    """
    number = normalised(tracking_number)
    if not number.isascii() or len(number) > 40:
        return None
    return next((_BY_CODE[code] for code, pattern in _COMPILED if pattern.fullmatch(number)), None)


def carrier_named(name: str) -> Carrier | None:
    """The listed courier called ``name`` (its Chinese name, or its 快递100 code), or None for another name."""
    name = name.strip()
    return _BY_NAME.get(name) or _BY_CODE.get(name.lower())


def carrier_by_code(code: str) -> Carrier | None:
    return _BY_CODE.get(code)


def detected_name(tracking_number: str) -> str | None:
    """The name of the courier ``tracking_number`` looks like (what an order keeps), or None."""
    carrier = detect_carrier(tracking_number)
    return carrier.name if carrier is not None else None
