"""收藏 / 关注 / 足迹 API: a member's favourite products (with the price drop since they saved each), the shops they
follow, and their browsing history. Signed-in members only; each sees and changes only their own."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field
from ninja.responses import Status

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.catalog.schemas import MerchantRefOut, ProductCardOut, product_card_data
from jishi.catalog.selectors import product_cards
from jishi.core.api import DataOut, Id, MoneyOut, PageNumber, PageSize, Router, errors, money_out
from jishi.core.money import Money
from jishi.core.pagination import Page, paginate
from jishi.core.permissions import requires
from jishi.favourites import selectors, services
from jishi.favourites.permissions import FAVOURITES_KEEP

router = Router(tags=["favourites"], auth=SIGNED_IN)


class FavouriteOut(DataOut):
    product: ProductCardOut
    saved_price: MoneyOut = Field(description="The product's lowest price when it was favourited")
    price_now: MoneyOut = Field(description="Its lowest price now")
    price_dropped: bool = Field(description="Cheaper now than when it was favourited (降价)")
    on_sale: bool = Field(description="False once the product is taken off sale (失效)")
    favourited_at: dt.datetime


class FavouritePageOut(DataOut):
    items: list[FavouriteOut]
    count: int
    page: int
    page_size: int
    pages: int


class FavouriteStateOut(DataOut):
    product_id: int
    favourited: bool
    favourites: int = Field(description="How many members keep the product")


class FollowOut(DataOut):
    merchant: MerchantRefOut
    followers: int
    followed_at: dt.datetime


class FollowPageOut(DataOut):
    items: list[FollowOut]
    count: int
    page: int
    page_size: int
    pages: int


class FollowStateOut(DataOut):
    merchant_id: int
    following: bool
    followers: int = Field(description="How many members follow the shop")


class HistoryOut(DataOut):
    product: ProductCardOut
    on_sale: bool
    viewed_at: dt.datetime
    views: int


class HistoryPageOut(DataOut):
    items: list[HistoryOut]
    count: int
    page: int
    page_size: int
    pages: int


def _cards(product_ids: list[int]) -> dict[int, dict[str, Any]]:
    return {card.pk: product_card_data(card) for card in product_cards(product_ids)}


def _paging(page: Page[Any]) -> dict[str, int]:
    return {"count": page.count, "page": page.page, "page_size": page.page_size, "pages": page.pages}


@router.get("/me/favourites", response={200: FavouritePageOut, **errors(401)})
@requires(FAVOURITES_KEEP)
def favourite_list(request: HttpRequest, page: PageNumber = 1, page_size: PageSize = 20) -> FavouritePageOut:
    """The member's favourites (收藏), the newest first, each with its price then and now."""
    found = paginate(selectors.favourites_of(actor_of(request)), page=page, page_size=page_size)
    cards = _cards([favourite.product_id for favourite in found.items])
    return FavouritePageOut(
        items=[
            FavouriteOut(
                product=ProductCardOut.model_validate(cards[favourite.product_id]),
                saved_price=money_out(favourite.price),
                price_now=money_out(Money(favourite.current_price_minor, favourite.current_currency)),
                price_dropped=selectors.price_dropped(favourite),
                on_sale=favourite.on_sale,
                favourited_at=favourite.created_at,
            )
            for favourite in found.items
            if favourite.product_id in cards
        ],
        **_paging(found),
    )


@router.post("/me/favourites/{product_id}", response={201: FavouriteStateOut, **errors(401, 404)})
@requires(FAVOURITES_KEEP)
def favourite_add(request: HttpRequest, product_id: Id) -> Status:
    """Favourite a product on sale (收藏). Idempotent: favouriting it again keeps the first favourite and its price.
    404 ``favourites.product_not_found`` for a product not on sale."""
    services.favourite_add(actor=actor_of(request), product_id=product_id)
    state = FavouriteStateOut(product_id=product_id, favourited=True, favourites=selectors.favourite_count(product_id))
    return Status(201, state)


@router.delete("/me/favourites/{product_id}", response={200: FavouriteStateOut, **errors(401)})
@requires(FAVOURITES_KEEP)
def favourite_remove(request: HttpRequest, product_id: Id) -> FavouriteStateOut:
    """Stop keeping a product (取消收藏). Idempotent."""
    services.favourite_remove(actor=actor_of(request), product_id=product_id)
    return FavouriteStateOut(product_id=product_id, favourited=False, favourites=selectors.favourite_count(product_id))


@router.get("/me/follows", response={200: FollowPageOut, **errors(401)})
@requires(FAVOURITES_KEEP)
def follow_list(request: HttpRequest, page: PageNumber = 1, page_size: PageSize = 20) -> FollowPageOut:
    """The shops the member follows (关注的店铺), the latest followed first."""
    found = paginate(selectors.follows_of(actor_of(request)), page=page, page_size=page_size)
    return FollowPageOut(
        items=[
            FollowOut(
                merchant=MerchantRefOut(id=follow.merchant_id, name=follow.merchant.name),
                followers=follow.followers or 0,
                followed_at=follow.created_at,
            )
            for follow in found.items
        ],
        **_paging(found),
    )


@router.post("/me/follows/{merchant_id}", response={201: FollowStateOut, **errors(401, 404)})
@requires(FAVOURITES_KEEP)
def follow_add(request: HttpRequest, merchant_id: Id) -> Status:
    """Follow an open shop (关注店铺). Idempotent. 404 ``favourites.shop_not_found`` for a shop that is not open."""
    services.follow_add(actor=actor_of(request), merchant_id=merchant_id)
    state = FollowStateOut(merchant_id=merchant_id, following=True, followers=selectors.follower_count(merchant_id))
    return Status(201, state)


@router.delete("/me/follows/{merchant_id}", response={200: FollowStateOut, **errors(401)})
@requires(FAVOURITES_KEEP)
def follow_remove(request: HttpRequest, merchant_id: Id) -> FollowStateOut:
    """Stop following a shop (取消关注). Idempotent."""
    services.follow_remove(actor=actor_of(request), merchant_id=merchant_id)
    return FollowStateOut(merchant_id=merchant_id, following=False, followers=selectors.follower_count(merchant_id))


@router.get("/me/history", response={200: HistoryPageOut, **errors(401)})
@requires(FAVOURITES_KEEP)
def history_list(request: HttpRequest, page: PageNumber = 1, page_size: PageSize = 20) -> HistoryPageOut:
    """The member's browsing history (足迹), the latest viewed first, with how often each product was viewed."""
    found = paginate(selectors.history_of(actor_of(request)), page=page, page_size=page_size)
    cards = _cards([view.product_id for view in found.items])
    return HistoryPageOut(
        items=[
            HistoryOut(
                product=ProductCardOut.model_validate(cards[view.product_id]),
                on_sale=view.on_sale,
                viewed_at=view.viewed_at,
                views=view.views,
            )
            for view in found.items
            if view.product_id in cards
        ],
        **_paging(found),
    )


@router.delete("/me/history", response={204: None, **errors(401)})
@requires(FAVOURITES_KEEP)
def history_clear(request: HttpRequest) -> Status:
    """Clear the whole browsing history (清空足迹). Idempotent."""
    services.history_clear(actor=actor_of(request))
    return Status(204, None)


@router.delete("/me/history/{product_id}", response={204: None, **errors(401)})
@requires(FAVOURITES_KEEP)
def history_remove(request: HttpRequest, product_id: Id) -> Status:
    """Remove one product from the browsing history. Idempotent."""
    services.history_remove(actor=actor_of(request), product_id=product_id)
    return Status(204, None)
