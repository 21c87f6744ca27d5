"""Areas not served (不配送区域): saved with the template, checked against its rules, refused at checkout; and the
preview that prices a sample parcel against a template without saving it."""

import pytest

from jishi.checkout import services as checkout
from jishi.core.audit import AuditEntry
from jishi.core.money import Money
from jishi.inventory.models import Stock
from jishi.orders.models import Order
from jishi.payments.models import PaymentIntent
from jishi.shipping import services
from jishi.shipping.errors import InvalidFeeTemplate, NotDelivered
from jishi.shipping.models import FeeRule, FeeTemplate
from jishi.shipping.selectors import Parcel, shipping_fee, shipping_preview
from tests import factories


def cny(text: str) -> Money:
    return Money.parse(text, "CNY")


def template_input(*, not_served: list[str], remote: list[str] | None = None) -> services.TemplateInput:
    rules = [services.RuleInput(provinces=[], first_fee=cny("8.00"), extra_fee=cny("2.00"))]
    if remote:
        rules.append(services.RuleInput(provinces=remote, first_fee=cny("20.00"), extra_fee=cny("10.00")))
    return services.TemplateInput(basis="item", rules=rules, not_served=not_served)


def snapshot() -> list[object]:
    return [
        list(FeeTemplate.objects.values_list("basis", "free_above_minor", "not_served")),
        list(FeeRule.objects.order_by("pk").values_list("provinces", "first_fee_minor")),
    ]


# the service ---------------------------------------------------------------------------------------------------


def test_areas_not_served_are_saved_as_codes_once_each_in_code_order(merchant_staff):
    # given / when: codes and names, one twice
    template = services.fee_template_set(
        actor=merchant_staff, data=template_input(not_served=["650000", "西藏", "新疆维吾尔自治区", "710000"])
    )
    # then
    assert template.not_served == ["540000", "650000", "710000"]
    assert FeeTemplate.objects.get().not_served == ["540000", "650000", "710000"]
    entry = AuditEntry.objects.filter(action="shipping.template_set").latest("pk")
    assert entry.after["not_served"] == ["540000", "650000", "710000"]


def test_saving_again_replaces_the_areas_not_served(merchant_staff):
    # given
    services.fee_template_set(actor=merchant_staff, data=template_input(not_served=["650000"]))
    # when
    services.fee_template_set(actor=merchant_staff, data=template_input(not_served=[]))
    # then
    assert FeeTemplate.objects.get().not_served == []


@pytest.mark.parametrize(
    ("not_served", "remote"),
    [
        (["650000"], ["650000", "540000"]),  # both in a rule and not served
        (["新疆"], ["新疆维吾尔自治区"]),  # the same province, named two ways
    ],
)
def test_a_province_in_a_rule_cannot_also_be_not_served(merchant_staff, not_served, remote):
    # given a template already saved
    services.fee_template_set(actor=merchant_staff, data=template_input(not_served=["540000"]))
    before = snapshot()
    # when
    with pytest.raises(InvalidFeeTemplate) as refused:
        services.fee_template_set(actor=merchant_staff, data=template_input(not_served=not_served, remote=remote))
    # then nothing changed
    assert refused.value.code == "shipping.invalid_template"
    assert refused.value.field == "not_served"
    assert "新疆维吾尔自治区" in refused.value.message
    assert snapshot() == before


@pytest.mark.parametrize("code", ["990000", "440300", "火星", "", "65"])
def test_areas_not_served_are_provinces_of_the_national_list(merchant_staff, code):
    with pytest.raises(InvalidFeeTemplate) as refused:
        services.fee_template_set(actor=merchant_staff, data=template_input(not_served=["650000", code]))
    assert refused.value.field == "not_served"
    assert not FeeTemplate.objects.exists()


def test_a_shop_must_deliver_somewhere(merchant_staff):
    from jishi.core import regions

    everywhere = [province.code for province in regions.provinces()]
    with pytest.raises(InvalidFeeTemplate) as refused:
        services.fee_template_set(actor=merchant_staff, data=template_input(not_served=everywhere))
    assert refused.value.field == "not_served"
    assert not FeeTemplate.objects.exists()


def test_the_fee_still_ignores_the_areas_not_served(merchant_staff):
    # shipping_fee prices by the rules; whether the parcel may go there at all is the delivery check's question
    template = services.fee_template_set(actor=merchant_staff, data=template_input(not_served=["650000"]))
    parcel = Parcel(items=2, grams=0, goods_total=cny("10.00"))
    assert shipping_fee(template, province="650102", parcel=parcel) == cny("10.00")


