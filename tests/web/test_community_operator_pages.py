"""The operator console's community group-buying pages: the group leaders' applications, the pickup points and
their map, and the group-buying panel of the dashboard.

Reviewers and administrators (LEADER_REVIEW) get the leaders' and points'
pages; anyone else is refused and nothing changes. The dashboard's panel
counts real 拼团 groups and real paid pickup orders.
"""

import datetime as dt
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from jishi.community import selectors
from jishi.community import services as community
from jishi.community.models import Leader, LeaderStatus
from jishi.core.errors import PermissionDenied
from jishi.core.models import AuditEntry
from jishi.core.money import Money
from jishi.groupbuy import services as groupbuy
from jishi.groupbuy.models import Team, TeamStatus
from jishi.orders.models import Order
from jishi.web.operator.community import MAP_HEIGHT, MAP_MARGIN, MAP_WIDTH, point_map
from tests import factories
from tests.community.conftest import campaign, order_for_pickup, point_input, shop_sku, verified  # noqa: F401 - the fixture
from tests.groupbuy.conftest import campaign as team_campaign
from tests.groupbuy.conftest import join

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tasks_recorded(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def _apply(reviewer: Any, name: str = "阳光花园自提点", display_name: str = "王阿姨", **point: Any) -> Leader:
    """A verified resident's application to run a pickup point, awaiting review."""
    user = verified(reviewer, display_name=display_name)
    return community.leader_apply(actor=user, data=point_input(name=name, **point))


@pytest.fixture
def application(reviewer: Any) -> Leader:
    return _apply(reviewer)


def _state() -> tuple[int, list[tuple[str, str]]]:
    return AuditEntry.objects.count(), list(Leader.objects.order_by("pk").values_list("status", "reason"))


def _map_svg(page: str) -> str:
    return page.split('<figure class="panel point-map">')[1].split("</svg>", maxsplit=1)[0]


# The leaders' applications ---------------------------------------------------------------------------------


def test_the_queue_lists_an_application_with_its_point(english, reviewer, application):
    english.force_login(reviewer)
    page = english.get(reverse("operator:leaders")).content.decode()
    assert "王阿姨" in page
    assert "阳光花园自提点" in page
    assert '<span class="badge">Shop</span>' in page  # the kind of place
    assert "广东省深圳市福田区阳光花园 3 栋底商" in page
    assert "22.543100, 114.057900" in page
    assert "每天 9:00-21:00" in page
    assert '<td class="amount">200</td>' in page
    assert application.applied_at.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d %H:%M") in page
    assert reverse("operator:leader_decide", args=[application.pk]) in page
    assert f'href="{reverse("operator:leaders")}" class="active" aria-current="page">Group leaders</a>' in page


def test_an_approved_leader_leaves_the_queue_and_shows_under_approved(english, reviewer, application):
    english.force_login(reviewer)
    response = english.post(reverse("operator:leader_decide", args=[application.pk]), {"decision": "approve"})
    assert response.status_code == 302
    assert response["Location"] == reverse("operator:leaders")
    application.refresh_from_db()
    assert (application.status, application.decided_by_id) == (LeaderStatus.APPROVED, reviewer.pk)
    assert AuditEntry.objects.filter(action="community.leader_approved").count() == 1
    queue = english.get(reverse("operator:leaders")).content.decode()
    assert "阳光花园自提点" not in queue
    assert "Nothing waiting." in queue
    approved = english.get(reverse("operator:leaders") + "?status=approved").content.decode()
    assert reverse("operator:leader_suspend", args=[application.pk]) in approved


def test_a_rejection_needs_a_reason(english, reviewer, application):
    english.force_login(reviewer)
    before = _state()
    english.post(reverse("operator:leader_decide", args=[application.pk]), {"decision": "reject", "reason": " "})
    assert _state() == before
    shown = english.get(reverse("operator:leaders")).content.decode()
    assert "Give the reason for the rejection." in shown
    english.post(
        reverse("operator:leader_decide", args=[application.pk]), {"decision": "reject", "reason": "地址不在小区内"}
    )
    application.refresh_from_db()
    assert (application.status, application.reason) == (LeaderStatus.REJECTED, "地址不在小区内")
    rejected = english.get(reverse("operator:leaders") + "?status=rejected").content.decode()
    assert "地址不在小区内" in rejected


def test_a_suspension_needs_a_reason_and_closes_the_point(english, reviewer, admin_operator, application):
    community.leader_approve(actor=reviewer, leader_id=application.pk)
    english.force_login(admin_operator)
    url = reverse("operator:leader_suspend", args=[application.pk])
    before = _state()
    refused = english.post(url, {"reason": ""})
    assert refused["Location"] == reverse("operator:leaders") + "?status=approved"
    assert _state() == before
    assert "Give the reason for the suspension." in english.get(refused["Location"]).content.decode()
    english.post(url, {"reason": "多次未按时到货"})
    application.refresh_from_db()
    assert (application.status, application.reason) == (LeaderStatus.SUSPENDED, "多次未按时到货")
    assert selectors.point_open(application.point.pk) is None
    suspended = english.get(reverse("operator:leaders") + "?status=suspended").content.decode()
    assert "多次未按时到货" in suspended


def test_a_decision_on_a_decided_application_is_refused_and_changes_nothing(english, reviewer, application):
    community.leader_reject(actor=reviewer, leader_id=application.pk, reason="资料不全")
    english.force_login(reviewer)
    before = _state()
    queue = reverse("operator:leaders")
    response = english.post(
        reverse("operator:leader_decide", args=[application.pk]), {"decision": "approve"}, HTTP_REFERER=queue
    )
    assert response.status_code == 422  # the queue again, with the error on top
    assert "This application has been decided already." in response.content.decode()
    assert _state() == before
    suspend = english.post(reverse("operator:leader_suspend", args=[application.pk]), {"reason": "x"})
    assert suspend.status_code == 302
    assert _state() == before
    assert english.post(reverse("operator:leader_decide", args=[999_999]), {"decision": "approve"}).status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "buyer", "finance", "merchant_staff"])
