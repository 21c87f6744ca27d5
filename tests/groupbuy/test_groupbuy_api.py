"""The 拼团 API: a shop's campaigns, a product's groups, a group's page, buying through checkout, leaving."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import TestCase
from django.utils import timezone

from jishi.groupbuy.models import Team
from jishi.orders.models import Order
from jishi.payments.models import PaymentIntent
from tests import factories

pytestmark = pytest.mark.django_db


def hours(n: float) -> str:
    return (timezone.now() + dt.timedelta(hours=n)).isoformat()


@pytest.fixture
def product(merchant_staff, leaf_category):
    return factories.product(merchant_staff, leaf_category, price="129.00", stock=20)


@pytest.fixture
def campaign(api, merchant_staff, product):
    body = {
        "product_id": product.pk,
        "skus": [
            {
                "sku_id": factories.sku_of(product).pk,
                "tiers": [{"size": 2, "price": "99"}, {"size": 5, "price": "89"}, {"size": 10, "price": "79"}],
            }
        ],
        "starts_at": hours(-1),
        "ends_at": hours(48),
        "window_hours": 24,
        "per_user_limit": 2,
    }
    created = api("post", "/merchant/group-buys", user=merchant_staff, json=body)
    assert created.status_code == 201, created.json()
    return created.json()


def _buy(api, buyer, campaign, team_id=None):
    """Quote, place and pay a 拼团 buy through the API; the placed order's number."""
    address = factories.address(buyer)
    buy_now = {"sku_id": campaign["skus"][0]["sku_id"], "quantity": 1, "team_campaign_id": campaign["id"]}
    if team_id is not None:
        buy_now["team_id"] = team_id
    quote = api("post", "/checkout/quote", user=buyer, json={"address_id": address.pk, "buy_now": buy_now})
    assert quote.status_code == 200, quote.json()
    placed = api(
        "post",
        "/checkout/place",
        user=buyer,
        json={"address_id": address.pk, "buy_now": buy_now, "fingerprint": quote.json()["fingerprint"]},
    )
    assert placed.status_code == 201, placed.json()
    number = placed.json()["orders"][0]["number"]
    intent = PaymentIntent.objects.get(checkout_number=Order.objects.get(number=number).checkout_number)
    with TestCase.captureOnCommitCallbacks(execute=True):
        factories.pay(SimpleNamespace(intent=intent))
    return number


def test_a_shop_sets_up_a_tiered_group_buy_and_shoppers_see_it(api, campaign, merchant_staff, product):
    assert (campaign["min_size"], campaign["max_size"], campaign["window_minutes"]) == (2, 10, 1440)
    tiers = campaign["skus"][0]["tiers"]
    assert [(t["size"], t["price"]["amount"]) for t in tiers] == [(2, "99.00"), (5, "89.00"), (10, "79.00")]
    shown = api("get", f"/group-buys/products/{product.pk}").json()
    assert (shown["campaign"]["id"], shown["filling"]) == (campaign["id"], [])
    listed = api("get", "/merchant/group-buys", user=merchant_staff).json()
    assert [(c["id"], c["teams_open"]) for c in listed] == [(campaign["id"], 0)]


def test_opening_joining_and_leaving_a_group_through_the_api(api, campaign, buyer, other_buyer, product):
    opened = _buy(api, buyer, campaign)
    (filling,) = api("get", f"/group-buys/products/{product.pk}").json()["filling"]
    assert (filling["members"], filling["to_form"], filling["left"]) == (1, 1, 9)
    assert [(m["leader"], m["name"][-1]) for m in filling["members_shown"]] == [(True, "*")]
    _buy(api, other_buyer, campaign, team_id=filling["id"])
    page = api("get", f"/group-buys/groups/{filling['id']}").json()
    assert (page["status"], page["members"], page["to_form"]) == ("open", 2, 0)  # formed size, open to 10
    mine = api("get", "/group-buys/mine", user=buyer).json()
    assert [(s["order_number"], s["status"], s["team_status"]) for s in mine] == [(opened, "joined", "open")]
    left = api("post", f"/orders/{opened}/leave-group", user=buyer)
    assert left.status_code == 200, left.json()
    assert (left.json()["status"], left.json()["team_status"]) == ("left", "open")
    again = api("post", f"/orders/{opened}/leave-group", user=buyer)
    assert (again.status_code, again.json()["code"]) == (409, "groupbuy.not_grouping")
    assert api("post", f"/orders/{opened}/leave-group", user=other_buyer).status_code == 404
    team = Team.objects.get()
    assert (team.members, team.leader_id) == (1, other_buyer.pk)


def test_bad_group_buys_are_refused_with_the_field(api, merchant_staff, other_merchant_staff, campaign, product):
    body = {
        "product_id": product.pk,
        "skus": [{"sku_id": factories.sku_of(product).pk, "tiers": [{"size": 2, "price": "99"}]}],
        "starts_at": hours(-1),
        "ends_at": hours(2),
    }
    overlap = api("post", "/merchant/group-buys", user=merchant_staff, json=body)
    assert (overlap.status_code, overlap.json()["code"], overlap.json()["field"]) == (
        422,
        "groupbuy.campaign_overlaps",
        "starts_at",
    )
    assert api("post", "/merchant/group-buys", user=other_merchant_staff, json=body).status_code == 404
    stop = f"/merchant/group-buys/{campaign['id']}/stop"
    assert api("post", stop, user=other_merchant_staff).status_code == 404
    assert api("post", stop, user=merchant_staff).json()["status"] == "stopped"
    assert api("get", f"/group-buys/products/{product.pk}").json()["campaign"] is None
    assert api("get", "/group-buys/groups/999999").status_code == 404


def test_a_join_of_a_missing_group_or_without_its_campaign_is_refused(api, campaign, buyer):
    address = factories.address(buyer)
    sku_id = campaign["skus"][0]["sku_id"]
    missing = {"sku_id": sku_id, "quantity": 1, "team_campaign_id": campaign["id"], "team_id": 999999}
    answer = api("post", "/checkout/quote", user=buyer, json={"address_id": address.pk, "buy_now": missing})
    assert (answer.status_code, answer.json()["code"], answer.json()["field"]) == (
        404,
        "groupbuy.team_not_found",
        "team_id",
    )
    alone = {"sku_id": sku_id, "quantity": 1, "team_id": 5}
    assert (
        api("post", "/checkout/quote", user=buyer, json={"address_id": address.pk, "buy_now": alone}).status_code == 422
    )
