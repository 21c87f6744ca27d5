"""The merchant's product editor: read the posted grid into a ProductInput, and back into rows to render.

The editor is one HTML form: category, text fields, the category's
attributes, up to three options with their values, and a grid with one row
per combination of option values (price, compare-at price, stock, code,
weight). "Update SKU table" re-renders the grid for the options as typed,
keeping what was already entered for combinations that still exist.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from jishi.catalog import selectors as catalog
from jishi.catalog.models import Attribute, AttributeKind, Category, Product
from jishi.catalog.services import OptionInput, ProductInput, SkuInput
from jishi.core.errors import DomainError
from jishi.core.money import CURRENCY, Money

MAX_OPTION_ROWS = 3
_SPLIT = re.compile(r"[,，、;；\n]+")


@dataclass
class SkuRow:
    options: dict[str, str]
    price: str = ""
    compare_at: str = ""
    stock: str = "0"
    code: str = ""
    weight: str = "0"

    @property
    def label(self) -> str:
        return " / ".join(self.options.values()) or _("Default")

    @property
    def key(self) -> str:
        return json.dumps(self.options, ensure_ascii=False, sort_keys=True)


@dataclass
class EditorState:
    category: Category | None
    title: str = ""
    subtitle: str = ""
    description: str = ""
    attributes: dict[str, str | list[str]] = field(default_factory=dict)
    options: list[tuple[str, str]] = field(default_factory=list)  # (name, values as typed)
    rows: list[SkuRow] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def option_inputs(self) -> list[OptionInput]:
        result = []
        for name, text in self.options:
            values = [v.strip() for v in _SPLIT.split(text) if v.strip()]
            if name.strip() and values:
                result.append(OptionInput(name=name.strip(), values=list(dict.fromkeys(values))))
        return result

    def _value(self, attribute: Attribute) -> str | list[str]:
        """What the field shows: every ticked value of a multiple choice, the one value of the others."""
        value = self.attributes.get(attribute.code, "")
        values = [value] if isinstance(value, str) else value
        if attribute.kind == AttributeKind.MULTI:
            return [v for v in values if v]
        return values[0] if values else ""

    def attribute_fields(self) -> list[dict[str, Any]]:
        if self.category is None:
            return []
        return [
            {
                "attribute": attribute,
                "value": self._value(attribute),
                "error": self.errors.get(f"attributes.{attribute.code}", ""),
                "choices": [c.value for c in attribute.choices.all()],
            }
            for attribute in catalog.attributes_for_category(self.category)
        ]

    def option_rows(self) -> list[dict[str, str]]:
        padded = self.options + [("", "")] * (MAX_OPTION_ROWS - len(self.options))
        return [
            {
                "name": name,
                "values": values,
                "error": self.errors.get(f"options.{i}", "")
                or self.errors.get(f"options.{i}.values", "")
                or self.errors.get(f"options.{i}.name", ""),
            }
            for i, (name, values) in enumerate(padded[:MAX_OPTION_ROWS])
        ]

    def grid(self) -> list[dict[str, Any]]:
        return [
            {
                "row": row,
                "index": i,
                "errors": {k.rsplit(".", 1)[-1]: v for k, v in self.errors.items() if k.startswith(f"skus.{i}.")},
            }
            for i, row in enumerate(self.rows)
        ]

    def regenerate_rows(self) -> None:
        """One row per combination of the options as typed, keeping entered values by combination."""
        previous = {row.key: row for row in self.rows}
        options = self.option_inputs()
        combos = itertools.product(*[o.values for o in options]) if options else [()]
        rows = []
        for combo in combos:
            chosen = dict(zip([o.name for o in options], combo, strict=True))
            template = SkuRow(options=chosen)
            rows.append(previous.get(template.key, template))
        self.rows = rows[:200]


def _attribute_values(product: Product) -> dict[str, str | list[str]]:
    values: dict[str, str | list[str]] = {}
    for v in product.attribute_values.all():
        if v.attribute.kind == AttributeKind.MULTI:
            chosen = values.setdefault(v.attribute.code, [])
            assert isinstance(chosen, list)
            chosen.append(v.raw)
        else:
            values[v.attribute.code] = v.raw
    return values


def state_from_product(product: Product) -> EditorState:
    return EditorState(
        category=product.category,
        title=product.title,
        subtitle=product.subtitle,
        description=product.description,
        attributes=_attribute_values(product),
        options=[(o.name, "，".join(v.value for v in o.values.all())) for o in product.options.all()],
        rows=[
            SkuRow(
                options=s.options,
                price=s.price.to_string(),
                compare_at=s.compare_at_price.to_string() if s.compare_at_price else "",
                stock=str(s.stock.quantity if hasattr(s, "stock") else 0),
                code=s.code,
                weight=str(s.weight_grams),
            )
            for s in product.skus.all()
            if s.is_active
        ],
    )


def _category(value: str) -> Category | None:
    if not value.isdecimal():
        return None
    try:
        return catalog.category_get(int(value))
    except DomainError:
        return None


def state_from_post(data: QueryDict) -> EditorState:
    state = EditorState(
        category=_category(data.get("category", "")),
        title=data.get("title", "")[:120],
        subtitle=data.get("subtitle", "")[:200],
        description=data.get("description", "")[:20_000],
        attributes={k[5:]: [v[:200] for v in data.getlist(k)[:50]] for k in data if k.startswith("attr-")},
        options=[
            (data.get(f"option-{i}-name", "")[:20], data.get(f"option-{i}-values", "")[:1000])
            for i in range(MAX_OPTION_ROWS)
        ],
    )
    state.options = [(n, v) for n, v in state.options if n.strip() or v.strip()]
    count = data.get("sku-count", "0")
    rows = []
    for i in range(min(int(count), 200) if count.isdecimal() else 0):
        try:
            options = json.loads(data.get(f"sku-{i}-options", "{}"))
        except ValueError:
            continue
        if not isinstance(options, dict):
            continue
        rows.append(
            SkuRow(
                options={str(k): str(v) for k, v in options.items()},
                price=data.get(f"sku-{i}-price", "").strip(),
                compare_at=data.get(f"sku-{i}-compare_at", "").strip(),
                stock=data.get(f"sku-{i}-stock", "0").strip(),
                code=data.get(f"sku-{i}-code", "").strip()[:40],
                weight=data.get(f"sku-{i}-weight", "0").strip(),
            )
        )
    state.rows = rows
    return state


def _whole(value: str, field_name: str, errors: dict[str, str]) -> int:
    if not value.isdecimal() or int(value) > 1_000_000:
        errors[field_name] = _("A whole number from 0 to 1,000,000.")
        return 0
    return int(value)


def _money(value: str, field_name: str, errors: dict[str, str], *, required: bool) -> Money | None:
    if not value:
        if required:
            errors[field_name] = _("Enter a price.")
        return None
    try:
        return Money.parse(value, CURRENCY)
    except ValueError:
        errors[field_name] = _("Enter a price like 19.90.")
        return None


def to_input(state: EditorState) -> ProductInput | None:
    """The service input, or None with ``state.errors`` filled for cells that are not even numbers."""
    if state.category is None:
        state.errors["category_id"] = _("Choose a category.")
        return None
    skus = []
    for i, row in enumerate(state.rows):
        price = _money(row.price, f"skus.{i}.price", state.errors, required=True)
        compare = _money(row.compare_at, f"skus.{i}.compare_at_price", state.errors, required=False)
        stock = _whole(row.stock or "0", f"skus.{i}.stock", state.errors)
        weight = _whole(row.weight or "0", f"skus.{i}.weight_grams", state.errors)
        if price is not None:
            skus.append(
                SkuInput(
                    options=row.options,
                    price=price,
                    compare_at_price=compare,
                    stock=stock,
                    code=row.code,
                    weight_grams=weight,
                )
            )
    if state.errors:
        return None
    return ProductInput(
        category_id=state.category.pk,
        title=state.title,
        subtitle=state.subtitle,
        description=state.description,
        attributes=state.attributes,
        options=state.option_inputs(),
        skus=skus,
    )


def leaf_categories() -> list[dict[str, Any]]:
    """Leaf categories labelled with their path, for the category select."""
    categories = catalog.category_list()
    by_id = {c.pk: c for c in categories}
    parents = {c.parent_id for c in categories}
    return [
        {"id": c.pk, "label": " › ".join(by_id[i].name for i in c.ancestor_ids() if i in by_id)}
        for c in categories
        if c.pk not in parents
    ]
