"""Catalog API schemas and the functions that fill them from models."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.cache import cache
from ninja import Field, Schema

from jishi.catalog import selectors
from jishi.catalog.errors import ProductNotFound
from jishi.catalog.models import Category, Product, ProductImage, Sku
from jishi.catalog.selectors import ProductCard
from jishi.core.api import Amount, DataOut, MoneyOut, money_out
from jishi.core.api import parse_amount as core_parse_amount
from jishi.core.money import Money

__all__ = ["Amount", "MoneyOut", "money_out"]  # re-exported: amounts travel as decimal strings, never floats


def parse_amount(value: str, field: str) -> Money:
    return core_parse_amount(value, field, code="catalog.invalid_price")


class CategoryOut(DataOut):
    id: int
    name: str
    name_en: str
    slug: str
    parent_id: int | None
    depth: int
    icon_url: str  # "" without an icon


class MerchantRefOut(DataOut):
    id: int
    name: str


class ImageOut(DataOut):
    id: int
    url: str
    thumbnail_url: str
    alt: str
    width: int
    height: int


class ProductCardOut(DataOut):
    id: int
    title: str
    subtitle: str
    merchant: MerchantRefOut
    category: CategoryOut
    price_from: MoneyOut
    price_to: MoneyOut
    in_stock: bool
    sales_count: int
    thumbnail_url: str | None
    published_at: dt.datetime | None


class FacetValueOut(DataOut):
    value: str
    label: str
    count: int
    selected: bool


class AttributeFacetOut(DataOut):
    code: str
    name: str
    values: list[FacetValueOut]


class FacetsOut(DataOut):
    categories: list[FacetValueOut]
    attributes: list[AttributeFacetOut]


class ProductPageOut(DataOut):
    items: list[ProductCardOut]
    count: int = Field(description="Matching products, counted up to 10,000")
    count_capped: bool = Field(False, description="More products match than `count`, which stopped at 10,000")
    page: int
    page_size: int
    pages: int
    sort: str
    any_word: bool = Field(
        False, description="No product had every keyword, so these are the products with any of them"
    )
    did_you_mean: str = Field("", description="When nothing matched: the term the keywords most likely meant")
    facets: FacetsOut


class AttributeValueOut(DataOut):
    code: str
    name: str
    value: str
    values: list[str]
    unit: str


class OptionOut(DataOut):
    name: str
    values: list[str]


class SkuOut(DataOut):
    id: int
    options: dict[str, str]
    label: str
    code: str
    price: MoneyOut
    compare_at_price: MoneyOut | None
    available: int
    weight_grams: int


class ProductDetailOut(DataOut):
    id: int
    title: str
    subtitle: str
    description: str
    merchant: MerchantRefOut
    category: CategoryOut
    price_from: MoneyOut
    price_to: MoneyOut
    sales_count: int
    images: list[ImageOut]
    attributes: list[AttributeValueOut]
    options: list[OptionOut]
    skus: list[SkuOut]


class MerchantSkuOut(SkuOut):
    is_active: bool
    stock: int
    reserved: int


class MerchantProductOut(Schema):
    id: int
    title: str
    subtitle: str
    description: str
    status: str
    rejection_reason: str
    category: CategoryOut
    price_from: MoneyOut
    price_to: MoneyOut
    images: list[ImageOut]
    attributes: list[AttributeValueOut]
    options: list[OptionOut]
    skus: list[MerchantSkuOut]
    created_at: dt.datetime
    updated_at: dt.datetime


def category_out(category: Category) -> CategoryOut:
    return CategoryOut(
        id=category.pk,
        name=category.name,
        name_en=category.name_en,
        slug=category.slug,
        parent_id=category.parent_id,
        depth=category.depth,
        icon_url=category.icon.url if category.icon else "",
    )


def image_out(image: ProductImage) -> ImageOut:
    return ImageOut(
        id=image.pk,
        url=image.image.url,
        thumbnail_url=image.thumbnail.url,
        alt=image.alt,
        width=image.width,
        height=image.height,
    )


def product_card_data(card: ProductCard) -> dict[str, Any]:
    """A card as plain data for :class:`ProductCardOut`: the API validates it once, on the way out."""
    return {
        "id": card.pk,
        "title": card.title,
        "subtitle": card.subtitle,
        "merchant": {"id": card.merchant_id, "name": card.merchant_name},
        "category": card.category,
        "price_from": money_out(card.min_price),
        "price_to": money_out(card.max_price),
        "in_stock": card.has_stock,
        "sales_count": card.sales_count,
        "thumbnail_url": card.thumbnail_url,
        "published_at": card.published_at,
    }


def _available(sku: Sku) -> int:
    stock = getattr(sku, "stock", None)
    return stock.available if stock is not None else 0


def sku_out(sku: Sku) -> SkuOut:
    return SkuOut(
        id=sku.pk,
        options=sku.options,
        label=sku.label,
        code=sku.code,
        price=money_out(sku.price),
        compare_at_price=money_out(sku.compare_at_price) if sku.compare_at_price else None,
        available=max(0, _available(sku)),
        weight_grams=sku.weight_grams,
    )


def _attributes(product: Product) -> list[AttributeValueOut]:
    """One entry per attribute; a multiple choice lists its values in ``values`` and joins them in ``value``."""
    grouped: dict[int, list[Any]] = {}
    for v in product.attribute_values.all():
        grouped.setdefault(v.attribute_id, []).append(v)
    return [
        AttributeValueOut(
            code=rows[0].attribute.code,
            name=rows[0].attribute.name,
            value="、".join(v.display for v in rows),
            values=[v.display for v in rows],
            unit=rows[0].attribute.unit,
        )
        for rows in grouped.values()
    ]


def _options(product: Product) -> list[OptionOut]:
    return [OptionOut(name=o.name, values=[v.value for v in o.values.all()]) for o in product.options.all()]


def product_detail_out(product: Product) -> ProductDetailOut:
    return ProductDetailOut(
        id=product.pk,
        title=product.title,
        subtitle=product.subtitle,
        description=product.description,
        merchant=MerchantRefOut(id=product.merchant_id, name=product.merchant.name),
        category=category_out(product.category),
        price_from=money_out(product.min_price),
        price_to=money_out(product.max_price),
        sales_count=product.sales_count,
        images=[image_out(i) for i in product.images.all()],
        attributes=_attributes(product),
        options=_options(product),
        skus=[sku_out(s) for s in product.skus.all() if s.is_active],
    )


def product_detail_data(product_id: int) -> dict[str, Any]:
    """A published product's detail as plain data, validated once on the way out.

    The texts, images, attributes, options and prices are kept in the shared
    cache for ``JISHI_CATALOG_CACHE_SECONDS`` and dropped when the merchant
    changes the product; whether buyers may see it and each SKU's units are
    read live on every request (one query when the rest is cached).
    Raises ProductNotFound.
    """
    key = selectors.detail_cache_key(product_id)
    data: dict[str, Any] | None = cache.get(key)
    if data is not None:
        available = selectors.product_public_availability(product_id)
        if available is None:
            raise ProductNotFound
        if {sku["id"] for sku in data["skus"]} == available.keys():  # else a SKU was switched on or off
            return {**data, "skus": [{**sku, "available": available[sku["id"]]} for sku in data["skus"]]}
    data = product_detail_out(selectors.product_public_get(product_id)).model_dump()
    if settings.JISHI_CATALOG_CACHE_SECONDS:
        cache.set(key, data, settings.JISHI_CATALOG_CACHE_SECONDS)
    return data


def merchant_sku_out(sku: Sku) -> MerchantSkuOut:
    stock = getattr(sku, "stock", None)
    return MerchantSkuOut(
        **sku_out(sku).model_dump(),
        is_active=sku.is_active,
        stock=stock.quantity if stock else 0,
        reserved=stock.reserved if stock else 0,
    )


def merchant_product_out(product: Product) -> MerchantProductOut:
    return MerchantProductOut(
        id=product.pk,
        title=product.title,
        subtitle=product.subtitle,
        description=product.description,
        status=product.status,
        rejection_reason=product.rejection_reason,
        category=category_out(product.category),
        price_from=money_out(product.min_price),
        price_to=money_out(product.max_price),
        images=[image_out(i) for i in product.images.all()],
        attributes=_attributes(product),
        options=_options(product),
        skus=[merchant_sku_out(s) for s in product.skus.all()],
        created_at=product.created_at,
        updated_at=product.updated_at,
    )
