"""Masking personal data for display and in every log line.

:func:`install_log_masking` (run when the core app is ready) makes every log
record of the process - Django's, the development server's access log,
gunicorn's - carry mainland mobile numbers and resident ID numbers masked,
whichever handler writes it.
"""

import datetime as dt
import logging
import re
from typing import Any

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# Province-level codes of GB/T 2260 (the first two digits of a resident ID number).
# fmt: off
PROVINCES = frozenset({
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42,
    43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
})
# fmt: on
# A mobile number as people and URLs write it: 13800138000, +86 138 0013 8000, 86-138-0013-8000, %2B8613800138000.
_PHONE_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])(?:(?:\+|%2B)?86(?:[\s-]|%20)?)?(1[3-9]\d)(?:[\s-]|%20)?(\d{4})(?:[\s-]|%20)?(\d{4})(?![0-9A-Za-z])",
    re.IGNORECASE,
)
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")


def id_number_check_character(first17: str) -> str:
    """The check character of a resident ID number (GB 11643-1999) from its first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def mask_phone(phone: str) -> str:
    """``13812341234`` → ``138****1234``."""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def mask_id_number(number: str) -> str:
    """``110101199003071234`` → ``110101********1234``."""
    if len(number) < 10:
        return "*" * len(number)
    return f"{number[:6]}{'*' * (len(number) - 10)}{number[-4:]}"


def mask_email(email: str) -> str:
    """``alice@example.com`` → ``a***e@example.com``."""
    local, at, domain = email.partition("@")
    if not at:
        return mask_phone(email)
    if len(local) <= 2:
        return f"{local[:1]}***@{domain}"
    return f"{local[0]}***{local[-1]}@{domain}"


def _looks_like_id_number(text: str) -> bool:
    """A region code, a birth date from 1900 on and a matching check character: an order number never has all three."""
    try:
        born = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    return int(text[:2]) in PROVINCES and born.year >= 1900 and id_number_check_character(text[:17]) == text[17].upper()


def mask_personal_data(text: str) -> str:
    """``text`` with every mainland mobile number and resident ID number in it masked."""
    text = _PHONE_IN_TEXT.sub(lambda m: mask_phone("".join(m.groups())), text)
    return _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group()) if _looks_like_id_number(m.group()) else m.group(), text)


def install_log_masking() -> None:
    """Make every log record created in this process carry its message with personal data masked."""
    make_record = logging.getLogRecordFactory()
    if getattr(make_record, "masks_personal_data", False):
        return

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the message: left for the handler to report
            return record
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, None
        return record

    masked_record.masks_personal_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masked_record)
