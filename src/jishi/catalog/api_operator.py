"""Operator catalog API: the product review queue, and which categories need which qualification."""

from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Schema

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.accounts.permissions import OPERATOR
from jishi.catalog import selectors, services
from jishi.catalog.permissions import PRODUCT_REVIEW
from jishi.catalog.schemas import MerchantProductOut, MerchantRefOut, merchant_product_out
from jishi.core.api import BodyId, Id, Router, StrictIn, errors
from jishi.core.pagination import paginate
from jishi.core.permissions import requires
from jishi.merchants import selectors as merchant_selectors
from jishi.merchants import services as merchant_services
from jishi.merchants.permissions import QUALIFICATION_RULES

router = Router(tags=["operator"], auth=SIGNED_IN)


class ReviewProductOut(MerchantProductOut):
    merchant: MerchantRefOut


class ReviewPageOut(Schema):
    items: list[ReviewProductOut]
    count: int
    page: int
    page_size: int


class RejectIn(StrictIn):
    reason: Annotated[str, Field(min_length=1, max_length=200)]


def _review_out(product: object) -> ReviewProductOut:
    out = merchant_product_out(product)  # type: ignore[arg-type]
    return ReviewProductOut(
        **out.dict(),
        merchant=MerchantRefOut(id=product.merchant_id, name=product.merchant.name),  # type: ignore[attr-defined]
    )


@router.get("", response={200: ReviewPageOut, **errors(401, 403)})
@requires(PRODUCT_REVIEW)
def review_queue(
    request: HttpRequest,
    status: Literal["pending_review", "published", "rejected", "unlisted", "draft"] = "pending_review",
    page: Annotated[int, Field(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Field(ge=1, le=100)] = 20,
) -> ReviewPageOut:
    products = selectors.product_review_queue(actor_of(request), status=status).prefetch_related(
        "attribute_values__attribute", "attribute_values__choice", "options__values", "skus__stock"
    )
    result = paginate(products, page=page, page_size=page_size)
    return ReviewPageOut(
        items=[_review_out(p) for p in result.items], count=result.count, page=page, page_size=page_size
    )


@router.post("/{product_id}/approve", response={200: ReviewProductOut, **errors(401, 403, 404, 409)})
@requires(PRODUCT_REVIEW)
def product_approve(request: HttpRequest, product_id: Id) -> ReviewProductOut:
    services.product_approve(actor=actor_of(request), product_id=product_id)
    return _review_out(selectors.product_get_for_review(actor_of(request), product_id))


@router.post("/{product_id}/reject", response={200: ReviewProductOut, **errors(401, 403, 404, 409)})
@requires(PRODUCT_REVIEW)
def product_reject(request: HttpRequest, product_id: Id, payload: RejectIn) -> ReviewProductOut:
    services.product_reject(actor=actor_of(request), product_id=product_id, reason=payload.reason)
    return _review_out(selectors.product_get_for_review(actor_of(request), product_id))


# Which categories need which qualification (the merchants domain keeps the rule) ---------------

requirements_router = Router(tags=["operator"], auth=SIGNED_IN)


class RequirementIn(StrictIn):
    category_id: BodyId
    kind: Literal["animal_business_permit", "food_business_licence"]
    required: bool = True


class RequirementOut(Schema):
    category_id: int
    category: str
    kind: str


def _requirements() -> list[RequirementOut]:
    return [
        RequirementOut(category_id=r.category_id, category=r.category.name, kind=r.kind)
        for r in merchant_selectors.category_requirements().order_by("category__name", "kind")
    ]


@requirements_router.get("", response={200: list[RequirementOut], **errors(401, 403)})
@requires(OPERATOR)
def requirement_list(request: HttpRequest) -> list[RequirementOut]:
    """Categories (with everything below them) whose listings need a valid qualification."""
    return _requirements()


@requirements_router.post("", response={200: list[RequirementOut], **errors(401, 403, 404)})
@requires(QUALIFICATION_RULES)
def requirement_set(request: HttpRequest, payload: RequirementIn) -> list[RequirementOut]:
    """Require a qualification for a category (``required: false`` lifts it). Audited."""
    merchant_services.category_requirement_set(
        actor=actor_of(request),
        category=selectors.category_get(payload.category_id),
        kind=payload.kind,
        required=payload.required,
    )
    return _requirements()
