"""Products with their options, SKUs and attributes: creating, editing, and counting sales."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest

from jishi.catalog import selectors
from jishi.catalog.errors import (
    NotEditable,
)
from jishi.catalog.models import (
    Attribute,
    OptionValue,
    Product,
    ProductAttributeValue,
    ProductOption,
    Sku,
)
from jishi.catalog.permissions import PRODUCT_MANAGE
from jishi.catalog.services.cleaning import (
    Clean,
    OptionInput,
    ProductInput,
    SkuInput,
    check_sku_numbers,
    clean_product,
)
from jishi.catalog.services.listing import MACHINE
from jishi.catalog.states import EDITABLE, ProductStatus
from jishi.core import audit
from jishi.core.actors import Actor
from jishi.core.errors import InvalidInput
from jishi.core.money import Money
from jishi.core.permissions import check
from jishi.core.states import move
from jishi.core.text import index_words
from jishi.core.transactions import after_commit
from jishi.inventory import services as inventory
from jishi.merchants.selectors import (
    merchant_of,
)


def _write_attributes(product: Product, attributes: list[tuple[Attribute, dict[str, Any]]]) -> None:
    ProductAttributeValue.objects.filter(product=product).delete()
    ProductAttributeValue.objects.bulk_create(
        ProductAttributeValue(product=product, attribute=attribute, **value) for attribute, value in attributes
    )


def _write_options(product: Product, options: list[OptionInput]) -> dict[tuple[str, str], OptionValue]:
    """Upsert options and values by name; drop the ones no longer offered."""
    existing = {o.name: o for o in ProductOption.objects.filter(product=product).prefetch_related("values")}
    ProductOption.objects.filter(product=product).exclude(name__in=[o.name for o in options]).delete()
    values: dict[tuple[str, str], OptionValue] = {}
    for position, option_input in enumerate(options):
        option = existing.get(option_input.name)
        if option is None:
            option = ProductOption.objects.create(product=product, name=option_input.name, position=position)
            current: dict[str, OptionValue] = {}
        else:
            if option.position != position:
                ProductOption.objects.filter(pk=option.pk).update(position=position)
            current = {v.value: v for v in option.values.all()}
            OptionValue.objects.filter(option=option).exclude(value__in=option_input.values).delete()
        for value_position, value in enumerate(option_input.values):
            option_value = current.get(value)
            if option_value is None:
                option_value = OptionValue.objects.create(option=option, value=value, position=value_position)
            elif option_value.position != value_position:
                OptionValue.objects.filter(pk=option_value.pk).update(position=value_position)
            values[(option_input.name, value)] = option_value
    return values


def _write_skus(actor: Actor, product: Product, clean: Clean) -> None:
    """Upsert SKUs by combination; deactivate those whose combination is gone (orders may point at them)."""
    values = _write_options(product, clean.options)
    existing = {s.combination: s for s in Sku.objects.filter(product=product)}
    Sku.objects.filter(product=product).exclude(combination__in=list(clean.skus)).update(is_active=False)
    for position, (combination, sku_input) in enumerate(clean.skus.items()):
        sku = existing.get(combination) or Sku(product=product, combination=combination)
        sku.code = sku_input.code.strip()
        sku.price_minor = sku_input.price.minor
        sku.compare_at_minor = sku_input.compare_at_price.minor if sku_input.compare_at_price else None
        sku.currency = sku_input.price.currency
        sku.weight_grams = sku_input.weight_grams
        sku.is_active = True
        sku.position = position
        sku.save()
        sku.option_values.set([values[(name, value)] for name, value in sku_input.options.items()])
        inventory.stock_set(actor=actor, sku_id=sku.pk, quantity=sku_input.stock)


# Other apps add words to their products' search text (pets: the breed, its English name and synonyms), each a
# function of the product registered when its app is ready; catalog imports none of them.
SEARCH_WORDS: list[Callable[[Product], str]] = []


def _refresh_denormalised(product: Product) -> None:
    """Recompute the price range and the search text from the product's current rows."""
    prices = list(Sku.objects.filter(product=product, is_active=True).values_list("price_minor", flat=True))
    product.min_price_minor = min(prices, default=0)
    product.max_price_minor = max(prices, default=0)
    ancestors = selectors.category_ancestors(product.category)
    attribute_words = [
        v.search_word
        for v in ProductAttributeValue.objects.filter(product=product, attribute__searchable=True).select_related(
            "attribute", "choice"
        )
    ]
    option_words = list(OptionValue.objects.filter(option__product=product).values_list("value", flat=True))
    product.search_text = index_words(
        product.title,
        product.subtitle,
        " ".join(f"{c.name} {c.name_en}" for c in ancestors),
        " ".join(attribute_words),
        " ".join(option_words),
        product.merchant.name,
        *(words(product) for words in SEARCH_WORDS),
    )
    Product.objects.filter(pk=product.pk).update(
        min_price_minor=product.min_price_minor,
        max_price_minor=product.max_price_minor,
        search_text=product.search_text,
    )
    after_commit(selectors.product_detail_forget, product.pk)


