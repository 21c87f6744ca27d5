"""Flash-sale API (秒杀): the sessions shoppers see, a shop's applications, and the operators' sessions and review.

Buying goes through checkout: a buy-now with ``flash_item_id`` (``POST /checkout/quote`` and ``/checkout/place``).
"""

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field
from ninja.responses import Status

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.core.api import BodyId, DataOut, Id, IsoDateTime, MoneyOut, Router, StrictIn, errors, money_out, parse_amount
from jishi.core.money import Money
from jishi.core.permissions import PUBLIC, requires
from jishi.promotions import selectors, services
from jishi.promotions.models import FlashItem, FlashItemStatus, FlashSession
from jishi.promotions.permissions import PLATFORM_PROMOTIONS, SHOP_PROMOTIONS

router = Router(tags=["flash sales"])
merchant_router = Router(tags=["merchant"], auth=SIGNED_IN)
operator_router = Router(tags=["operator"], auth=SIGNED_IN)


class FlashItemOut(DataOut):
    id: int
    sku_id: int
    product_id: int
    title: str
    sku_label: str
    image: str | None
    list_price: MoneyOut
    price: MoneyOut = Field(description="The flash price")
    quota: int
    sold: int = Field(description="Units in orders not cancelled")
    left: int
    per_user_limit: int


class FlashSessionOut(DataOut):
    id: int
    title: str
    starts_at: str
    ends_at: str
    running: bool
    real_name_required: bool
    items: list[FlashItemOut]


class MerchantFlashItemOut(FlashItemOut):
    session_id: int
    session_title: str
    starts_at: str
    ends_at: str
    status: str = Field(description="applied, approved, rejected or closed")
    reason: str = Field(description="Why it was rejected")


class ReviewFlashItemOut(MerchantFlashItemOut):
    merchant_id: int
    merchant_name: str


class FlashApplyIn(StrictIn):
    session_id: BodyId
    sku_id: BodyId
    price: Annotated[str, Field(pattern=r"^\d{1,8}(\.\d{1,2})?$", examples=["9.90"])]
    quota: Annotated[int, Field(strict=True, ge=1, le=1_000_000)]
    per_user_limit: Annotated[int, Field(strict=True)] = 1


class FlashSessionIn(StrictIn):
    title: Annotated[str, Field(min_length=1, max_length=20)]
    starts_at: IsoDateTime
    ends_at: IsoDateTime
    real_name_required: Annotated[bool | None, Field(strict=True, description="The platform's default if left out")] = (
        None
    )


class RejectIn(StrictIn):
    reason: Annotated[str, Field(min_length=1, max_length=200)]


def _image(product: Any) -> str | None:
    images = list(product.images.all())  # prefetched
    return images[0].thumbnail.url if images else None


def _item_fields(item: FlashItem) -> dict[str, Any]:
    sku = item.sku
    return {
        "id": item.pk,
        "sku_id": sku.pk,
        "product_id": sku.product_id,
        "title": sku.product.title,
        "sku_label": sku.label,
        "image": _image(sku.product),
        "list_price": money_out(Money(sku.price_minor, item.currency)),
        "price": money_out(item.price),
        "quota": item.quota,
        "sold": item.sold,
        "left": item.left,
        "per_user_limit": item.per_user_limit,
    }


def _merchant_item_out(item: FlashItem) -> MerchantFlashItemOut:
    session = item.session
    return MerchantFlashItemOut(
        **_item_fields(item),
        session_id=session.pk,
        session_title=session.title,
        starts_at=session.starts_at.isoformat(),
        ends_at=session.ends_at.isoformat(),
        status=item.status,
        reason=item.reason,
    )


def _session_out(session: FlashSession, now: dt.datetime) -> FlashSessionOut:
    return FlashSessionOut(
        id=session.pk,
        title=session.title,
        starts_at=session.starts_at.isoformat(),
        ends_at=session.ends_at.isoformat(),
        running=session.starts_at <= now < session.ends_at,
        real_name_required=session.real_name_required,
        items=[FlashItemOut(**_item_fields(item)) for item in session.items.all()],
    )


