import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jishi.catalog import services as catalog
from jishi.catalog.models import AttributeKind, Product
from jishi.core.money import Money
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def market(merchant_staff, other_merchant_staff):
    pets = factories.category_path("宠物", "宠物食品", "猫粮")
    dog_food = factories.category_path("宠物", "宠物食品", "狗粮")
    phones = factories.category_path("数码", "手机")
    catalog.attribute_create(
        category=pets.parent, code="brand", name="品牌", kind=AttributeKind.CHOICE, choices=["渴望", "爱肯拿", "皇家"]
    )
    make = factories.product
    return {
        "grain_free": make(
            merchant_staff, pets, title="进口无谷猫粮 成猫 2kg", price="199.00", attributes={"brand": "渴望"}
        ),
        "english": make(
            other_merchant_staff,
            pets,
            title="Grain-free cat food for adult cats",
            price="259.00",
            attributes={"brand": "爱肯拿"},
        ),
        "fish": make(
            merchant_staff, pets, title="渴望六种鱼猫粮 5.4kg", price="459.00", stock=0, attributes={"brand": "渴望"}
        ),
        "dog": make(merchant_staff, dog_food, title="皇家小型犬狗粮", price="89.00", attributes={"brand": "皇家"}),
        "phone": make(other_merchant_staff, phones, title="5G 智能手机 256GB", price="2999.00"),
        "draft": make(merchant_staff, pets, title="未上架猫粮", price="9.90", publish=False),
    }


def ids(response):
    return [item["id"] for item in response.json()["items"]]


def test_chinese_keyword_finds_segmented_titles_and_never_drafts(api, market):
    # the English title is found too: its category is 猫粮
    found = ids(api("get", "/products", data={"q": "猫粮"}))
    assert set(found) == {market["grain_free"].pk, market["fish"].pk, market["english"].pk}
    assert ids(api("get", "/products", data={"q": "无谷猫粮"})) == [market["grain_free"].pk]
    assert ids(api("get", "/products", data={"q": "六种鱼"})) == [market["fish"].pk]


def test_english_keywords_match_words_in_any_order(api, market):
    assert ids(api("get", "/products", data={"q": "cat food"})) == [market["english"].pk]
    assert ids(api("get", "/products", data={"q": "FOOD grain"})) == [market["english"].pk]
    assert ids(api("get", "/products", data={"q": "cats"})) == [market["english"].pk]


def test_category_filter_includes_descendants(api, market):
    pets_root = market["dog"].category.parent.parent
    found = set(ids(api("get", "/products", data={"category": pets_root.slug, "page_size": 50})))
    assert found == {market[k].pk for k in ("grain_free", "english", "fish", "dog")}


def test_price_range_and_sorting(api, market):
    response = api("get", "/products", data={"price_min": "100", "price_max": "300", "sort": "price_desc"})
    assert ids(response) == [market["english"].pk, market["grain_free"].pk]
    ascending = ids(api("get", "/products", data={"sort": "price_asc"}))
    assert ascending[0] == market["dog"].pk
    assert ascending[-1] == market["phone"].pk


def test_attribute_merchant_and_stock_filters(api, market, merchant_staff):
    assert set(ids(api("get", "/products", data={"attr": "brand:渴望"}))) == {
        market["grain_free"].pk,
        market["fish"].pk,
    }
    assert ids(api("get", "/products", data={"attr": "brand:渴望", "in_stock": "true"})) == [market["grain_free"].pk]
    merchant_id = merchant_staff.membership.merchant_id
    assert set(ids(api("get", "/products", data={"merchant": merchant_id}))) == {
        market[k].pk for k in ("grain_free", "fish", "dog")
    }


def test_facets_count_categories_and_attribute_values(api, market):
    assert api("get", "/products").json()["facets"]["attributes"] == []  # only with a category or keywords
    body = api("get", "/products", data={"q": "猫粮"}).json()
    assert body["facets"]["categories"] == [
        {"value": market["fish"].category.parent.parent.slug, "label": "宠物", "count": 3, "selected": False}
    ]
    brand = next(f for f in body["facets"]["attributes"] if f["code"] == "brand")
    assert [(v["value"], v["count"]) for v in brand["values"]] == [("渴望", 2), ("爱肯拿", 1)]


