"""Reads of the catalog domain. Merchant reads are scoped to the actor's merchant; others are not found."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Count, Prefetch, QuerySet
from django.db.models.functions import Substr

from jishi.catalog.errors import AttributeNotFound, CategoryNotFound, ProductNotFound, SkuNotFound
from jishi.catalog.models import (
    Attribute,
    Category,
    Product,
    ProductAttributeValue,
    ProductImage,
    Sku,
    path_ids,  # noqa: F401 (for apps that hold a category path)
)
from jishi.catalog.permissions import CATALOG_MANAGE, PRODUCT_MANAGE, PRODUCT_REVIEW
from jishi.catalog.states import ProductStatus
from jishi.core.actors import Actor
from jishi.core.money import Money
from jishi.core.permissions import check
from jishi.inventory.selectors import stocked_sku_sql
from jishi.merchants.selectors import merchant_of
from jishi.merchants.states import MerchantStatus


def category_list() -> list[Category]:
    """Every active category in tree order (by path): what shoppers and merchants choose from."""
    return list(Category.objects.filter(is_active=True))


def category_roots() -> list[Category]:
    return list(Category.objects.filter(parent__isnull=True, is_active=True).order_by("position", "id"))


@dataclass(frozen=True)
class CategoryNode:
    """A category in the operators' tree: siblings by position, with what lies in and under it."""

    category: Category
    products: int  # in the category itself
    live: int  # listed or under review, in it and under it
    attributes: int  # its own
    children: list[CategoryNode]


def category_tree_for_operators(actor: Actor) -> list[CategoryNode]:
    """The whole tree, retired categories included, in three queries."""
    check(actor, CATALOG_MANAGE)
    categories = list(Category.objects.order_by("depth", "position", "id"))
    counts = dict(Product.objects.values("category").annotate(n=Count("pk")).values_list("category", "n"))
    live = dict(
        Product.objects.filter(status__in=(ProductStatus.PUBLISHED, ProductStatus.PENDING_REVIEW))
        .values("category")
        .annotate(n=Count("pk"))
        .values_list("category", "n")
    )
    attributes = dict(Attribute.objects.values("category").annotate(n=Count("pk")).values_list("category", "n"))
    children: dict[int | None, list[Category]] = {}
    for c in categories:
        children.setdefault(c.parent_id, []).append(c)

    def node(c: Category) -> CategoryNode:
        below = [node(child) for child in children.get(c.pk, [])]
        return CategoryNode(
            category=c,
            products=counts.get(c.pk, 0),
            live=live.get(c.pk, 0) + sum(n.live for n in below),
            attributes=attributes.get(c.pk, 0),
            children=below,
        )

    return [node(c) for c in children.get(None, [])]


def main_roots_of_merchants() -> dict[int, int]:
    """Each merchant with published products: the top-level category most of them are under (one query)."""
    counted = (
        published_products()
        .annotate(root=Substr("category__path", 1, 6))
        .values("merchant_id", "root")
        .annotate(n=Count("pk"))
        .order_by("merchant_id", "-n", "root")
    )
    main: dict[int, int] = {}
    for row in counted:
        main.setdefault(row["merchant_id"], int(row["root"]))
    return main


def category_list_for_operators(actor: Actor) -> list[Category]:
    """Every category, retired ones too, in tree order."""
    check(actor, CATALOG_MANAGE)
    return list(Category.objects.order_by("path"))


def attribute_get_for_operators(actor: Actor, attribute_id: int) -> Attribute:
    check(actor, CATALOG_MANAGE)
    attribute = Attribute.objects.select_related("category").prefetch_related("choices").filter(pk=attribute_id).first()
    if attribute is None:
        raise AttributeNotFound(field="attribute_id")
    return attribute


def category_attributes_own(category: Category) -> list[Attribute]:
    """The attributes defined on ``category`` itself, in order, with their choices."""
    return list(Attribute.objects.filter(category=category).prefetch_related("choices").order_by("position", "id"))


def category_get(category_id: int) -> Category:
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise CategoryNotFound(field="category")
    return category


def category_get_by_slug(slug: str) -> Category:
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        raise CategoryNotFound(field="category")
    return category


def category_by_id_or_slug(value: str) -> Category | None:
    """The category a filter names by id or slug; None for no filter. Raises CategoryNotFound."""
    if not value:
        return None
    if value.isdecimal():
        return category_get(int(value))
    return category_get_by_slug(value)


SUBTREE_SECONDS = 3600


