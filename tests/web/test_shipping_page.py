"""The merchant centre's delivery-fee page (运费模板): shown, saved through the service, rows added and removed
without saving, a refused post shown again as typed, and the preview against the unsaved form."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from jishi.core.money import Money
from jishi.shipping import services
from jishi.shipping.models import FeeRule, FeeTemplate
from tests import factories

PAGE = reverse("merchant:shipping")
PREVIEW = reverse("merchant:shipping_preview")
HTMX = {"HX-Request": "true"}


def cny(text: str) -> Money:
    return Money.parse(text, "CNY")


def form(**changes: object) -> dict[str, object]:
    """The page's form: per item, free from 99, default 8 + 2, one row (西藏, 青海) at 20 + 10, 新疆 not served."""
    return {
        "basis": "item",
        "free_above": "99.00",
        "default_first": "8.00",
        "default_extra": "2.00",
        "rows": "1",
        "rule-0-provinces": ["540000", "630000"],
        "rule-0-first": "20",
        "rule-0-extra": "10",
        "not_served": ["650000"],
        "preview_province": "540000",
        "preview_items": "2",
        "preview_grams": "500",
        "preview_goods": "50",
    } | changes


def snapshot() -> list[object]:
    return [
        list(FeeTemplate.objects.values_list("basis", "free_above_minor", "not_served")),
        list(FeeRule.objects.order_by("pk").values_list("provinces", "first_fee_minor", "extra_fee_minor")),
    ]


def checked(page: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}" value="(\d+)" checked', page)


def value(page: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]* value="([^"]*)"', page)
    assert found, name
    return found.group(1)


def test_the_page_is_for_the_shops_staff(client: Client, buyer):
    # anonymous: to the log-in page
    answer = client.get(PAGE)
    assert answer.status_code == 302
    assert answer["Location"].startswith("/login/")
    # a buyer: refused, and nothing saved
    client.force_login(buyer)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, form()).status_code == 403
    assert client.post(PREVIEW, form()).status_code == 403
    assert not FeeTemplate.objects.exists()


def test_the_page_shows_the_saved_template(english: Client, merchant_staff, django_assert_num_queries):
    # given
    factories.fee_template(
        merchant_staff,
        free_above=cny("99.00"),
        rules=[
            services.RuleInput(provinces=[], first_fee=cny("8.00"), extra_fee=cny("2.00")),
            services.RuleInput(provinces=["西藏", "青海"], first_fee=cny("20.00"), extra_fee=cny("10.00")),
        ],
        not_served=["650000"],
    )
    english.force_login(merchant_staff)
    # when: the session, the user, the template, its rules, the unread messages
    with django_assert_num_queries(5):
        answer = english.get(PAGE)
    # then
    assert answer.status_code == 200
    page = answer.content.decode()
    assert value(page, "free_above") == "99.00"
    assert (value(page, "default_first"), value(page, "default_extra")) == ("8.00", "2.00")
    assert value(page, "rows") == "1"
    assert checked(page, "rule-0-provinces") == ["540000", "630000"]
    assert (value(page, "rule-0-first"), value(page, "rule-0-extra")) == ("20.00", "10.00")
    assert checked(page, "not_served") == ["650000"]
    assert 'name="basis" value="item" checked' in page
    assert "Northwest" in page
    assert "No delivery fees are set yet" not in page


def test_without_a_template_the_page_says_delivery_is_free(english: Client, merchant_staff):
    english.force_login(merchant_staff)
    answer = english.get(PAGE)
    assert answer.status_code == 200
    assert "No delivery fees are set yet" in answer.content.decode()
    assert value(answer.content.decode(), "rows") == "0"


def test_saving_the_form_replaces_the_template(client: Client, merchant_staff):
    # given
    client.force_login(merchant_staff)
    # when
    answer = client.post(PAGE, form())
    # then
    assert answer.status_code == 302
    assert answer["Location"] == PAGE
    template = FeeTemplate.objects.get()
    assert (template.basis, template.free_above_minor, template.not_served) == ("item", 9900, ["650000"])
    rules = list(template.rules.values_list("provinces", "first_fee_minor", "extra_fee_minor"))
    assert rules == [([], 800, 200), (["540000", "630000"], 2000, 1000)]
    # and by weight, without a threshold, rows or areas not served
    answer = client.post(PAGE, form(basis="weight", free_above="", rows="0", not_served=[], default_extra="", save="1"))
    assert answer.status_code == 302
    template.refresh_from_db()
    assert (template.basis, template.free_above_minor, template.not_served) == ("weight", None, [])
    assert list(template.rules.values_list("provinces", "first_fee_minor", "extra_fee_minor")) == [([], 800, 0)]


def test_adding_and_removing_rows_saves_nothing(client: Client, merchant_staff):
    client.force_login(merchant_staff)
    # when a row is added
    added = client.post(PAGE, form(add_row="1"))
    # then the form comes back with two rows, the first as typed
    assert added.status_code == 200
    page = added.content.decode()
    assert value(page, "rows") == "2"
    assert checked(page, "rule-0-provinces") == ["540000", "630000"]
    assert 'name="rule-1-first"' in page
    assert checked(page, "not_served") == ["650000"]
    # when the first of two rows is removed
    removed = client.post(
        PAGE,
        form(rows="2", **{"rule-1-provinces": ["440000"], "rule-1-first": "5", "remove_row": "0"}),
    )
    # then the second moves up
    page = removed.content.decode()
    assert value(page, "rows") == "1"
    assert checked(page, "rule-0-provinces") == ["440000"]
    assert value(page, "rule-0-first") == "5"
    assert not FeeTemplate.objects.exists()


