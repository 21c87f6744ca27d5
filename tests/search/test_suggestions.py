"""As-you-type suggestions from categories, shops, titles and breeds, found by characters, pinyin and initials;
hot and recent searches from the log; and the correction for a query that found nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from jishi.search import services
from jishi.search.models import SearchLog, Suggestion
from jishi.search.suggest import did_you_mean, hot_searches, recent_searches, suggestions
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed(merchant_staff, other_merchant_staff):
    cat_food = factories.category_path("宠物", "宠物食品", "猫粮")
    factories.category_path("宠物", "宠物食品", "猫砂")
    hoodies = factories.category_path("服装", "男装", "卫衣")
    hoodies.name_en = "Hoodies"
    hoodies.save()
    factories.product(merchant_staff, cat_food, title="渴望六种鱼猫粮 5.4kg")
    factories.product(other_merchant_staff, hoodies, title="纯棉连帽卫衣")
    count = services.suggestions_rebuild()
    assert count == Suggestion.objects.count()
    return cat_food


def texts(query):
    return [s.text for s in suggestions(query)]


def test_pinyin_and_initials_find_chinese_terms(indexed):
    assert "猫粮" in texts("mao")
    assert "猫粮" in texts("ml")
    assert "猫粮" in texts("maol")
    assert "猫砂" in texts("ms")
    assert texts("猫")[:1] == ["猫粮"]  # best-selling first: 猫粮 has a product, 猫砂 none


def test_english_breeds_and_shops_are_offered(indexed):
    assert "Hoodies" in texts("hood")
    assert "Hoodies" in texts("HOOD")
    assert "一号店" in texts("yhd")
    assert "Ragdoll" in texts("rag")  # the breed list's English name (pets adds its breeds)
    kinds = {s.text: s.kind for s in suggestions("bu")}
    assert kinds.get("布偶猫") == "breed"


def test_nothing_typed_or_nothing_like_it_offers_nothing(indexed):
    assert texts("") == []
    assert texts("   ") == []
    assert texts("！！") == []
    assert texts("zzzz") == []


def test_a_query_that_found_nothing_gets_the_term_it_sounds_like(indexed):
    assert did_you_mean("猫良") == "猫粮"  # same pinyin
    assert did_you_mean("maolaing") == "猫粮"  # two letters swapped
    assert did_you_mean("猫粮") == ""  # nothing to correct
    assert did_you_mean("量子计算机") == ""


def test_hot_searches_count_the_last_week_and_only_what_found_something(buyer):
    for query, found, times in (("猫粮", 5, 3), ("卫衣", 2, 2), ("无此物", 0, 5)):
        for _ in range(times):
            services.search_log(actor=buyer, query=query, found=found)
    old = SearchLog.objects.create(query="旧词", folded="旧词", found=1)
    SearchLog.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=8))
    assert hot_searches() == ["猫粮", "卫衣"]
    assert recent_searches(buyer.pk)[0] == "无此物"
    assert recent_searches(None) == []


def test_the_rebuild_forgets_searches_older_than_ninety_days(buyer):
    services.search_log(actor=buyer, query="猫粮", found=1)
    SearchLog.objects.update(at=timezone.now() - dt.timedelta(days=91))
    services.suggestions_rebuild()
    assert not SearchLog.objects.exists()


def test_the_api_suggests_and_corrects(api, indexed, buyer):
    services.search_log(actor=buyer, query="猫粮", found=1)
    answer = api("get", "/search/suggestions?q=ml", user=buyer).json()
    assert {"text": "猫粮", "kind": "category"} in answer["suggestions"]
    assert answer["hot"] == ["猫粮"]
    assert answer["recent"] == ["猫粮"]
    assert api("get", "/products?q=猫良").json()["did_you_mean"] == "猫粮"
    assert api("get", "/products?q=猫粮").json()["did_you_mean"] == ""
    assert api("get", "/search/suggestions?q=" + "x" * 101).status_code == 422
