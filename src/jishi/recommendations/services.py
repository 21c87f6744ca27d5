"""Writes of the recommendations domain: the nightly rebuild of the neighbour and best-seller tables.

The history is read and the similarities computed first; the tables are then replaced in one transaction, so a
reader sees either last night's tables or tonight's, never a mix. Running it twice on the same history writes
the same rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from jishi.favourites.selectors import interactions
from jishi.orders.selectors import paid_purchases
from jishi.recommendations import engine
from jishi.recommendations.models import Popular, Similar, SimilarKind

# The history the neighbours are learnt from, and the window the best sellers are counted in.
HISTORY_DAYS = 365
POPULAR_DAYS = 30
# Best sellers kept: enough to fill a list after the sold-out and unpublished ones are left out.
POPULAR_KEPT = 200


@dataclass(frozen=True)
class Refreshed:
    bought: int  # 买了又买 rows
    viewed: int  # 看了又看 rows
    popular: int


@dataclass(frozen=True)
class _Tables:
    bought: engine.Neighbourhood
    viewed: engine.Neighbourhood
    popular: list[tuple[int, int]]


def _learn(now: dt.datetime) -> _Tables:
    purchases = list(paid_purchases(since=now - dt.timedelta(days=HISTORY_DAYS)))
    bought = engine.strongest((buyer_id, product_id, "order") for buyer_id, product_id, _, _ in purchases)
    signals = engine.strongest(
        [
            *((buyer_id, product_id, "order") for buyer_id, product_id, _, _ in purchases),
            *interactions(now - dt.timedelta(days=HISTORY_DAYS)),
        ]
    )
    recent = now - dt.timedelta(days=POPULAR_DAYS)
    units = engine.units_by_product(
        (product_id, quantity)
        for _, product_id, quantity, paid_at in purchases
        if paid_at is not None and paid_at >= recent
    )
    return _Tables(
        bought=engine.nearest(bought),
        viewed=engine.nearest(signals),
        popular=engine.best_sellers(units, most=POPULAR_KEPT),
    )


def _rows(kind: str, neighbours: engine.Neighbourhood) -> list[Similar]:
    return [
        Similar(product_id=product_id, other_id=other, kind=kind, score=score)
        for product_id, others in sorted(neighbours.items())
        for other, score in others
    ]


def recommendations_refresh(*, now: dt.datetime | None = None) -> Refreshed:
    """Rebuild 买了又买 (co-purchases of the last year), 看了又看 (purchases, favourites and views of the last year)
    and the best sellers (units paid for in the last 30 days) from the real history, replacing the tables in one
    transaction. Idempotent on an unchanged history. A system job: no actor."""
    tables = _learn(now or timezone.now())
    bought, viewed = _rows(SimilarKind.BOUGHT, tables.bought), _rows(SimilarKind.VIEWED, tables.viewed)
    popular = [
        Popular(product_id=product_id, units=units, rank=rank)
        for rank, (product_id, units) in enumerate(tables.popular, start=1)
    ]
    with transaction.atomic():
        Similar.objects.all().delete()
        Popular.objects.all().delete()
        Similar.objects.bulk_create([*bought, *viewed], batch_size=1000)
        Popular.objects.bulk_create(popular, batch_size=1000)
    return Refreshed(bought=len(bought), viewed=len(viewed), popular=len(popular))
