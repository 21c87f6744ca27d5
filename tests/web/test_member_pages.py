"""The member pages: 会员中心 with the check-in, 积分明细, 邀请有礼 with its landing page and the sign-up that binds the
invitation, points at checkout, the merchant's 会员价 and the operator's 积分与会员设置."""

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jishi.checkout import services as checkout
from jishi.core.money import Money
from jishi.loyalty import services as loyalty
from jishi.loyalty.models import DEFAULTS, LoyaltySettings, Member, MemberPrice, PointsEntry, Referral
from jishi.loyalty.selectors import DEVICE_COOKIE
from jishi.orders.models import Order
from jishi.web.buyer.member import INVITE_COOKIE
from tests import factories
from tests.loyalty.conftest import grant

pytestmark = pytest.mark.django_db

CENTRE = reverse("buyer:member")
CHECK_IN = reverse("buyer:member_check_in")
HISTORY = reverse("buyer:member_points")
INVITE = reverse("buyer:member_invite")
SETTINGS = reverse("operator:loyalty_settings")
PRICES = reverse("merchant:member_prices")


def balance(user: Any) -> int:
    return Member.objects.filter(pk=user.pk).values_list("balance", flat=True).first() or 0


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, name
    return found.group(1)


# 会员中心 ------------------------------------------------------------------------------------------------------


def test_the_member_pages_send_a_visitor_to_log_in(client: Client):
    # when
    answers = [client.get(url) for url in (CENTRE, HISTORY, INVITE)]
    refused = client.post(CHECK_IN)
    # then
    assert all(a.status_code == 302 and a["Location"].startswith("/login/") for a in answers)
    assert refused.status_code == 302
    assert refused["Location"].startswith("/login/")
    assert not PointsEntry.objects.exists()


def test_the_member_centre_shows_the_tier_the_way_up_and_the_points(english: Client, buyer):
    # given ¥1,200 spent: silver, ¥3,800 short of gold; 300 points
    grant(buyer, 300)
    Member.objects.filter(pk=buyer.pk).update(tier="silver", spend_minor=120_000)
    english.force_login(buyer)
    # when
    page = english.get(CENTRE).content.decode()
    # then
    assert "Silver" in page
    assert "Spent in the last 12 months: ¥1,200.00" in page
    assert "Spend ¥3,800.00 more to reach Gold" in page
    assert '<progress class="member-progress" max="100" value="5"' in page  # ¥200 of the ¥4,000 from silver to gold
    assert "<strong>300</strong>" in page
    assert "1.2×" in page  # silver earns 120 %
    assert 'action="/me/member/check-in/"' in page
    assert reverse("buyer:member_points") in page
    assert reverse("buyer:member_invite") in page
    assert 'name="birthday"' in page


def test_the_me_page_shows_the_tier_and_balance_and_links_to_the_member_centre(english: Client, buyer):
    grant(buyer, 42)
    english.force_login(buyer)
    page = english.get(reverse("buyer:me")).content.decode()
    assert "Points 42" in page
    assert "Regular" in page
    assert f'href="{CENTRE}"' in page


def test_checking_in_through_the_page_earns_once_a_day(english: Client, buyer):
    english.force_login(buyer)
    # when
    first = english.post(CHECK_IN, follow=True)
    second = english.post(CHECK_IN, follow=True)
    # then
    assert "Checked in: +5 points." in first.content.decode()
    assert "You have already checked in today." in second.content.decode()
    assert balance(buyer) == 5
    assert PointsEntry.objects.filter(member_id=buyer.pk).count() == 1
    assert "Checked in 1 day in a row." in second.content.decode()


def test_checking_in_with_htmx_swaps_the_points_card(english: Client, buyer):
    english.force_login(buyer)
    # when
    answer = english.post(CHECK_IN, headers={"HX-Request": "true"})
    again = english.post(CHECK_IN, headers={"HX-Request": "true"})
    # then: the card alone, with the new balance; a second time a polite refusal in the card
    page = answer.content.decode()
    assert answer.status_code == 200
    assert page.lstrip().startswith('<section class="panel member-points" id="member-points"')
    assert "<strong>5</strong>" in page
    assert "Checked in: +5 points." in page
    assert again.status_code == 200
    assert "You have already checked in today." in again.content.decode()
    assert balance(buyer) == 5


