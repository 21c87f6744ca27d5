"""What the storefront's pages show of a shopper's interests: 收藏 and 关注 on a product page, its 会员价, the
看了又看 and 买了又买 rows, 为你推荐 (or 热销) on the home page, and the 足迹 a member's visit leaves."""

import logging
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest

from jishi.catalog.models import Product
from jishi.core.errors import DomainError
from jishi.core.money import CURRENCY, Money
from jishi.favourites import selectors as favourites
from jishi.favourites import services as favourite_services
from jishi.loyalty import selectors as loyalty
from jishi.loyalty.models import TIER_RANK, Tier
from jishi.recommendations import selectors as recommendations

logger = logging.getLogger(__name__)

# Products in each recommendation row of a product page, and in the home page's 为你推荐 (as many as its other lists).
ROW_LENGTH = 12
HOME_LENGTH = 10


@dataclass(frozen=True)
class MemberPriceLine:
    """The 会员价 a product page shows under its price: the lowest over its SKUs, the tier it starts at, whether the
    SKUs' member prices differ (起) and whether the signed-in member's tier gets it."""

    price: Money
    tier: Tier
    several: bool
    applies: bool


def member_price_line(request: HttpRequest, skus: list[Any]) -> MemberPriceLine | None:
    """One query for the SKUs' member prices, and one more for a signed-in member's tier when there is one."""
    prices = loyalty.member_prices_of([sku.pk for sku in skus]) if skus else {}
    if not prices:
        return None
    lowest = min(prices.values(), key=lambda price: (price.price_minor, TIER_RANK[Tier(price.min_tier)]))
    tier = Tier(lowest.min_tier)
    applies = False
    if request.user.is_authenticated:
        _balance, own = loyalty.member_of(request.user.pk)
        applies = TIER_RANK[own] >= TIER_RANK[tier]
    return MemberPriceLine(
        price=Money(lowest.price_minor, CURRENCY),
        tier=tier,
        several=len({price.price_minor for price in prices.values()}) > 1,
        applies=applies,
    )


def product_extras(request: HttpRequest, product: Product, skus: list[Any]) -> dict[str, Any]:
    """The product page's 收藏 / 关注 state and counts (one query), its 会员价 (one or two) and the 看了又看 and
    买了又买 rows (two queries for both)."""
    also_viewed, also_bought = recommendations.beside_product(product.pk, ROW_LENGTH)
    return {
        "interest": favourites.interest_state(request.user, product.pk, product.merchant_id),
        "member_price": member_price_line(request, skus),
        "also_viewed": also_viewed,
        "also_bought": also_bought,
    }


def record_view(request: HttpRequest, product_id: int) -> None:
    """Put the product on a signed-in member's 足迹 (one upsert; nothing for an anonymous visitor). The page is
    already rendered: a history that cannot be written now is a lost view, never a failed page."""
    if not request.user.is_authenticated:
        return
    try:
        favourite_services.view_record(actor=request.user, product_id=product_id)
    except (DatabaseError, DomainError):
        logger.warning("browsing history not recorded for product %s", product_id, exc_info=True)


def home_recommendations(request: HttpRequest) -> tuple[str, list[Any]]:
    """为你推荐 for a signed-in member (two queries): ``("member", cards)``; nothing for anyone else, whom the
    home page's best-selling list already serves."""
    if request.user.is_authenticated:
        return "member", recommendations.for_member(request.user.pk, HOME_LENGTH)
    return "", []
