"""The operator console's promotions pages: platform coupons, flash-sale sessions and their review, and the costs.

Only administrators (PLATFORM_PROMOTIONS) get them; everyone else gets
what the rest of the console gives them, and a refused post changes
nothing. Then the flows: issuing and stopping a platform coupon and
making its codes, opening a session, deciding a shop's application, and
the cost of a paid order's platform coupon.
"""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from jishi.core.models import AuditEntry
from jishi.core.money import Money
from jishi.promotions import services as promotions
from jishi.promotions.models import CouponCode, CouponTemplate, FlashItem, FlashItemStatus, FlashSession
from jishi.promotions.pricing import CouponKind
from tests import factories

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
PAGES = ["operator:promotions", "operator:flash", "operator:promotion_costs"]


def yuan(amount: str) -> Money:
    return Money.parse(amount, "CNY")


def _coupon_post(**changes: str) -> dict[str, str]:
    return {
        "name": "平台满100减10",
        "kind": "amount",
        "amount": "10",
        "percent_off": "",
        "min_spend": "100",
        "shop": "",
        "valid_until": "",
        "valid_days": "7",
        "total_quantity": "1000",
        "per_user_limit": "2",
        "claimable": "on",
    } | changes


def _platform_coupon(admin: Any, **changes: Any) -> CouponTemplate:
    data = promotions.CouponTemplateInput(
        name="平台满100减20",
        kind=CouponKind.AMOUNT,
        amount=yuan("20.00"),
        min_spend=yuan("100.00"),
        total_quantity=100,
        valid_days=7,
    )
    return promotions.coupon_template_create(actor=admin, data=data, platform=True)


def _state() -> tuple[int, int, int, int, list[str]]:
    return (
        AuditEntry.objects.count(),
        CouponTemplate.objects.count(),
        CouponCode.objects.count(),
        FlashSession.objects.count(),
        list(FlashItem.objects.order_by("pk").values_list("status", flat=True)),
    )


@pytest.fixture
def application(admin_operator: Any, merchant_staff: Any, leaf_category: Any) -> FlashItem:
    """A shop's SKU at ¥59.00 applied at ¥39.00 (quota 5, 2 per buyer) to a session starting in an hour."""
    starts = timezone.now() + dt.timedelta(hours=1)
    session = promotions.flash_session_create(
        actor=admin_operator, title="20:00场", starts_at=starts, ends_at=starts + dt.timedelta(hours=2)
    )
    product = factories.product(merchant_staff, leaf_category, title="秒杀猫砂 10L", price="59.00", stock=10)
    return promotions.flash_item_apply(
        actor=merchant_staff,
        data=promotions.FlashApplication(
            session_id=session.pk, sku_id=factories.sku_of(product).pk, price=yuan("39.00"), quota=5, per_user_limit=2
        ),
    )


# Who gets the pages ------------------------------------------------------------------------------


@pytest.mark.parametrize("actor_name", ["anonymous", "buyer", "merchant_staff", "reviewer"])
def test_only_administrators_get_the_pages_and_a_refused_post_changes_nothing(
    client, actor_name, buyer, merchant_staff, reviewer, admin_operator, application
):
    # given
    actor = {"anonymous": None, "buyer": buyer, "merchant_staff": merchant_staff, "reviewer": reviewer}[actor_name]
    template = _platform_coupon(admin_operator)
    if actor is not None:
        client.force_login(actor)
    posts = [
        (reverse("operator:promotions_coupon_new"), _coupon_post()),
        (reverse("operator:promotions_coupon_stop", args=[template.pk]), {}),
        (reverse("operator:promotions_coupon_codes", args=[template.pk]), {"count": "5"}),
        (reverse("operator:flash_session_new"), {"title": "x", "starts_at": "2030-01-01T10:00"}),
        (reverse("operator:flash_decide", args=[application.pk]), {"decision": "approve"}),
    ]
    before = _state()
    # when
    answers = [client.get(reverse(name)) for name in PAGES] + [client.post(url, data) for url, data in posts]
    # then
    for response in answers:
        if actor is None:
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("buyer:login"))
        else:
            assert response.status_code == 403
    assert _state() == before


def test_the_console_nav_links_the_pages_for_administrators_only(client, admin_operator, reviewer):
    client.force_login(admin_operator)
    html = client.get(reverse("operator:home")).content.decode()
    assert f'href="{reverse("operator:promotions")}"' in html
    assert f'href="{reverse("operator:flash")}"' in html
    client.force_login(reviewer)
    html = client.get(reverse("operator:home")).content.decode()
    assert reverse("operator:promotions") not in html
    assert reverse("operator:flash") not in html


# Platform coupons --------------------------------------------------------------------------------


