"""What the storefront's read caches may and may not hold back.

A product's detail is kept in the shared cache, but whether it is published
and how many units each SKU has are read live, and a merchant's change
drops it at once. A filter set's count and facets are served stale while a
task recounts them, so no buyer waits for a recount.
"""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from jishi.catalog import services as catalog
from jishi.core.money import Money
from jishi.inventory import services as inventory
from jishi.search import services as search
from jishi.search.tasks import search_summary_refresh
from tests import factories
from tests.conftest import image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(merchant_staff, leaf_category):
    return factories.product(merchant_staff, leaf_category, title="冻干猫粮 1kg", price="39.00", stock=9)


def _detail(api, product):
    response = api("get", f"/products/{product.pk}")
    return response.status_code, response.json()


def test_a_second_read_of_a_detail_costs_one_query(api, product):
    # given the detail read once
    _detail(api, product)
    # when it is read again
    with CaptureQueriesContext(connection) as queries:
        status, body = _detail(api, product)
    # then only whether it is published and its units were read
    assert status == 200
    assert len(queries) == 1
    assert body["title"] == "冻干猫粮 1kg"
    assert body["skus"][0]["available"] == 9


def test_a_listing_whose_count_is_cached_costs_two_queries(api, product):
    # given the listing read once
    api("get", "/products", data={"q": "猫粮"})
    # when it is read again
    with CaptureQueriesContext(connection) as queries:
        body = api("get", "/products", data={"q": "猫粮"}).json()
    # then the page's ids were found and its cards read, nothing counted
    assert len(queries) == 2
    assert [item["title"] for item in body["items"]] == ["冻干猫粮 1kg"]
    assert body["items"][0]["in_stock"] is True


@pytest.mark.parametrize("params", [{"q": "手机"}, {"q": "猫粮", "page": 2}])
def test_a_search_whose_cached_count_says_the_page_is_empty_reads_nothing(api, product, params):
    # given a search that matches nothing, or a page past the last, read once
    api("get", "/products", data=params)
    # when it is read again
    with CaptureQueriesContext(connection) as queries:
        body = api("get", "/products", data=params).json()
    # then the cached count answered it alone
    assert len(queries) == 0
    assert body["items"] == []


def test_a_price_change_and_a_stock_change_show_on_a_cached_detail_at_once(
    api, merchant_staff, product, django_capture_on_commit_callbacks
):
    # given a cached detail
    _detail(api, product)
    sku = factories.sku_of(product)
    # when the merchant changes the price (the cached detail is dropped once that commits), and then the stock
    with django_capture_on_commit_callbacks(execute=True):
        catalog.sku_update(actor=merchant_staff, sku_id=sku.pk, price=Money.parse("35.00", "CNY"))
    priced = _detail(api, product)[1]
    inventory.stock_set(actor=merchant_staff, sku_id=sku.pk, quantity=4)
    stocked = _detail(api, product)[1]
    # then each shows on the next read
    assert priced["price_from"]["amount"] == priced["skus"][0]["price"]["amount"] == "35.00"
    assert stocked["skus"][0]["available"] == 4


def test_an_unlisted_product_is_gone_from_a_cached_detail_at_once(api, merchant_staff, product):
    # given a cached detail
    assert _detail(api, product)[0] == 200
    # when the merchant takes it down
    catalog.product_unlist(actor=merchant_staff, product_id=product.pk)
    # then buyers no longer see it
    assert _detail(api, product)[0] == 404


def test_a_new_image_shows_on_a_cached_detail_at_once(api, merchant_staff, product, django_capture_on_commit_callbacks):
    # given a cached detail without images
    assert _detail(api, product)[1]["images"] == []
    # when the merchant adds one
    with django_capture_on_commit_callbacks(execute=True):
        catalog.image_add(actor=merchant_staff, product_id=product.pk, data=image_bytes("PNG"))
    # then it is there
    assert len(_detail(api, product)[1]["images"]) == 1


