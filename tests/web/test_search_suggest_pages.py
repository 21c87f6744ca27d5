"""The search box's suggestions (htmx) and the results page's "did you mean"; each keyword search is logged once."""

import pytest

from jishi.search import services
from jishi.search.models import SearchLog
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed(merchant_staff):
    cat_food = factories.category_path("宠物", "宠物食品", "猫粮")
    factories.product(merchant_staff, cat_food, title="渴望六种鱼猫粮 5.4kg")
    services.suggestions_rebuild()


def test_typing_initials_suggests_terms_linking_to_their_search(english, indexed):
    box = english.get("/search/suggest/?q=ml", HTTP_HX_REQUEST="true").content.decode()
    assert 'href="/search/?q=%E7%8C%AB%E7%B2%AE"' in box
    assert ">Category<" in box


def test_an_empty_box_shows_recent_and_hot_searches(english, indexed, buyer):
    english.force_login(buyer)
    english.get("/search/?q=猫粮")
    box = english.get("/search/suggest/?q=").content.decode()
    assert "Recent searches" in box
    assert "Hot searches" in box
    assert "猫粮" in box


def test_a_search_that_found_nothing_offers_the_likely_term_and_is_logged_once(english, indexed):
    page = english.get("/search/?q=猫良").content.decode()
    assert "Did you mean:" in page
    assert "?q=%E7%8C%AB%E7%B2%AE" in page
    english.get("/search/?q=猫良&page=2")
    english.get("/search/?q=猫良", HTTP_HX_REQUEST="true")
    assert list(SearchLog.objects.values_list("query", "found")) == [("猫良", 0)]


def test_every_page_has_the_suggesting_search_box(english, indexed):
    home = english.get("/").content.decode()
    assert 'hx-get="/search/suggest/"' in home
    assert 'id="site-suggest"' in home
