"""Reads of the favourites domain. A member's lists are scoped to the member; counts come from real rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, Literal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery

from jishi.catalog.selectors import published_products
from jishi.core.actors import Actor, signed_in, user_of
from jishi.core.permissions import check
from jishi.favourites.models import Favourite, ProductView, ShopFollow
from jishi.favourites.permissions import FAVOURITES_KEEP

type InteractionKind = Literal["favourite", "view"]


def favourites_of(actor: Actor) -> QuerySet[Favourite]:
    """The member's favourites, newest first, each annotated with ``current_price_minor`` (the product's lowest
    SKU price now), ``current_currency`` and ``on_sale`` (published by an open shop). Raises NotAuthenticated."""
    check(actor, FAVOURITES_KEEP)
    return (
        Favourite.objects.filter(user=user_of(actor))
        .annotate(
            current_price_minor=F("product__min_price_minor"),
            current_currency=F("product__currency"),
            on_sale=Exists(published_products().filter(pk=OuterRef("product_id"))),
        )
        .order_by("-created_at", "-id")
    )


def price_dropped(favourite: Favourite) -> bool:
    """Whether a favourite from :func:`favourites_of` is cheaper now than when it was favourited."""
    current = getattr(favourite, "current_price_minor", None)
    return (
        current is not None
        and 0 < current < favourite.price_minor
        and getattr(favourite, "current_currency", favourite.currency) == favourite.currency
    )


def favourited(actor: Actor, product_ids: list[int]) -> set[int]:
    """Which of these products the actor has favourited (none for an anonymous visitor): one query."""
    user = signed_in(actor)
    if user is None or not product_ids:
        return set()
    return set(Favourite.objects.filter(user=user, product_id__in=product_ids).values_list("product_id", flat=True))


def _followers() -> Subquery:
    counted = (
        ShopFollow.objects.filter(merchant_id=OuterRef("merchant_id"))
        .order_by()
        .values("merchant_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Subquery(counted)


def follows_of(actor: Actor) -> QuerySet[ShopFollow]:
    """The shops the member follows, newest first, with each shop and its ``followers`` counted from the follows.
    Raises NotAuthenticated."""
    check(actor, FAVOURITES_KEEP)
    return (
        ShopFollow.objects.filter(user=user_of(actor))
        .select_related("merchant")
        .annotate(followers=_followers())
        .order_by("-created_at", "-id")
    )


def following(actor: Actor, merchant_id: int) -> bool:
    """Whether the actor follows the shop (False for an anonymous visitor)."""
    user = signed_in(actor)
    return user is not None and ShopFollow.objects.filter(user=user, merchant_id=merchant_id).exists()


def history_of(actor: Actor) -> QuerySet[ProductView]:
    """The member's browsing history (足迹), the latest view first, each annotated with ``on_sale``. Raises
    NotAuthenticated."""
    check(actor, FAVOURITES_KEEP)
    return (
        ProductView.objects.filter(user=user_of(actor))
        .annotate(on_sale=Exists(published_products().filter(pk=OuterRef("product_id"))))
        .order_by("-viewed_at", "-id")
    )


def favourite_count(product_id: int) -> int:
    """How many members keep the product as a favourite."""
    return Favourite.objects.filter(product_id=product_id).count()


def follower_count(merchant_id: int) -> int:
    """How many members follow the shop."""
    return ShopFollow.objects.filter(merchant_id=merchant_id).count()


def interactions(since: dt.datetime) -> Iterator[tuple[int, int, InteractionKind]]:
    """Every (user_id, product_id, kind) favourited or viewed since ``since``, for the recommendations: each
    member's favourites (``"favourite"``) then views (``"view"``), streamed in id order."""
    favourites = Favourite.objects.filter(created_at__gte=since).order_by("pk").values_list("user_id", "product_id")
    for user_id, product_id in favourites.iterator(chunk_size=5000):
        yield user_id, product_id, "favourite"
    views = ProductView.objects.filter(viewed_at__gte=since).order_by("pk").values_list("user_id", "product_id")
    for user_id, product_id in views.iterator(chunk_size=5000):
        yield user_id, product_id, "view"


def favourited_since(user_id: int, since: dt.datetime) -> QuerySet[Favourite, Any]:
    """The products the member favourited since ``since``, as a subquery (``product_id``) for another query."""
    return Favourite.objects.filter(user_id=user_id, created_at__gte=since).values("product_id")


def viewed_since(user_id: int, since: dt.datetime) -> QuerySet[ProductView, Any]:
    """The products the member viewed since ``since``, as a subquery (``product_id``) for another query."""
    return ProductView.objects.filter(user_id=user_id, viewed_at__gte=since).values("product_id")


def price_drops_due(*, members: int) -> list[Favourite]:
    """Favourites of products on sale whose lowest price now is below the price they were favourited at and below
    the price of their last notice: all of them for the first ``members`` members who have any, by member, with
    the product's ``title`` and ``current_price_minor``. Two queries."""
    cheaper = Q(product__min_price_minor__lt=F("price_minor")) & (
        Q(notified_price_minor__isnull=True) | Q(product__min_price_minor__lt=F("notified_price_minor"))
    )
    due = Favourite.objects.filter(
        cheaper,
        product__min_price_minor__gt=0,  # a product without an active SKU has no price
        product__currency=F("currency"),
        product_id__in=published_products().values("pk"),
    )
    user_ids = list(due.order_by("user_id").values_list("user_id", flat=True).distinct()[:members])
    if not user_ids:
        return []
    return list(
        due.filter(user_id__in=user_ids)
        .annotate(current_price_minor=F("product__min_price_minor"), title=F("product__title"))
        .order_by("user_id", "pk")
    )