def test_the_birthday_is_set_once(english: Client, buyer):
    english.force_login(buyer)
    # when
    saved = english.post(CENTRE, {"birthday": "1990-05-17"})
    future = english.post(CENTRE, {"birthday": "2990-05-17"})
    # then
    assert saved.status_code == 302
    assert Member.objects.get(pk=buyer.pk).birthday.isoformat() == "1990-05-17"
    page = english.get(CENTRE).content.decode()
    assert "05-17" in page
    assert 'name="birthday"' not in page
    assert future.status_code == 422  # already set: refused on the field
    assert Member.objects.get(pk=buyer.pk).birthday.isoformat() == "1990-05-17"


# 积分明细 ------------------------------------------------------------------------------------------------------


def test_the_points_history_shows_each_change_with_its_order_and_expiry(english: Client, buyer, shop, home):
    # given an order paid with 200 points, and a check-in
    grant(buyer, 1000)
    factories.in_cart(buyer, (factories.sku_of(shop), 1))
    quote = checkout.checkout_quote(actor=buyer, address_id=home.pk, points=200)
    placement = checkout.checkout_place(actor=buyer, address_id=home.pk, fingerprint=quote.fingerprint, points=200)
    loyalty.check_in(actor=buyer)
    english.force_login(buyer)
    # when
    page = english.get(HISTORY).content.decode()
    # then
    number = placement.orders[0].number
    assert "Used at checkout" in page
    assert "-200" in page
    assert f'href="/orders/{number}/"' in page
    assert "Daily check-in" in page
    assert "+5" in page
    assert page.count("Expires ") == 2  # the lot granted and the check-in; a spend has no expiry


def test_the_points_history_is_paginated(english: Client, buyer):
    for _ in range(25):
        grant(buyer, 1)
    english.force_login(buyer)
    first = english.get(HISTORY).content.decode()
    second = english.get(f"{HISTORY}?page=2").content.decode()
    assert first.count('class="member-history-points plus"') == 20
    assert second.count('class="member-history-points plus"') == 5
    assert "Page 2 of 2" in second


# 邀请有礼 ------------------------------------------------------------------------------------------------------


def test_the_invite_page_shows_the_code_link_qr_and_invitees_and_gives_a_device_cookie(english: Client, buyer):
    # given someone the buyer invited
    code = loyalty.invite_code_of(actor=buyer, device="phone-of-a")
    friend = factories.user(email="friend@example.com", display_name="张小明")
    loyalty.referral_bind(actor=friend, code=code, device="phone-of-b")
    english.force_login(buyer)
    # when
    answer = english.get(INVITE)
    # then
    page = answer.content.decode()
    assert code in page
    assert f'value="http://testserver/invite/{code}/"' in page
    assert "<svg" in page
    assert "张**" in page
    assert "张小明" not in page
    assert "Waiting for the first order" in page
    assert "One level only" in page
    cookie = answer.cookies[DEVICE_COOKIE]
    assert re.fullmatch(r"[0-9a-f]{32}", cookie.value)
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 365 * 24 * 3600
    # a browser that has its cookie keeps it
    assert DEVICE_COOKIE not in english.get(INVITE).cookies


def test_a_member_names_their_inviter_on_the_invite_page_and_a_bad_code_shows_inline(
    english: Client, buyer, other_buyer
):
    code = loyalty.invite_code_of(actor=other_buyer, device="phone-of-other")
    english.force_login(buyer)
    # when
    bad = english.post(INVITE, {"code": "NOSUCH99"})
    good = english.post(INVITE, {"code": code.lower()})
    # then
    assert bad.status_code == 422
    assert "This invite code is not valid." in bad.content.decode()
    assert good.status_code == 302
    assert Referral.objects.get().inviter_id == other_buyer.pk
    page = english.get(INVITE).content.decode()
    assert "You were invited by" in page
    assert 'name="code"' not in page


def test_the_landing_page_and_sign_up_bind_the_invitation(english: Client, other_buyer):
    # given other_buyer's invite link, opened on a new phone
    code = loyalty.invite_code_of(actor=other_buyer, device="phone-of-other")
    # when
    landing = english.get(f"/invite/{code}/")
    signup_page = english.get(f"/signup/?invite={code}")
    signed_up = english.post(
        "/signup/", {"identifier": "new@example.com", "password": "a-long-password-1", "invite": code}, follow=True
    )
    # then
    assert landing.status_code == 200
    assert "invites you to Jishi" in landing.content.decode()
    assert f"/signup/?invite={code}" in landing.content.decode()
    assert landing.cookies[INVITE_COOKIE].value == code
    assert DEVICE_COOKIE in landing.cookies
    assert f'name="invite" value="{code}"' in signup_page.content.decode()
    referral = Referral.objects.get()
    assert referral.inviter_id == other_buyer.pk
    assert referral.invitee.email == "new@example.com"
    assert "You both get points when your first order completes." in signed_up.content.decode()


