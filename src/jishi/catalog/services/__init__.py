"""Writes of the catalog domain, one module per concern; this package offers them all as ``catalog.services``.

- ``cleaning``: what a merchant sends, checked field by field;
- ``categories``: categories and typed attributes;
- ``products``: products, options, SKUs, sales counts;
- ``listing``: the listing status, through the kernel;
- ``images``: the gallery.
"""

from jishi.catalog.services.categories import (
    AttributeInput,
    attribute_add,
    attribute_create,
    attribute_remove,
    attribute_update,
    category_add,
    category_create,
    category_move,
    category_reorder,
    category_restore,
    category_retire,
    category_update,
)
from jishi.catalog.services.cleaning import (
    MAX_IMAGES,
    MAX_OPTIONS,
    MAX_PRICE_MINOR,
    MAX_SKUS,
    MAX_VALUES_PER_OPTION,
    MAX_WEIGHT_GRAMS,
    OptionInput,
    ProductInput,
    SkuInput,
)
from jishi.catalog.services.images import IMAGE_CHECKS, image_add, image_delete, image_reorder
from jishi.catalog.services.listing import (
    listings_enforce_qualifications,
    product_approve,
    product_reject,
    product_submit,
    product_unlist,
)
from jishi.catalog.services.products import (
    SEARCH_WORDS,
    product_back_to_review,
    product_create,
    product_record_sales,
    product_reindex,
    product_update,
    sku_update,
)

__all__ = [
    "IMAGE_CHECKS",
    "MAX_IMAGES",
    "MAX_OPTIONS",
    "MAX_PRICE_MINOR",
    "MAX_SKUS",
    "MAX_VALUES_PER_OPTION",
    "MAX_WEIGHT_GRAMS",
    "SEARCH_WORDS",
    "AttributeInput",
    "OptionInput",
    "ProductInput",
    "SkuInput",
    "attribute_add",
    "attribute_create",
    "attribute_remove",
    "attribute_update",
    "category_add",
    "category_create",
    "category_move",
    "category_reorder",
    "category_restore",
    "category_retire",
    "category_update",
    "image_add",
    "image_delete",
    "image_reorder",
    "listings_enforce_qualifications",
    "product_approve",
    "product_back_to_review",
    "product_create",
    "product_record_sales",
    "product_reindex",
    "product_reject",
    "product_submit",
    "product_unlist",
    "product_update",
    "sku_update",
]
