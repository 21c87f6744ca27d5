"""Listing status of a product and the moves between them."""

from collections.abc import Mapping

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_REVIEW = "pending_review", _("Pending review")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    UNLISTED = "unlisted", _("Unlisted")


TRANSITIONS: Mapping[ProductStatus, frozenset[ProductStatus]] = {
    ProductStatus.DRAFT: frozenset({ProductStatus.PENDING_REVIEW}),
    ProductStatus.PENDING_REVIEW: frozenset({ProductStatus.PUBLISHED, ProductStatus.REJECTED}),
    # A published product that is edited goes back to review; the merchant may also take it off sale.
    ProductStatus.PUBLISHED: frozenset({ProductStatus.UNLISTED, ProductStatus.PENDING_REVIEW}),
    ProductStatus.REJECTED: frozenset({ProductStatus.PENDING_REVIEW}),
    ProductStatus.UNLISTED: frozenset({ProductStatus.PENDING_REVIEW}),
}

# Statuses in which the merchant may edit the product's content.
EDITABLE = frozenset({ProductStatus.DRAFT, ProductStatus.REJECTED, ProductStatus.UNLISTED, ProductStatus.PUBLISHED})
