"""What the two dashboards and the exports share: the range form, the charts, the download response.

Which rows an export holds is the analytics selectors' business; this module only renders them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from jishi.analytics import charts, exports
from jishi.analytics.selectors import Figures, lines_posted_between, orders_placed_between, range_of
from jishi.core.errors import InvalidInput
from jishi.core.money import Money
from jishi.web.forms import RangeForm
from jishi.web.templatetags.jishi import display_locale

if TYPE_CHECKING:
    from jishi.ledger.models import JournalLine
    from jishi.orders.models import Order

YUAN_100 = 10_000  # the lowest top of a money chart's axis, in fen, so an empty chart still reads ¥0 / ¥50 / ¥100
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def requested_range(request: HttpRequest) -> tuple[RangeForm, dt.date, dt.date]:
    """The range in the query string (default: the last 30 days); a bad one is shown on the form."""
    start, end = range_of()
    form = RangeForm(request.GET or None, initial={"start": start, "end": end})
    if form.is_bound and form.is_valid():
        start, end = range_of(form.cleaned_data["start"], form.cleaned_data["end"])
    return form, start, end


def dashboard_context(request: HttpRequest, figures_of: Any) -> dict[str, Any]:
    """Figures for the requested range, with their charts; a range the selector refuses is a form error."""
    form, start, end = requested_range(request)
    try:
        figures: Figures | None = figures_of(start, end)
    except InvalidInput as error:
        form.add_error("end", error.message)
        figures = None
    context: dict[str, Any] = {"range_form": form, "figures": figures, "start": start, "end": end}
    if figures is None:
        return context
    labels = [d.day.strftime("%m-%d") for d in figures.days if d.day]
    locale = display_locale()

    def yuan(minor: int) -> str:
        return Money(minor, figures.totals.gmv.currency).format(locale, whole=True)

    context["charts"] = [
        charts.chart(_("GMV per day"), labels, [d.gmv.minor for d in figures.days], fmt=yuan, least=YUAN_100),
        charts.chart(_("Orders per day"), labels, [d.orders for d in figures.days]),
        charts.chart(_("Visitors per day"), labels, [d.visits for d in figures.days], kind="line"),
        charts.chart(_("Refunds per day"), labels, [d.refunds.minor for d in figures.days], fmt=yuan, least=YUAN_100),
    ]
    return context


def orders_download(request: HttpRequest, orders: QuerySet[Order], fmt: str) -> HttpResponse:
    """The orders placed in the requested range, as a CSV or Excel attachment."""
    _form, start, end = requested_range(request)
    return download(*exports.order_rows(orders_placed_between(orders, start, end)), fmt, "orders")


def ledger_download(request: HttpRequest, lines: QuerySet[JournalLine], fmt: str) -> HttpResponse:
    """The journal lines posted in the requested range, as a CSV or Excel attachment."""
    _form, start, end = requested_range(request)
    return download(*exports.ledger_rows(lines_posted_between(lines, start, end)), fmt, "ledger")


def download(headers: Sequence[str], rows: Iterable[Sequence[exports.Cell]], fmt: str, name: str) -> HttpResponse:
    """The rows as a CSV or Excel attachment named ``name-YYYYMMDD.ext``; another format is 404."""
    if fmt not in FORMATS:
        raise Http404
    body = exports.to_xlsx(headers, rows, sheet=name) if fmt == "xlsx" else exports.to_csv(headers, rows)
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y%m%d}.{fmt}"'
    return response