# checkout ------------------------------------------------------------------------------------------------------


def far_away(buyer):
    return factories.address(
        buyer, province="新疆维吾尔自治区", city="乌鲁木齐市", district="天山区", postal_code="830000"
    )


def test_quote_refuses_an_address_in_an_area_the_shop_does_not_serve(api, buyer, merchant_staff, shop, other_shop):
    # given the first shop does not deliver to 新疆, and both shops' goods in the cart
    services.fee_template_set(actor=merchant_staff, data=template_input(not_served=["650000"]))
    factories.in_cart(buyer, (factories.sku_of(shop), 1), (factories.sku_of(other_shop), 1))
    address = far_away(buyer)
    # when
    response = api("post", "/checkout/quote", user=buyer, json={"address_id": address.pk})
    # then a 422 on the address that names the shop and the province
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "shipping.not_delivered"
    assert body["field"] == "address"
    assert "一号店" in body["message"]
    assert "二号店" not in body["message"]
    assert "新疆维吾尔自治区" in body["message"]


def test_quote_names_every_shop_that_does_not_deliver_there(
    buyer, merchant_staff, other_merchant_staff, shop, other_shop
):
    for staff in (merchant_staff, other_merchant_staff):
        services.fee_template_set(actor=staff, data=template_input(not_served=["650000"]))
    factories.in_cart(buyer, (factories.sku_of(shop), 1), (factories.sku_of(other_shop), 1))
    address = far_away(buyer)
    with pytest.raises(NotDelivered) as refused:
        checkout.checkout_quote(actor=buyer, address_id=address.pk)
    assert refused.value.params == {
        "merchant_ids": sorted(staff.membership.merchant_id for staff in (merchant_staff, other_merchant_staff)),
        "province": "650000",
    }
    assert "一号店" in refused.value.message
    assert "二号店" in refused.value.message


def test_quote_prices_an_address_the_shop_serves(api, buyer, merchant_staff, shop, home):
    # given 新疆 is not served, and the buyer's address is in 广东
    services.fee_template_set(actor=merchant_staff, data=template_input(not_served=["650000"]))
    factories.in_cart(buyer, (factories.sku_of(shop), 2))
    # when
    response = api("post", "/checkout/quote", user=buyer, json={"address_id": home.pk})
    # then
    assert response.status_code == 200, response.json()
    assert response.json()["groups"][0]["shipping"]["amount"] == "10.00"


def test_placing_refuses_an_address_the_shop_stopped_serving_after_the_quote(api, buyer, merchant_staff, shop):
    # given a quote to 新疆, then the shop stops delivering there
    factories.in_cart(buyer, (factories.sku_of(shop), 1))
    address = far_away(buyer)
    quote = api("post", "/checkout/quote", user=buyer, json={"address_id": address.pk})
    assert quote.status_code == 200, quote.json()
    services.fee_template_set(actor=merchant_staff, data=template_input(not_served=["650000"]))
    # when the buyer places it
    body = {"address_id": address.pk, "fingerprint": quote.json()["fingerprint"]}
    response = api("post", "/checkout/place", user=buyer, json=body)
    # then it is refused, and nothing was ordered or reserved
    assert response.status_code == 422
    assert response.json()["code"] == "shipping.not_delivered"
    assert response.json()["field"] == "address"
    assert "一号店" in response.json()["message"]
    assert Order.objects.count() == 0
    assert PaymentIntent.objects.count() == 0
    assert Stock.objects.get(pk=factories.sku_of(shop).pk).reserved == 0
    assert len(api("get", "/cart", user=buyer).json()["lines"]) == 1


# the API -------------------------------------------------------------------------------------------------------

BODY = {
    "basis": "item",
    "free_above": "99.00",
    "rules": [
        {"provinces": [], "first_fee": "8", "extra_fee": "2"},
        {"provinces": ["540000"], "first_fee": "20", "extra_fee": "10"},
    ],
    "not_served": ["650000", "710000"],
}


def test_the_api_sets_and_shows_the_areas_not_served(api, merchant_staff):
    # when
    saved = api("put", "/merchant/shipping-template", user=merchant_staff, json=BODY)
    shown = api("get", "/merchant/shipping-template", user=merchant_staff)
    # then
    assert saved.status_code == 200, saved.json()
    assert shown.json() == saved.json()
    assert shown.json()["not_served"] == ["650000", "710000"]
    assert shown.json()["not_served_names"] == ["新疆维吾尔自治区", "台湾省"]


