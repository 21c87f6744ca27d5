"""Cleaning what a merchant sends: options, SKUs and their numbers, typed attributes; each refusal names its field."""

import pytest

from jishi.catalog.errors import InvalidProduct
from jishi.catalog.services import attribute_create
from jishi.catalog.services.cleaning import (
    OptionInput,
    SkuInput,
    clean_attributes,
    clean_options,
    clean_skus,
    clean_text,
)
from jishi.core.money import Money

TASTE = OptionInput(name="口味", values=["鸡肉", "鱼肉"])
SIZE = OptionInput(name="规格", values=["1kg", "2kg"])


def _sku(price: str = "39.00", **fields) -> SkuInput:
    return SkuInput(price=Money.parse(price, "CNY"), stock=fields.pop("stock", 5), **fields)


def _refused(call) -> tuple[str, str | None]:
    with pytest.raises(InvalidProduct) as refused:
        call()
    return refused.value.code, refused.value.field


def test_text_is_trimmed_and_held_to_its_limit():
    assert clean_text("  猫粮  ", "title", required=True, limit=10) == "猫粮"
    assert _refused(lambda: clean_text("   ", "title", required=True, limit=10)) == ("catalog.required", "title")
    assert _refused(lambda: clean_text("猫" * 11, "title", required=True, limit=10)) == ("catalog.too_long", "title")


def test_options_are_trimmed_and_must_differ():
    # given / when
    cleaned = clean_options([OptionInput(name=" 口味 ", values=[" 鸡肉", "鱼肉 "])])
    # then
    assert cleaned == [TASTE]
    same_values = [OptionInput(name="口味", values=["鸡肉", "鸡肉"])]
    assert _refused(lambda: clean_options(same_values)) == ("catalog.duplicate_value", "options.0.values")
    assert _refused(lambda: clean_options([TASTE, TASTE])) == ("catalog.duplicate_option", "options")
    assert _refused(lambda: clean_options([OptionInput(name="a=b", values=["x"])]))[1] == "options.0"
    assert _refused(lambda: clean_options([OptionInput(name="空", values=[])]))[1] == "options.0.values"


def test_every_combination_has_exactly_one_sku():
    # given two options of two values: four combinations
    options = [TASTE, SIZE]
    combos = [{"口味": t, "规格": s} for t in TASTE.values for s in SIZE.values]
    # when all four are given
    skus = clean_skus(options, [_sku(options=c) for c in combos])
    # then each is keyed by its combination
    assert sorted(skus) == ["口味=鱼肉|规格=1kg", "口味=鱼肉|规格=2kg", "口味=鸡肉|规格=1kg", "口味=鸡肉|规格=2kg"]
    assert _refused(lambda: clean_skus(options, [_sku(options=c) for c in combos[:3]])) == (
        "catalog.missing_skus",
        "skus",
    )
    twice = [_sku(options=c) for c in [*combos, combos[0]]]
    assert _refused(lambda: clean_skus(options, twice)) == ("catalog.duplicate_sku", "skus.4.options")
    unknown = [_sku(options={"口味": "牛肉", "规格": "1kg"})]
    assert _refused(lambda: clean_skus(options, unknown)) == ("catalog.sku_options", "skus.0.options")


@pytest.mark.parametrize(
    ("sku", "code", "field"),
    [
        (_sku("0.00"), "catalog.invalid_price", "skus.0.price"),
        (_sku("10000000.01"), "catalog.invalid_price", "skus.0.price"),
        (
            _sku("39.00", compare_at_price=Money.parse("38.99", "CNY")),
            "catalog.invalid_price",
            "skus.0.compare_at_price",
        ),
        (SkuInput(price=Money(3900, "USD"), stock=1), "catalog.invalid_currency", "skus.0.price"),
        (_sku(stock=-1), "catalog.invalid_product", "skus.0.stock"),
        (_sku(weight_grams=1_000_001), "catalog.invalid_product", "skus.0.weight_grams"),
        (_sku(code="X" * 41), "catalog.too_long", "skus.0.code"),
    ],
)
def test_a_skus_numbers_are_checked_one_by_one(sku, code, field):
    assert _refused(lambda: clean_skus([], [sku])) == (code, field)


@pytest.mark.django_db
def test_attributes_are_typed_required_and_known(leaf_category):
    # given a choice, a number and a required text attribute on the category
    attribute_create(category=leaf_category, code="age", name="适用年龄", kind="choice", choices=["幼猫", "成猫"])
    attribute_create(category=leaf_category, code="weight", name="净含量", kind="number", unit="kg")
    attribute_create(category=leaf_category, code="origin", name="产地", kind="text", required=True)
    # when
    cleaned = {
        a.code: value
        for a, value in clean_attributes(leaf_category, {"age": "成猫", "weight": "2.5", "origin": "新西兰"})
    }
    # then
    assert cleaned["age"]["choice"].value == "成猫"
    assert str(cleaned["weight"]["number_value"]) == "2.500"
    assert cleaned["origin"] == {"text_value": "新西兰"}
    base = {"origin": "新西兰"}
    assert _refused(lambda: clean_attributes(leaf_category, base | {"age": "老年猫"})) == (
        "catalog.invalid_attribute",
        "attributes.age",
    )
    assert _refused(lambda: clean_attributes(leaf_category, base | {"weight": "NaN"})) == (
        "catalog.invalid_attribute",
        "attributes.weight",
    )
    assert _refused(lambda: clean_attributes(leaf_category, {})) == ("catalog.required", "attributes.origin")
    assert _refused(lambda: clean_attributes(leaf_category, base | {"colour": "红"})) == (
        "catalog.unknown_attribute",
        "attributes.colour",
    )
