"""A product's gallery: adding (sniffed and re-encoded), deleting and reordering images."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from jishi.catalog import selectors
from jishi.catalog.errors import (
    ImageNotFound,
    TooManyImages,
)
from jishi.catalog.models import (
    ProductImage,
)
from jishi.catalog.services.cleaning import (
    MAX_IMAGES,
    invalid,
)
from jishi.core.actors import Actor
from jishi.core.images import process_upload
from jishi.core.transactions import after_commit

# Checks other apps run on a new image of their own products, registered when their app is ready (pets: a photo
# used by another listing, what animal it shows); each gets the image and the bytes uploaded.
IMAGE_CHECKS: list[Callable[[ProductImage, bytes], None]] = []


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
        for image_check in IMAGE_CHECKS:
            image_check(image, data)
        after_commit(selectors.product_detail_forget, product.pk)
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
    after_commit(selectors.product_detail_forget, product.pk)


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
        raise invalid(_("List every image of the product exactly once."), "image_ids")
    for position, image_id in enumerate(image_ids):
        ProductImage.objects.filter(pk=image_id).update(position=position)
    after_commit(selectors.product_detail_forget, product.pk)
    return list(ProductImage.objects.filter(product=product).order_by("position", "id"))