def test_an_administrator_issues_a_platform_coupon_through_the_form(client, admin_operator, merchant_staff):
    client.force_login(admin_operator)
    merchant = merchant_staff.membership.merchant
    # when
    response = client.post(reverse("operator:promotions_coupon_new"), _coupon_post(shop=str(merchant.pk)))
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("operator:promotions")
    template = CouponTemplate.objects.get()
    assert template.merchant_id is None  # the platform's
    assert (template.name, template.kind, template.amount_minor, template.min_spend_minor) == (
        "平台满100减10",
        "amount",
        1000,
        10000,
    )
    assert (template.scope_merchant_id, template.valid_days, template.valid_until) == (merchant.pk, 7, None)
    assert (template.total_quantity, template.per_user_limit, template.exclusive, template.claimable) == (
        1000,
        2,
        False,
        True,
    )
    page = client.get(reverse("operator:promotions"))
    (row,) = page.context["rows"]
    assert (row.template.pk, row.cost.orders, row.cost.amount, row.state) == (template.pk, 0, yuan("0"), "active")
    html = page.content.decode()
    assert "平台满100减10" in html
    assert "¥10.00" in html
    assert merchant.name in html
    assert "0 / 1000" in html


def test_a_coupon_with_an_end_date_time_is_read_in_shanghai_time(client, admin_operator):
    client.force_login(admin_operator)
    until = (timezone.localtime() + dt.timedelta(days=3)).replace(hour=23, minute=59, second=0, microsecond=0)
    post = _coupon_post(
        kind="percent", amount="20", percent_off="10", valid_days="", valid_until=f"{until:%Y-%m-%dT%H:%M}"
    )
    assert client.post(reverse("operator:promotions_coupon_new"), post).status_code == 302
    template = CouponTemplate.objects.get()
    assert (template.kind, template.percent_off, template.amount_minor) == ("percent", 10, 2000)
    assert template.valid_until == until.replace(tzinfo=SHANGHAI)
    assert template.valid_days is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "percent", "amount": "", "percent_off": "150"}, "percent_off"),
        ({"amount": "100", "min_spend": "100"}, "amount"),
        ({"amount": "120", "min_spend": "100"}, "amount"),
        ({"valid_days": ""}, "valid_until"),
        ({"shop": "999999"}, "shop"),
        ({"amount": "10.001"}, "amount"),
    ],
)
def test_a_bad_platform_coupon_comes_back_with_the_error_and_writes_nothing(client, admin_operator, changes, field):
    client.force_login(admin_operator)
    before = _state()
    # when
    response = client.post(reverse("operator:promotions_coupon_new"), _coupon_post(**changes))
    # then
    assert response.status_code == 422
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert f'id="id_{field}-error"' in response.content.decode()
    assert form["name"].value() == "平台满100减10"  # what was typed stays
    assert _state() == before


def test_stopping_a_platform_coupon(client, admin_operator):
    template = _platform_coupon(admin_operator)
    client.force_login(admin_operator)
    response = client.post(reverse("operator:promotions_coupon_stop", args=[template.pk]))
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.status == "stopped"
    (row,) = client.get(reverse("operator:promotions")).context["rows"]
    assert row.state == "cancelled"


def test_codes_are_made_and_shown_once(client, admin_operator):
    template = _platform_coupon(admin_operator)
    client.force_login(admin_operator)
    # when
    response = client.post(reverse("operator:promotions_coupon_codes", args=[template.pk]), {"count": "3"})
    # then
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    codes = set(CouponCode.objects.filter(template=template).values_list("code", flat=True))
    assert len(codes) == 3
    assert set(response.context["codes"].split("\n")) == codes
    html = response.content.decode()
    assert all(code in html for code in codes)
    assert not any(code in client.get(reverse("operator:promotions")).content.decode() for code in codes)


def test_too_many_codes_are_refused(client, admin_operator):
    template = _platform_coupon(admin_operator)
    client.force_login(admin_operator)
    response = client.post(reverse("operator:promotions_coupon_codes", args=[template.pk]), {"count": "10001"})
    assert response.status_code == 302
    assert CouponCode.objects.count() == 0


# Flash sales -------------------------------------------------------------------------------------