def test_the_api_refuses_a_province_both_in_a_rule_and_not_served(api, merchant_staff):
    body = BODY | {"not_served": ["540000"]}
    response = api("put", "/merchant/shipping-template", user=merchant_staff, json=body)
    assert response.status_code == 422
    assert response.json() == response.json() | {"code": "shipping.invalid_template", "field": "not_served"}
    assert not FeeTemplate.objects.exists()


@pytest.mark.parametrize("code", ["新疆", "650100", "990000"])
def test_the_api_takes_only_province_codes_of_the_national_list(api, merchant_staff, code):
    response = api("put", "/merchant/shipping-template", user=merchant_staff, json=BODY | {"not_served": [code]})
    assert response.status_code == 422
    assert response.json()["field"].startswith("not_served")
    assert not FeeTemplate.objects.exists()


def test_without_a_template_the_api_shows_no_areas_not_served(api, merchant_staff):
    shown = api("get", "/merchant/shipping-template", user=merchant_staff).json()
    assert (shown["not_served"], shown["not_served_names"], shown["rules"]) == ([], [], [])


# the preview ---------------------------------------------------------------------------------------------------

PREVIEW = "/merchant/shipping-template/preview"


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ({"province": "440000", "items": 3, "goods_total": "50.00"}, (True, "12.00", False, 0)),
        ({"province": "540000", "items": 2, "goods_total": "50.00"}, (True, "30.00", False, 1)),
        ({"province": "540000", "items": 2, "goods_total": "99.00"}, (True, "0.00", True, None)),
        ({"province": "650000", "items": 1, "goods_total": "10.00"}, (False, None, False, None)),
    ],
)
def test_preview_prices_a_sample_parcel_against_the_submitted_template_without_saving_it(
    api, merchant_staff, sample, expected
):
    # given a saved template that charges something else
    factories.fee_template(merchant_staff, first="1.00", extra="1.00")
    before = snapshot()
    # when
    response = api("post", PREVIEW, user=merchant_staff, json=sample | {"template": BODY})
    # then
    assert response.status_code == 200, response.json()
    answer = response.json()
    fee = answer["fee"]["amount"] if answer["fee"] else None
    assert (answer["delivers"], fee, answer["free"], answer["rule"]) == expected
    assert answer["province"] == sample["province"]
    assert snapshot() == before


def test_preview_without_a_template_prices_against_the_saved_one(api, merchant_staff):
    # given
    api("put", "/merchant/shipping-template", user=merchant_staff, json=BODY)
    # when
    by_weight = api("post", PREVIEW, user=merchant_staff, json={"province": "440000", "items": 2, "grams": 2500})
    not_served = api("post", PREVIEW, user=merchant_staff, json={"province": "710000"})
    # then per item, as saved: 8 + 2
    assert by_weight.status_code == 200, by_weight.json()
    assert by_weight.json()["fee"] == {"amount": "10.00", "currency": "CNY"}
    assert by_weight.json()["province_name"] == "广东省"
    assert not_served.json()["delivers"] is False
    assert not_served.json()["fee"] is None


def test_preview_without_any_template_is_free(api, merchant_staff):
    response = api("post", PREVIEW, user=merchant_staff, json={"province": "650000", "items": 5})
    assert response.status_code == 200
    assert (response.json()["delivers"], response.json()["fee"]["amount"]) == (True, "0.00")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"province": "990000"}, "province"),
        ({"province": "440000", "items": 0}, "items"),
        ({"province": "440000", "template": BODY | {"not_served": ["540000"]}}, "not_served"),
        ({"province": "440000", "template": BODY | {"rules": [{"provinces": ["440000"], "first_fee": "8"}]}}, "rules"),
    ],
)
def test_preview_refuses_what_saving_would_refuse(api, merchant_staff, body, field):
    response = api("post", PREVIEW, user=merchant_staff, json=body)
    assert response.status_code == 422
    assert response.json()["field"].startswith(field)
    assert not FeeTemplate.objects.exists()


def test_a_buyer_cannot_preview_fees(api, buyer):
    response = api("post", PREVIEW, user=buyer, json={"province": "440000"})
    assert response.status_code == 403
    assert api("post", PREVIEW, json={"province": "440000"}).status_code == 401


def test_the_preview_selector_checks_the_permission(buyer):
    from jishi.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        shipping_preview(actor=buyer, data=None, province="440000", parcel=Parcel(1, 0, cny("1.00")))
