"""The leader centre (团长中心): applying to run a pickup point, today's work, confirming a batch's arrival with
what came short, checking pickup codes, the point's orders by status; and the buyer's pickup card with its code."""

import pytest
from django.urls import reverse

from jishi.community import services as community
from jishi.community.models import Leader, Pickup
from jishi.orders.states import OrderStatus
from jishi.payments.models import PaymentRefund
from tests.community.conftest import batch_of_two, campaign, leader, order_for_pickup, shop_sku, verified  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

APPLY = reverse("leader:apply")
HOME = reverse("leader:home")
VERIFY = reverse("leader:verify")
ORDERS = reverse("leader:orders")


@pytest.fixture
def batch(head, merchant_staff, shop_sku, buyer, other_buyer):  # noqa: F811
    """The point's batch after the cut-off, sent by the shop: the buyer's 2 pineapples and the other buyer's 1."""
    made = batch_of_two(head.leader.point, merchant_staff, shop_sku, buyer, other_buyer)
    community.batch_send(actor=merchant_staff, batch_id=made.pk)
    made.refresh_from_db()
    return made


def _code(order) -> str:
    return community.pickup_code(Pickup.objects.get(order=order))


def _arrive(head, batch) -> None:
    community.batch_arrive(actor=head, batch_id=batch.pk)


def _form(**changes):
    """The application as the page sends it: the region picker's codes (广东省 深圳市 福田区)."""
    return {
        "name": "阳光花园自提点",
        "kind": "shop",
        "province": "440000",
        "city": "440300",
        "district": "440304",
        "detail": "阳光花园 3 栋底商",
        "latitude": "22.543100",
        "longitude": "114.057900",
        "hours": "每天 9:00-21:00",
        "capacity": "120",
    } | changes


# Applying ------------------------------------------------------------------------------------------------


def test_a_verified_resident_applies_and_sees_the_application_awaiting_review(english, reviewer):
    # given a resident whose real name is verified
    user = verified(reviewer)
    english.force_login(user)
    form = english.get(APPLY).content.decode()
    assert 'name="latitude"' in form
    assert "data-locate-button" in form
    assert "/static/web/leader.js" in form
    assert "Verify my real name" not in form
    # when they apply with their point
    sent = english.post(APPLY, _form())
    # then the application waits for review with the region's names, and the form is gone
    assert sent.status_code == 302
    assert sent.url == APPLY
    applied = Leader.objects.select_related("point").get(user=user)
    point = applied.point
    assert (applied.status, point.province, point.city, point.district) == ("applied", "广东省", "深圳市", "福田区")
    assert (point.latitude_e6, point.longitude_e6, point.capacity) == (22_543_100, 114_057_900, 120)
    page = english.get(APPLY).content.decode()
    assert "Awaiting review" in page
    assert "阳光花园自提点" in page
    assert 'name="latitude"' not in page


def test_without_a_verified_real_name_the_application_is_refused_with_the_way_to_verify(english, buyer):
    english.force_login(buyer)
    # the page says so before they type anything
    assert reverse("buyer:verification") in english.get(APPLY).content.decode()
    # and the service's refusal shows as a message, with the link
    refused = english.post(APPLY, _form())
    page = refused.content.decode()
    assert refused.status_code == 200
    assert "Verify your real name before you apply to run a pickup point." in page
    assert reverse("buyer:verification") in page
    assert not Leader.objects.exists()


def test_coordinates_out_of_range_and_an_unknown_region_land_on_their_fields(english, reviewer):
    english.force_login(verified(reviewer))
    page = english.post(APPLY, _form(latitude="95")).content.decode()
    assert "Ensure this value is less than or equal to 90" in page
    page = english.post(APPLY, _form(city="999999")).content.decode()
    assert "Choose the province, city and district from the list." in page
    assert not Leader.objects.exists()


def test_a_rejected_applicant_reads_the_reason_and_may_apply_again(english, reviewer):
    user = verified(reviewer)
    applied = community.leader_apply(
        actor=user,
        data=community.PointInput("老地方", "home", "广东省", "深圳市", "福田区", "1 栋", 22.5, 114.0, "9-21", 20),
    )
    community.leader_reject(actor=reviewer, leader_id=applied.pk, reason="地址不清楚")
    english.force_login(user)
    page = english.get(APPLY).content.decode()
    assert "Rejected" in page
    assert "地址不清楚" in page
    assert 'value="老地方"' in page  # the point as given, to correct
    assert english.post(APPLY, _form()).status_code == 302
    assert Leader.objects.get(user=user).status == "applied"


