"""Reads of the favourites domain. A member's lists are scoped to the member; counts come from real rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from django.db import connection
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


@dataclass(frozen=True, slots=True)
class InterestState:
    """What a product page shows of 收藏 and 关注: the product's favourites and its shop's followers, counted from
    the rows, and whether the visitor keeps the one and follows the other."""

    favourites: int
    followers: int
    favourited: bool
    following: bool


def _interest_sql() -> str:
    favourite = connection.ops.quote_name(Favourite._meta.db_table)
    follow = connection.ops.quote_name(ShopFollow._meta.db_table)
    # Table names come from the models and every value is a parameter; a SELECT of scalar subqueries with no FROM
    # reads the same on SQLite and PostgreSQL.
    return (
        f"SELECT (SELECT COUNT(*) FROM {favourite} WHERE product_id = %s),"  # noqa: S608
        f" (SELECT COUNT(*) FROM {follow} WHERE merchant_id = %s),"
        f" (SELECT COUNT(*) FROM {favourite} WHERE product_id = %s AND user_id = %s),"
        f" (SELECT COUNT(*) FROM {follow} WHERE merchant_id = %s AND user_id = %s)"
    )


def interest_state(actor: Actor, product_id: int, merchant_id: int) -> InterestState:
    """The product's favourite count and its shop's follower count, and whether the actor favourited the one and
    follows the other (never, for an anonymous visitor): one statement whoever asks."""
    user = signed_in(actor)
    user_id = user.pk if user is not None else None
    with connection.cursor() as cursor:
        cursor.execute(_interest_sql(), [product_id, merchant_id, product_id, user_id, merchant_id, user_id])
        favourites, followers, mine, followed = cursor.fetchone()
    return InterestState(favourites=favourites, followers=followers, favourited=mine > 0, following=followed > 0)


def _counts_sql() -> str:
    favourite, follow, view = (
        connection.ops.quote_name(model._meta.db_table) for model in (Favourite, ShopFollow, ProductView)
    )
    return (
        f"SELECT (SELECT COUNT(*) FROM {favourite} WHERE user_id = %s),"  # noqa: S608
        f" (SELECT COUNT(*) FROM {follow} WHERE user_id = %s),"
        f" (SELECT COUNT(*) FROM {view} WHERE user_id = %s)"
    )


def interest_counts(actor: Actor) -> tuple[int, int, int]:
    """How many favourites, followed shops and products in the browsing history the member has (收藏 · 关注 · 足迹
    on the 我的 page): one statement. Raises NotAuthenticated."""
    check(actor, FAVOURITES_KEEP)
    user_id = user_of(actor).pk
    with connection.cursor() as cursor:
        cursor.execute(_counts_sql(), [user_id, user_id, user_id])
        favourites, follows, views = cursor.fetchone()
    return favourites, follows, views
