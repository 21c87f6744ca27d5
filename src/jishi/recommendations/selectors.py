"""Reads of the recommendations domain: 买了又买, 看了又看 and 为你推荐, each topped up with the best sellers.

Only products a buyer can order now are ever shown — published by an open shop, with units in stock — and
never the product asked about. Each list is two statements whatever its length: the neighbours and best sellers
together (one UNION), then their cards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import FloatField, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast
from django.utils import timezone

from jishi.catalog.selectors import ProductCard, product_cards, published_products
from jishi.favourites.selectors import favourited_since, viewed_since
from jishi.inventory.selectors import product_in_stock_expression
from jishi.orders.selectors import products_bought_by
from jishi.recommendations.models import Popular, Similar, SimilarKind

# A member's "recent" products, whose neighbours make their 为你推荐.
RECENT_DAYS = 90
NEIGHBOUR, BEST_SELLER = 0, 1


def _on_sale() -> QuerySet[Any]:
    """The products a buyer can order now (a subquery of ids)."""
    return published_products().filter(product_in_stock_expression()).values("pk")


def _popular(*, exclude: Q | None = None) -> QuerySet[Any]:
    best = Popular.objects.filter(product_id__in=_on_sale())
    return (best if exclude is None else best.exclude(exclude)).values_list(
        "product_id", Cast("rank", FloatField()), Value(BEST_SELLER, IntegerField())
    )


def _ordered(rows: Iterable[tuple[int, float, int]], *, leave_out: set[int], limit: int) -> list[int]:
    """Neighbours by score (highest first), then best sellers by rank, without repeats, ties by product id."""
    ranked = sorted(rows, key=lambda row: (row[2], -row[1] if row[2] == NEIGHBOUR else row[1], row[0]))
    chosen: list[int] = []
    seen = set(leave_out)
    for product_id, _, _ in ranked:
        if product_id not in seen:
            seen.add(product_id)
            chosen.append(product_id)
            if len(chosen) == limit:
                break
    return chosen


def _similar(product_id: int, kind: str, limit: int) -> list[ProductCard]:
    neighbours = Similar.objects.filter(product_id=product_id, kind=kind, other_id__in=_on_sale()).values_list(
        "other_id", "score", Value(NEIGHBOUR, IntegerField())
    )
    rows = neighbours.union(_popular(exclude=Q(product_id=product_id)), all=True)
    return product_cards(_ordered(rows, leave_out={product_id}, limit=limit))


def also_bought(product_id: int, limit: int = 12) -> list[ProductCard]:
    """买了又买: what buyers of this product also bought, most alike first, topped up with the best sellers; only
    products on sale, never this one. Two queries."""
    return _similar(product_id, SimilarKind.BOUGHT, limit)


def also_viewed(product_id: int, limit: int = 12) -> list[ProductCard]:
    """看了又看: what members who looked at (favourited, bought) this product also looked at, most alike first,
    topped up with the best sellers; only products on sale, never this one. Two queries."""
    return _similar(product_id, SimilarKind.VIEWED, limit)


def for_member(user_id: int, limit: int = 12, *, now: dt.datetime | None = None) -> list[ProductCard]:
    """为你推荐: products scored by the sum of their similarity (看了又看) to what the member viewed, favourited or
    bought in the last 90 days, the highest first, topped up with the best sellers (all of them for a new member);
    never what the member already bought, only products on sale. Two queries."""
    since = (now or timezone.now()) - dt.timedelta(days=RECENT_DAYS)
    recent = (
        Q(product_id__in=viewed_since(user_id, since))
        | Q(product_id__in=favourited_since(user_id, since))
        | Q(product_id__in=products_bought_by(user_id, since=since))
    )
    bought = Q(product_id__in=products_bought_by(user_id))
    neighbours = (
        Similar.objects.filter(recent, kind=SimilarKind.VIEWED, other_id__in=_on_sale())
        .exclude(other_id__in=products_bought_by(user_id))
        .values("other_id")
        .annotate(total=Sum("score"))
        .values_list("other_id", "total", Value(NEIGHBOUR, IntegerField()))
        .order_by()
    )
    rows = neighbours.union(_popular(exclude=bought), all=True)
    return product_cards(_ordered(rows, leave_out=set(), limit=limit))


def popular(limit: int = 12) -> list[ProductCard]:
    """The best sellers of the last 30 days on sale now, the most units first. Two queries."""
    return product_cards(_ordered(_popular(), leave_out=set(), limit=limit))


def neighbour_scores(product_id: int, kind: str) -> list[tuple[int, float]]:
    """(other_id, score) of the product's stored neighbours of ``kind``, the most alike first (for tests and the
    operators' checks), whether on sale or not."""
    return list(
        Similar.objects.filter(product_id=product_id, kind=kind)
        .order_by("-score", "other_id")
        .values_list("other_id", "score")
    )


def beside_product(product_id: int, limit: int = 12) -> tuple[list[ProductCard], list[ProductCard]]:
    """看了又看 and 买了又买 beside a product together, each as :func:`also_viewed` and :func:`also_bought` answer
    it (only products on sale, never this one, topped up with the best sellers): two queries for both lists, the
    neighbours of both kinds and the best sellers in one UNION, then all their cards."""
    kinds = (SimilarKind.VIEWED, SimilarKind.BOUGHT)
    neighbours = Similar.objects.filter(product_id=product_id, kind__in=kinds, other_id__in=_on_sale()).values_list(
        "other_id", "score", Value(NEIGHBOUR, IntegerField()), "kind"
    )
    best = (
        Popular.objects.filter(product_id__in=_on_sale())
        .exclude(product_id=product_id)
        .values_list("product_id", Cast("rank", FloatField()), Value(BEST_SELLER, IntegerField()), Value(""))
    )
    rows = list(neighbours.union(best, all=True))
    lists = [
        _ordered(
            [(row[0], row[1], row[2]) for row in rows if row[3] in (kind, "")], leave_out={product_id}, limit=limit
        )
        for kind in kinds
    ]
    cards = {card.pk: card for card in product_cards(list(dict.fromkeys(lists[0] + lists[1])))}
    viewed, bought = ([cards[pk] for pk in chosen if pk in cards] for chosen in lists)
    return viewed, bought
