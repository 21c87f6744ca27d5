"""Writes of the catalog domain: categories, products with options and SKUs, images, listing review."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from jishi.catalog import selectors
from jishi.catalog.errors import (
    ImageNotFound,
    InvalidProduct,
    InvalidTransition,
    NotEditable,
    QualificationRequired,
    TooManyImages,
)
from jishi.catalog.models import (
    Attribute,
    AttributeChoice,
    AttributeKind,
    Category,
    OptionValue,
    Product,
    ProductAttributeValue,
    ProductImage,
    ProductOption,
    Sku,
)
from jishi.catalog.permissions import PRODUCT_MANAGE, PRODUCT_REVIEW
from jishi.catalog.states import EDITABLE, TRANSITIONS, ProductStatus
from jishi.core import audit
from jishi.core.actors import Actor
from jishi.core.errors import InvalidInput
from jishi.core.images import process_upload
from jishi.core.money import CURRENCY, Money
from jishi.core.permissions import check
from jishi.core.states import Machine, Move, move
from jishi.core.text import index_words
from jishi.inventory import services as inventory
from jishi.merchants.selectors import (
    category_requirements,
    merchant_of,
    merchant_owner,
    merchants_holding,
    requirements_of,
    valid_qualification_kinds,
)
from jishi.notifications.services import notify

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
    attributes: dict[str, str] = field(default_factory=dict)
    options: list[OptionInput] = field(default_factory=list)


# ---------------------------------------------------------------- categories


@transaction.atomic
def category_create(
    *, name: str, parent: Category | None = None, slug: str = "", name_en: str = "", position: int = 0
) -> Category:
    """Add a category under ``parent`` (or at the root). Used by operators' set-up and the demo loader."""
    category = Category.objects.create(
        parent=parent,
        name=name,
        name_en=name_en,
        slug=slug or slugify(name_en or name) or uuid.uuid4().hex[:12],
        position=position,
        path="",
        depth=(parent.depth + 1) if parent else 0,
    )
    category.path = f"{parent.path if parent else ''}{category.pk:06d}/"
    Category.objects.filter(pk=category.pk).update(path=category.path)
    return category


def attribute_create(
    *,
    category: Category,
    code: str,
    name: str,
    kind: str,
    choices: list[str] | None = None,
    unit: str = "",
    required: bool = False,
    name_en: str = "",
    position: int = 0,
) -> Attribute:
    """Define a typed attribute on ``category`` (and so on its descendants)."""
    with transaction.atomic():
        attribute = Attribute.objects.create(
            category=category,
            code=code,
            name=name,
            name_en=name_en,
            kind=kind,
            unit=unit,
            required=required,
            position=position,
        )
        AttributeChoice.objects.bulk_create(
            AttributeChoice(attribute=attribute, value=value, position=i) for i, value in enumerate(choices or [])
        )
    return attribute


# ---------------------------------------------------------------- validation


def _invalid(message: str, field_name: str, code: str = "catalog.invalid_product") -> InvalidProduct:
    return InvalidProduct(message, code=code, field=field_name)


def _clean_text(value: str, field_name: str, *, required: bool, limit: int) -> str:
    text = (value or "").strip()
    if required and not text:
        raise _invalid(_("This field is required."), field_name, "catalog.required")
    if len(text) > limit:
        raise _invalid(_("At most %(n)d characters.") % {"n": limit}, field_name, "catalog.too_long")
    return text


def _clean_options(options: list[OptionInput]) -> list[OptionInput]:
    if len(options) > MAX_OPTIONS:
        raise _invalid(_("At most %(n)d options.") % {"n": MAX_OPTIONS}, "options")
    cleaned: list[OptionInput] = []
    for i, option in enumerate(options):
        name = _clean_text(option.name, f"options.{i}.name", required=True, limit=20)
        values = [_clean_text(v, f"options.{i}.values", required=True, limit=30) for v in option.values]
        if not values or len(values) > MAX_VALUES_PER_OPTION:
            raise _invalid(_("An option has 1 to %(n)d values.") % {"n": MAX_VALUES_PER_OPTION}, f"options.{i}.values")
        if len(set(values)) != len(values):
            raise _invalid(_("Option values must differ."), f"options.{i}.values", "catalog.duplicate_value")
        if any(c in v for v in values for c in "=|") or any(c in name for c in "=|"):
            raise _invalid(_("Option names and values cannot contain = or |."), f"options.{i}")
        cleaned.append(OptionInput(name=name, values=values))
    if len({o.name for o in cleaned}) != len(cleaned):
        raise _invalid(_("Option names must differ."), "options", "catalog.duplicate_option")
    return cleaned