@router.get("/flash/sessions", response={200: list[FlashSessionOut], **errors()})
@requires(PUBLIC)
def flash_sessions(request: HttpRequest) -> list[FlashSessionOut]:
    """The running sessions and those of the next two days, soonest first, each with its SKUs and units left."""
    now = timezone.now()
    return [_session_out(session, now) for session in selectors.flash_sessions_for_shoppers(now=now)]


@merchant_router.get("/flash/items", response={200: list[MerchantFlashItemOut], **errors(401, 403)})
@requires(SHOP_PROMOTIONS)
def merchant_flash_items(request: HttpRequest) -> list[MerchantFlashItemOut]:
    """The shop's applications to flash sales, newest first."""
    return [_merchant_item_out(item) for item in selectors.flash_items_of_merchant(actor_of(request))]


@merchant_router.post("/flash/items", response={201: MerchantFlashItemOut, **errors(401, 403, 404, 409)})
@requires(SHOP_PROMOTIONS)
def merchant_flash_apply(request: HttpRequest, payload: FlashApplyIn) -> Status:
    """Apply one of the shop's SKUs to a session that has not ended (报名). 422 for a price not below the SKU's or
    a limit out of range, or a SKU applied already; 409 ``promotions.quota_over_stock`` for a quota the stock does not
    cover, ``promotions.flash_not_running`` for a session that is over."""
    item = services.flash_item_apply(
        actor=actor_of(request),
        data=services.FlashApplication(
            session_id=payload.session_id,
            sku_id=payload.sku_id,
            price=parse_amount(payload.price, "price"),
            quota=payload.quota,
            per_user_limit=payload.per_user_limit,
        ),
    )
    return Status(201, _merchant_item_out(item))


@operator_router.post("/flash/sessions", response={201: FlashSessionOut, **errors(401, 403)})
@requires(PLATFORM_PROMOTIONS)
def operator_flash_session_create(request: HttpRequest, payload: FlashSessionIn) -> Status:
    """Open a session (秒杀场次) of at most a day. 422 for an end before the start or in the past."""
    session = services.flash_session_create(
        actor=actor_of(request),
        title=payload.title,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        real_name_required=payload.real_name_required,
    )
    return Status(201, _session_out(session, timezone.now()))


@operator_router.get("/flash/items", response={200: list[ReviewFlashItemOut], **errors(401, 403)})
@requires(PLATFORM_PROMOTIONS)
def operator_flash_items(
    request: HttpRequest, status: FlashItemStatus = FlashItemStatus.APPLIED
) -> list[ReviewFlashItemOut]:
    """Applications in a status, oldest first: the review queue by default."""
    return [
        ReviewFlashItemOut(
            **_merchant_item_out(item).model_dump(), merchant_id=item.merchant_id, merchant_name=item.merchant.name
        )
        for item in selectors.flash_items_for_review(actor_of(request), status=status)
    ]


def _decided(item: FlashItem) -> MerchantFlashItemOut:
    return _merchant_item_out(selectors.flash_item_get(item.pk))


@operator_router.post(
    "/flash/items/{item_id}/approve", response={200: MerchantFlashItemOut, **errors(401, 403, 404, 409)}
)
@requires(PLATFORM_PROMOTIONS)
def operator_flash_approve(request: HttpRequest, item_id: Id) -> MerchantFlashItemOut:
    """Approve an application: its quota leaves the shelf for the session. 409 ``promotions.flash_item_not_pending``
    once decided, ``promotions.quota_over_stock`` when the stock sold meanwhile."""
    return _decided(services.flash_item_approve(actor=actor_of(request), item_id=item_id))


@operator_router.post(
    "/flash/items/{item_id}/reject", response={200: MerchantFlashItemOut, **errors(401, 403, 404, 409)}
)
@requires(PLATFORM_PROMOTIONS)
def operator_flash_reject(request: HttpRequest, item_id: Id, payload: RejectIn) -> MerchantFlashItemOut:
    """Turn an application down with a reason the shop reads."""
    return _decided(services.flash_item_reject(actor=actor_of(request), item_id=item_id, reason=payload.reason))
