"""Reads of the catalog domain. Merchant reads are scoped to the actor's merchant; others are not found."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from jishi.catalog.errors import CategoryNotFound, ProductNotFound, SkuNotFound
from jishi.catalog.models import Attribute, Category, Product, ProductAttributeValue, ProductImage, Sku
from jishi.catalog.permissions import PRODUCT_MANAGE, PRODUCT_REVIEW
from jishi.catalog.states import ProductStatus
from jishi.core.actors import Actor
from jishi.core.permissions import check
from jishi.merchants.selectors import merchant_of
from jishi.merchants.states import MerchantStatus


def category_list() -> list[Category]:
    """Every category in tree order (by path)."""
    return list(Category.objects.all())


def category_roots() -> list[Category]:
    return list(Category.objects.filter(parent__isnull=True).order_by("position", "id"))


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
    if value.isdigit():
        return category_get(int(value))
    return category_get_by_slug(value)


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
