"""The points API: the member's standing and history, the check-in, the rules, and points at checkout."""

import pytest

from jishi.loyalty.models import LoyaltySettings
from tests import factories
from tests.loyalty.conftest import grant

pytestmark = pytest.mark.django_db


def test_a_member_checks_in_and_reads_their_points_and_history(api, buyer):
    grant(buyer, 120)
    first = api("post", "/me/points/check-in", user=buyer)
    assert first.status_code == 201
    assert first.json() == {"points": 5, "streak": 1, "balance": 125}
    again = api("post", "/me/points/check-in", user=buyer)
    assert (again.status_code, again.json()["code"]) == (409, "loyalty.already_checked_in")
    standing = api("get", "/me/points", user=buyer).json()
    assert (standing["balance"], standing["tier"]["code"], standing["next_tier"]["code"]) == (125, "regular", "silver")
    assert standing["to_next"]["amount"] == "1000.00"
    assert standing["checked_in_today"] is True
    entries = api("get", "/me/points/entries", user=buyer).json()
    assert [(e["kind"], e["points"]) for e in entries] == [("check_in", 5), ("earn_review", 120)]


def test_points_need_a_signed_in_member(api):
    assert api("get", "/me/points").status_code == 401
    assert api("post", "/me/points/check-in").status_code == 401


def test_the_rules_are_public_and_only_administrators_change_them(api, admin_operator, reviewer):
    rules = api("get", "/loyalty/rules").json()
    assert (rules["points_per_yuan"], [t["code"] for t in rules["tiers"]]) == (
        100,
        ["regular", "silver", "gold", "diamond"],
    )
    body = {
        "earn_per_yuan": 2,
        "points_per_yuan": 100,
        "max_share_percent": 30,
        "check_in_points": 10,
        "streak_days": 7,
        "streak_bonus": 50,
        "review_points": 30,
        "silver_minor": 50_000,
        "gold_minor": 300_000,
        "diamond_minor": 1_000_000,
        "silver_multiplier": 110,
        "gold_multiplier": 130,
        "diamond_multiplier": 200,
        "silver_free_shipping_minor": None,
        "gold_free_shipping_minor": 0,
        "diamond_free_shipping_minor": 0,
        "inviter_points": 300,
        "invitee_points": 200,
        "invite_template_id": None,
        "birthday_template_id": None,
        "birthday_tier_rank": 1,
    }
    assert api("put", "/operator/loyalty-settings", json=body, user=reviewer).status_code == 403
    refused = api("put", "/operator/loyalty-settings", json={**body, "gold_minor": 40_000}, user=admin_operator)
    assert (refused.status_code, refused.json()["code"], refused.json()["field"]) == (
        422,
        "loyalty.tiers_not_rising",
        "gold_minor",
    )
    assert not LoyaltySettings.objects.exists()
    saved = api("put", "/operator/loyalty-settings", json=body, user=admin_operator)
    assert saved.status_code == 200
    assert saved.json()["tiers"][1] == {
        "code": "silver",
        "name": "白银会员",
        "spend": {"amount": "500.00", "currency": "CNY"},
        "multiplier": 110,
        "free_shipping_from": None,
        "birthday_coupon": False,
    }
    assert saved.json()["tiers"][2]["free_shipping_from"] == {"amount": "0.00", "currency": "CNY"}


def test_checkout_takes_points_and_answers_their_limits(api, buyer, home, shop):
    grant(buyer, 1000)
    body = {"address_id": home.pk, "buy_now": {"sku_id": factories.sku_of(shop).pk, "quantity": 1}, "points": 500}
    quote = api("post", "/checkout/quote", json=body, user=buyer).json()
    assert (quote["points"], quote["points_balance"], quote["points_most"]) == (500, 1000, 1000)
    assert quote["groups"][0]["adjustments"][0]["step"] == "points"
    too_many = api("post", "/checkout/quote", json={**body, "points": 1001}, user=buyer)
    assert (too_many.status_code, too_many.json()["code"], too_many.json()["field"]) == (
        422,
        "loyalty.points_insufficient",
        "points",
    )
    grant(buyer, 10_000)
    above = api("post", "/checkout/quote", json={**body, "points": 5000}, user=buyer)
    assert (above.status_code, above.json()["code"], above.json()["field"]) == (
        422,
        "promotions.points_above_cap",
        "points",
    )
    placed = api("post", "/checkout/place", json={**body, "fingerprint": quote["fingerprint"]}, user=buyer)
    assert placed.status_code == 201
    assert placed.json()["payment"]["amount"]["amount"] == "94.00"
