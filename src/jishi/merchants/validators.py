"""Validation of unified social credit codes (GB 32100-2015) and permit numbers."""

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from jishi.core.errors import InvalidInput

# The code's alphabet: digits and capitals without I, O, S, V and Z; a character's value is its position.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE = re.compile(rf"^[1-9AY][0-9A-Z][0-9]{{6}}[{CREDIT_CODE_ALPHABET}]{{10}}$")
_PERMIT_NUMBER = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff()（）〔〕\[\]第号字-]{6,40}$")


def credit_code_check_character(first17: str) -> str:
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(value: str, *, field: str = "credit_code") -> str:
    """An 18-character unified social credit code, upper-cased, with its check character verified."""
    code = re.sub(r"\s", "", value or "").upper()
    if not _CREDIT_CODE.match(code):
        raise InvalidInput(
            _("A unified social credit code has 18 characters: digits and capital letters except I, O, S, V, Z."),
            code="merchants.invalid_credit_code",
            field=field,
        )
    if credit_code_check_character(code[:17]) != code[17]:
        raise InvalidInput(
            _("The check character of this credit code is wrong; please copy it from the licence again."),
            code="merchants.invalid_credit_code",
            field=field,
        )
    return code


def normalize_permit_number(value: str, *, field: str = "number") -> str:
    """A permit number as printed (6 to 40 characters, with at least 6 digits)."""
    number = re.sub(r"\s", "", value or "")
    if not _PERMIT_NUMBER.match(number) or sum(ch.isdecimal() for ch in number) < 6:
        raise InvalidInput(
            _("Enter the permit number as printed on the permit (6 to 40 characters, with at least 6 digits)."),
            code="merchants.invalid_permit_number",
            field=field,
        )
    return number


def check_not_expired(expires_on: dt.date, *, field: str = "expires_on") -> dt.date:
    if expires_on <= timezone.localdate():
        raise InvalidInput(
            _("This permit has expired; upload a valid one."), code="merchants.permit_expired", field=field
        )
    return expires_on
