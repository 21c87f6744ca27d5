"""Cleaning what a merchant sends for a product: text, options, SKUs and their numbers, typed attributes.

Every refusal is InvalidProduct naming the field (``skus.2.price``), so a form or a client shows it in place.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from jishi.catalog import selectors
from jishi.catalog.errors import (
    InvalidProduct,
)
from jishi.catalog.models import (
    CHOICE_KINDS,
    Attribute,
    AttributeKind,
    Category,
)
from jishi.core.money import CURRENCY, Money
from jishi.inventory import services as inventory

MAX_OPTIONS = 3
MAX_VALUES_PER_OPTION = 30
MAX_SKUS = 200
MAX_IMAGES = 12
MAX_PRICE_MINOR = 1_000_000_000  # ¥10,000,000.00
MAX_WEIGHT_GRAMS = 1_000_000


@dataclass(frozen=True)
class OptionInput:
    name: str
    values: list[str]


@dataclass(frozen=True)
class SkuInput:
    price: Money
    stock: int
    options: dict[str, str] = field(default_factory=dict)
    compare_at_price: Money | None = None
    code: str = ""
    weight_grams: int = 0


@dataclass(frozen=True)
class ProductInput:
    category_id: int
    title: str
    skus: list[SkuInput]
    subtitle: str = ""
    description: str = ""
    # A value as typed; a list for a multiple choice ("true"/"false" for yes or no).
    attributes: dict[str, str | list[str]] = field(default_factory=dict)
    options: list[OptionInput] = field(default_factory=list)


def invalid(message: str, field_name: str, code: str = "catalog.invalid_product") -> InvalidProduct:
    return InvalidProduct(message, code=code, field=field_name)


def clean_text(value: str, field_name: str, *, required: bool, limit: int) -> str:
    text = (value or "").strip()
    if required and not text:
        raise invalid(_("This field is required."), field_name, "catalog.required")
    if len(text) > limit:
        raise invalid(_("At most %(n)d characters.") % {"n": limit}, field_name, "catalog.too_long")
    return text


def clean_options(options: list[OptionInput]) -> list[OptionInput]:
    if len(options) > MAX_OPTIONS:
        raise invalid(_("At most %(n)d options.") % {"n": MAX_OPTIONS}, "options")
    cleaned: list[OptionInput] = []
    for i, option in enumerate(options):
        name = clean_text(option.name, f"options.{i}.name", required=True, limit=20)
        values = [clean_text(v, f"options.{i}.values", required=True, limit=30) for v in option.values]
        if not values or len(values) > MAX_VALUES_PER_OPTION:
            raise invalid(_("An option has 1 to %(n)d values.") % {"n": MAX_VALUES_PER_OPTION}, f"options.{i}.values")
        if len(set(values)) != len(values):
            raise invalid(_("Option values must differ."), f"options.{i}.values", "catalog.duplicate_value")
        if any(c in v for v in values for c in "=|") or any(c in name for c in "=|"):
            raise invalid(_("Option names and values cannot contain = or |."), f"options.{i}")
        cleaned.append(OptionInput(name=name, values=values))
    if len({o.name for o in cleaned}) != len(cleaned):
        raise invalid(_("Option names must differ."), "options", "catalog.duplicate_option")
    return cleaned


def combination(options: list[OptionInput], chosen: dict[str, str]) -> str:
    return "|".join(f"{o.name}={chosen[o.name]}" for o in options)


def clean_skus(options: list[OptionInput], skus: list[SkuInput]) -> dict[str, SkuInput]:
    """Map each combination to its SKU input; every combination exactly once."""
    expected = {
        combination(options, dict(zip([o.name for o in options], combo, strict=True)))
        for combo in itertools.product(*[o.values for o in options])
    }
    if len(expected) > MAX_SKUS:
        raise invalid(_("At most %(n)d SKUs.") % {"n": MAX_SKUS}, "options", "catalog.too_many_skus")
    by_combination: dict[str, SkuInput] = {}
    for i, sku in enumerate(skus):
        if set(sku.options) != {o.name for o in options}:
            raise invalid(_("Give a value for every option."), f"skus.{i}.options", "catalog.sku_options")
        key = combination(options, sku.options)
        if key not in expected:
            raise invalid(_("Unknown option value."), f"skus.{i}.options", "catalog.sku_options")
        if key in by_combination:
            raise invalid(_("This combination is listed twice."), f"skus.{i}.options", "catalog.duplicate_sku")
        check_sku_numbers(sku, f"skus.{i}")
        by_combination[key] = sku
    if set(by_combination) != expected:
        raise invalid(_("Give a price and stock for every combination."), "skus", "catalog.missing_skus")
    return by_combination


def check_sku_numbers(sku: SkuInput, prefix: str) -> None:
    if sku.price.currency != CURRENCY:
        raise invalid(_("Prices are in CNY."), f"{prefix}.price", "catalog.invalid_currency")
    if not 0 < sku.price.minor <= MAX_PRICE_MINOR:
        raise invalid(
            _("The price must be above 0 and at most 10,000,000."), f"{prefix}.price", "catalog.invalid_price"
        )
    if sku.compare_at_price is not None and sku.compare_at_price.minor < sku.price.minor:
        raise invalid(
            _("The compare-at price cannot be below the price."), f"{prefix}.compare_at_price", "catalog.invalid_price"
        )
    if sku.compare_at_price is not None and sku.compare_at_price.minor > MAX_PRICE_MINOR:
        raise invalid(
            _("The price must be above 0 and at most 10,000,000."),
            f"{prefix}.compare_at_price",
            "catalog.invalid_price",
        )
    if not 0 <= sku.weight_grams <= MAX_WEIGHT_GRAMS:
        raise invalid(_("The weight is 0 to 1,000,000 grams."), f"{prefix}.weight_grams")
    if not 0 <= sku.stock <= inventory.MAX_QUANTITY:
        raise invalid(_("Stock is a whole number from 0 to 1,000,000."), f"{prefix}.stock")
    if len(sku.code) > 40:
        raise invalid(_("At most %(n)d characters.") % {"n": 40}, f"{prefix}.code", "catalog.too_long")


TRUE_WORDS = frozenset({"true", "1", "yes", "是"})
FALSE_WORDS = frozenset({"false", "0", "no", "否"})


def _parse_choices(attribute: Attribute, texts: list[str], field_name: str) -> list[dict[str, Any]]:
    by_value = {c.value: c for c in attribute.choices.all()}
    if any(t not in by_value for t in texts):
        if attribute.kind == AttributeKind.MULTI:
            raise invalid(_("Choose among the listed values."), field_name, "catalog.invalid_attribute")
        raise invalid(_("Choose one of the listed values."), field_name, "catalog.invalid_attribute")
    return [{"choice": by_value[t]} for t in dict.fromkeys(texts)]


def _parse_number(text: str, field_name: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) >= Decimal("1e11"):
        raise invalid(_("Enter a number."), field_name, "catalog.invalid_attribute")
    return number.quantize(Decimal("0.001"))


def parse_attribute(attribute: Attribute, raw: str | list[str]) -> list[dict[str, Any]]:
    """The value rows ``raw`` makes for ``attribute`` (several for a multiple choice)."""
    field_name = f"attributes.{attribute.code}"
    texts = [t.strip() for t in ([raw] if isinstance(raw, str) else raw) if t.strip()]
    if attribute.kind != AttributeKind.MULTI and len(texts) > 1:
        raise invalid(_("This attribute takes one value."), field_name, "catalog.invalid_attribute")
    if attribute.kind in CHOICE_KINDS:
        return _parse_choices(attribute, texts, field_name)
    text = texts[0]
    if attribute.kind == AttributeKind.BOOLEAN:
        if text.lower() not in TRUE_WORDS | FALSE_WORDS:
            raise invalid(_("Answer yes or no."), field_name, "catalog.invalid_attribute")
        return [{"bool_value": text.lower() in TRUE_WORDS}]
    if attribute.kind == AttributeKind.NUMBER:
        return [{"number_value": _parse_number(text, field_name)}]
    if len(text) > 200:
        raise invalid(_("At most %(n)d characters.") % {"n": 200}, field_name, "catalog.too_long")
    return [{"text_value": text}]


def _is_blank(raw: str | list[str]) -> bool:
    return not any(t.strip() for t in ([raw] if isinstance(raw, str) else raw))


def clean_attributes(category: Category, values: dict[str, str | list[str]]) -> list[tuple[Attribute, dict[str, Any]]]:
    """One (attribute, value row) pair per row to write; a required attribute left blank is refused."""
    attributes = {a.code: a for a in selectors.attributes_for_category(category)}
    for code in values:
        if code not in attributes:
            raise invalid(_("This category has no such attribute."), f"attributes.{code}", "catalog.unknown_attribute")
    cleaned: list[tuple[Attribute, dict[str, Any]]] = []
    for code, attribute in attributes.items():
        raw = values.get(code) or ""
        if _is_blank(raw):
            if attribute.required:
                raise invalid(_("This field is required."), f"attributes.{code}", "catalog.required")
            continue
        cleaned += [(attribute, row) for row in parse_attribute(attribute, raw)]
    return cleaned


@dataclass(frozen=True)
class Clean:
    category: Category
    title: str
    subtitle: str
    description: str
    attributes: list[tuple[Attribute, dict[str, Any]]]
    options: list[OptionInput]
    skus: dict[str, SkuInput]


def clean_product(data: ProductInput) -> Clean:
    category = selectors.category_get(data.category_id)
    if not category.is_active:
        raise invalid(_("This category is retired; choose another."), "category_id", "catalog.category_retired")
    if not selectors.category_is_leaf(category):
        raise invalid(_("Choose the most specific category."), "category_id", "catalog.category_not_leaf")
    options = clean_options(data.options)
    return Clean(
        category=category,
        title=clean_text(data.title, "title", required=True, limit=120),
        subtitle=clean_text(data.subtitle, "subtitle", required=False, limit=200),
        description=clean_text(data.description, "description", required=False, limit=20_000),
        attributes=clean_attributes(category, data.attributes),
        options=options,
        skus=clean_skus(options, data.skus),
    )
