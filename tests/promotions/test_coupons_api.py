"""The coupons API: a shop issues, anyone sees, a buyer claims or redeems, the wallet shows; refusals name the field."""

import pytest

from jishi.promotions.models import Coupon, CouponTemplate

pytestmark = pytest.mark.django_db

FULL_REDUCTION = {"name": "满100减10", "kind": "amount", "amount": "10", "min_spend": "100", "total_quantity": 2}


def _issue(api, owner, **changes):
    return api("post", "/merchant/coupons", user=owner, json={**FULL_REDUCTION, "valid_days": 7, **changes})


def test_a_shops_coupon_is_listed_claimed_and_in_the_wallet(api, merchant_staff, buyer):
    # given the shop's coupon
    issued = _issue(api, merchant_staff)
    assert issued.status_code == 201, issued.json()
    template = issued.json()
    merchant_id = merchant_staff.membership.merchant.pk
    # then anyone sees it on the shop's page
    listed = api("get", "/coupons", data={"merchant_id": merchant_id}).json()
    assert [(t["id"], t["name"], t["left"], t["min_spend"]["amount"]) for t in listed] == [
        (template["id"], "满100减10", 2, "100.00")
    ]
    # when a buyer claims it
    claimed = api("post", f"/coupons/{template['id']}/claim", user=buyer)
    assert claimed.status_code == 201, claimed.json()
    # then it is in their wallet, unused, and the shop sees it claimed
    wallet = api("get", "/me/coupons", user=buyer).json()
    assert [(c["id"], c["used"], c["template"]["amount"]["amount"]) for c in wallet] == [
        (claimed.json()["id"], False, "10.00")
    ]
    assert api("get", "/me/coupons", user=buyer, data={"tab": "used"}).json() == []
    assert api("get", "/merchant/coupons", user=merchant_staff).json()[0]["claimed"] == 1
    # and a second claim is over the limit of one
    again = api("post", f"/coupons/{template['id']}/claim", user=buyer)
    assert (again.status_code, again.json()["code"]) == (409, "promotions.coupon_limit")


def test_codes_are_made_once_and_redeemed_once(api, merchant_staff, buyer, other_buyer):
    template = _issue(api, merchant_staff, claimable=False).json()
    made = api("post", f"/merchant/coupons/{template['id']}/codes", user=merchant_staff, json={"count": 2})
    assert made.status_code == 201
    code = made.json()["codes"][0]
    assert api("post", "/coupons/redeem", user=buyer, json={"code": code}).status_code == 201
    reused = api("post", "/coupons/redeem", user=other_buyer, json={"code": code})
    assert (reused.status_code, reused.json()["code"], reused.json()["field"]) == (
        422,
        "promotions.code_invalid",
        "code",
    )
    # a coupon given by code only is not listed for claiming
    assert api("get", "/coupons", data={"merchant_id": merchant_staff.membership.merchant.pk}).json() == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "100"}, "amount"),
        ({"kind": "percent", "amount": None, "percent_off": 120}, "percent_off"),
        ({"total_quantity": 0}, "total_quantity"),
        ({"valid_days": None}, "valid_until"),
        ({"amount": "abc"}, "amount"),
        ({"kind": "cash"}, "kind"),
    ],
)
def test_bad_coupons_are_refused_with_the_field(api, merchant_staff, changes, field):
    refused = _issue(api, merchant_staff, **changes)
    assert (refused.status_code, refused.json()["field"]) == (422, field)
    assert not CouponTemplate.objects.exists()


def test_strangers_get_nothing(api, merchant_staff, other_merchant_staff, buyer):
    template = _issue(api, merchant_staff).json()
    assert api("post", f"/coupons/{template['id']}/claim").status_code == 401
    assert _issue(api, buyer).status_code == 403
    stop = api("post", f"/merchant/coupons/{template['id']}/stop", user=other_merchant_staff)
    assert stop.status_code == 404
    assert api("get", "/merchant/coupons", user=other_merchant_staff).json() == []
    assert not Coupon.objects.exists()
