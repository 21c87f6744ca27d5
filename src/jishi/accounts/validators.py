"""Validation of mainland mobile numbers and resident ID numbers (GB 11643-1999)."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from jishi.core.errors import InvalidInput
from jishi.core.masking import PROVINCES, id_number_check_character

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_ID_NUMBER = re.compile(r"^\d{17}[\dX]$")


def normalize_mobile(value: str, *, field: str = "phone") -> str:
    """Return the 11-digit mainland mobile number, accepting ``+86``/``86`` prefixes and separators."""
    digits = re.sub(r"[\s-]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not _MOBILE.match(digits):
        raise InvalidInput(_("Enter a valid mainland mobile number."), code="accounts.invalid_phone", field=field)
    return digits


def normalize_id_number(value: str, *, field: str = "id_number") -> str:
    """Validate an 18-digit resident ID number: format, province, birth date and check character."""
    number = (value or "").strip().upper()
    if not _ID_NUMBER.match(number):
        raise InvalidInput(
            _("A resident ID number has 18 characters: 17 digits and a check digit or X."),
            code="accounts.invalid_id_number",
            field=field,
        )
    if int(number[:2]) not in PROVINCES:
        raise InvalidInput(
            _("The ID number's region code is not valid."), code="accounts.invalid_id_number", field=field
        )
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < 1900 or born > timezone.localdate():
        raise InvalidInput(
            _("The ID number's birth date is not valid."), code="accounts.invalid_id_number", field=field
        )
    if id_number_check_character(number[:17]) != number[17]:
        raise InvalidInput(
            _("The ID number's check digit does not match."), code="accounts.invalid_id_number", field=field
        )
    return number


def classify_identifier(value: str) -> tuple[str, str]:
    """Return ``("email", normalized)`` or ``("phone", normalized)`` for a log-in identifier."""
    text = (value or "").strip()
    if "@" in text:
        return "email", text.lower()
    return "phone", normalize_mobile(text, field="identifier")