def test_best_selling_sort(api, market):
    catalog.product_record_sales(product_id=market["dog"].pk, quantity=50)
    catalog.product_record_sales(product_id=market["phone"].pk, quantity=10)
    assert ids(api("get", "/products", data={"sort": "sales"}))[:2] == [market["dog"].pk, market["phone"].pk]


def test_pagination_counts_and_caps_page_size(api, market):
    body = api("get", "/products", data={"page_size": 2, "page": 2, "sort": "price_asc"}).json()
    assert (body["count"], body["page"], body["pages"], len(body["items"])) == (5, 2, 3, 2)
    too_big = api("get", "/products", data={"page_size": 1_000_000})
    assert too_big.status_code == 422
    assert too_big.json()["field"] == "page_size"


def test_a_count_past_the_cap_stops_there_and_says_there_are_more(api, client, market, settings):
    # given a cap of 3 and 5 published products
    settings.JISHI_SEARCH_COUNT_CAP = 3
    # when a shopper lists them two a page
    first = api("get", "/products", data={"page_size": 2, "sort": "price_asc"}).json()
    # then the count stops at the cap and says more match; the pages go as far as the count
    assert (first["count"], first["count_capped"], first["pages"], len(first["items"])) == (3, True, 2, 2)
    assert api("get", "/products", data={"page_size": 2, "page": 3}).json()["items"] == []
    # and a filter set under the cap is counted exactly
    cats = api("get", "/products", data={"q": "猫粮"}).json()
    assert (cats["count"], cats["count_capped"]) == (3, False)
    page = client.get("/search/", headers={"Accept-Language": "zh-Hans"}).content.decode()
    assert "共 3+ 件商品" in page


def test_a_large_search_ranks_the_newest_and_best_sellers_then_lists_the_rest(api, market, settings):
    # given more matches of 猫粮 (3) than a search ranks whole (2); the bound holds the products newer
    # than the English one and the single best-seller, the grain-free food
    newest_id = max(product.pk for product in market.values())
    settings.JISHI_SEARCH_RANK_ALL = 2
    settings.JISHI_SEARCH_RANK_NEWEST = newest_id - market["english"].pk
    settings.JISHI_SEARCH_RANK_BEST_SELLING = 1
    Product.objects.filter(pk=market["grain_free"].pk).update(sales_count=5)
    inside = {market["grain_free"].pk, market["fish"].pk}
    # when a shopper pages through them by relevance, one, two or three a page
    for size in (1, 2, 3):
        pages = [ids(api("get", "/products", data={"q": "猫粮", "page_size": size, "page": n})) for n in (1, 2, 3)]
        listed = [pk for page in pages for pk in page]
        # then the bounded matches come first, the other one after them, and every match exactly once
        assert set(listed[:2]) == inside
        assert listed[2:] == [market["english"].pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"price_min": "-5"}, "price_min"),
        ({"price_min": "abc"}, "price_min"),
        ({"sort": "random"}, "sort"),
        ({"attr": "brand"}, "attr"),
        ({"q": "x" * 5000}, "q"),
    ],
)
def test_bad_filters_are_refused_with_the_field(api, market, params, field):
    response = api("get", "/products", data=params)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_unknown_category_is_not_found(api, market):
    response = api("get", "/products", data={"category": "no-such-category"})
    assert response.status_code == 404
    assert response.json()["field"] == "category"


def test_listing_runs_a_constant_number_of_queries_whatever_the_page_size(api, merchant_staff, settings):
    settings.JISHI_SEARCH_CACHE_SECONDS = 0
    # given many products, each with two images
    category = factories.category_path("杂货", "零食")
    for i in range(30):
        product = factories.product(merchant_staff, category, title=f"坚果礼盒 {i}", price=f"{10 + i}.00")
        for _ in range(2):
            from tests.conftest import image_bytes

            catalog.image_add(actor=merchant_staff, product_id=product.pk, data=image_bytes("PNG"))
    # when
    counts = []
    for page_size in (1, 10, 30):
        with CaptureQueriesContext(connection) as queries:
            response = api("get", "/products", data={"page_size": page_size, "q": "坚果"})
        assert len(response.json()["items"]) == page_size
        counts.append(len(queries))
    # then
    assert counts[0] == counts[1] == counts[2]
    assert counts[0] <= 8


