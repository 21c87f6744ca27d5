from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jishi.core.money import CurrencyMismatch, Money, round_minor
from tests.fuzzing import fuzzed


def test_parse_is_exact_and_never_goes_through_float():
    # given / when
    money = Money.parse("0.10", "CNY") + Money.parse("0.20", "CNY")
    # then
    assert money == Money(30, "CNY")
    assert money.to_string() == "0.30"


@pytest.mark.parametrize("text", ["", "1.234", "-", "abc", "1e5", "12345678901234", "NaN"])
def test_parse_rejects_what_is_not_an_amount(text):
    with pytest.raises(ValueError, match="not an amount"):
        Money.parse(text, "CNY")


def test_arithmetic_refuses_mixed_currencies():
    with pytest.raises(CurrencyMismatch):
        Money(100, "CNY") + Money(100, "USD")


def test_multiplying_by_a_float_is_refused():
    with pytest.raises(TypeError):
        Money(100, "CNY") * 1.5  # type: ignore[operator]


def test_rates_round_half_up_once():
    assert Money(5, "CNY").apply_rate(Decimal("0.5")) == Money(3, "CNY")  # 2.5 → 3
    assert Money(1999, "CNY").apply_rate(Decimal("0.055")) == Money(110, "CNY")  # 109.945 → 110
    assert round_minor(Decimal("-2.5")) == -3


def test_allocate_gives_the_remainder_deterministically():
    assert Money(100, "CNY").allocate([1, 1, 1]) == [Money(34, "CNY"), Money(33, "CNY"), Money(33, "CNY")]
    assert Money(-100, "CNY").allocate([1, 1, 1]) == [Money(-34, "CNY"), Money(-33, "CNY"), Money(-33, "CNY")]


@fuzzed(100)
@given(
    amount=st.integers(min_value=-(10**12), max_value=10**12),
    ratios=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12).filter(lambda r: sum(r) > 0),
)
def test_allocation_always_sums_to_the_cent(amount, ratios):
    parts = Money(amount, "CNY").allocate(ratios)
    assert sum(p.minor for p in parts) == amount
    assert len(parts) == len(ratios)


def test_formatting_uses_babel_with_thousands_and_one_symbol_policy():
    assert Money(1234550, "CNY").format("zh_Hans_CN") == "¥12,345.50"
    assert Money(1234550, "CNY").format("en") == "¥12,345.50"