def test_the_pages_and_posts_are_refused_to_anyone_but_reviewers(request, client, who, application):
    actor = None if who == "anonymous" else request.getfixturevalue(who)
    if actor is not None:
        client.force_login(actor)
    before = _state()
    pages = [
        ("get", reverse("operator:leaders"), None),
        ("get", reverse("operator:pickup_points"), None),
        ("post", reverse("operator:leader_decide", args=[application.pk]), {"decision": "approve"}),
        ("post", reverse("operator:leader_decide", args=[application.pk]), {"decision": "reject", "reason": "x"}),
        ("post", reverse("operator:leader_suspend", args=[application.pk]), {"reason": "x"}),
    ]
    for method, url, data in pages:
        response = getattr(client, method)(url, data)
        if actor is None:
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("buyer:login")), url
        else:
            assert response.status_code == 403, (who, url)
    assert _state() == before
    if actor is not None and actor.operator_role:  # an operator without the permission has no menu entry either
        console = client.get(reverse("operator:home")).content.decode()
        assert reverse("operator:leaders") not in console
        assert reverse("operator:pickup_points") not in console


# The pickup points -------------------------------------------------------------------------------------------


def test_the_points_page_lists_every_point_and_draws_one_circle_for_each(english, reviewer, admin_operator):
    # given: an open point, one awaiting review and a suspended one, in two cities
    opened = _apply(reviewer, name="阳光花园自提点", latitude=22.5431, longitude=114.0579)
    community.leader_approve(actor=admin_operator, leader_id=opened.pk)
    _apply(reviewer, name="海景苑驿站", display_name="陈师傅", latitude=22.5200, longitude=113.9300)
    closed = _apply(reviewer, name="<b>锦绣&家园</b>", latitude=23.1291, longitude=113.2644, city="广州市")
    community.leader_approve(actor=admin_operator, leader_id=closed.pk)
    community.leader_suspend(actor=admin_operator, leader_id=closed.pk, reason="暂停营业")
    english.force_login(reviewer)
    # when
    page = english.get(reverse("operator:pickup_points")).content.decode()
    # then
    svg = _map_svg(page)
    assert svg.count("<circle ") == 3
    assert 'class="pin approved"' in svg
    assert 'class="pin applied"' in svg
    assert 'class="pin suspended"' in svg
    assert "<title>阳光花园自提点 · Approved</title>" in svg
    assert "&lt;b&gt;锦绣&amp;家园&lt;/b&gt;" in svg
    assert "<b>锦绣" not in page
    assert "style=" not in svg
    assert "广州市" in page
    assert "陈师傅" in page
    assert "23.129100," in page
    assert page.count('<tr id="point-') == 3
    assert f'href="#point-{opened.point.pk}"' in svg