def test_a_suspended_leader_reads_the_reason_and_an_approved_one_the_way_in(english, head, admin_operator):
    english.force_login(head)
    approved = english.get(APPLY).content.decode()
    assert f'href="{HOME}"' in approved
    assert 'name="latitude"' not in approved
    community.leader_suspend(actor=admin_operator, leader_id=head.leader.pk, reason="多次未按时收货")
    suspended = english.get(APPLY).content.decode()
    assert "Suspended" in suspended
    assert "多次未按时收货" in suspended
    assert 'name="latitude"' not in suspended
    assert english.get(HOME).status_code == 403  # the centre is closed to them now


# Today's work --------------------------------------------------------------------------------------------


def test_the_home_page_shows_the_batch_on_its_way_the_point_and_the_counts(english, head, batch):
    english.force_login(head)
    page = english.get(HOME).content.decode()
    assert "阳光花园自提点" in page
    assert "每天 9:00-21:00" in page
    assert "周末鲜果团" in page  # the campaign of the batch on its way
    assert reverse("leader:batch", args=[batch.pk]) in page
    assert "2 orders" in page
    assert VERIFY in page
    assert ORDERS in page
    # once it arrives and one order is collected, today's figures move
    _arrive(head, batch)
    community.pickup_verify(actor=head, code=_code(batch.orders[0]))
    page = english.get(HOME).content.decode()
    assert "Arrived today" in page
    assert "<strong>1</strong><span>Ready to collect</span>" in page
    assert "<strong>1</strong><span>Collected today</span>" in page


def test_anyone_but_a_leader_is_told_how_to_become_one(english, buyer):
    assert english.get(HOME).status_code == 302  # a visitor logs in first
    english.force_login(buyer)
    for path in (HOME, VERIFY, ORDERS):
        refused = english.get(path)
        assert refused.status_code == 403
        assert f'href="{APPLY}"' in refused.content.decode()
        assert "Apply to be a group leader" in refused.content.decode()


# A batch's arrival ---------------------------------------------------------------------------------------


def test_confirming_arrival_refunds_what_came_short_and_readies_the_rest(english, head, batch, buyer, other_buyer):
    mine, theirs = batch.orders
    english.force_login(head)
    page = english.get(reverse("leader:batch", args=[batch.pk])).content.decode()
    assert "Confirm arrival" in page
    assert "海南金钻凤梨 2个" in page
    assert mine.masked_receiver_phone in page
    assert mine.receiver_phone not in page
    # when the leader reports the other buyer's only pineapple damaged
    short = {f"short_{line.pk}": "0" for line in mine.lines.all()} | {f"short_{theirs.lines.get().pk}": "1"}
    confirmed = english.post(reverse("leader:batch", args=[batch.pk]), short, follow=True)
    # then it is refunded at once and that order closes; the buyer's is ready to collect
    assert "1 unit reported short or damaged was refunded" in confirmed.content.decode()
    assert PaymentRefund.objects.get(order=theirs).amount_minor == 990
    theirs.refresh_from_db()
    assert theirs.status == OrderStatus.CLOSED
    assert Pickup.objects.get(order=mine).status == "ready"
    batch.refresh_from_db()
    assert batch.status == "arrived"
    assert "Confirm arrival" not in confirmed.content.decode()


def test_more_short_than_was_sent_is_refused_and_nothing_changes(english, head, batch):
    mine = batch.orders[0]
    english.force_login(head)
    refused = english.post(reverse("leader:batch", args=[batch.pk]), {f"short_{mine.lines.get().pk}": "3"})
    assert refused.status_code == 422
    assert "Ensure this value is less than or equal to 2" in refused.content.decode()
    batch.refresh_from_db()
    assert batch.status == "sent"
    assert not PaymentRefund.objects.exists()


def test_a_batch_arrived_already_says_so_and_another_points_batch_is_not_found(
    english, head, batch, reviewer, admin_operator
):
    _arrive(head, batch)
    english.force_login(head)
    again = english.post(reverse("leader:batch", args=[batch.pk]), {}, follow=True)
    assert "This batch cannot do that now." in again.content.decode()
    other = leader(reviewer, admin_operator, name="华强北站", latitude=22.5450, longitude=114.0850)
    english.force_login(other)
    assert english.get(reverse("leader:batch", args=[batch.pk])).status_code == 404


# Pickup codes --------------------------------------------------------------------------------------------


