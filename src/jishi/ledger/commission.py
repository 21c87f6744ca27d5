"""Which commission rate applies to an order line, and how much commission an order owes."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from jishi.catalog.selectors import path_ids
from jishi.core.money import Money
from jishi.ledger.models import CommissionRule
from jishi.policies.selectors import platform_settings


def default_rate() -> Decimal:
    """The commission where no rule applies: the platform settings' (policies), the environment's until saved."""
    return platform_settings().commission_rate


def rules_for(merchant_ids: Iterable[int], category_ids: Iterable[int], days: set[dt.date]) -> list[CommissionRule]:
    """The rules in force on any of ``days`` that could apply to these merchants' goods in these categories."""
    in_force = Q(starts_on__lte=max(days)) & (Q(ends_on__isnull=True) | Q(ends_on__gte=min(days)))
    scope = Q(merchant_id__in=set(merchant_ids)) | Q(merchant__isnull=True, category_id__in=set(category_ids))
    return list(CommissionRule.objects.filter(in_force & scope).order_by("-starts_on", "-id"))


def rate_for(rules: list[CommissionRule], merchant_id: int, ancestor_ids: list[int], day: dt.date) -> Decimal:
    """The rate on ``day``: of the rules in force, the most specific — merchant + category, then merchant, then
    the deepest category.

    ``ancestor_ids`` runs from the root down to the line's own category; a
    rule on a category covers everything below it. Among equally specific
    rules the newest wins.
    """
    depth = {category_id: level for level, category_id in enumerate(ancestor_ids)}
    best: tuple[int, int, CommissionRule] | None = None
    for rule in rules:
        if rule.starts_on > day or (rule.ends_on is not None and rule.ends_on < day):
            continue
        if rule.merchant_id not in (None, merchant_id):
            continue
        if rule.category_id is not None and rule.category_id not in depth:
            continue
        rank = (1 if rule.merchant_id else 0, depth[rule.category_id] if rule.category_id else -1)
        if best is None or rank > best[:2]:
            best = (*rank, rule)
    return best[2].rate if best else default_rate()


def orders_commission(orders: list[Any]) -> list[Money]:
    """The commission each order owes on its goods (not its shipping), rounded once per line, on the day it was paid.

    The merchant's own discounts reduce the commission base; the platform's
    do not (a line pays on what the buyer paid for it plus the platform's
    subsidy of it). The orders' lines must be loaded with their ``category_path``
    (``orders_of_checkout_with_lines``); the rules are read in one query.
    """
    paths = {line.pk: path_ids(line.category_path) for order in orders for line in order.lines.all()}
    days = {order.id: timezone.localdate(order.paid_at or order.placed_at) for order in orders}  # dated in Shanghai
    rules = rules_for(
        {order.merchant_id for order in orders}, {cid for ids in paths.values() for cid in ids}, set(days.values())
    )
    return [
        Money.total(
            (
                Money(line.total_minor + line.subsidy_minor, order.currency).apply_rate(
                    rate_for(rules, order.merchant_id, paths[line.pk], days[order.id])
                )
                for line in order.lines.all()
            ),
            order.currency,
        )
        for order in orders
    ]
