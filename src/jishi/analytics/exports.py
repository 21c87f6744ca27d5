"""CSV and Excel exports of orders and ledger lines.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and,
in some programs, a tab or a carriage return) as a formula, so a buyer who
names themselves ``=HYPERLINK(...)`` could attack the merchant who opens the
export. Every text cell that starts so is neutralised with a leading
apostrophe; amounts are written as numbers, never as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import xlsxwriter
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from jishi.ledger.models import JournalLine
    from jishi.orders.models import Order


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | Decimal


def neutralise(value: Cell) -> Cell:
    """A text cell that a spreadsheet would run as a formula, made inert; numbers pass through."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def order_rows(orders: QuerySet[Order]) -> tuple[list[str], Iterator[list[Cell]]]:
    headers = [
        _("Order no."),
        _("Shop"),
        _("Status"),
        _("Items"),
        _("Goods"),
        _("Shipping"),
        _("Discount"),
        _("Total"),
        _("Currency"),
        _("Receiver"),
        _("City"),
        _("Placed"),
        _("Paid"),
    ]

    def rows() -> Iterator[list[Cell]]:
        for order in orders.select_related("merchant").prefetch_related("lines").iterator(chunk_size=500):
            yield [
                order.number,
                order.merchant.name,
                order.get_status_display(),
                "; ".join(f"{line.title} × {line.quantity}" for line in order.lines.all()),
                order.goods.amount,
                order.shipping.amount,
                order.discount.amount,
                order.total.amount,
                order.currency,
                order.receiver,
                f"{order.province}{order.city}",
                _when(order.placed_at),
                _when(order.paid_at),
            ]

    return headers, rows()


def ledger_rows(lines: QuerySet[JournalLine]) -> tuple[list[str], Iterator[list[Cell]]]:
    headers = [_("Entry"), _("Posted"), _("Kind"), _("Account"), _("Memo"), _("Amount"), _("Currency")]

    def rows() -> Iterator[list[Cell]]:
        for line in lines.select_related("entry", "account").iterator(chunk_size=500):
            yield [
                line.entry_id,
                _when(line.entry.posted_at),
                line.entry.get_kind_display(),
                line.account.get_kind_display(),
                line.entry.memo,
                line.natural_amount.amount,
                line.currency,
            ]

    return headers, rows()


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Cell]], *, sheet: str) -> bytes:
    buffer = io.BytesIO()
    # Strings are never turned into formulas or numbers behind our back.
    with xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    ) as book:
        worksheet = book.add_worksheet(sheet[:31])
        bold = book.add_format({"bold": True})
        money = book.add_format({"num_format": "#,##0.00"})
        worksheet.write_row(0, 0, headers, bold)
        for r, row in enumerate(rows, start=1):
            for c, cell in enumerate(row):
                if isinstance(cell, Decimal):
                    worksheet.write_number(r, c, cell, money)
                elif isinstance(cell, int):
                    worksheet.write_number(r, c, cell)
                else:
                    worksheet.write_string(r, c, str(neutralise(cell)))
        worksheet.freeze_panes(1, 0)
    return buffer.getvalue()
