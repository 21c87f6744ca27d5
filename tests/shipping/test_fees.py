"""Delivery fees: by item or weight, per province, free above a threshold; and who may set the template."""

import pytest

from jishi.core.money import Money
from jishi.shipping.selectors import Parcel, shipping_fee
from tests import factories


@pytest.mark.parametrize(
    ("basis", "items", "grams", "goods", "province", "expected"),
    [
        ("item", 1, 0, "50.00", "广东省", "8.00"),
        ("item", 3, 0, "50.00", "广东省", "12.00"),
        ("item", 2, 0, "50.00", "新疆维吾尔自治区", "40.00"),
        ("weight", 1, 2500, "50.00", "广东", "12.00"),
        ("weight", 1, 1, "50.00", "广东", "8.00"),
        ("item", 5, 0, "99.00", "新疆", "0.00"),
        ("item", 1, 0, "50.00", "650102", "20.00"),  # a district's code: its province's rule
        ("item", 1, 0, "50.00", "440305", "8.00"),
    ],
)
def test_shipping_fee_by_item_or_weight_province_and_free_threshold(
    merchant_staff, basis, items, grams, goods, province, expected
):
    from jishi.shipping.services import RuleInput

    cny = lambda text: Money.parse(text, "CNY")  # noqa: E731
    template = factories.fee_template(
        merchant_staff,
        basis=basis,
        free_above=cny("99.00"),
        rules=[
            RuleInput(provinces=[], first_fee=cny("8.00"), extra_fee=cny("2.00")),
            RuleInput(provinces=["新疆维吾尔自治区", "西藏"], first_fee=cny("20.00"), extra_fee=cny("20.00")),
        ],
    )
    parcel = Parcel(items=items, grams=grams, goods_total=cny(goods))
    assert shipping_fee(template, province=province, parcel=parcel) == cny(expected)


def test_a_template_needs_one_default_rule(api, merchant_staff):
    body = {"basis": "item", "rules": [{"provinces": ["440000"], "first_fee": "8"}]}
    response = api("put", "/merchant/shipping-template", user=merchant_staff, json=body)
    assert response.status_code == 422
    assert response.json()["code"] == "shipping.invalid_template"
    body["rules"].append({"provinces": [], "first_fee": "10", "extra_fee": "1"})
    saved = api("put", "/merchant/shipping-template", user=merchant_staff, json=body)
    assert saved.status_code == 200
    assert saved.json()["rules"][0] | {"first_fee": None, "extra_fee": None} == {
        "provinces": ["440000"],
        "province_names": ["广东省"],
        "first_fee": None,
        "extra_fee": None,
    }


@pytest.mark.parametrize("province", ["广东", "火星", "440300", "990000"])
def test_a_province_is_a_province_code_from_the_national_list(api, merchant_staff, province):
    body = {
        "basis": "item",
        "rules": [{"provinces": [province], "first_fee": "8"}, {"provinces": [], "first_fee": "1"}],
    }
    response = api("put", "/merchant/shipping-template", user=merchant_staff, json=body)
    assert response.status_code == 422
    assert response.json()["field"].startswith("rules.0.provinces")


@pytest.mark.parametrize("name", ["广\u0000东", "\x07", "\ud826"])
def test_province_names_with_control_characters_are_refused_on_every_database(api, merchant_staff, name):
    # PostgreSQL cannot store NUL in JSON ("unsupported Unicode escape sequence"); schemathesis found the 500.
    body = {"basis": "item", "rules": [{"provinces": [name], "first_fee": "8"}, {"provinces": [], "first_fee": "10"}]}
    response = api("put", "/merchant/shipping-template", user=merchant_staff, json=body)
    assert response.status_code == 422
    assert response.json()["field"].startswith("rules.0.provinces")


def test_a_buyer_cannot_set_a_fee_template(api, buyer):
    body = {"basis": "item", "rules": [{"provinces": [], "first_fee": "8"}]}
    assert api("put", "/merchant/shipping-template", user=buyer, json=body).status_code == 403
