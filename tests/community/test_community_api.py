"""The 社区团购 API end to end: a leader applies and is approved, a shop publishes a campaign, a resident picks the
nearest point and orders for pickup, the cut-off batches it, the shop sends it, the leader receives it and hands
it over against the resident's code."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from jishi.community import services as community
from jishi.community.models import CommunityCampaign
from jishi.ledger import services as ledger
from jishi.payments.models import PaymentIntent
from tests import factories
from tests.community.conftest import campaign, completed, handed_over, leader, verified

pytestmark = pytest.mark.django_db

POINT = {
    "name": "阳光花园自提点",
    "kind": "shop",
    "province": "广东省",
    "city": "深圳市",
    "district": "福田区",
    "detail": "阳光花园 3 栋底商",
    "latitude": 22.5431,
    "longitude": 114.0579,
    "hours": "每天 9:00-21:00",
    "capacity": 200,
}


def hours(n: float) -> str:
    return (timezone.now() + dt.timedelta(hours=n)).isoformat()


def test_the_whole_community_flow_through_the_api(api, reviewer, merchant_staff, other_merchant_staff, buyer, shop_sku):
    # a verified resident applies to run a point; a reviewer approves it
    head = verified(reviewer)
    bad = api("post", "/community/leader-applications", user=head, json=POINT | {"latitude": 91.0})
    assert (bad.status_code, bad.json()["code"], bad.json()["field"]) == (
        422,
        "community.latitude_out_of_range",
        "latitude",
    )
    applied = api("post", "/community/leader-applications", user=head, json=POINT)
    assert applied.status_code == 201, applied.json()
    assert api("post", "/community/leader-applications", user=buyer, json=POINT).json()["code"] == (
        "community.real_name_required"
    )
    queue = api("get", "/operator/leaders", user=reviewer).json()
    assert [entry["id"] for entry in queue] == [applied.json()["id"]]
    assert api("get", "/operator/leaders", user=buyer).status_code == 403
    approved = api("post", f"/operator/leaders/{applied.json()['id']}/approve", user=reviewer)
    assert approved.json()["status"] == "approved"

    # the shop publishes a campaign; a cut-off in the past is refused
    campaign = {
        "title": "周末鲜果团",
        "items": [{"sku_id": shop_sku.pk, "price": "9.90"}],
        "starts_at": hours(-1),
        "cutoff_at": hours(-0.5),
        "pickup_on": (timezone.now() + dt.timedelta(days=1)).date().isoformat(),
        "leader_rate": "12",
    }
    past = api("post", "/merchant/community/campaigns", user=merchant_staff, json=campaign)
    assert (past.status_code, past.json()["field"]) == (422, "cutoff_at")
    wild = api(
        "post",
        "/merchant/community/campaigns",
        user=merchant_staff,
        json=campaign | {"leader_rate": "101", "cutoff_at": hours(5)},
    )
    assert (wild.status_code, wild.json()["field"]) == (422, "leader_rate")
    year_zero = campaign | {"cutoff_at": hours(5), "pickup_on": "0000-01-01"}  # once a 500
    assert api("post", "/merchant/community/campaigns", user=merchant_staff, json=year_zero).status_code == 422
    created = api("post", "/merchant/community/campaigns", user=merchant_staff, json=campaign | {"cutoff_at": hours(5)})
    assert created.status_code == 201, created.json()
    assert created.json()["leader_rate"] == "12"

    # the resident finds the nearest point, chooses it and sees its campaign
    near = api("get", "/community/points?lat=22.5440&lng=114.0590").json()
    assert [p["name"] for p in near] == ["阳光花园自提点"]
    assert api("get", "/community/points?lat=95&lng=114").status_code == 422
    chosen = api("put", "/community/me/point", user=buyer, json={"point_id": near[0]["id"]})
    assert chosen.status_code == 200
    (shown,) = api("get", f"/community/points/{near[0]['id']}/campaigns").json()
    assert shown["items"][0]["price"]["amount"] == "9.90"

    # and orders two for pickup at the community price, without a delivery fee
    address = factories.address(buyer)
    factories.in_cart(buyer, (shop_sku, 2))
    body = {"address_id": address.pk, "pickup_merchant_ids": [shop_sku.product.merchant_id]}
    quote = api("post", "/checkout/quote", user=buyer, json=body).json()
    placed = api("post", "/checkout/place", user=buyer, json=body | {"fingerprint": quote["fingerprint"]})
    assert placed.status_code == 201, placed.json()
    number = placed.json()["orders"][0]["number"]
    factories.pay(SimpleNamespace(intent=PaymentIntent.objects.get(checkout_number=placed.json()["checkout_number"])))
    mine = api("get", f"/community/orders/{number}/pickup", user=buyer).json()
    assert (mine["status"], len(mine["code"]), mine["point"]["name"]) == ("waiting", 6, "阳光花园自提点")
    assert api("get", f"/community/orders/{number}/pickup", user=head).status_code == 404

    # the cut-off passes: one batch for the point, which the shop sends (another shop cannot see it)
    CommunityCampaign.objects.update(cutoff_at=timezone.now() - dt.timedelta(seconds=1))
    community.campaigns_cut_off_due()
    (batch,) = api("get", "/merchant/community/batches?status=packing", user=merchant_staff).json()
    detail = api("get", f"/merchant/community/batches/{batch['id']}", user=merchant_staff).json()
    assert [(line["units"], line["orders"]) for line in detail["lines"]] == [(2, 1)]
    csv = api("get", f"/merchant/community/batches/{batch['id']}/dispatch.csv", user=merchant_staff)
    assert csv["Content-Type"].startswith("text/csv")
    assert "阳光花园自提点" in csv.content.decode("utf-8-sig")
    assert api("get", f"/merchant/community/batches/{batch['id']}", user=other_merchant_staff).status_code == 404
    assert (
        api("post", f"/merchant/community/batches/{batch['id']}/send", user=merchant_staff).json()["status"] == "sent"
    )

    # the leader confirms the arrival and hands the order over against the resident's code
    assert [b["status"] for b in api("get", "/leader/batches", user=head).json()] == ["sent"]
    assert api("get", "/leader/batches", user=buyer).json()["code"] == "community.not_a_leader"
    arrived = api("post", f"/leader/batches/{batch['id']}/arrive", user=head, json={"shortages": []})
    assert arrived.json()["status"] == "arrived"
    again = api("post", f"/leader/batches/{batch['id']}/arrive", user=head, json={})
    assert (again.status_code, again.json()["code"]) == (409, "community.batch_state")
    (ready,) = api("get", "/leader/pickups?status=ready", user=head).json()
    assert ready["order_number"] == number
    wrong = "000000" if mine["code"] != "000000" else "111111"
    assert api("post", "/leader/pickups/verify", user=head, json={"code": wrong}).status_code == 404
    handed = api("post", "/leader/pickups/verify", user=head, json={"code": mine["code"]})
    assert handed.json()["status"] == "collected"
    used = api("post", "/leader/pickups/verify", user=head, json={"code": mine["code"]})
    assert (used.status_code, used.json()["code"]) == (409, "community.pickup_used")


def test_a_leader_shares_a_campaign_earns_and_withdraws_through_the_api(
    api, reviewer, admin_operator, merchant_staff, shop_sku, buyer, finance
):

    head = leader(reviewer, admin_operator)
    running = campaign(merchant_staff, shop_sku, leader_rate_bp=1000)
    shared = api("get", "/leader/campaigns", user=head).json()
    assert [(c["id"], c["orders_via_link"]) for c in shared] == [(running.pk, 0)]
    assert shared[0]["share_path"] == f"/community/share/{running.pk}/{head.leader.pk}/"
    assert api("get", "/leader/campaigns", user=buyer).status_code == 403
    # the resident opens the link: with no point yet, the leader's becomes theirs
    follow = {"campaign_id": running.pk, "leader_id": head.leader.pk}
    assert api("post", "/community/share-links", user=buyer, json=follow).json()["id"] == head.leader.point.pk
    missing = api("post", "/community/share-links", user=buyer, json=follow | {"campaign_id": 999999})
    assert (missing.status_code, missing.json()["field"]) == (404, "campaign_id")
    factories.address(buyer, is_default=True)
    order = handed_over(head, merchant_staff, running, buyer, shop_sku, quantity=2)
    assert api("get", "/leader/earnings", user=head).json()["pending"]["amount"] == "1.98"
    lines = api("get", "/leader/earnings/entries", user=head).json()
    assert [(line["kind"], line["amount"]["amount"], line["order_number"]) for line in lines] == [
        ("leader_commission", "1.98", order.number)
    ]
    completed(order)
    ledger.orders_settle_due()
    assert api("get", "/leader/earnings", user=head).json()["available"]["amount"] == "1.98"
    assert api("get", "/leader/bank-account", user=head).status_code == 404
    bank = {"holder": "李团长", "bank": "招商银行", "number": "6225880112345678", "password": "wrong"}
    refused = api("put", "/leader/bank-account", user=head, json=bank)
    assert (refused.status_code, refused.json()["field"]) == (422, "password")
    bank["password"] = factories.PASSWORD
    assert api("put", "/leader/bank-account", user=head, json=bank).json()["status"] == "verified"
    too_much = api("post", "/leader/payouts", user=head, json={"amount": "1.99"})
    assert (too_much.status_code, too_much.json()["code"]) == (409, "ledger.insufficient_balance")
    made = api("post", "/leader/payouts", user=head, json={"amount": "1.98"})
    assert made.status_code == 201
    assert made.json()["leader_id"] == head.leader.pk
    assert [p["number"] for p in api("get", "/leader/payouts", user=head).json()] == [made.json()["number"]]
    queue = api("get", "/operator/payouts?status=requested", user=finance).json()
    assert [(p["number"], p["merchant_id"]) for p in queue] == [(made.json()["number"], None)]