def test_the_code_the_landing_page_remembered_is_used_by_a_later_sign_up(english: Client, other_buyer):
    code = loyalty.invite_code_of(actor=other_buyer, device="phone-of-other")
    english.get(f"/invite/{code}/")
    # when the visitor signs up from the header's link, without the code in the form
    english.post("/signup/", {"identifier": "later@example.com", "password": "a-long-password-1"})
    # then
    assert Referral.objects.get().invitee.email == "later@example.com"


def test_a_self_invite_from_the_same_browser_creates_no_referral(english: Client, buyer):
    # given the buyer opened their invite page on this browser, then logged out
    english.force_login(buyer)
    code = re.search(r"/invite/([A-Z0-9]+)/", english.get(INVITE).content.decode()).group(1)
    english.post(reverse("buyer:logout"))
    # when they open their own link and sign up a second account on the same browser
    english.get(f"/invite/{code}/")
    signed_up = english.post(
        "/signup/", {"identifier": "second@example.com", "password": "a-long-password-1", "invite": code}, follow=True
    )
    # then: the account is made, the invitation is silently not
    assert signed_up.status_code == 200
    assert not Referral.objects.exists()
    page = signed_up.content.decode()
    assert "Welcome to Jishi!" in page
    assert "You both get points" not in page


def test_an_unknown_invite_code_is_a_friendly_404(english: Client):
    answer = english.get("/invite/NOSUCH99/")
    assert answer.status_code == 404
    assert "This invite link is not valid" in answer.content.decode()
    assert INVITE_COOKIE not in answer.cookies


# Points at checkout --------------------------------------------------------------------------------------------


def test_checkout_with_points_through_the_page_takes_their_value_off(english: Client, buyer, shop, home):
    # given 1,000 points (¥10 at 100 a yuan) and ¥99 of cat food in the cart
    grant(buyer, 1000)
    factories.in_cart(buyer, (factories.sku_of(shop), 1))
    english.force_login(buyer)
    without = checkout.checkout_quote(actor=buyer, address_id=home.pk, points=None)
    off = english.get("/checkout/").content.decode()
    # when the buyer switches 积分抵扣 on
    on = english.get("/checkout/?use_points=1").content.decode()
    # then the page uses the most points, and the place form carries them
    assert "Pay with points" in off
    assert "Use up to 1000 points for ¥10.00 off" in off
    assert 'name="use_points" value="1" checked' not in off
    assert 'name="use_points" value="1" checked' in on
    assert "Using 1000 points" in on
    assert hidden(on, "points") == "1000"
    placed = english.post(
        "/checkout/place/",
        {
            "address": home.pk,
            "fingerprint": hidden(on, "fingerprint"),
            "points": hidden(on, "points"),
            "request_key": "points-1",
            "use_points": "1",
        },
    )
    # then one order, ¥10.00 cheaper, and the points spent
    assert placed.status_code == 302
    assert placed["Location"].startswith("/pay/")
    order = Order.objects.get()
    assert Money(order.total_minor, "CNY") == without.total - Money(1000, "CNY")
    assert balance(buyer) == 0


def test_points_the_buyer_no_longer_has_come_back_on_the_points_row(english: Client, buyer, shop, home):
    # given the page offered 1,000 points, which were then spent elsewhere
    grant(buyer, 1000)
    factories.in_cart(buyer, (factories.sku_of(shop), 1))
    english.force_login(buyer)
    on = english.get("/checkout/?use_points=1").content.decode()
    PointsEntry.objects.filter(member_id=buyer.pk).update(remaining=0)
    Member.objects.filter(pk=buyer.pk).update(balance=0)
    # when the stale form is placed
    placed = english.post(
        "/checkout/place/",
        {"address": home.pk, "fingerprint": hidden(on, "fingerprint"), "points": "1000", "request_key": "stale"},
        follow=True,
    )
    # then nothing is ordered and the buyer is told why
    assert not Order.objects.exists()
    assert "You do not have that many points." in placed.content.decode()


def test_without_points_the_checkout_shows_no_points_row(english: Client, buyer, shop, home):
    factories.in_cart(buyer, (factories.sku_of(shop), 1))
    english.force_login(buyer)
    page = english.get("/checkout/").content.decode()
    assert "Pay with points" not in page
    assert hidden(page, "points") == "0"


# 会员价 (merchant centre) ------------------------------------------------------------------------------------------