def subtree_cache_key(path: str) -> str:
    return f"catalog:subtree:{path}"


def category_subtree_ids(category: Category) -> list[int]:
    """``category`` and every category under it, from the shared cache (a new category drops its ancestors')."""

    def read() -> list[int]:
        return list(Category.objects.filter(path__startswith=category.path).values_list("pk", flat=True))

    return cast(list[int], cache.get_or_set(subtree_cache_key(category.path), read, SUBTREE_SECONDS))


def category_is_leaf(category: Category) -> bool:
    return not Category.objects.filter(parent=category).exists()


def category_ancestors(category: Category) -> list[Category]:
    """From the root down to ``category`` inclusive (one query)."""
    by_id = Category.objects.in_bulk(category.ancestor_ids())
    return [by_id[i] for i in category.ancestor_ids() if i in by_id]


def attributes_for_category(category: Category) -> list[Attribute]:
    """Attributes a product of ``category`` carries: those of the category and of its ancestors."""
    return list(
        Attribute.objects.filter(category_id__in=category.ancestor_ids())
        .select_related("category")
        .prefetch_related("choices")
        .order_by("category__depth", "position", "id")
    )


def _detail_prefetches() -> list[Any]:
    return [
        Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
        Prefetch(
            "attribute_values",
            queryset=ProductAttributeValue.objects.select_related("attribute", "choice").order_by(
                "attribute__position", "attribute_id"
            ),
        ),
        "options__values",
        Prefetch("skus", queryset=Sku.objects.select_related("stock").order_by("position", "id")),
    ]


def published_products() -> QuerySet[Product]:
    """Products buyers may see: published, of an active merchant."""
    return Product.objects.filter(status=ProductStatus.PUBLISHED, merchant__status=MerchantStatus.ACTIVE)


@dataclass(frozen=True, slots=True)
class ProductCard:
    """A product as a listing shows it: one row of one query, no model objects."""

    pk: int
    title: str
    subtitle: str
    merchant_id: int
    merchant_name: str
    category: dict[str, Any]  # id, name, name_en, slug, parent_id, depth, icon_url: what an answer shows of it
    currency: str
    min_price_minor: int
    max_price_minor: int
    sales_count: int
    published_at: dt.datetime | None
    thumbnail: str | None  # the first image's thumbnail, a storage name
    image_alt: str
    has_stock: bool

    @property
    def min_price(self) -> Money:
        return Money(self.min_price_minor, self.currency)

    @property
    def max_price(self) -> Money:
        return Money(self.max_price_minor, self.currency)

    @property
    def thumbnail_url(self) -> str | None:
        return default_storage.url(self.thumbnail) if self.thumbnail else None


def _card_sql(count: int) -> str:
    product, image = Product._meta.db_table, ProductImage._meta.db_table
    merchant = Product._meta.get_field("merchant").related_model._meta.db_table
    first_image = f"FROM {image} i WHERE i.product_id = p.id ORDER BY i.position, i.id LIMIT 1"
    # Table names come from the models and every value is a parameter.
    return (
        "SELECT p.id, p.title, p.subtitle, p.merchant_id, m.name, p.currency, p.min_price_minor,"  # noqa: S608
        " p.max_price_minor, p.sales_count, p.published_at,"
        " c.id, c.name, c.name_en, c.slug, c.parent_id, c.depth, c.icon,"
        f" (SELECT i.thumbnail {first_image}), (SELECT i.alt {first_image}), {stocked_sku_sql('p.id')}"
        f" FROM {product} p JOIN {merchant} m ON m.id = p.merchant_id"
        f" JOIN {Category._meta.db_table} c ON c.id = p.category_id"
        f" WHERE p.id IN ({', '.join(['%s'] * count)})"
    )


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands a raw cursor naive datetimes; Django stores them in UTC."""
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


def product_cards(product_ids: list[int]) -> list[ProductCard]:
    """The cards of these products, in this order, from one statement.

    Merchant and category are joined; the first image and whether any
    active SKU has units are subqueries of the same statement. Plain SQL:
    the ORM took longer to write this statement than the database to run it.
    """
    if not product_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_card_sql(len(product_ids)), product_ids)
        rows = {row[0]: row for row in cursor.fetchall()}
    cards = []
    for pk in product_ids:
        if (row := rows.get(pk)) is None:
            continue
        category = dict(zip(("id", "name", "name_en", "slug", "parent_id", "depth"), row[10:16], strict=True))
        category["icon_url"] = default_storage.url(row[16]) if row[16] else ""
        cards.append(
            ProductCard(
                pk=pk,
                title=row[1],
                subtitle=row[2],
                merchant_id=row[3],
                merchant_name=row[4],
                currency=row[5],
                min_price_minor=row[6],
                max_price_minor=row[7],
                sales_count=row[8],
                published_at=_aware(row[9]),
                category=category,
                thumbnail=row[17] or None,
                image_alt=row[18] or "",
                has_stock=row[19] is not None,
            )
        )
    return cards


def product_public_get(product_id: int) -> Product:
    """A published product with everything its page shows. Raises ProductNotFound."""
    product = (
        published_products()
        .select_related("merchant", "category")
        .prefetch_related(*_detail_prefetches())
        .filter(pk=product_id)
        .first()
    )
    if product is None:
        raise ProductNotFound
    return product


def detail_cache_key(product_id: int) -> str:
    """Where a product's public detail is kept in the shared cache (see ``catalog.schemas.product_detail_data``)."""
    return f"catalog:detail:{product_id}"