def test_a_right_code_hands_the_order_over_and_shows_it(english, head, batch):
    mine = batch.orders[0]
    _arrive(head, batch)
    english.force_login(head)
    form = english.get(VERIFY).content.decode()
    for attribute in ('inputmode="numeric"', 'maxlength="6"', 'autocomplete="one-time-code"', "data-scan"):
        assert attribute in form
    handed = english.post(VERIFY, {"code": _code(mine)})
    assert handed.status_code == 302
    assert handed.url == f"{VERIFY}?handed={mine.number}"
    page = english.get(handed.url).content.decode()
    assert "Hand this order over" in page
    assert mine.receiver in page
    assert mine.masked_receiver_phone in page
    assert "海南金钻凤梨 2个" in page
    assert "× 2" in page
    mine.refresh_from_db()
    assert mine.status == OrderStatus.DELIVERED
    # the same code again is used
    used = english.post(VERIFY, {"code": _code(mine)})
    assert used.status_code == 422
    assert "This pickup code has been used already." in used.content.decode()


def test_wrong_early_and_malformed_codes_are_said_plainly_and_many_wrong_ones_wait(english, head, batch):
    mine = batch.orders[0]
    english.force_login(head)
    early = english.post(VERIFY, {"code": _code(mine)})  # sent, not arrived yet
    assert (early.status_code, "This order has not arrived at the point yet." in early.content.decode()) == (422, True)
    malformed = english.post(VERIFY, {"code": "12ab"})
    assert (malformed.status_code, "A pickup code has 6 digits." in malformed.content.decode()) == (422, True)
    wrong = "000000" if _code(mine) != "000000" else "000001"
    first = english.post(VERIFY, {"code": wrong})
    assert (first.status_code, "No order at this point has that pickup code." in first.content.decode()) == (422, True)
    for _ in range(4):
        english.post(VERIFY, {"code": wrong})
    blocked = english.post(VERIFY, {"code": _code(mine)})
    assert blocked.status_code == 429
    assert "Too many wrong codes. Wait a minute and try again." in blocked.content.decode()
    assert Pickup.objects.get(order=mine).status == "sent"


def test_another_points_handed_order_is_never_shown(english, head, batch, reviewer, admin_operator):
    mine = batch.orders[0]
    _arrive(head, batch)
    community.pickup_verify(actor=head, code=_code(mine))
    english.force_login(leader(reviewer, admin_operator, name="华强北站", latitude=22.5450, longitude=114.0850))
    page = english.get(f"{VERIFY}?handed={mine.number}").content.decode()
    assert mine.receiver not in page


# The point's orders --------------------------------------------------------------------------------------


def test_the_orders_tabs_list_the_point_s_orders_by_status(
    english,
    head,
    batch,
    settings,
    merchant_staff,
    shop_sku,  # noqa: F811
    buyer,
):
    mine, theirs = batch.orders
    english.force_login(head)
    on_the_way = english.get(ORDERS, {"status": "sent"}).content.decode()
    assert mine.number in on_the_way
    assert theirs.number in on_the_way
    assert mine.masked_receiver_phone in on_the_way
    assert "No orders here." in english.get(ORDERS).content.decode()  # nothing ready before the arrival
    _arrive(head, batch)
    community.pickup_verify(actor=head, code=_code(theirs))
    settings.JISHI_PICKUP_UNCOLLECTED_DAYS = 0
    assert community.pickups_flag_uncollected() == 1
    ready = english.get(ORDERS).content.decode()
    assert mine.number in ready
    assert theirs.number not in ready
    assert "Not collected in time" in ready
    assert "× 2" in ready
    collected = english.get(ORDERS, {"status": "collected"}).content.decode()
    assert theirs.number in collected
    assert mine.number not in collected
    # an order in the next group buy waits for its cut-off
    campaign(merchant_staff, shop_sku, title="下周鲜果团")
    waiting = order_for_pickup(buyer, shop_sku)
    before = english.get(ORDERS, {"status": "waiting"}).content.decode()
    assert waiting.number in before
    assert mine.number not in before
    assert "下周鲜果团" in before


# The buyer's pickup card ---------------------------------------------------------------------------------


def test_the_buyer_s_order_page_shows_the_point_the_code_and_its_qr(english, head, batch, buyer):
    mine = batch.orders[0]
    english.force_login(buyer)
    page = english.get(reverse("buyer:order", args=[mine.number])).content.decode()
    assert "阳光花园自提点" in page
    assert "每天 9:00-21:00" in page
    assert '<p class="pickup-code"' in page
    assert f">{_code(mine)}</p>" in page
    assert '<svg viewBox="0 0 ' in page
    assert 'class="segno"' in page
    assert "On its way to the point" in page
