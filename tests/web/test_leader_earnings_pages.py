"""The leader centre's earnings (收益) and share (分享) pages, and the storefront's share landing: the commission
booked when residents collect, the bank account and withdrawals; the campaigns to share with their link and QR
code; a resident following a leader's link."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jishi.community import services as community
from jishi.community.models import CommunityCampaign, Residence
from jishi.ledger import services as ledger
from jishi.ledger.models import Payout, PayoutAccount
from jishi.ledger.payees import Payee
from jishi.ledger.selectors import payee_balances
from tests import factories
from tests.community.conftest import campaign, completed, handed_over, shop_sku  # noqa: F401 - fixture
from tests.tasks import _tasks_recorded  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

EARNINGS = reverse("leader:earnings")
BANK_ACCOUNT = reverse("leader:bank_account")
WITHDRAW = reverse("leader:withdraw")
SHARE = reverse("leader:share")
APPLY = reverse("leader:apply")
COMMUNITY = reverse("storefront:community")
ACCOUNT_NUMBER = "6225880112345678"


@pytest.fixture
def running(head, merchant_staff, shop_sku, buyer):  # noqa: F811
    """周末鲜果团 at ¥9.90 with 10 % to the leader; the buyer collects at the leader's point."""
    community.point_choose(actor=buyer, point_id=head.leader.point.pk)
    factories.address(buyer, is_default=True)
    return campaign(merchant_staff, shop_sku, leader_rate_bp=1000)


@pytest.fixture
def earned(head, merchant_staff, running, buyer, shop_sku):  # noqa: F811
    """The buyer's 3 pineapples (¥29.70) handed over at the point: ¥2.97 commission pending."""
    return handed_over(head, merchant_staff, running, buyer, shop_sku, quantity=3)


def _balances(user) -> dict[str, int]:
    return {kind: money.minor for kind, money in payee_balances(Payee(leader_id=user.leader.pk)).items()}


def _settled(order) -> None:
    """The order's after-sales window closed and its books closed: the commission is available."""
    completed(order)
    ledger.order_settle(order_id=order.pk)


def _bank_form(**changes: str) -> dict[str, str]:
    return {"holder": "李团长", "bank": "招商银行", "number": ACCOUNT_NUMBER, "password": factories.PASSWORD} | changes


# Earnings --------------------------------------------------------------------------------------------------


def test_the_earnings_page_shows_the_commission_booked_at_pickup_as_pending(english, head, earned):
    english.force_login(head)
    response = english.get(EARNINGS)
    assert response.status_code == 200
    page = response.content.decode()
    assert _balances(head) == {"merchant_pending": 297, "merchant_available": 0, "payouts_in_transit": 0}
    balances = page.split('<ul class="earn-balances">')[1].split("</ul>")[0]
    assert "<strong>¥2.97</strong><span>Pending settlement</span>" in balances
    assert "<strong>¥0.00</strong><span>Available</span>" in balances
    assert "<strong>¥0.00</strong><span>Withdrawing</span>" in balances
    assert "after-sales window of 7 days" in page  # when pending becomes available
    # the posting: its memo, signed amount and order number
    postings = page.split('<ul class="earn-list postings">')[1].split("</ul>")[0]
    assert "+¥2.97" in postings
    assert earned.number in postings
    assert "Pending settlement" in postings
    # nothing to withdraw yet and no bank account: no withdrawal form, the bank form open
    assert f'action="{WITHDRAW}"' not in page
    assert "Add a bank account first." in page
    assert '<details class="bank-details" open>' in page
    assert f'href="{EARNINGS}" aria-current="page"' in page  # the centre's tab bar


def test_a_settled_order_makes_the_commission_available_and_withdrawable(english, head, earned):
    _settled(earned)
    community.leader_bank_account_set(
        actor=head, password=factories.PASSWORD, holder="李团长", bank="招商银行", number=ACCOUNT_NUMBER
    )
    english.force_login(head)
    page = english.get(EARNINGS).content.decode()
    balances = page.split('<ul class="earn-balances">')[1].split("</ul>")[0]
    assert "<strong>¥0.00</strong><span>Pending settlement</span>" in balances
    assert "<strong>¥2.97</strong><span>Available</span>" in balances
    assert f'action="{WITHDRAW}"' in page
    assert "5678" in page  # the masked number
    assert ACCOUNT_NUMBER not in page
    assert '<span class="badge verified">Verified</span>' in page
    assert "-¥2.97" in page  # out of pending…
    assert "+¥2.97" in page  # …into available