def test_counts_and_facets_are_reused_per_filter_set_but_pages_are_not(api, market, settings):
    settings.JISHI_SEARCH_CACHE_SECONDS = 30
    with CaptureQueriesContext(connection) as first:
        page_one = api("get", "/products", data={"q": "猫粮", "page_size": 1}).json()
    with CaptureQueriesContext(connection) as second:
        page_two = api("get", "/products", data={"q": "猫粮", "page_size": 1, "page": 2}).json()
    assert page_one["count"] == page_two["count"] == 3
    assert page_one["facets"] == page_two["facets"]
    assert page_one["items"][0]["id"] != page_two["items"][0]["id"]
    assert len(second) < len(first)


def test_product_detail_runs_a_constant_number_of_queries(api, merchant_staff):
    category = factories.category_path("服装", "卫衣")

    def sized(title, sizes):
        return factories.product(
            merchant_staff,
            category,
            title=title,
            options=[catalog.OptionInput(name="尺码", values=sizes)],
            skus=[catalog.SkuInput(options={"尺码": s}, price=Money(9900, "CNY"), stock=3) for s in sizes],
        )

    counts = []
    for product in (sized("卫衣 A", ["M"]), sized("卫衣 B", ["S", "M", "L", "XL"])):
        with CaptureQueriesContext(connection) as queries:
            assert api("get", f"/products/{product.pk}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_nul_character_in_a_filter_is_refused_not_a_crash(api, db):
    response = api("get", "/products?category=%00x&q=cat")
    assert response.status_code == 422
    assert response.json() == {
        "code": "request.invalid_character",
        "message": response.json()["message"],
        "field": "category",
    }


@pytest.mark.parametrize("path", ["/orders/26%00/", "/aftersales/1%002/", "/api/v1/aftersales/1%002"])
def test_a_nul_character_in_a_path_is_refused_on_every_database(client, buyer, path):
    client.force_login(buyer)
    response = client.get(path)
    assert (response.status_code, response.json()["field"]) == (422, "path")


def test_relevance_ranks_the_product_with_more_of_the_words_over_a_best_seller(api, market):
    # given the dog food sells best
    Product.objects.filter(pk=market["dog"].pk).update(sales_count=500)
    # when a shopper searches words no product has all of
    found = api("get", "/products", data={"q": "进口无谷猫粮狗粮"}).json()
    # then the imported grain-free cat food, which has three of them, comes first
    assert found["any_word"] is True
    assert found["items"][0]["id"] == market["grain_free"].pk


def test_no_product_with_every_word_finds_those_with_any_and_says_so(api, client, market):
    both = api("get", "/products", data={"q": "猫粮狗粮"}).json()
    assert both["any_word"] is True
    assert {market["grain_free"].pk, market["dog"].pk} <= {item["id"] for item in both["items"]}
    assert market["phone"].pk not in {item["id"] for item in both["items"]}
    assert api("get", "/products", data={"q": "无谷猫粮"}).json()["any_word"] is False
    page = client.get("/search/", {"q": "猫粮狗粮"}).content.decode()
    assert "没有同时包含" in page
    assert market["dog"].title in page


def test_a_query_over_the_limit_gets_the_apis_message_on_the_page_not_everything(api, client, market):
    query = "猫" * 101
    refused = api("get", "/products", data={"q": query}, headers={"Accept-Language": "zh-Hans"})
    assert refused.status_code == 422
    page = client.get("/search/", {"q": query}, headers={"Accept-Language": "zh-Hans"}).content.decode()
    assert refused.json()["message"] in page
    assert market["phone"].title not in page


def test_attribute_facet_counts_follow_the_filters_but_not_their_own(api, market):
    pets = market["grain_free"].category.parent
    ticked = api("get", "/products", data={"category": pets.slug, "attr": "brand:渴望"}).json()
    brands = {v["value"]: (v["count"], v["selected"]) for v in ticked["facets"]["attributes"][0]["values"]}
    # ticking 渴望 keeps 爱肯拿's count: ticking it too would add that many
    assert brands == {"渴望": (2, True), "爱肯拿": (1, False), "皇家": (1, False)}
    assert ticked["count"] == 2
    cheap = api("get", "/products", data={"category": pets.slug, "price_max": "200"}).json()
    counts = {v["value"]: v["count"] for v in cheap["facets"]["attributes"][0]["values"]}
    assert counts == {"渴望": 1, "皇家": 1}  # the price filter is followed
