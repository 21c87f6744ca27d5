"""A product's listing status: submitting, review, unlisting, and lapsed qualifications. Through the kernel."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jishi.catalog import selectors
from jishi.catalog.errors import (
    InvalidTransition,
    QualificationRequired,
)
from jishi.catalog.models import (
    Product,
    Sku,
)
from jishi.catalog.permissions import PRODUCT_REVIEW
from jishi.catalog.services.cleaning import (
    invalid,
)
from jishi.catalog.states import TRANSITIONS, ProductStatus
from jishi.core.actors import Actor
from jishi.core.errors import InvalidInput
from jishi.core.permissions import check
from jishi.core.phrases import phrase
from jishi.core.states import Machine, audited, move
from jishi.merchants.selectors import (
    category_requirements,
    merchant_owner,
    merchants_holding,
    requirements_of,
    valid_qualification_kinds,
)
from jishi.notifications.services import notify


def _listing_fields(to: ProductStatus) -> dict[str, Any]:
    now = timezone.now()
    if to == ProductStatus.PUBLISHED:
        return {"updated_at": now, "published_at": now, "rejection_reason": ""}
    return {"updated_at": now}


MACHINE: Machine[Product, ProductStatus] = Machine(
    status=ProductStatus,
    transitions=TRANSITIONS,
    invalid=InvalidTransition,
    record=audited("product"),
    changes=_listing_fields,
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
        raise invalid(_("Add at least one SKU first."), "skus", "catalog.missing_skus")
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
                    reason=phrase(
                        gettext_lazy("The shop's %(kind)s has expired."), kind=requirement.get_kind_display()
                    ),
                )
                owner = merchant_owner(product.merchant)
                if owner is not None:
                    notify(
                        owner,
                        "listing_decided",
                        phrase(gettext_lazy("%(title)s was taken off sale"), title=product.title),
                        phrase(
                            gettext_lazy("Your %(kind)s has expired. Add a valid one, then submit the product again."),
                            kind=requirement.get_kind_display(),
                        ),
                        link=f"/merchant/products/{product.pk}/",
                    )
            unlisted += 1
    return unlisted
