"""Categories and their typed attributes (operators' set-up and the demo loader)."""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction
from django.utils.text import slugify

from jishi.catalog.models import (
    Attribute,
    AttributeChoice,
    Category,
)
from jishi.catalog.selectors import subtree_cache_key


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
    # Every ancestor's cached subtree (the search filter) now misses this category.
    stale = [subtree_cache_key(category.path[: end + 1]) for end, mark in enumerate(category.path) if mark == "/"]
    transaction.on_commit(lambda: cache.delete_many(stale))
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
