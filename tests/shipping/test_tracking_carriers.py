"""The courier a tracking number looks like: the rules as a table, the detect API, and shipping without a carrier."""

import pytest

from jishi.orders.models import Order
from jishi.shipping.carriers import CARRIER_TABLE, DETECTION_RULES, carrier_named, detect_carrier
from tests import factories


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("SF1234567890123", "shunfeng"),
        ("sf123456789012", "shunfeng"),  # lower case and 12 digits
        ("SF 1234-5678-9012", "shunfeng"),  # as printed, with spaces and dashes
        ("JDVA12345678901", "jd"),
        ("JDX000123456789", "jd"),
        ("YT1234567890123", "yuantong"),
        ("JT1234567890123", "jtexpress"),
        ("EA123456789CN", "ems"),
        ("1012345678901", "ems"),
        ("5112345678901", "ems"),
        ("7731234567890", "shentong"),  # 773…, 13 digits: 申通 before 中通's broad range
        ("4312345678901", "yunda"),
        ("3112345678901", "yunda"),
        ("75123456789012", "zhongtong"),  # 14 digits
        ("761234567890", "zhongtong"),  # 12 digits
        ("8812345678901", "shentong"),
        ("3712345678901", "shentong"),
    ],
)
def test_the_number_shape_names_the_courier(number, code):
    # when
    carrier = detect_carrier(number)
    # then
    assert carrier is not None
    assert carrier.code == code


@pytest.mark.parametrize(
    "number",
    ["", "SF1", "123", "ABC-DEF", "SF12345678901234567", "YT123", "9912345678901", "ＳＦ1234567890123", "x" * 50],
)
def test_a_number_no_rule_is_sure_of_is_not_guessed(number):
    assert detect_carrier(number) is None


def test_overlapping_shapes_go_to_the_first_rule():
    # given: a 13-digit number starting 77 fits both 中通 (7…, 12-15 digits) and 申通 (77…, 12-13 digits)
    number = "7712345678901"
    codes = [code for code, pattern in DETECTION_RULES if __import__("re").fullmatch(pattern, number)]
    assert codes == ["zhongtong", "shentong"]
    # then: the first listed wins
    assert detect_carrier(number).code == "zhongtong"


def test_every_listed_courier_has_its_kuaidi100_code_and_every_rule_a_listed_courier():
    codes = {carrier.code for carrier in CARRIER_TABLE}
    assert {carrier.name: carrier.code for carrier in CARRIER_TABLE} == {
        "顺丰速运": "shunfeng",
        "京东物流": "jd",
        "中通快递": "zhongtong",
        "圆通速递": "yuantong",
        "韵达快递": "yunda",
        "申通快递": "shentong",
        "EMS": "ems",
        "极兔速递": "jtexpress",
    }
    assert {code for code, _pattern in DETECTION_RULES} <= codes
    assert carrier_named("顺丰速运").code == "shunfeng"
    assert carrier_named("shunfeng").name == "顺丰速运"
    assert carrier_named("德邦快递") is None


@pytest.mark.django_db
def test_the_detect_api_names_the_courier_or_none(client):
    assert client.get("/api/v1/carriers/detect", {"number": "YT1234567890123"}).json() == {
        "name": "圆通速递",
        "code": "yuantong",
    }
    assert client.get("/api/v1/carriers/detect", {"number": "HELLO"}).json() == {"name": None, "code": None}
    missing = client.get("/api/v1/carriers/detect")
    assert missing.status_code == 422
    assert set(missing.json()) == {"code", "message", "field"}


@pytest.fixture
def paid(buyer, home, shop):
    factories.pay(factories.place(buyer, (factories.sku_of(shop), 1)))
    return Order.objects.get(buyer=buyer)


def test_the_ship_api_fills_an_empty_carrier_from_the_number(api, merchant_staff, paid):
    # when
    answer = api(
        "post", f"/merchant/orders/{paid.number}/ship", user=merchant_staff, json={"tracking_number": "JT1234567890123"}
    )
    # then
    assert answer.status_code == 200
    assert (answer.json()["carrier"], answer.json()["status"]) == ("极兔速递", "shipped")
    paid.refresh_from_db()
    assert (paid.carrier, paid.tracking_number) == ("极兔速递", "JT1234567890123")


def test_a_carrier_given_is_kept_even_where_the_number_looks_like_another(api, merchant_staff, paid):
    answer = api(
        "post",
        f"/merchant/orders/{paid.number}/ship",
        user=merchant_staff,
        json={"carrier": "德邦快递", "tracking_number": "JT1234567890123"},
    )
    assert answer.status_code == 200
    assert answer.json()["carrier"] == "德邦快递"


def test_an_undetectable_number_without_a_carrier_is_a_422_on_carrier_and_ships_nothing(api, merchant_staff, paid):
    # when
    answer = api("post", f"/merchant/orders/{paid.number}/ship", user=merchant_staff, json={"tracking_number": "ABC1"})
    # then
    assert answer.status_code == 422
    assert answer.json() == {"code": "orders.invalid_shipment", "message": answer.json()["message"], "field": "carrier"}
    paid.refresh_from_db()
    assert (paid.status, paid.carrier, paid.tracking_number) == ("paid", "", "")


def test_the_ship_form_fills_an_empty_carrier_on_submit(client, merchant_staff, paid):
    # given
    client.force_login(merchant_staff)
    page = client.get(f"/merchant/orders/{paid.number}/")
    assert 'data-carrier-guess="id_carrier"' in page.content.decode()
    assert 'data-guess-url="/api/v1/carriers/detect"' in page.content.decode()
    # when
    answer = client.post(f"/merchant/orders/{paid.number}/ship/", {"carrier": "", "tracking_number": "SF1234567890123"})
    # then
    assert answer.status_code == 302
    paid.refresh_from_db()
    assert (paid.status, paid.carrier) == ("shipped", "顺丰速运")


def test_the_ship_form_with_an_undetectable_number_and_no_carrier_says_so_on_carrier(client, merchant_staff, paid):
    client.force_login(merchant_staff)
    answer = client.post(f"/merchant/orders/{paid.number}/ship/", {"carrier": "", "tracking_number": "ABC1"})
    assert answer.status_code == 422
    assert answer.context["form"].errors["carrier"]
    paid.refresh_from_db()
    assert paid.status == "paid"
