"""The member segments' API: counts (query count pinned), members with masked phones, sending a coupon to a
segment and the campaigns — administrators only, bad input a 4xx with nothing written."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from jishi.accounts import services as accounts
from jishi.analytics import services
from jishi.analytics.models import SegmentCampaign
from jishi.core.models import AuditEntry
from jishi.core.money import Money
from jishi.orders.models import Order
from jishi.promotions import services as promotions
from jishi.promotions.models import Coupon
from jishi.promotions.pricing import CouponKind
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tasks_recorded(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def members(merchant_staff: Any, leaf_category: Any) -> list[Any]:
    """Two new members (one with a mobile number), and one lapsed, segmented."""
    food = factories.product(merchant_staff, leaf_category, title="渴望猫粮", price="99.00", stock=50)
    people = [
        factories.user(email="m1@example.com", display_name="小王", phone="13812345678"),
        factories.user(email="m2@example.com", display_name=""),
        factories.user(email="m3@example.com"),
    ]
    now = timezone.now()
    for person, days_ago in zip(people, (1, 2, 300), strict=True):
        factories.address(person, is_default=True)
        factories.pay(factories.place(person, (factories.sku_of(food), 1)))
        Order.objects.filter(buyer=person).update(paid_at=now - dt.timedelta(days=days_ago))
    services.member_segments_compute(now=now)
    return people


def _template(admin: Any, **fields: Any) -> Any:
    data = promotions.CouponTemplateInput(
        name="新客券", kind=CouponKind.AMOUNT, amount=Money(500, "CNY"), total_quantity=10, valid_days=7, **fields
    )
    return promotions.coupon_template_create(actor=admin, data=data, platform=True)


def test_counts_list_every_segment_in_two_queries(client, members, admin_operator, django_assert_num_queries):
    _, secret = accounts.token_create(user=admin_operator)
    headers = {"Authorization": f"Bearer {secret}"}
    client.get("/api/v1/operator/segments", headers=headers)  # a token's once-a-minute touch is not the cost
    # the token with its user, and one grouped query for every segment's count and the time computed
    with django_assert_num_queries(2):
        answer = client.get("/api/v1/operator/segments", headers=headers)
    assert answer.status_code == 200
    body = answer.json()
    assert [(s["segment"], s["members"]) for s in body["segments"]] == [
        ("new", 2),
        ("high_value", 0),
        ("active", 0),
        ("at_risk", 0),
        ("lapsed", 1),
    ]
    assert all(s["label"] and s["rule"] for s in body["segments"])
    assert body["computed_at"] is not None


def test_members_are_paged_with_masked_phones(api, members, admin_operator):
    answer = api("get", "/operator/segments/new/members?page=1", user=admin_operator)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["segment"], body["count"], body["page"], body["pages"]) == ("new", 2, 1, 1)
    first = next(item for item in body["items"] if item["user_id"] == members[0].pk)
    assert (first["name"], first["phone"], first["frequency"]) == ("小王", "138****5678", 1)
    assert "13812345678" not in answer.content.decode()
    second = next(item for item in body["items"] if item["user_id"] == members[1].pk)
    assert second["phone"] == ""
    assert second["name"] != "m2@example.com"  # masked, never the whole address


def test_an_unknown_segment_is_a_422_naming_it(api, members, admin_operator):
    answer = api("get", "/operator/segments/vip/members", user=admin_operator)
    assert answer.status_code == 422
    assert (answer.json()["code"], answer.json()["field"]) == ("analytics.unknown_segment", "segment")
    assert answer.json()["message"]


def test_an_administrator_sends_a_coupon_and_sees_the_campaign(api, members, admin_operator):
    template = _template(admin_operator)
    answer = api("post", "/operator/segments/new/coupons", user=admin_operator, json={"template_id": template.pk})
    assert answer.status_code == 201
    body = answer.json()
    assert (body["segment"], body["targeted"], body["given"], body["skipped"], body["used"]) == ("new", 2, 2, 0, 0)
    assert set(Coupon.objects.filter(template=template).values_list("owner_id", flat=True)) == {
        members[0].pk,
        members[1].pk,
    }
    campaigns = api("get", "/operator/segment-campaigns", user=admin_operator).json()
    assert [(c["id"], c["template_name"], c["given"], c["used"]) for c in campaigns] == [(body["id"], "新客券", 2, 0)]


@pytest.mark.parametrize(
    ("segment", "template", "status", "code", "field"),
    [
        ("vip", "platform", 422, "analytics.unknown_segment", "segment"),
        ("new", "shop", 422, "analytics.shop_template", "template_id"),
        ("new", "missing", 404, "promotions.template_not_found", "template_id"),
        ("new", "stopped", 409, "promotions.coupon_not_claimable", "template_id"),
    ],
)
def test_bad_sends_are_refused_and_nothing_is_written(
    api, members, admin_operator, merchant_staff, segment, template, status, code, field
):
    # given a platform template, a shop's and a stopped one
    platform = _template(admin_operator)
    stopped = _template(admin_operator)
    promotions.coupon_template_stop(actor=admin_operator, template_id=stopped.pk)
    shops = promotions.coupon_template_create(
        actor=merchant_staff,
        data=promotions.CouponTemplateInput(
            name="店铺券", kind=CouponKind.AMOUNT, amount=Money(500, "CNY"), total_quantity=10, valid_days=7
        ),
    )
    ids = {"platform": platform.pk, "shop": shops.pk, "missing": 10**9, "stopped": stopped.pk}
    audits = AuditEntry.objects.count()
    # when sent
    answer = api(
        "post", f"/operator/segments/{segment}/coupons", user=admin_operator, json={"template_id": ids[template]}
    )
    # then refused, naming the field, and nothing written
    assert answer.status_code == status
    assert (answer.json()["code"], answer.json()["field"]) == (code, field)
    assert (SegmentCampaign.objects.count(), Coupon.objects.count(), AuditEntry.objects.count()) == (0, 0, audits)


def test_a_body_without_a_template_is_a_422(api, members, admin_operator):
    answer = api("post", "/operator/segments/new/coupons", user=admin_operator, json={"template_id": "1"})
    assert answer.status_code == 422
    assert answer.json()["field"] == "template_id"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/operator/segments"),
        ("get", "/operator/segments/new/members"),
        ("post", "/operator/segments/new/coupons"),
        ("get", "/operator/segment-campaigns"),
    ],
)
def test_only_administrators_may(api, members, admin_operator, reviewer, buyer, method, path):
    template = _template(admin_operator)
    body = {"template_id": template.pk} if method == "post" else None
    assert api(method, path, json=body).status_code == 401
    for actor in (reviewer, buyer):
        answer = api(method, path, user=actor, json=body)
        assert answer.status_code == 403
    assert (SegmentCampaign.objects.count(), Coupon.objects.count()) == (0, 0)