def test_the_merchant_sets_and_removes_a_member_price(english: Client, merchant_staff, shop):
    sku = factories.sku_of(shop)
    english.force_login(merchant_staff)
    # when
    listed = english.get(PRICES).content.decode()
    set_ = english.post(PRICES, {"sku_id": sku.pk, "price": "89.00", "min_tier": "gold"})
    saved = MemberPrice.objects.values_list("price_minor", "min_tier").get()
    shown = english.get(PRICES).content.decode()
    removed = english.post(PRICES, {"sku_id": sku.pk, "remove": "1"})
    # then
    assert "渴望六种鱼猫粮 5.4kg" in listed
    assert "¥99.00" in listed
    assert set_.status_code == 302
    assert saved == (8900, "gold")
    assert "¥89.00" in shown
    assert "Gold and up" in shown
    assert removed.status_code == 302
    assert not MemberPrice.objects.exists()


def test_a_member_price_not_below_the_price_comes_back_on_its_row(english: Client, merchant_staff, shop):
    sku = factories.sku_of(shop)
    english.force_login(merchant_staff)
    # when
    answer = english.post(PRICES, {"sku_id": sku.pk, "price": "99.00", "min_tier": "silver"})
    # then
    page = answer.content.decode()
    assert answer.status_code == 422
    assert f'<p class="field-error" id="sku-{sku.pk}-price-error">' in page
    assert "A member price is at least ¥0.01 and below the SKU&#x27;s price." in page
    assert 'value="99.00"' in page
    assert not MemberPrice.objects.exists()


def test_member_prices_are_the_shops_own(client: Client, buyer, other_merchant_staff, shop):
    sku = factories.sku_of(shop)
    client.force_login(buyer)
    assert client.get(PRICES).status_code == 403
    client.force_login(other_merchant_staff)
    assert "渴望六种鱼猫粮" not in client.get(PRICES).content.decode()
    assert client.post(PRICES, {"sku_id": sku.pk, "price": "50.00", "min_tier": "silver"}).status_code == 404
    assert not MemberPrice.objects.exists()


# 积分与会员设置 (operator console) ------------------------------------------------------------------------------------


def _settings_form(**changes: str) -> dict[str, str]:
    form = {
        name: str(value)
        for name, value in DEFAULTS.items()
        if not name.endswith(("_minor", "_id")) and name != "birthday_tier_rank"
    }
    form |= {
        "silver_spend": "1000.00",
        "gold_spend": "5000.00",
        "diamond_spend": "20000.00",
        "silver_free_shipping": "",
        "gold_free_shipping": "99.00",
        "diamond_free_shipping": "0",
        "birthday_template": "",
        "birthday_tier_rank": "1",
    }
    return form | changes


def test_the_settings_page_is_for_administrators(client: Client, buyer, reviewer, admin_operator):
    client.force_login(buyer)
    assert client.get(SETTINGS).status_code == 403
    client.force_login(reviewer)
    assert client.post(SETTINGS, _settings_form(check_in_points="9")).status_code == 403
    assert not LoyaltySettings.objects.exists()
    client.force_login(admin_operator)
    page = client.get(SETTINGS).content.decode()
    assert 'name="gold_spend"' in page
    assert 'value="5000.00"' in page


def test_the_administrator_saves_the_rules_and_sees_the_tier_counts(english: Client, admin_operator, buyer):
    Member.objects.create(user=buyer, tier="gold")
    english.force_login(admin_operator)
    # when
    answer = english.post(
        SETTINGS, _settings_form(check_in_points="8", gold_multiplier="160", silver_free_shipping="199")
    )
    # then
    assert answer.status_code == 302
    row = LoyaltySettings.objects.get()
    assert (row.check_in_points, row.gold_multiplier, row.silver_free_shipping_minor) == (8, 160, 19_900)
    assert row.diamond_free_shipping_minor == 0
    page = english.get(SETTINGS).content.decode()
    assert "Points and tier settings saved." in page
    assert "1 member with points or a tier" in page


def test_a_tier_threshold_not_above_the_one_under_it_is_shown_on_its_field(english: Client, admin_operator):
    english.force_login(admin_operator)
    # when gold needs less than silver
    answer = english.post(SETTINGS, _settings_form(gold_spend="800.00"))
    # then
    page = answer.content.decode()
    assert answer.status_code == 422
    assert re.search(
        r'<p class="field-error" id="id_gold_spend-error">Each tier&#x27;s spend must be above the one under it.</p>',
        page,
    )
    assert 'value="800.00"' in page
    assert not LoyaltySettings.objects.exists()