@pytest.mark.parametrize(
    ("changes", "shown_beside"),
    [
        ({"not_served": ["650000", "540000"]}, 'id="not-served-title"'),  # 西藏 in a row and not served
        ({"default_first": "八元"}, 'id="shipping-default-title"'),
        ({"rule-0-first": "-3"}, 'id="rule-0-title"'),
        ({"rule-0-provinces": []}, 'id="rule-0-title"'),  # a row without provinces
        ({"rule-0-provinces": ["540000", "990000"]}, 'id="rule-0-title"'),
        ({"free_above": "1e5"}, 'for="free-above"'),
        ({"basis": "volume"}, "<legend>"),
    ],
)
def test_a_refused_form_comes_back_as_typed_with_the_error_beside_its_field(
    english: Client, merchant_staff, changes, shown_beside
):
    # given a saved template
    factories.fee_template(merchant_staff)
    before = snapshot()
    english.force_login(merchant_staff)
    # when
    answer = english.post(PAGE, form(**changes))
    # then 422, nothing changed, the input kept
    assert answer.status_code == 422
    assert snapshot() == before
    page = answer.content.decode()
    typed = form(**changes)
    assert sorted(checked(page, "not_served")) == sorted(typed["not_served"])
    assert value(page, "default_first") == typed["default_first"]
    assert value(page, "rule-0-first") == typed["rule-0-first"]
    assert value(page, "preview_goods") == "50"
    # and the error is at the top and in the part of the form it concerns
    assert page.count('class="field-error" role="alert"') == 1
    error_at = page.index('class="field-error" role="alert"')
    assert page.rindex(shown_beside, 0, error_at) > page.find('class="form-errors"')


def test_the_preview_prices_the_form_as_typed_without_saving_it(client: Client, merchant_staff):
    # given a saved template that charges 1 + 1
    factories.fee_template(merchant_staff, first="1.00", extra="1.00")
    before = snapshot()
    client.force_login(merchant_staff)
    # when the form (西藏 at 20 + 10) prices 2 items to 西藏 through htmx
    answer = client.post(PREVIEW, form(), headers=HTMX)
    # then the preview box alone, with the row's fee
    assert answer.status_code == 200
    box = answer.content.decode()
    assert box.lstrip().startswith('<div id="shipping-preview"')
    assert "<form" not in box
    assert "¥30.00" in box
    assert "西藏自治区、青海省" in box
    assert snapshot() == before


@pytest.mark.parametrize(
    ("changes", "shows"),
    [
        ({"preview_province": "650000"}, "Not delivered to 新疆维吾尔自治区"),
        ({"preview_goods": "120"}, "Free: the goods total reaches the free-delivery threshold."),
        ({"preview_province": "440000", "preview_items": "3"}, "¥12.00"),
        ({"preview_province": "440000", "basis": "weight", "preview_grams": "2001"}, "¥12.00"),
        ({"preview_province": ""}, "Choose a province from the list."),
        ({"preview_items": "0"}, "A whole number from 1 to 9999."),
        ({"rule-0-first": ""}, "An amount such as 200 or 200.50."),
    ],
)
def test_the_preview_says_why(english: Client, merchant_staff, changes, shows):
    english.force_login(merchant_staff)
    answer = english.post(PREVIEW, form(**changes), headers=HTMX)
    assert answer.status_code == 200
    assert shows in answer.content.decode()
    assert not FeeTemplate.objects.exists()


def test_without_javascript_the_preview_comes_back_in_the_whole_page(english: Client, merchant_staff):
    english.force_login(merchant_staff)
    # when
    answer = english.post(PREVIEW, form(preview_province="630000", preview_items="1"))
    refused = english.post(PREVIEW, form(preview_items="many"))
    # then the page, as typed, with the fee in its preview box
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "¥20.00" in page
    assert checked(page, "rule-0-provinces") == ["540000", "630000"]
    assert '<option value="630000" selected>' in page
    assert refused.status_code == 422
    assert value(refused.content.decode(), "preview_items") == "many"
    assert not FeeTemplate.objects.exists()


def test_the_preview_is_posted_only(client: Client, merchant_staff):
    client.force_login(merchant_staff)
    assert client.get(PREVIEW).status_code == 405


def test_before_saving_the_page_names_the_platform_default_fee(client, merchant_staff, admin_operator):
    from jishi.policies import services as policies
    from tests.policies.conftest import GOOD

    policies.platform_settings_set(
        actor=admin_operator, **{**GOOD, "shipping_first_fee": "6.00", "shipping_extra_fee": "1.00"}
    )
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(merchant_staff)
    page = client.get("/merchant/shipping/").content.decode()
    assert "the platform's default applies (¥6.00 for the first item, ¥1.00 for each other)" in page