def _combination(options: list[OptionInput], chosen: dict[str, str]) -> str:
    return "|".join(f"{o.name}={chosen[o.name]}" for o in options)


def _clean_skus(options: list[OptionInput], skus: list[SkuInput]) -> dict[str, SkuInput]:
    """Map each combination to its SKU input; every combination exactly once."""
    expected = {
        _combination(options, dict(zip([o.name for o in options], combo, strict=True)))
        for combo in itertools.product(*[o.values for o in options])
    }
    if len(expected) > MAX_SKUS:
        raise _invalid(_("At most %(n)d SKUs.") % {"n": MAX_SKUS}, "options", "catalog.too_many_skus")
    by_combination: dict[str, SkuInput] = {}
    for i, sku in enumerate(skus):
        if set(sku.options) != {o.name for o in options}:
            raise _invalid(_("Give a value for every option."), f"skus.{i}.options", "catalog.sku_options")
        key = _combination(options, sku.options)
        if key not in expected:
            raise _invalid(_("Unknown option value."), f"skus.{i}.options", "catalog.sku_options")
        if key in by_combination:
            raise _invalid(_("This combination is listed twice."), f"skus.{i}.options", "catalog.duplicate_sku")
        _check_sku_numbers(sku, f"skus.{i}")
        by_combination[key] = sku
    if set(by_combination) != expected:
        raise _invalid(_("Give a price and stock for every combination."), "skus", "catalog.missing_skus")
    return by_combination


def _check_sku_numbers(sku: SkuInput, prefix: str) -> None:
    if sku.price.currency != CURRENCY:
        raise _invalid(_("Prices are in CNY."), f"{prefix}.price", "catalog.invalid_currency")
    if not 0 < sku.price.minor <= MAX_PRICE_MINOR:
        raise _invalid(
            _("The price must be above 0 and at most 10,000,000."), f"{prefix}.price", "catalog.invalid_price"
        )
    if sku.compare_at_price is not None and sku.compare_at_price.minor < sku.price.minor:
        raise _invalid(
            _("The compare-at price cannot be below the price."), f"{prefix}.compare_at_price", "catalog.invalid_price"
        )
    if sku.compare_at_price is not None and sku.compare_at_price.minor > MAX_PRICE_MINOR:
        raise _invalid(
            _("The price must be above 0 and at most 10,000,000."),
            f"{prefix}.compare_at_price",
            "catalog.invalid_price",
        )
    if not 0 <= sku.weight_grams <= MAX_WEIGHT_GRAMS:
        raise _invalid(_("The weight is 0 to 1,000,000 grams."), f"{prefix}.weight_grams")
    if not 0 <= sku.stock <= inventory.MAX_QUANTITY:
        raise _invalid(_("Stock is a whole number from 0 to 1,000,000."), f"{prefix}.stock")
    if len(sku.code) > 40:
        raise _invalid(_("At most %(n)d characters.") % {"n": 40}, f"{prefix}.code", "catalog.too_long")


def _parse_attribute(attribute: Attribute, raw: str) -> dict[str, Any]:
    field_name = f"attributes.{attribute.code}"
    text = raw.strip()
    if attribute.kind == AttributeKind.CHOICE:
        choice = next((c for c in attribute.choices.all() if c.value == text), None)
        if choice is None:
            raise _invalid(_("Choose one of the listed values."), field_name, "catalog.invalid_attribute")
        return {"choice": choice}
    if attribute.kind == AttributeKind.NUMBER:
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or abs(number) >= Decimal("1e11"):
            raise _invalid(_("Enter a number."), field_name, "catalog.invalid_attribute")
        return {"number_value": number.quantize(Decimal("0.001"))}
    if len(text) > 200:
        raise _invalid(_("At most %(n)d characters.") % {"n": 200}, field_name, "catalog.too_long")
    return {"text_value": text}


def _clean_attributes(category: Category, values: dict[str, str]) -> list[tuple[Attribute, dict[str, Any]]]:
    attributes = {a.code: a for a in selectors.attributes_for_category(category)}
    for code in values:
        if code not in attributes:
            raise _invalid(_("This category has no such attribute."), f"attributes.{code}", "catalog.unknown_attribute")
    cleaned: list[tuple[Attribute, dict[str, Any]]] = []
    for code, attribute in attributes.items():
        raw = (values.get(code) or "").strip()
        if not raw:
            if attribute.required:
                raise _invalid(_("This field is required."), f"attributes.{code}", "catalog.required")
            continue
        cleaned.append((attribute, _parse_attribute(attribute, raw)))
    return cleaned


@dataclass(frozen=True)
class _Clean:
    category: Category
    title: str
    subtitle: str
    description: str
    attributes: list[tuple[Attribute, dict[str, Any]]]
    options: list[OptionInput]
    skus: dict[str, SkuInput]


