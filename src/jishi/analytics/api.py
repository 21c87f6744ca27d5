"""Dashboards API: the marketplace's figures for operators, a shop's own for its staff."""

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Schema

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.analytics import selectors
from jishi.analytics.permissions import PLATFORM_FIGURES, SHOP_FIGURES
from jishi.core.api import IsoDate, MoneyOut, Router, errors, money_out
from jishi.core.permissions import requires

router = Router(tags=["dashboards"], auth=SIGNED_IN)


class DayOut(Schema):
    day: dt.date | None
    gmv: MoneyOut
    orders: int
    paying_buyers: int
    average_order: MoneyOut | None
    visitors: int
    conversion: Decimal | None
    refunds: MoneyOut


class RankedOut(Schema):
    id: int
    name: str
    gmv: MoneyOut
    count: int


class FiguresOut(Schema):
    start: dt.date
    end: dt.date
    totals: DayOut
    days: list[DayOut]
    top_merchants: list[RankedOut]
    top_products: list[RankedOut]


def _day(figures: selectors.DayFigures) -> DayOut:
    aov = figures.average_order
    conversion = figures.conversion
    return DayOut(
        day=figures.day,
        gmv=money_out(figures.gmv),
        orders=figures.orders,
        paying_buyers=figures.buyers,
        average_order=money_out(aov) if aov else None,
        visitors=figures.visits,
        conversion=round(conversion, 4) if conversion is not None else None,
        refunds=money_out(figures.refunds),
    )


def figures_out(figures: selectors.Figures) -> FiguresOut:
    def ranked(rows: list[selectors.Ranked]) -> list[RankedOut]:
        return [RankedOut(id=r.id, name=r.name, gmv=money_out(r.gmv), count=r.count) for r in rows]

    return FiguresOut(
        start=figures.start,
        end=figures.end,
        totals=_day(figures.totals),
        days=[_day(d) for d in figures.days],
        top_merchants=ranked(figures.top_merchants),
        top_products=ranked(figures.top_products),
    )


@router.get("/operator/dashboard", response={200: FiguresOut, **errors(401, 403)})
@requires(PLATFORM_FIGURES)
def platform_dashboard(request: HttpRequest, start: IsoDate | None = None, end: IsoDate | None = None) -> FiguresOut:
    """GMV, orders, paying buyers, average order, visitors, conversion and refunds per day (default: 30 days)."""
    return figures_out(selectors.platform_figures(actor_of(request), *selectors.range_of(start, end)))


@router.get("/merchant/dashboard", response={200: FiguresOut, **errors(401, 403)})
@requires(SHOP_FIGURES)
def shop_dashboard(request: HttpRequest, start: IsoDate | None = None, end: IsoDate | None = None) -> FiguresOut:
    """The same figures for the signed-in staff member's shop, with its top products."""
    return figures_out(selectors.shop_figures(actor_of(request), *selectors.range_of(start, end)))
