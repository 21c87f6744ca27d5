"""The dashboards' figures per day, and the CSV and Excel exports."""

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jishi.analytics import charts, exports, selectors
from jishi.analytics.services import visit_record
from jishi.core.errors import InvalidInput
from jishi.core.money import Money
from jishi.ledger import services as ledger
from jishi.orders.models import Order
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tasks_recorded(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def _paid_order(buyer: Any, product: Any, quantity: int, days_ago: int) -> Order:
    factories.pay(factories.place(buyer, (factories.sku_of(product), quantity)))
    order = Order.objects.filter(buyer=buyer).latest("pk")
    when = timezone.now() - dt.timedelta(days=days_ago)
    Order.objects.filter(pk=order.pk).update(paid_at=when)
    return order


@pytest.fixture
def history(merchant_staff, other_merchant_staff, leaf_category, buyer, other_buyer):
    food = factories.product(merchant_staff, leaf_category, title="渴望猫粮", price="99.00", stock=50)
    toy = factories.product(other_merchant_staff, leaf_category, title="逗猫棒", price="10.00", stock=50)
    today = timezone.localdate()
    _paid_order(buyer, food, 2, days_ago=1)  # 198.00 yesterday
    _paid_order(other_buyer, food, 1, days_ago=1)  # 99.00 yesterday
    refunded = _paid_order(buyer, toy, 3, days_ago=0)  # 30.00 today
    ledger.refund_post(order=refunded, amount=Money(1000, "CNY"), reference="R1")
    for n in range(8):
        visit_record(visitor=f"{n:032x}", merchant_id=food.merchant_id if n < 2 else None)
    visit_record(visitor=f"{0:032x}")  # the same visitor again the same day counts once
    return today, food, toy


def test_figures_per_day_add_up_orders_buyers_visits_and_refunds(history, admin_operator):
    today, _food, _toy = history
    figures = selectors.platform_figures(admin_operator, today - dt.timedelta(days=6), today)
    by_day = {d.day: d for d in figures.days}
    assert len(figures.days) == 7
    yesterday = by_day[today - dt.timedelta(days=1)]
    assert (yesterday.gmv, yesterday.orders, yesterday.buyers) == (Money(29700, "CNY"), 2, 2)
    assert yesterday.average_order == Money(14850, "CNY")
    assert by_day[today].refunds == Money(1000, "CNY")
    assert by_day[today].visits == 8
    assert by_day[today].conversion == Decimal(1) / Decimal(8)
    assert figures.totals.gmv == Money(32700, "CNY")
    assert (figures.totals.orders, figures.totals.buyers, figures.totals.visits) == (3, 2, 8)
    assert [m.gmv for m in figures.top_merchants] == [Money(29700, "CNY"), Money(3000, "CNY")]
    assert [(p.name, p.count) for p in figures.top_products] == [("渴望猫粮", 3), ("逗猫棒", 3)]


def test_a_shop_sees_only_its_own_figures(history, merchant_staff):
    today, food, _toy = history
    figures = selectors.shop_figures(merchant_staff, today - dt.timedelta(days=6), today)
    assert figures.totals.gmv == Money(29700, "CNY")
    assert figures.totals.visits == 2
    assert figures.top_merchants == []
    assert [p.id for p in figures.top_products] == [food.pk]


def test_a_year_costs_as_many_queries_as_a_week(history, admin_operator):
    today = timezone.localdate()
    counts = []
    for days in (7, 366):
        with CaptureQueriesContext(connection) as queries:
            selectors.platform_figures(admin_operator, today - dt.timedelta(days=days - 1), today)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_backwards_or_too_long_range_is_refused(api, admin_operator):
    today = timezone.localdate()
    with pytest.raises(InvalidInput):
        selectors.platform_figures(admin_operator, today, today - dt.timedelta(days=1))
    response = api("get", "/operator/dashboard?start=2020-01-01&end=2026-01-01", user=admin_operator)
    assert response.status_code == 422
    assert response.json()["code"] == "analytics.bad_range"


def test_the_dashboard_api_and_pages_show_the_figures(api, client, history, admin_operator, merchant_staff):
    body = api("get", "/operator/dashboard", user=admin_operator).json()
    assert body["totals"]["gmv"] == {"amount": "327.00", "currency": "CNY"}
    assert body["totals"]["conversion"] == "0.2500"
    client.force_login(admin_operator)
    page = client.get(reverse("operator:dashboard")).content.decode()
    assert "<svg" in page
    assert "¥327.00" in page
    client.force_login(merchant_staff)
    page = client.get(reverse("merchant:dashboard")).content.decode()
    assert "¥297.00" in page
    assert "逗猫棒" not in page


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("王小明", "王小明"),
        (Decimal("-12.50"), Decimal("-12.50")),
        (7, 7),
    ],
)
def test_cells_that_would_run_as_formulas_are_neutralised(cell, safe):
    assert exports.neutralise(cell) == safe


def test_order_exports_neutralise_hostile_text_in_csv_and_excel(client, merchant_staff, leaf_category):
    product = factories.product(merchant_staff, leaf_category, title="猫砂", price="20.00", stock=5)
    buyer = factories.user()
    address = factories.address(buyer, receiver="=cmd|' /C calc'!A0")
    factories.pay(factories.place(buyer, (factories.sku_of(product), 1), address_id=address.pk))
    client.force_login(merchant_staff)

    response = client.get(reverse("merchant:export_orders", args=["csv"]))
    assert response["Content-Disposition"].startswith('attachment; filename="orders-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][9] == "'=cmd|' /C calc'!A0"  # the receiver
    assert rows[1][4] == "20.00"  # goods: a number, not text

    response = client.get(reverse("merchant:export_orders", args=["xlsx"]))
    with zipfile.ZipFile(io.BytesIO(response.content)) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "'=cmd|' /C calc'!A0" in strings.replace("&apos;", "'")
    assert "<f>" not in sheet  # no formula anywhere


def test_an_unknown_export_format_is_404(client, merchant_staff):
    client.force_login(merchant_staff)
    assert client.get("/merchant/export/orders.pdf").status_code == 404


def test_ledger_exports_are_for_finance_only(client, merchant_staff, finance, buyer):
    client.force_login(buyer)
    assert client.get(reverse("merchant:export_ledger", args=["csv"])).status_code == 403
    assert client.get(reverse("operator:export_ledger", args=["csv"])).status_code == 403
    client.force_login(finance)
    assert client.get(reverse("operator:export_ledger", args=["xlsx"])).status_code == 200
    client.force_login(merchant_staff)
    assert client.get(reverse("merchant:export_ledger", args=["csv"])).status_code == 200


@pytest.mark.parametrize(
    ("value", "top"), [(0, 2), (1, 2), (3, 4), (5, 6), (11, 20), (95, 100), (101, 200), (29700, 40000)]
)
def test_chart_axes_end_on_round_numbers_with_a_whole_middle_tick(value, top):
    assert charts.nice_ceiling(value) == top
    assert charts.nice_ceiling(0, least=10_000) == 10_000


def test_a_chart_lays_out_one_bar_per_day_inside_its_box():
    chart = charts.chart("GMV", ["11-01", "11-02", "11-03"], [0, 5, 10])
    assert len(chart.bars) == 3
    assert chart.bars[0].height == 0
    assert chart.bars[2].y == charts.PAD_TOP + (chart.baseline - charts.PAD_TOP) * (1 - 10 / 10)
    assert [t.label for t in chart.y_ticks] == ["0", "5", "10"]
    assert all(charts.PAD_LEFT <= bar.x <= chart.width for bar in chart.bars)
