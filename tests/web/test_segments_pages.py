"""The operator console's member segments page (用户画像): a card per segment with its count and rule, its members
with masked phones, a form that sends a platform coupon to a segment, and the campaigns sent — for administrators
only. A refused send comes back on the page with its error and writes nothing."""

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

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

URL = "/operator/segments/"


@pytest.fixture(autouse=True)
def _tasks_recorded(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def member(merchant_staff: Any, leaf_category: Any) -> Any:
    """A new member with a mobile number, segmented."""
    food = factories.product(merchant_staff, leaf_category, title="渴望猫粮", price="99.00", stock=50)
    person = factories.user(email="m1@example.com", display_name="小王", phone="13812345678")
    factories.address(person, is_default=True)
    factories.pay(factories.place(person, (factories.sku_of(food), 1)))
    Order.objects.filter(buyer=person).update(paid_at=timezone.now() - dt.timedelta(days=2))
    services.member_segments_compute()
    return person


def _template(admin: Any, name: str = "新客回馈券") -> Any:
    data = promotions.CouponTemplateInput(
        name=name, kind=CouponKind.AMOUNT, amount=Money(500, "CNY"), total_quantity=10, valid_days=7, claimable=False
    )
    return promotions.coupon_template_create(actor=admin, data=data, platform=True)


def _state() -> tuple[int, int, int]:
    return SegmentCampaign.objects.count(), Coupon.objects.count(), AuditEntry.objects.count()


def test_the_urls_are_under_the_console():
    assert reverse("operator:segments") == URL
    assert reverse("operator:segment_members", args=["new"]) == "/operator/segments/new/"
    assert reverse("operator:segment_coupons", args=["new"]) == "/operator/segments/new/coupons/"


def test_an_administrator_sees_every_segment_with_its_count_rule_and_form(english, member, admin_operator):
    _template(admin_operator)
    english.force_login(admin_operator)
    page = english.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    for label in ("New members", "High-value members", "Active members", "At-risk members", "Lapsed members"):
        assert f"<span>{label}</span>" in html
    assert "First paid order within the last 30 days." in html
    assert html.count('name="template_id"') == 5
    assert "新客回馈券" in html
    assert 'href="/operator/segments/new/"' in html
    assert "No coupons sent to a segment yet." in html


def test_members_show_names_and_masked_phones(english, member, admin_operator):
    english.force_login(admin_operator)
    page = english.get("/operator/segments/new/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "小王" in html
    assert "138****5678" in html
    assert "13812345678" not in html
    assert english.get("/operator/segments/vip/").status_code == 404


def test_sending_through_the_form_gives_coupons_and_lists_the_campaign(english, member, admin_operator):
    template = _template(admin_operator)
    english.force_login(admin_operator)
    answer = english.post("/operator/segments/new/coupons/", {"template_id": str(template.pk)})
    assert answer.status_code == 302
    assert answer["Location"] == URL
    assert Coupon.objects.get(template=template).owner_id == member.pk
    page = english.get(URL).content.decode()
    assert "Coupons sent to New members: 1 given, 0 skipped" in page
    assert 'class="table segment-campaigns"' in page


def test_a_refused_send_comes_back_with_its_error_and_writes_nothing(english, member, admin_operator, merchant_staff):
    shops = promotions.coupon_template_create(
        actor=merchant_staff,
        data=promotions.CouponTemplateInput(
            name="店铺券", kind=CouponKind.AMOUNT, amount=Money(500, "CNY"), total_quantity=10, valid_days=7
        ),
    )
    _template(admin_operator)
    english.force_login(admin_operator)
    before = _state()
    answer = english.post(
        "/operator/segments/new/coupons/",
        {"template_id": str(shops.pk), "_form": "new"},
        HTTP_REFERER=f"http://testserver{URL}",
    )
    assert answer.status_code == 422
    assert "a shop&#x27;s coupon cannot be sent to a segment" in answer.content.decode()
    assert english.post("/operator/segments/new/coupons/", {"template_id": "x"}).status_code == 302
    assert _state() == before


@pytest.mark.parametrize("actor_name", ["anonymous", "buyer", "reviewer"])
def test_only_administrators_get_the_page_and_a_refused_post_changes_nothing(
    client, actor_name, member, buyer, reviewer, admin_operator
):
    actor = {"anonymous": None, "buyer": buyer, "reviewer": reviewer}[actor_name]
    template = _template(admin_operator)
    if actor is not None:
        client.force_login(actor)
    before = _state()
    answers = [
        client.get(URL),
        client.get("/operator/segments/new/"),
        client.post("/operator/segments/new/coupons/", {"template_id": str(template.pk)}),
    ]
    for response in answers:
        if actor is None:
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("buyer:login"))
        else:
            assert response.status_code == 403
    assert _state() == before