def test_a_new_category_is_in_its_ancestors_filter_at_once(
    api, merchant_staff, product, django_capture_on_commit_callbacks
):
    # given a search filtered on the root category, its subtree cached
    root = product.category.parent
    while root.parent is not None:
        root = root.parent
    assert len(api("get", "/products", data={"category": root.slug}).json()["items"]) == 1
    # when an operator adds a category two levels down and a product is published in it
    with django_capture_on_commit_callbacks(execute=True):
        leaf = factories.category_path(root.name, "猫砂", "豆腐猫砂")
    newcomer = factories.product(merchant_staff, leaf, title="豆腐猫砂 6L", price="29.00")
    # then the root's filter finds it
    found = api("get", "/products", data={"category": root.slug, "sort": "newest"}).json()["items"]
    assert [item["id"] for item in found] == [newcomer.pk, product.pk]


def test_a_stale_count_is_served_while_one_task_recounts_it(api, merchant_staff, leaf_category, settings, monkeypatch):
    settings.JISHI_SEARCH_CACHE_SECONDS = 30
    # given a counted search, and a product published after it was counted
    factories.product(merchant_staff, leaf_category, title="冻干猫粮 A", price="39.00")
    assert api("get", "/products", data={"q": "猫粮"}).json()["count"] == 1
    factories.product(merchant_staff, leaf_category, title="冻干猫粮 B", price="49.00")
    # when the count has gone stale and two buyers search
    later = time.time() + 31
    monkeypatch.setattr(search.time, "time", lambda: later)
    first = api("get", "/products", data={"q": "猫粮"}).json()
    second = api("get", "/products", data={"q": "猫粮"}).json()
    # then both get the stale count at once, while the cards are live (the new one is listed),
    assert first["count"] == second["count"] == 1
    assert len(first["items"]) == 2
    # and one recount is queued, which brings the count up to date
    (queued,) = DBTaskResult.objects.filter(task_path=search_summary_refresh.module_path)
    search_summary_refresh.call(**queued.args_kwargs["kwargs"])
    assert api("get", "/products", data={"q": "猫粮"}).json()["count"] == 2


def test_an_anonymous_catalog_read_may_be_kept_and_revalidated(
    api, merchant_staff, product, settings, django_capture_on_commit_callbacks
):
    settings.JISHI_PUBLIC_MAX_AGE = 30
    # given an anonymous read of a detail
    first = api("get", f"/products/{product.pk}")
    # then any cache may keep it for the stated time, per language and per signed-in state, under an ETag
    assert first["Cache-Control"] == "public, max-age=30"
    assert {"Accept-Language", "Authorization", "Cookie"} <= {v.strip() for v in first["Vary"].split(",")}
    etag = first["ETag"]
    # when it is asked for again with that ETag
    again = api("get", f"/products/{product.pk}", headers={"If-None-Match": etag})
    # then the answer is 304, with nothing to send
    assert again.status_code == 304
    assert again.content == b""
    # and after the merchant's price change commits the same ETag gets the new answer
    sku = factories.sku_of(product)
    with django_capture_on_commit_callbacks(execute=True):
        catalog.sku_update(actor=merchant_staff, sku_id=sku.pk, price=Money.parse("35.00", "CNY"))
    changed = api("get", f"/products/{product.pk}", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["price_from"]["amount"] == "35.00"


@pytest.mark.parametrize("path", ["/products", "/categories"])
def test_listings_and_the_category_tree_are_public_reads_too(api, product, path):
    response = api("get", path)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("public, max-age=")
    assert response["ETag"]


def test_a_signed_in_readers_catalog_read_stays_private(api, buyer, product):
    # when a signed-in buyer reads a detail
    response = api("get", f"/products/{product.pk}", user=buyer)
    # then no shared cache may keep it, and the browser checks it again each time
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"


def test_a_refused_catalog_read_is_not_kept(api, product):
    # an unknown product and an unknown parameter answer errors that no cache may keep as public
    for path, status in ((f"/products/{product.pk + 1000}", 404), ("/products?categroy=3", 422)):
        response = api("get", path)
        assert response.status_code == status
        assert "public" not in response.get("Cache-Control", "")
