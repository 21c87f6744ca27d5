"""The promotions API for shops (满减, limited prices) and operators (platform coupons, what promotions cost)."""

import datetime as dt

import pytest
from django.utils import timezone

from jishi.orders.models import Order
from tests import factories

pytestmark = pytest.mark.django_db


def hours(n: float) -> str:
    return (timezone.now() + dt.timedelta(hours=n)).isoformat()


THRESHOLD = {
    "name": "满200减30",
    "tiers": [{"threshold": "200", "off": "30"}, {"threshold": "300", "off": "50"}],
    "starts_at": hours(-1),
    "ends_at": hours(24),
}


@pytest.fixture
def sku(merchant_staff, leaf_category):
    return factories.sku_of(factories.product(merchant_staff, leaf_category, price="120.00", stock=20))


def test_a_shop_runs_a_threshold_promotion_and_sees_what_it_cost(api, merchant_staff, other_merchant_staff, buyer, sku):
    created = api("post", "/merchant/promotions/thresholds", user=merchant_staff, json=THRESHOLD)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert [(t["threshold"]["amount"], t["off"]["amount"]) for t in body["tiers"]] == [
        ("200.00", "30.00"),
        ("300.00", "50.00"),
    ]
    assert (body["running"], body["cost"]["orders"]) == (True, 0)
    # a paid order of ¥240 took ¥30 off
    factories.pay(factories.place(buyer, (sku, 2)))
    (listed,) = api("get", "/merchant/promotions/thresholds", user=merchant_staff).json()
    assert (listed["cost"]["orders"], listed["cost"]["amount"]["amount"]) == (1, "30.00")
    # another shop neither sees nor stops it; the shop stops it
    assert api("get", "/merchant/promotions/thresholds", user=other_merchant_staff).json() == []
    path = f"/merchant/promotions/thresholds/{body['id']}/stop"
    assert api("post", path, user=other_merchant_staff).status_code == 404
    assert api("post", path, user=buyer).status_code == 403
    assert api("post", path, user=merchant_staff).status_code == 204
    assert api("get", "/merchant/promotions/thresholds", user=merchant_staff).json()[0]["status"] == "stopped"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        (
            {"tiers": [{"threshold": "200", "off": "30"}, {"threshold": "100", "off": "50"}]},
            "promotions.tiers_not_rising",
        ),
        ({"tiers": [{"threshold": "200"}]}, "promotions.tier_discount"),
        ({"tiers": [{"threshold": "200", "off": "200"}]}, "promotions.amount_over_min_spend"),
        ({"tiers": [{"quantity": 2, "percent_off": 100}]}, "promotions.percent_out_of_range"),
        ({"ends_at": hours(-2)}, "promotions.ends_before_start"),
    ],
)
def test_a_bad_threshold_promotion_is_refused_naming_the_field(api, merchant_staff, changes, code):
    refused = api("post", "/merchant/promotions/thresholds", user=merchant_staff, json=THRESHOLD | changes)
    assert refused.status_code == 422, refused.json()
    assert refused.json()["code"] == code
    assert refused.json()["field"] in {"tiers", "ends_at"}
    assert api("get", "/merchant/promotions/thresholds", user=merchant_staff).json() == []


def test_a_shop_puts_a_sku_on_a_limited_price(api, merchant_staff, other_merchant_staff, buyer, sku):
    body = {"sku_id": sku.pk, "price": "99.00", "starts_at": hours(-1), "ends_at": hours(3), "per_user_limit": 1}
    created = api("post", "/merchant/promotions/limited-prices", user=merchant_staff, json=body)
    assert created.status_code == 201, created.json()
    assert (created.json()["price"]["amount"], created.json()["list_price"]["amount"]) == ("99.00", "120.00")
    overlapping = api("post", "/merchant/promotions/limited-prices", user=merchant_staff, json=body)
    assert (overlapping.status_code, overlapping.json()["code"]) == (422, "promotions.limited_price_overlaps")
    not_lower = api("post", "/merchant/promotions/limited-prices", user=merchant_staff, json=body | {"price": "120"})
    assert (not_lower.status_code, not_lower.json()["field"]) == (422, "price")
    theirs = api("post", "/merchant/promotions/limited-prices", user=other_merchant_staff, json=body)
    assert theirs.status_code == 404
    factories.pay(factories.place(buyer, (sku, 1)))
    (listed,) = api("get", "/merchant/promotions/limited-prices", user=merchant_staff).json()
    assert (listed["cost"]["orders"], listed["cost"]["amount"]["amount"]) == (1, "21.00")
    path = f"/merchant/promotions/limited-prices/{listed['id']}/stop"
    assert api("post", path, user=merchant_staff).status_code == 204
    assert api("get", "/merchant/promotions/limited-prices", user=merchant_staff).json()[0]["running"] is False


def test_operators_issue_platform_coupons_and_read_what_promotions_cost(
    api, admin_operator, merchant_staff, buyer, sku
):
    coupon = {"name": "平台满100减8", "kind": "amount", "amount": "8", "min_spend": "100", "total_quantity": 100}
    assert api("post", "/operator/coupons", user=merchant_staff, json=coupon | {"valid_days": 3}).status_code == 403
    created = api("post", "/operator/coupons", user=admin_operator, json=coupon | {"valid_days": 3})
    assert created.status_code == 201, created.json()
    assert created.json()["merchant_id"] is None
    # a buyer claims it from the coupon centre and a shop's 满减 and the coupon both apply to a paid order
    api("post", "/merchant/promotions/thresholds", user=merchant_staff, json=THRESHOLD)
    assert api("post", f"/coupons/{created.json()['id']}/claim", user=buyer).status_code == 201
    factories.pay(factories.place(buyer, (sku, 2)))
    assert Order.objects.get().subsidy_minor == 800
    (listed,) = api("get", "/operator/coupons", user=admin_operator).json()
    assert (listed["claimed"], listed["used"], listed["cost"]["amount"]["amount"]) == (1, 1, "8.00")
    report = api("get", "/operator/promotions/costs?days=7", user=admin_operator).json()
    assert [(r["step"], r["funded_by_platform"], r["orders"], r["amount"]["amount"]) for r in report] == [
        ("platform_coupon", True, 1, "8.00"),
        ("threshold", False, 1, "30.00"),
    ]
    assert api("get", "/operator/promotions/costs", user=merchant_staff).status_code == 403
    codes = api("post", f"/operator/coupons/{listed['id']}/codes", user=admin_operator, json={"count": 3})
    assert (codes.status_code, len(codes.json()["codes"])) == (201, 3)
    stopped = api("post", f"/operator/coupons/{listed['id']}/stop", user=admin_operator)
    assert stopped.json()["status"] == "stopped"