def _clean_product(data: ProductInput) -> _Clean:
    category = selectors.category_get(data.category_id)
    if not selectors.category_is_leaf(category):
        raise _invalid(_("Choose the most specific category."), "category_id", "catalog.category_not_leaf")
    options = _clean_options(data.options)
    return _Clean(
        category=category,
        title=_clean_text(data.title, "title", required=True, limit=120),
        subtitle=_clean_text(data.subtitle, "subtitle", required=False, limit=200),
        description=_clean_text(data.description, "description", required=False, limit=20_000),
        attributes=_clean_attributes(category, data.attributes),
        options=options,
        skus=_clean_skus(options, data.skus),
    )


# ---------------------------------------------------------------- products


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


def _write_skus(actor: Actor, product: Product, clean: _Clean) -> None:
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


def _refresh_denormalised(product: Product) -> None:
    """Recompute the price range and the search text from the product's current rows."""
    prices = list(Sku.objects.filter(product=product, is_active=True).values_list("price_minor", flat=True))
    product.min_price_minor = min(prices, default=0)
    product.max_price_minor = max(prices, default=0)
    ancestors = selectors.category_ancestors(product.category)
    attribute_words = [
        v.display
        for v in ProductAttributeValue.objects.filter(product=product, attribute__searchable=True).select_related(
            "choice"
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
    )
    Product.objects.filter(pk=product.pk).update(
        min_price_minor=product.min_price_minor,
        max_price_minor=product.max_price_minor,
        search_text=product.search_text,
    )


def _apply(product: Product, clean: _Clean) -> None:
    product.category = clean.category
    product.title = clean.title
    product.subtitle = clean.subtitle
    product.description = clean.description


def product_create(*, actor: Actor, data: ProductInput) -> Product:
    """Create a draft product for the actor's merchant, with its options, SKUs and stock.

    Raises PermissionDenied (not merchant staff), InvalidProduct (with the field).
    """
    check(actor, PRODUCT_MANAGE)
    clean = _clean_product(data)
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
            "attribute_id", "choice_id", "text_value", "number_value"
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
    clean = _clean_product(data)
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
        _check_sku_numbers(candidate, "sku")
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


# ---------------------------------------------------------------- listing status


def _record(step: Move[Product, ProductStatus]) -> None:
    audit.record(
        actor=step.actor,
        action=f"product.{step.target}",
        target=step.obj,
        before={"status": step.source},
        after={"status": step.target},
        reason=step.reason,
    )


def _listing_fields(to: ProductStatus) -> dict[str, Any]:
    now = timezone.now()
    if to == ProductStatus.PUBLISHED:
        return {"updated_at": now, "published_at": now, "rejection_reason": ""}
    return {"updated_at": now}


MACHINE = Machine(
    status=ProductStatus, transitions=TRANSITIONS, invalid=InvalidTransition, record=_record, changes=_listing_fields
)


@transaction.atomic
def product_submit(*, actor: Actor, product_id: int) -> Product:
    """Send a draft, rejected or unlisted product for review. Idempotent. Needs at least one active SKU.

    A published product is already reviewed: submitting it is an InvalidTransition.
    """
    product = selectors.product_get_for_merchant(actor, product_id)
    if product.status == ProductStatus.PENDING_REVIEW:
        return product
    if product.status == ProductStatus.PUBLISHED:
        raise InvalidTransition(params={"from": product.status, "to": ProductStatus.PENDING_REVIEW})
    if not Sku.objects.filter(product=product, is_active=True).exists():
        raise _invalid(_("Add at least one SKU first."), "skus", "catalog.missing_skus")
    missing = requirements_of(product.category) - valid_qualification_kinds(product.merchant_id, timezone.localdate())
    if missing:
        raise QualificationRequired(field="category")
    move(MACHINE, product, ProductStatus.PENDING_REVIEW, actor=actor)
    return product


@transaction.atomic
def product_unlist(*, actor: Actor, product_id: int) -> Product:
    """Take a published product off sale. Idempotent."""
    product = selectors.product_get_for_merchant(actor, product_id)
    move(MACHINE, product, ProductStatus.UNLISTED, actor=actor)
    return product


@transaction.atomic
def product_approve(*, actor: Actor, product_id: int) -> Product:
    """Publish a product under review. Idempotent. Raises PermissionDenied, ProductNotFound, InvalidTransition."""
    product = selectors.product_get_for_review(actor, product_id)
    move(MACHINE, product, ProductStatus.PUBLISHED, actor=actor)
    return product


@transaction.atomic
def product_reject(*, actor: Actor, product_id: int, reason: str) -> Product:
    """Reject a product under review with a reason the merchant sees. Idempotent."""
    check(actor, PRODUCT_REVIEW)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Give the reason for the rejection."), code="catalog.reason_required", field="reason")
    product = selectors.product_get_for_review(actor, product_id)
    move(
        MACHINE,
        product,
        ProductStatus.REJECTED,
        actor=actor,
        reason=reason[:200],
        fields={"rejection_reason": reason[:200]},
    )
    return product


def listings_enforce_qualifications() -> int:
    """Take off sale the published products of merchants whose qualification for the category has lapsed.

    Runs daily. The merchant's owner is told; the products go back on sale
    through review once a valid qualification is on file. Returns how many
    products were unlisted.
    """
    today = timezone.localdate()
    unlisted = 0
    for requirement in category_requirements():
        lapsed = (
            Product.objects.filter(status=ProductStatus.PUBLISHED, category__path__startswith=requirement.category.path)
            .exclude(merchant_id__in=merchants_holding(requirement.kind, today))
            .select_related("merchant")
        )
        for product in lapsed:
            with transaction.atomic():
                move(
                    MACHINE,
                    product,
                    ProductStatus.UNLISTED,
                    actor=None,
                    reason=_("The shop's %(kind)s has expired.") % {"kind": requirement.get_kind_display()},
                )
                owner = merchant_owner(product.merchant)
                if owner is not None:
                    notify(
                        owner,
                        "listing_decided",
                        _("%(title)s was taken off sale") % {"title": product.title},
                        _("Your %(kind)s has expired. Add a valid one, then submit the product again.")
                        % {"kind": requirement.get_kind_display()},
                        link=f"/merchant/products/{product.pk}/",
                    )
            unlisted += 1
    return unlisted


# ---------------------------------------------------------------- images


def image_add(*, actor: Actor, product_id: int, data: bytes, alt: str = "") -> ProductImage:
    """Add an image (sniffed, re-encoded, thumbnailed) at the end of the product's gallery.

    Raises ProductNotFound, InvalidImage, TooManyImages.
    """
    product = selectors.product_get_for_merchant(actor, product_id)
    processed = process_upload(data, name_stem=f"p{product.pk}-{uuid.uuid4().hex[:10]}")
    with transaction.atomic():
        count = ProductImage.objects.filter(product=product).count()
        if count >= MAX_IMAGES:
            raise TooManyImages
        image = ProductImage(product=product, alt=(alt.strip() or product.title)[:120], position=count)
        image.image.save(processed.original.name or "image", processed.original, save=False)
        image.thumbnail.save(processed.thumbnail.name or "thumb", processed.thumbnail, save=False)
        image.save()
    return image


@transaction.atomic
def image_delete(*, actor: Actor, product_id: int, image_id: int) -> None:
    """Remove an image from the gallery and close the gap in the order."""
    product = selectors.product_get_for_merchant(actor, product_id)
    image = ProductImage.objects.filter(product=product, pk=image_id).first()
    if image is None:
        raise ImageNotFound
    files = (image.image.name, image.thumbnail.name)
    storage = image.image.storage
    image.delete()
    for position, remaining in enumerate(ProductImage.objects.filter(product=product).order_by("position", "id")):
        if remaining.position != position:
            ProductImage.objects.filter(pk=remaining.pk).update(position=position)
    transaction.on_commit(lambda: _delete_files(storage, files))


def _delete_files(storage: Any, names: tuple[str | None, ...]) -> None:
    for name in names:
        if name:
            storage.delete(name)


@transaction.atomic
def image_reorder(*, actor: Actor, product_id: int, image_ids: list[int]) -> list[ProductImage]:
    """Set the gallery order; ``image_ids`` must list exactly the product's images."""
    product = selectors.product_get_for_merchant(actor, product_id)
    images = {i.pk: i for i in ProductImage.objects.filter(product=product)}
    foreign = next((index for index, image_id in enumerate(image_ids) if image_id not in images), None)
    if foreign is not None:  # another product's image, or none at all
        raise ImageNotFound(field=f"image_ids.{foreign}")
    if sorted(image_ids) != sorted(images):
        raise _invalid(_("List every image of the product exactly once."), "image_ids")
    for position, image_id in enumerate(image_ids):
        ProductImage.objects.filter(pk=image_id).update(position=position)
    return list(ProductImage.objects.filter(product=product).order_by("position", "id"))


def product_record_sales(*, product_id: int, quantity: int) -> None:
    """Count units sold toward the best-selling order (the orders domain calls it when an order is paid)."""
    if quantity <= 0:
        raise InvalidInput(code="catalog.invalid_quantity", field="quantity")
    Product.objects.filter(pk=product_id).update(sales_count=F("sales_count") + quantity)
