"""Money as a value: integer minor units (fen) plus an ISO 4217 currency code.

Rates (commission, discounts, tax) are ``Decimal``; they become money only
through :func:`round_minor`, the single rounding site (half-up). Splits go
through :meth:`Money.allocate`, which hands out the remainder so the parts
always sum to the whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Self, overload

from babel.numbers import format_currency, get_currency_precision

# The platform's currency: every price, payment and balance is in yuan (its minor unit is the fen).
CURRENCY = "CNY"

_AMOUNT_RE = re.compile(r"^-?\d{1,13}(\.\d{1,2})?$")


class CurrencyMismatch(ValueError):
    """Arithmetic between two currencies."""


def minor_exponent(currency: str) -> int:
    """Number of decimal places of the currency's minor unit (CNY: 2, JPY: 0)."""
    return int(get_currency_precision(currency))


def round_minor(value: Decimal) -> int:
    """Round a Decimal amount of minor units half-up to an integer. The only rounding site."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True, order=False)
class Money:
    minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise TypeError("Money.minor must be an int of minor units")
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError(f"not an ISO 4217 code: {self.currency!r}")

    @classmethod
    def zero(cls, currency: str) -> Self:
        return cls(0, currency)

    @classmethod
    def total(cls, amounts: Iterable[Money], currency: str) -> Money:
        """The sum of ``amounts`` (all in ``currency``); zero for none."""
        result: Money = cls.zero(currency)
        for amount in amounts:
            result = result + amount
        return result

    @classmethod
    def parse(cls, amount: str, currency: str) -> Self:
        """Parse a decimal string such as ``"12.50"`` exactly; never goes through float."""
        text = amount.strip()
        if not _AMOUNT_RE.match(text):
            raise ValueError(f"not an amount: {amount!r}")
        try:
            value = Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - guarded by the regex
            raise ValueError(f"not an amount: {amount!r}") from exc
        scaled = value.scaleb(minor_exponent(currency))
        if scaled != scaled.to_integral_value():
            raise ValueError(f"too many decimal places for {currency}: {amount!r}")
        return cls(int(scaled), currency)

    def _check(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __mul__(self, quantity: int) -> Money:
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise TypeError("multiply Money by an integer quantity; use .apply_rate for rates")
        return Money(self.minor * quantity, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._check(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._check(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._check(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._check(other)
        return self.minor >= other.minor

    def __bool__(self) -> bool:
        return self.minor != 0

    def apply_rate(self, rate: Decimal) -> Money:
        """This amount times a Decimal rate, rounded half-up once."""
        if not isinstance(rate, Decimal):
            raise TypeError("rates are Decimal")
        return Money(round_minor(Decimal(self.minor) * rate), self.currency)

    def allocate(self, ratios: list[int]) -> list[Money]:
        """Split into parts proportional to ``ratios`` that sum exactly to this amount.

        The remainder goes one minor unit at a time to the parts with the
        largest fractional share (ties to the earlier part), so the result is
        deterministic.
        """
        if not ratios or any(r < 0 for r in ratios) or sum(ratios) == 0:
            raise ValueError("ratios must be non-negative and not all zero")
        total = sum(ratios)
        sign = -1 if self.minor < 0 else 1
        whole = abs(self.minor)
        shares = [whole * r // total for r in ratios]
        remainders = [whole * r % total for r in ratios]
        leftover = whole - sum(shares)
        order = sorted(range(len(ratios)), key=lambda i: (-remainders[i], i))
        for i in order[:leftover]:
            shares[i] += 1
        return [Money(sign * s, self.currency) for s in shares]

    @property
    def amount(self) -> Decimal:
        """The amount as an exact Decimal in major units (for display and gateways)."""
        return Decimal(self.minor).scaleb(-minor_exponent(self.currency))

    def to_string(self) -> str:
        """Plain decimal string, e.g. ``"12.50"``: the API's wire format."""
        exp = minor_exponent(self.currency)
        return f"{self.amount:.{exp}f}"

    def format(self, locale: str = "zh_Hans_CN", *, whole: bool = False) -> str:
        """Localised display, e.g. ``¥12,345.50`` (``whole``: rounded to ``¥12,346``, for chart axes).

        Symbol policy: CNY shows as ``¥`` in every locale, since Jishi's
        buyers and merchants read prices in yuan whatever the interface
        language.
        """
        return _formatted(self.minor, self.currency, locale, whole)

    def __str__(self) -> str:
        return f"{self.to_string()} {self.currency}"


@lru_cache(maxsize=8192)
def _formatted(minor: int, currency: str, locale: str, whole: bool) -> str:
    """Babel's formatting, remembered: a listing page shows dozens of prices, mostly the same few."""
    amount = Money(minor, currency).amount
    if whole:
        text = format_currency(amount, currency, format="¤#,##0", locale=locale, currency_digits=False)
    else:
        text = format_currency(amount, currency, locale=locale)
    if currency == CURRENCY:
        text = text.replace("CN¥", "¥")
    return str(text)


class MoneyField:
    """A model's amount as :class:`Money`, read from ``<name>_minor`` and the row's currency column.

    ``amount = MoneyField("amount_minor")`` replaces a hand-written
    property; ``currency`` names the column, or a dotted path to it (a
    line priced in its order's currency: ``"order.currency"``).
    :class:`OptionalMoneyField` reads a NULL amount as None.
    """

    def __init__(self, minor: str, *, currency: str = "currency") -> None:
        self.minor = minor
        self.currency = currency.split(".")

    def _read(self, obj: object) -> Money | None:
        minor = getattr(obj, self.minor)
        if minor is None:
            return None
        currency: Any = obj
        for name in self.currency:
            currency = getattr(currency, name)
        return Money(minor, currency)

    @overload
    def __get__(self, obj: None, owner: type) -> Self: ...
    @overload
    def __get__(self, obj: object, owner: type) -> Money: ...
    def __get__(self, obj: object | None, owner: type) -> Self | Money:
        if obj is None:
            return self
        amount = self._read(obj)
        if amount is None:
            raise ValueError(f"{type(obj).__name__}.{self.minor} is NULL")
        return amount


class OptionalMoneyField(MoneyField):
    @overload  # type: ignore[override]
    def __get__(self, obj: None, owner: type) -> Self: ...
    @overload
    def __get__(self, obj: object, owner: type) -> Money | None: ...
    def __get__(self, obj: object | None, owner: type) -> Self | Money | None:
        return self if obj is None else self._read(obj)


# Rates typed as percentages --------------------------------------------------------------------------------------

_PERCENT_RE = re.compile(r"[0-9]{1,3}(\.[0-9]{1,2})?")


def percent_to_basis_points(text: str, *, most: int = 10_000) -> int:
    """A percentage as typed (``"5.5"``, ``"5.5 %"``, ``"12.50%"``) in basis points (550), exactly, never through
    a float: at most two decimals, from 0 to ``most`` basis points (10,000 = 100 %). Raises ValueError otherwise,
    for the caller to name its own error and field."""
    stripped = (text or "").strip().removesuffix("%").strip()
    if not _PERCENT_RE.fullmatch(stripped):
        raise ValueError(f"not a percentage: {text!r}")
    basis_points = int(Decimal(stripped).scaleb(2))
    if basis_points > most:
        raise ValueError(f"more than {most} basis points: {text!r}")
    return basis_points


def basis_points_to_percent(basis_points: int) -> str:
    """Basis points as the percentage an operator types: 1000 → ``"10"``, 1250 → ``"12.5"``, 5 → ``"0.05"``."""
    text = f"{Decimal(basis_points).scaleb(-2):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