def test_a_wrong_password_is_said_on_its_field_and_no_account_is_saved(english, head):
    english.force_login(head)
    response = english.post(BANK_ACCOUNT, _bank_form(password="not my password"))
    assert response.status_code == 422
    field = response.content.decode().split('id="id_password"')[1].split("</div>")[0]
    assert "The password is wrong." in field
    assert 'value="李团长"' in response.content.decode()  # what was typed stays
    assert not PayoutAccount.objects.filter(leader=head.leader).exists()


def test_setting_the_bank_account_redirects_with_a_message_and_shows_it_masked(english, head):
    english.force_login(head)
    response = english.post(BANK_ACCOUNT, _bank_form())
    assert response.status_code == 302
    assert response["Location"] == EARNINGS
    page = english.get(EARNINGS).content.decode()
    assert "Bank account saved." in page
    assert "招商银行" in page
    assert "5678" in page
    assert ACCOUNT_NUMBER not in page
    assert '<details class="bank-details">' in page  # closed once an account is set


def test_withdrawing_more_than_is_available_is_said_on_the_amount_and_nothing_moves(english, head, earned):
    _settled(earned)
    community.leader_bank_account_set(
        actor=head, password=factories.PASSWORD, holder="李团长", bank="招商银行", number=ACCOUNT_NUMBER
    )
    english.force_login(head)
    response = english.post(WITHDRAW, {"amount": "2.98"})
    assert response.status_code == 422
    field = response.content.decode().split('id="id_amount"')[1].split("</div>")[0]
    assert "The amount is more than the available balance." in field
    assert not Payout.objects.exists()
    assert _balances(head) == {"merchant_pending": 0, "merchant_available": 297, "payouts_in_transit": 0}
    malformed = english.post(WITHDRAW, {"amount": "2,98"})
    assert malformed.status_code == 422
    assert "An amount such as 200 or 200.50." in malformed.content.decode()


def test_a_withdrawal_is_requested_and_listed(english, head, earned):
    _settled(earned)
    community.leader_bank_account_set(
        actor=head, password=factories.PASSWORD, holder="李团长", bank="招商银行", number=ACCOUNT_NUMBER
    )
    english.force_login(head)
    response = english.post(WITHDRAW, {"amount": "2.00"})
    assert response.status_code == 302
    assert response["Location"] == EARNINGS
    payout = Payout.objects.get()
    assert (payout.leader_id, payout.merchant_id, payout.amount_minor) == (head.leader.pk, None, 200)
    assert _balances(head) == {"merchant_pending": 0, "merchant_available": 97, "payouts_in_transit": 200}
    page = english.get(EARNINGS).content.decode()
    assert f"Withdrawal {payout.number} requested." in page
    listed = page.split('<ul class="earn-list payouts">')[1].split("</ul>")[0]
    assert payout.number in listed
    assert "¥2.00" in listed
    assert "Awaiting approval" in listed
    assert payout.requested_at.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d") in listed
    assert "<strong>¥2.00</strong><span>Withdrawing</span>" in page


def test_a_withdrawal_without_a_verified_account_is_refused_on_the_form(english, head, earned):
    _settled(earned)
    english.force_login(head)
    page = english.get(EARNINGS).content.decode()
    assert f'action="{WITHDRAW}"' not in page  # no form without an account
    response = english.post(WITHDRAW, {"amount": "1.00"})
    assert response.status_code == 422
    assert "Add and verify a bank account before withdrawing." in response.content.decode()
    assert not Payout.objects.exists()


def test_a_suspended_leader_still_opens_the_earnings_but_not_the_rest(english, head, earned, admin_operator):
    community.leader_suspend(actor=admin_operator, leader_id=head.leader.pk, reason="多次未按时收货")
    english.force_login(head)
    response = english.get(EARNINGS)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<strong>¥2.97</strong><span>Pending settlement</span>" in page
    assert "Your pickup point is suspended." in page
    assert 'class="tabbar leader-tabbar"' not in page  # the other pages are closed to them
    assert english.get(SHARE).status_code == 403