def product_detail_forget(product_id: int) -> None:
    """Drop a product's cached detail, after its content, prices or SKUs change."""
    cache.delete(detail_cache_key(product_id))


def product_public_availability(product_id: int) -> dict[int, int] | None:
    """Units available per active SKU of a published product (one query); None when buyers may not see it."""
    rows = (
        published_products()
        .filter(pk=product_id)
        .values_list("skus__id", "skus__is_active", "skus__stock__quantity", "skus__stock__reserved")
    )
    found = False
    available: dict[int, int] = {}
    for sku_id, is_active, quantity, reserved in rows:
        found = True
        if sku_id is not None and is_active:
            available[sku_id] = max(0, (quantity or 0) - (reserved or 0))
    return available if found else None


def _merchant_products(actor: Actor) -> QuerySet[Product]:
    check(actor, PRODUCT_MANAGE)
    return Product.objects.filter(merchant=merchant_of(actor)).select_related("category")


def product_list_for_merchant(actor: Actor, *, status: str | None = None) -> QuerySet[Product]:
    """The actor's merchant's products, newest first. Raises PermissionDenied for non-staff."""
    products = _merchant_products(actor)
    if status:
        products = products.filter(status=status)
    return products.prefetch_related(Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")))


def product_get_for_merchant(actor: Actor, product_id: int) -> Product:
    """One of the actor's merchant's products with its details; another merchant's is not found."""
    product = (
        _merchant_products(actor)
        .select_related("merchant")
        .prefetch_related(*_detail_prefetches())
        .filter(pk=product_id)
        .first()
    )
    if product is None:
        raise ProductNotFound
    return product


def sku_get_for_merchant(actor: Actor, sku_id: int) -> Sku:
    check(actor, PRODUCT_MANAGE)
    sku = Sku.objects.select_related("product", "stock").filter(pk=sku_id, product__merchant=merchant_of(actor)).first()
    if sku is None:
        raise SkuNotFound
    return sku


def product_review_queue(actor: Actor, *, status: str = ProductStatus.PENDING_REVIEW) -> QuerySet[Product]:
    """Products awaiting review (oldest first), for reviewers."""
    check(actor, PRODUCT_REVIEW)
    return (
        Product.objects.filter(status=status)
        .select_related("merchant", "category")
        .prefetch_related(Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")))
        .order_by("updated_at", "id")
    )


def product_get_for_review(actor: Actor, product_id: int) -> Product:
    check(actor, PRODUCT_REVIEW)
    product = (
        Product.objects.select_related("merchant", "category")
        .prefetch_related(*_detail_prefetches())
        .filter(pk=product_id)
        .first()
    )
    if product is None:
        raise ProductNotFound
    return product


def sku_is_purchasable(sku: Sku) -> bool:
    """A buyer may put this SKU in a cart and order it: active, its product published, its merchant open.

    Uses the joined product and merchant when the caller loaded them.
    """
    product = sku.product
    return sku.is_active and product.status == ProductStatus.PUBLISHED and product.merchant.is_active


def sku_for_purchase(sku_id: int) -> Sku:
    """A purchasable SKU with its product and merchant, or SkuNotFound (404)."""
    sku = Sku.objects.select_related("product__merchant").filter(pk=sku_id).first()
    if sku is None or not sku_is_purchasable(sku):
        raise SkuNotFound(field="sku_id")
    return sku