def test_an_administrator_opens_a_session(client, admin_operator):
    client.force_login(admin_operator)
    starts = (timezone.localtime() + dt.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    post = {
        "title": "10:00场",
        "starts_at": f"{starts:%Y-%m-%dT%H:%M}",
        "ends_at": f"{starts + dt.timedelta(hours=2):%Y-%m-%dT%H:%M}",
        "real_name_required": "on",
    }
    # when
    response = client.post(reverse("operator:flash_session_new"), post)
    # then
    assert response.status_code == 302
    session = FlashSession.objects.get()
    assert (session.title, session.real_name_required) == ("10:00场", True)
    assert session.starts_at == starts.replace(tzinfo=SHANGHAI)
    assert session.ends_at - session.starts_at == dt.timedelta(hours=2)
    page = client.get(reverse("operator:flash"))
    assert page.context["sessions"] == [session]
    assert "10:00场" in page.content.decode()


def test_a_session_without_the_real_name_box_admits_every_buyer(client, admin_operator):
    client.force_login(admin_operator)
    starts = timezone.localtime() + dt.timedelta(hours=1)
    ends = starts + dt.timedelta(hours=1)
    post = {"title": "夜场", "starts_at": f"{starts:%Y-%m-%dT%H:%M}", "ends_at": f"{ends:%Y-%m-%dT%H:%M}"}
    assert client.post(reverse("operator:flash_session_new"), post).status_code == 302
    assert FlashSession.objects.get().real_name_required is False


def test_a_session_ending_before_it_starts_comes_back_with_the_error(client, admin_operator):
    client.force_login(admin_operator)
    starts = timezone.localtime() + dt.timedelta(hours=3)
    post = {
        "title": "错场",
        "starts_at": f"{starts:%Y-%m-%dT%H:%M}",
        "ends_at": f"{starts - dt.timedelta(hours=1):%Y-%m-%dT%H:%M}",
    }
    response = client.post(reverse("operator:flash_session_new"), post)
    assert response.status_code == 422
    assert list(response.context["form"].errors) == ["ends_at"]
    assert FlashSession.objects.count() == 0


def test_a_shops_application_shows_in_the_queue(client, admin_operator, application):
    client.force_login(admin_operator)
    # when
    page = client.get(reverse("operator:flash"))
    # then
    assert list(page.context["items"]) == [application]
    html = page.content.decode()
    assert "秒杀猫砂 10L" in html
    assert "¥59.00" in html
    assert "¥39.00" in html
    assert application.merchant.name in html
    assert reverse("operator:flash_decide", args=[application.pk]) in html
    assert list(client.get(reverse("operator:flash"), {"status": "approved"}).context["items"]) == []


def test_approving_an_application(client, admin_operator, application):
    client.force_login(admin_operator)
    # when
    response = client.post(reverse("operator:flash_decide", args=[application.pk]), {"decision": "approve"})
    # then
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == FlashItemStatus.APPROVED
    page = client.get(reverse("operator:flash"))
    assert list(page.context["items"]) == []
    (session,) = page.context["sessions"]
    assert list(session.items.all()) == [application]  # in the session's list now
    assert list(client.get(reverse("operator:flash"), {"status": "approved"}).context["items"]) == [application]


def test_rejecting_an_application_needs_a_reason(client, admin_operator, application):
    client.force_login(admin_operator)
    url = reverse("operator:flash_decide", args=[application.pk])
    # when no reason is given
    response = client.post(url, {"decision": "reject", "reason": "  "})
    # then nothing is decided
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.reason) == (FlashItemStatus.APPLIED, "")
    # when a reason is given
    client.post(url, {"decision": "reject", "reason": "价格不够低"})
    # then
    application.refresh_from_db()
    assert (application.status, application.reason) == (FlashItemStatus.REJECTED, "价格不够低")
    page = client.get(reverse("operator:flash"), {"status": "rejected"})
    assert list(page.context["items"]) == [application]
    assert "价格不够低" in page.content.decode()


def test_deciding_twice_is_refused_on_the_page(client, admin_operator, application):
    client.force_login(admin_operator)
    url = reverse("operator:flash_decide", args=[application.pk])
    client.post(url, {"decision": "approve"})
    response = client.post(url, {"decision": "reject", "reason": "晚了"}, HTTP_REFERER=reverse("operator:flash"))
    assert response.status_code == 422
    application.refresh_from_db()
    assert application.status == FlashItemStatus.APPROVED


# Costs -------------------------------------------------------------------------------------------


def test_the_cost_report_shows_a_paid_orders_platform_coupon(
    client, admin_operator, buyer, merchant_staff, leaf_category
):
    # given: 2 × ¥59.00 paid with the platform's 满100减20
    template = _platform_coupon(admin_operator)
    promotions.coupon_claim(actor=buyer, template_id=template.pk)
    product = factories.product(merchant_staff, leaf_category, price="59.00", stock=10)
    factories.pay(factories.place(buyer, (factories.sku_of(product), 2)))
    client.force_login(admin_operator)
    # when
    page = client.get(reverse("operator:promotion_costs"), {"days": "7"})
    # then
    assert page.status_code == 200
    assert page.context["days"] == 7
    ((label, row),) = page.context["rows"]
    assert (row.step, row.funded_by_platform, row.orders, row.amount) == ("platform_coupon", True, 1, yuan("20.00"))
    assert str(label) != "platform_coupon"  # named for people
    assert page.context["platform_paid"] == yuan("20.00")
    assert page.context["shops_paid"] == yuan("0")
    assert page.context["subsidy_balance"] == yuan("20.00")
    assert "¥20.00" in page.content.decode()
    (coupon_row,) = client.get(reverse("operator:promotions")).context["rows"]
    assert (coupon_row.cost.orders, coupon_row.cost.amount, coupon_row.template.used_count) == (1, yuan("20.00"), 1)


def test_the_cost_report_period_is_7_30_or_90_days(client, admin_operator):
    client.force_login(admin_operator)
    assert client.get(reverse("operator:promotion_costs"), {"days": "90"}).context["days"] == 90
    assert client.get(reverse("operator:promotion_costs"), {"days": "5"}).context["days"] == 30
    page = client.get(reverse("operator:promotion_costs"))
    assert (page.context["days"], page.context["rows"], page.context["platform_paid"]) == (30, [], yuan("0"))