def test_anyone_but_a_leader_gets_the_centre_s_refusal(english, buyer):
    for path in (EARNINGS, SHARE):
        assert english.get(path).status_code == 302  # a visitor logs in first
    english.force_login(buyer)
    for path in (EARNINGS, SHARE):
        refused = english.get(path)
        assert refused.status_code == 403
        assert f'href="{APPLY}"' in refused.content.decode()
        assert "Apply to be a group leader" in refused.content.decode()
    for path, data in ((BANK_ACCOUNT, _bank_form()), (WITHDRAW, {"amount": "1.00"})):
        assert english.post(path, data).status_code == 403
    assert english.get(WITHDRAW).status_code == 405
    assert not PayoutAccount.objects.exists()
    assert not Payout.objects.exists()


# Sharing ---------------------------------------------------------------------------------------------------


def test_the_share_page_lists_a_running_campaign_with_its_link_and_qr(english, head, running, merchant_staff):
    english.force_login(head)
    response = english.get(SHARE)
    assert response.status_code == 200
    page = response.content.decode()
    link = f"http://testserver/community/share/{running.pk}/{head.leader.pk}/"
    assert "周末鲜果团" in page
    assert "一号店" in page  # the shop
    assert f'value="{link}"' in page
    assert f'data-copy="share-link-{running.pk}"' in page
    assert '<svg viewBox="0 0 ' in page  # the QR code, drawn on the server
    assert 'class="segno"' in page
    assert timezone.localtime(running.cutoff_at).strftime("%m-%d %H:%M") in page
    assert running.pickup_on.strftime("%m-%d") in page
    assert "<dd><strong>0</strong></dd>" in page  # no orders through the link yet
    assert "<dd>10 %</dd>" in page
    assert f'href="{SHARE}" aria-current="page"' in page


def test_a_closed_campaign_is_not_offered_for_sharing(english, head, running):
    CommunityCampaign.objects.filter(pk=running.pk).update(cutoff_at=timezone.now() - dt.timedelta(seconds=1))
    english.force_login(head)
    page = english.get(SHARE).content.decode()
    assert "周末鲜果团" not in page
    assert "No group buy is taking orders for your point now." in page


# The share landing -----------------------------------------------------------------------------------------


def test_a_signed_in_resident_following_the_link_credits_the_leader(english, head, running, other_buyer):
    landing = reverse("storefront:community_share", args=[running.pk, head.leader.pk])
    english.force_login(other_buyer)
    response = english.get(landing)
    assert response.status_code == 302
    assert response["Location"] == COMMUNITY
    residence = Residence.objects.get(user=other_buyer)
    assert (residence.shared_by_id, residence.shared_campaign_id) == (head.leader.pk, running.pk)
    assert residence.point_id == head.leader.point.pk  # they had no point: the leader's
    page = english.get(COMMUNITY).content.decode()
    assert "You are joining through the share of the group leader of “阳光花园自提点”." in page


def test_an_anonymous_visitor_logs_in_first_and_comes_back(english, head, running):
    landing = reverse("storefront:community_share", args=[running.pk, head.leader.pk])
    response = english.get(landing)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('buyer:login')}?next={landing}"
    assert not Residence.objects.filter(shared_by__isnull=False).exists()


def test_a_closed_campaign_or_a_suspended_leader_goes_to_the_community_page_with_a_message(
    english, head, running, other_buyer, admin_operator
):
    english.force_login(other_buyer)
    CommunityCampaign.objects.filter(pk=running.pk).update(cutoff_at=timezone.now() - dt.timedelta(seconds=1))
    closed = english.get(reverse("storefront:community_share", args=[running.pk, head.leader.pk]))
    assert (closed.status_code, closed["Location"]) == (302, COMMUNITY)
    assert "This group buy has closed." in english.get(COMMUNITY).content.decode()
    CommunityCampaign.objects.filter(pk=running.pk).update(cutoff_at=timezone.now() + dt.timedelta(hours=1))
    community.leader_suspend(actor=admin_operator, leader_id=head.leader.pk, reason="投诉较多")
    suspended = english.get(reverse("storefront:community_share", args=[running.pk, head.leader.pk]))
    assert (suspended.status_code, suspended["Location"]) == (302, COMMUNITY)
    assert "The group leader of this link is not taking orders now." in english.get(COMMUNITY).content.decode()
    unknown = english.get(reverse("storefront:community_share", args=[running.pk, 999_999]))
    assert (unknown.status_code, unknown["Location"]) == (302, COMMUNITY)
    assert not Residence.objects.filter(user=other_buyer).exists()