def _apply(product: Product, clean: Clean) -> None:
    product.category = clean.category
    product.title = clean.title
    product.subtitle = clean.subtitle
    product.description = clean.description


def product_reindex(*, product_id: int) -> None:
    """Recompute a product's search text, after another app changed the words it adds (SEARCH_WORDS)."""
    with transaction.atomic():
        _refresh_denormalised(Product.objects.select_related("category", "merchant").get(pk=product_id))


def product_create(*, actor: Actor, data: ProductInput) -> Product:
    """Create a draft product for the actor's merchant, with its options, SKUs and stock.

    Raises PermissionDenied (not merchant staff), InvalidProduct (with the field).
    """
    check(actor, PRODUCT_MANAGE)
    clean = clean_product(data)
    with transaction.atomic():
        product = Product(merchant=merchant_of(actor), status=ProductStatus.DRAFT)
        _apply(product, clean)
        product.save()
        _write_attributes(product, clean.attributes)
        _write_skus(actor, product, clean)
        _refresh_denormalised(product)
        audit.record(actor=actor, action="product.create", target=product, after={"title": product.title})
    return product


def _content_signature(product: Product) -> tuple[Any, ...]:
    """What a reviewer approved: everything but prices, stock, SKU codes and weights."""
    attributes = sorted(
        ProductAttributeValue.objects.filter(product=product).values_list(
            "attribute_id", "choice_id", "text_value", "number_value", "bool_value"
        )
    )
    options = list(OptionValue.objects.filter(option__product=product).values_list("option__name", "value"))
    return (product.category_id, product.title, product.subtitle, product.description, attributes, options)


def product_update(*, actor: Actor, product_id: int, data: ProductInput) -> Product:
    """Replace a product's content, options and SKUs.

    On a published product, changes to prices, stock, SKU codes or weights
    apply at once; any other change sends it back to review, so buyers never
    see unreviewed content. Raises ProductNotFound, NotEditable,
    InvalidProduct.
    """
    check(actor, PRODUCT_MANAGE)
    clean = clean_product(data)
    with transaction.atomic():
        product = selectors.product_get_for_merchant(actor, product_id)
        if product.status not in EDITABLE:
            raise NotEditable
        reviewed = _content_signature(product)
        _apply(product, clean)
        product.save()
        _write_attributes(product, clean.attributes)
        _write_skus(actor, product, clean)
        _refresh_denormalised(product)
        if product.status == ProductStatus.PUBLISHED and _content_signature(product) != reviewed:
            move(MACHINE, product, ProductStatus.PENDING_REVIEW, actor=actor, reason="content edited")
    return product


def product_back_to_review(*, actor: Actor, product_id: int, reason: str) -> Product:
    """Send a published product back to review because content another app keeps for it changed (a pet's
    particulars). Anything not published is left as it is."""
    check(actor, PRODUCT_MANAGE)
    with transaction.atomic():
        product = selectors.product_get_for_merchant(actor, product_id)
        if product.status == ProductStatus.PUBLISHED:
            move(MACHINE, product, ProductStatus.PENDING_REVIEW, actor=actor, reason=reason)
    return product


def sku_update(
    *,
    actor: Actor,
    sku_id: int,
    price: Money | None = None,
    compare_at_price: Money | None = None,
    clear_compare_at: bool = False,
    stock: int | None = None,
) -> Sku:
    """Change a SKU's price or stock without sending the product back to review.

    Raises SkuNotFound (another merchant's SKU), InvalidProduct, OutOfStock
    (stock below what is reserved).
    """
    with transaction.atomic():
        sku = selectors.sku_get_for_merchant(actor, sku_id)
        new_price = price or sku.price
        new_compare = None if clear_compare_at else (compare_at_price or sku.compare_at_price)
        candidate = SkuInput(
            price=new_price,
            compare_at_price=new_compare,
            stock=stock if stock is not None else 0,
            weight_grams=sku.weight_grams,
            code=sku.code,
        )
        check_sku_numbers(candidate, "sku")
        before = {"price": sku.price_minor, "compare_at": sku.compare_at_minor}
        Sku.objects.filter(pk=sku.pk).update(
            price_minor=new_price.minor, compare_at_minor=new_compare.minor if new_compare else None
        )
        if stock is not None:
            inventory.stock_set(actor=actor, sku_id=sku.pk, quantity=stock)
        sku.refresh_from_db()
        product = sku.product
        _refresh_denormalised(product)
        audit.record(
            actor=actor,
            action="sku.update",
            target=sku,
            before=before,
            after={"price": sku.price_minor, "compare_at": sku.compare_at_minor, "stock": stock},
        )
    return sku


def product_record_sales(*, product_id: int, quantity: int) -> None:
    """Count units sold (negative: refunded), as buyers see them and best-selling sorts them.

    The orders domain calls it when an order is paid and when units of it
    are refunded, so the count is always the product's paid units that were
    not refunded. It never goes below zero: the floor is in the UPDATE.
    """
    if quantity == 0:
        raise InvalidInput(code="catalog.invalid_quantity", field="quantity")
    Product.objects.filter(pk=product_id).update(sales_count=Greatest(F("sales_count") + quantity, 0))