def test_the_map_fits_the_points_in_the_view_north_up_and_east_right():
    def at(pk: int, latitude: float, longitude: float, status: str = "approved") -> Any:
        return SimpleNamespace(
            pk=pk, name=f"P{pk}", latitude=latitude, longitude=longitude, leader=SimpleNamespace(status=status)
        )

    # given: Shenzhen, Guangzhou to its north-west, and Dongguan between them
    drawn = point_map([at(1, 22.5431, 114.0579), at(2, 23.1291, 113.2644, "suspended"), at(3, 23.0205, 113.7518)])
    pins = {pin.point_id: pin for pin in drawn.pins}
    # then: inside the margin, north up and east right, one scale fitting the taller side exactly
    assert all(MAP_MARGIN - 0.1 <= p.x <= MAP_WIDTH - MAP_MARGIN + 0.1 for p in pins.values())
    assert all(MAP_MARGIN - 0.1 <= p.y <= MAP_HEIGHT - MAP_MARGIN + 0.1 for p in pins.values())
    assert pins[2].y < pins[3].y < pins[1].y
    assert pins[2].x < pins[3].x < pins[1].x
    assert (pins[2].y, pins[1].y) == (MAP_MARGIN, MAP_HEIGHT - MAP_MARGIN)
    assert [pin.point_id for pin in drawn.pins] == [2, 1, 3]  # the open points drawn last, on top
    assert drawn.parallels
    assert drawn.meridians
    assert all(line.label.endswith("°N") for line in drawn.parallels)
    # a single point sits in the middle
    (alone,) = point_map([at(9, 39.9042, 116.4074)]).pins
    assert (alone.x, alone.y) == (MAP_WIDTH / 2, MAP_HEIGHT / 2)
    assert point_map([]).pins == []


def test_with_no_point_the_page_says_so(english, reviewer):
    english.force_login(reviewer)
    page = english.get(reverse("operator:pickup_points")).content.decode()
    assert "No pickup points yet." in page
    assert "point-map" not in page


# The dashboard -----------------------------------------------------------------------------------------------


def _group_buying(page: str) -> str:
    return page.split('<section class="panel group-buying"')[1].split("</section>", maxsplit=1)[0]


def test_the_dashboard_shows_the_fill_rate_and_each_point_s_pickup_orders(
    english,
    reviewer,
    admin_operator,
    finance,
    merchant_staff,
    leaf_category,
    shop_sku,  # noqa: F811
    buyer,
    other_buyer,
):
    # given: a 拼团 group that formed and one that was dissolved
    product = factories.product(merchant_staff, leaf_category, title="拼团猫粮", price="129.00", stock=20)
    pair = team_campaign(merchant_staff, product, (2, "99.00"))
    join(factories.user(), pair)
    join(factories.user(), pair, team_id=Team.objects.get().pk)
    join(factories.user(), pair)
    lonely = Team.objects.get(status=TeamStatus.OPEN)
    Team.objects.filter(pk=lonely.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert groupbuy.team_close_due(team_id=lonely.pk) == TeamStatus.DISSOLVED
    # and: a point whose residents paid three pickup orders, one of them 40 days ago
    head = _apply(reviewer, name="阳光花园自提点", display_name="王阿姨")
    community.leader_approve(actor=admin_operator, leader_id=head.pk)
    campaign(merchant_staff, shop_sku, price="9.90")
    residents = [buyer, other_buyer, factories.user()]
    for resident in residents:
        community.point_choose(actor=resident, point_id=head.point.pk)
        factories.address(resident, is_default=True)
    orders = [
        order_for_pickup(resident, shop_sku, quantity=n) for resident, n in zip(residents, (2, 1, 5), strict=True)
    ]
    Order.objects.filter(pk=orders[2].pk).update(paid_at=timezone.now() - dt.timedelta(days=40))
    gmv = orders[0].total_minor + orders[1].total_minor
    assert gmv == 2970  # three at ¥9.90, collected: no delivery fee
    # when
    rows = selectors.orders_per_point(admin_operator, since=timezone.now() - dt.timedelta(days=30))
    english.force_login(finance)  # every operator sees the figures, reviewers or not
    panel = _group_buying(english.get(reverse("operator:dashboard")).content.decode())
    # then
    assert [(r.point_name, r.leader_name, r.orders, r.gmv) for r in rows] == [
        ("阳光花园自提点", "王阿姨", 2, Money(2970, "CNY"))
    ]
    assert '<strong class="fill-rate">1 / 2 (50.0 %)</strong>' in panel
    assert re.search(
        r"<td>阳光花园自提点</td><td>王阿姨</td><td class=\"amount\">2</td><td class=\"amount\">¥29.70</td>", panel
    )


def test_an_empty_dashboard_panel_has_no_rate_and_no_points(english, admin_operator):
    english.force_login(admin_operator)
    panel = _group_buying(english.get(reverse("operator:dashboard")).content.decode())
    assert '<strong class="fill-rate">0 / 0 (—)</strong>' in panel
    assert "No pickup orders paid in this period." in panel


def test_the_figures_are_refused_to_a_buyer(buyer):
    with pytest.raises(PermissionDenied) as refused:
        selectors.orders_per_point(buyer, since=timezone.now())
    assert refused.value.code == "auth.permission_denied"
