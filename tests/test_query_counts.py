"""Query budgets of the hot paths: pinned, and the same for one row as for many.

Each test measures a list endpoint or a hot page with a few rows, adds
more rows, and measures again: the count must not move (no query per
row), and it must equal the number pinned here, so a change that adds a
query shows up as a failing test and a deliberate diff. Caches are
cleared before each measurement, so the numbers are those of a cold
request; placement is pinned for one SKU and for three, since its guarded
stock UPDATE runs once per SKU by design (CONVENTIONS §4).
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from jishi.accounts import services as accounts
from jishi.core.masking import id_number_check_character
from jishi.orders.models import Order
from jishi.policies.selectors import platform_settings
from tests import factories

pytestmark = pytest.mark.django_db
_ID_NUMBERS = (
    f"{first}{id_number_check_character(first)}" for first in (f"11010519900101{n:03d}" for n in range(1000))
)


def _count(request: Callable[[], Any]) -> int:
    request()  # once before: a token's once-a-minute touch and a session's first save are not the page's cost
    cache.clear()
    # The platform settings are one cached key that every request shares (policies.selectors): warm in production,
    # so a page is not charged for reading them.
    platform_settings()
    with CaptureQueriesContext(connection) as captured:
        answer = request()
    assert answer.status_code == 200, getattr(answer, "content", b"")[:300]
    return len(captured.captured_queries)


def _same_for_more_rows(request: Callable[[], Any], add_rows: Callable[[], None]) -> int:
    """The count for the rows there are, which must not change when ``add_rows`` adds more."""
    few = _count(request)
    add_rows()
    many = _count(request)
    assert many == few, f"{few} queries with few rows, {many} with more: a query per row"
    return few


def _bearer(user: Any) -> dict[str, str]:
    _, secret = accounts.token_create(user=user)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def catalogue(merchant_staff: Any, leaf_category: Any) -> Callable[[int], list[Any]]:
    def add(count: int) -> list[Any]:
        return [
            factories.product(merchant_staff, leaf_category, title=f"冻干猫粮 {index}号", price="39.00", stock=9)
            for index in range(count)
        ]

    return add


# The storefront --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "pinned"),
    [
        ("/api/v1/products?page_size=20", 5),
        ("/api/v1/products?q=猫粮&page_size=20", 6),
        # the pages' cards read the running promotions (3 queries) once per BADGES_SECONDS and the group buys (1)
        # once per LIVE_SECONDS, here with a cold cache
        # the newest and the best sellers share one count; the running flash sale is one more
        ("/", 13),
        # a keyword search is logged (one insert) for hot and recent searches
        ("/search/?q=猫粮", 13),
    ],
)
def test_the_listing_and_search_cost_the_same_for_two_products_as_for_eight(client, catalogue, path, pinned):
    # given two products
    catalogue(2)
    # when / then
    assert _same_for_more_rows(lambda: client.get(path), lambda: catalogue(6)) == pinned


# the product page reads its limited prices, flash sale, 满减 and coupons to claim: 4 queries; and, with a cold
# cache, the products with a running 拼团 (1 query, kept LIVE_SECONDS): a product without one reads no more.
# The page (not the API) adds 4: the favourite and follower counts (1), the SKUs' 会员价 (1), the 看了又看 and
# 买了又买 neighbours with the best sellers (1, one UNION for both rows; their cards are 1 more when there are any),
# and the reviews' figures (1; the first reviews and their photos are 2 more when there are any)
@pytest.mark.parametrize(("path", "pinned"), [("/api/v1/products/{id}", 5), ("/p/{id}/", 16)])
def test_a_product_page_costs_the_same_whatever_its_gallery_and_skus(
    client, merchant_staff, leaf_category, path, pinned
):
    # given a product with one SKU, and one with three options
    plain = factories.product(merchant_staff, leaf_category, title="猫砂 10L")
    options = [factories.catalog.OptionInput(name="口味", values=["鸡肉", "鱼肉", "牛肉"])]
    skus = [
        factories.catalog.SkuInput(price=factories.Money.parse("25.00", "CNY"), stock=5, options={"口味": taste})
        for taste in ["鸡肉", "鱼肉", "牛肉"]
    ]
    rich = factories.product(merchant_staff, leaf_category, title="冻干 三种口味", options=options, skus=skus)
    # when
    plain_count = _count(lambda: client.get(path.format(id=plain.pk)))
    rich_count = _count(lambda: client.get(path.format(id=rich.pk)))
    # then: options cost one query for all of them (their values), never one per SKU
    assert (plain_count, rich_count) == (pinned, pinned + 1)


def test_a_product_page_reads_its_promotions_from_the_cache_but_its_flash_sale_live(
    client, merchant_staff, leaf_category
):
    product = factories.product(merchant_staff, leaf_category, title="猫砂 10L")
    client.get(f"/p/{product.pk}/")
    with CaptureQueriesContext(connection) as warm:
        client.get(f"/p/{product.pk}/")
    read = [query["sql"].split(" FROM ", 1)[-1].split()[0] for query in warm.captured_queries]
    # the limited prices, the shop's 满减 and the coupons to claim come from the shared cache once read
    for cached in ("promotions_limitedprice", "promotions_thresholdpromotion", "promotions_coupontemplate"):
        assert f'"{cached}"' not in read
    assert read.count('"promotions_flashitem"') == 1  # what is left of a flash sale moves by the second


# Buying ----------------------------------------------------------------------------------------


def test_the_cart_and_the_quote_cost_the_same_for_one_line_as_for_four(client, buyer, catalogue):
    # given a cart of one line and an address
    products = catalogue(4)
    factories.in_cart(buyer, (factories.sku_of(products[0]), 1))
    address = factories.address(buyer, is_default=True)
    headers = _bearer(buyer)

    def more_lines() -> None:
        factories.in_cart(buyer, *[(factories.sku_of(p), 1) for p in products[1:]])

    def cart() -> Any:
        return client.get("/api/v1/cart", headers=headers)

    def quote() -> Any:
        body = {"address_id": address.pk}
        return client.post("/api/v1/checkout/quote", body, content_type="application/json", headers=headers)

    # when / then: the quote reads the promotions running (limited prices, 满减), the buyer's coupons, the points
    # rules and the buyer's points
    assert (_count(cart), _count(quote)) == (2, 9)
    more_lines()
    assert (_count(cart), _count(quote)) == (2, 9)


_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")


def _statements(captured: CaptureQueriesContext) -> int:
    """SQL statements but BEGIN/COMMIT (in a test, the outermost atomic is a SAVEPOINT instead)."""
    return sum(1 for query in captured.captured_queries if query["sql"].split()[0] not in _TRANSACTION_CONTROL)


@pytest.mark.parametrize(("extra_skus", "pinned"), [(0, 17), (2, 19)])
def test_placing_costs_a_pinned_number_of_statements(client, buyer, catalogue, extra_skus, pinned):
    # given a quoted cart, with an Idempotency-Key as clients send it
    products = catalogue(1 + extra_skus)
    factories.in_cart(buyer, *[(factories.sku_of(product), 1) for product in products])
    address = factories.address(buyer, is_default=True)
    headers = _bearer(buyer)
    quote = client.post(
        "/api/v1/checkout/quote", {"address_id": address.pk}, content_type="application/json", headers=headers
    ).json()
    body = {"address_id": address.pk, "fingerprint": quote["fingerprint"]}
    # when (the token was touched by the quote)
    cache.clear()
    platform_settings()  # one cached key every request shares: warm in production
    with CaptureQueriesContext(connection) as captured:
        placed = client.post(
            "/api/v1/checkout/place",
            body,
            content_type="application/json",
            headers={**headers, "Idempotency-Key": "place-0001"},
        )
    # then 17 (13, the quote's three reads of promotions and coupons, and the buyer's points and tier, which
    # member prices and free shipping need), and BEGIN and COMMIT make 19 (issue 17's budget with promotions is
    # 30), and one more per SKU:
    # its guarded stock UPDATE
    assert placed.status_code == 201, placed.json()
    assert _statements(captured) == pinned


def test_starting_a_payment_costs_a_pinned_number_of_statements(client, buyer, catalogue):
    # given a placed checkout
    intent = factories.place(buyer, (factories.sku_of(catalogue(1)[0]), 1)).intent
    headers = _bearer(buyer)
    client.get("/api/v1/orders", headers=headers)  # the token's once-a-minute touch is not the payment's cost
    # when the buyer starts paying it on the sandbox gateway
    with CaptureQueriesContext(connection) as captured:
        started = client.post(
            f"/api/v1/payments/{intent.number}/start",
            {"gateway": "sandbox"},
            content_type="application/json",
            headers=headers,
        )
    # then 7: the token, the intent read and marked started, the attempt, the sandbox's own trade (a real gateway
    # is an HTTP call instead: 2 statements fewer) and the check that the intent is still open
    assert started.status_code == 200, started.json()
    assert _statements(captured) == 7, "\n".join(q["sql"][:90] for q in captured.captured_queries)


@pytest.mark.parametrize(("extra_skus", "pinned"), [(0, 20), (2, 24)])
def test_a_payment_notification_costs_a_pinned_number_of_statements(
    client, buyer, catalogue, django_capture_on_commit_callbacks, extra_skus, pinned
):
    # given a checkout paid on the sandbox, after an earlier one (the ledger's accounts exist, as they do in a market)
    from jishi.payments import sandbox
    from jishi.payments import services as payments
    from jishi.payments.gateways.sandbox import notification_params
    from jishi.payments.models import SandboxTrade

    products = catalogue(1 + extra_skus)
    factories.pay(factories.place(buyer, (factories.sku_of(products[0]), 1)))
    intent = factories.place(buyer, *[(factories.sku_of(product), 1) for product in products]).intent
    payments.payment_start(
        actor=buyer, intent_number=intent.number, gateway_code="sandbox", notify_url="http://testserver/", return_url=""
    )
    trade = SandboxTrade.objects.get(out_trade_no=intent.number)
    sandbox.trade_pay(trade_no=trade.trade_no)
    trade.refresh_from_db()
    # when its notification arrives (the delivery task is enqueued after commit: counted too)
    with CaptureQueriesContext(connection) as captured, django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/api/v1/payments/notify/sandbox",
            data=urlencode(notification_params(trade)),
            content_type="application/x-www-form-urlencoded",
        )
    # then 20 statements for one SKU, the test's SAVEPOINT and RELEASE standing for BEGIN and COMMIT (one of them
    # pets' look for a pet among the paid lines); each further SKU adds its guarded stock UPDATE and its product's
    # sales count
    assert answer.content == b"success"
    assert Order.objects.filter(status="paid").count() == 2
    assert len(captured.captured_queries) == pinned, "\n".join(q["sql"][:90] for q in captured.captured_queries)


def _orders(buyer: Any, product: Any, count: int) -> None:
    for _ in range(count):
        factories.place(buyer, (factories.sku_of(product), 1))


@pytest.mark.parametrize(
    ("who", "path", "pinned"),
    [
        ("buyer", "/api/v1/orders", 4),
        ("buyer", "/orders/", 7),
        ("merchant_staff", "/api/v1/merchant/orders?status=pending_payment", 4),
        ("merchant_staff", "/merchant/orders/?status=pending_payment", 6),  # the centre has no cart badge
    ],
)
def test_order_lists_cost_the_same_for_one_order_as_for_five(request, client, buyer, catalogue, who, path, pinned):
    # given one order of the buyer's at the merchant
    product = catalogue(1)[0]
    _orders(buyer, product, 1)
    viewer = request.getfixturevalue(who)
    if path.startswith("/api/"):
        headers = _bearer(viewer)

        def fetch() -> Any:
            return client.get(path, headers=headers)
    else:
        page = Client()
        page.force_login(viewer)

        def fetch() -> Any:
            return page.get(path)

    # when / then
    assert _same_for_more_rows(fetch, lambda: _orders(buyer, product, 4)) == pinned
    assert Order.objects.count() == 5


# The console ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "pinned"),
    [
        ("/api/v1/operator/products", 8),
        ("/operator/products/", 7),  # the console has no cart badge; one read finds the pet listings among them
        ("/api/v1/operator/kyc", 3),
        ("/operator/kyc/", 5),
    ],
)
def test_the_consoles_review_queues_cost_the_same_for_one_item_as_for_four(
    client, admin_operator, merchant_staff, leaf_category, path, pinned
):
    # given one item in each queue
    def queue(count: int) -> None:  # products sent for review and real-name submissions
        for _ in range(count):
            factories.product(merchant_staff, leaf_category, publish=False)
            accounts.kyc_submit(actor=factories.user(), real_name="张三", id_number=next(_ID_NUMBERS))
        for product in merchant_staff.membership.merchant.products.filter(status="draft"):
            factories.catalog.product_submit(actor=merchant_staff, product_id=product.pk)

    queue(1)
    if path.startswith("/api/"):
        headers = _bearer(admin_operator)

        def fetch() -> Any:
            return client.get(path, headers=headers)
    else:
        page = Client()
        page.force_login(admin_operator)

        def fetch() -> Any:
            return page.get(path)

    # when / then
    assert _same_for_more_rows(fetch, lambda: queue(3)) == pinned
