"""Issuing, claiming, redeeming and using coupons: every limit holds, every refusal changes nothing."""

import datetime as dt
from dataclasses import replace

import pytest
from django.utils import timezone

from jishi.core.errors import InvalidInput, PermissionDenied, RateLimited
from jishi.core.models import AuditEntry
from jishi.core.money import Money
from jishi.merchants.models import Membership
from jishi.merchants.roles import StaffRole
from jishi.promotions import services as promotions
from jishi.promotions.errors import (
    CouponCodeInvalid,
    CouponLimitReached,
    CouponNotClaimable,
    CouponsGone,
    CouponTemplateNotFound,
    CouponUnavailable,
)
from jishi.promotions.models import Coupon, CouponTemplate
from jishi.promotions.pricing import CouponKind
from jishi.promotions.selectors import WalletTab, coupon_offers_for, wallet_for
from tests import factories

pytestmark = pytest.mark.django_db


def yuan(amount: str) -> Money:
    return Money.parse(amount, "CNY")


def offer(**changes) -> promotions.CouponTemplateInput:
    """满100减10, 100 of them, one each, usable for 7 days after claiming."""
    data = promotions.CouponTemplateInput(
        name="满100减10",
        kind=CouponKind.AMOUNT,
        amount=yuan("10.00"),
        min_spend=yuan("100.00"),
        total_quantity=100,
        valid_days=7,
    )
    return replace(data, **changes)


def test_a_shop_issues_a_coupon_and_a_buyer_claims_it_into_the_wallet(merchant_staff, buyer):
    # given the shop's coupon
    template = promotions.coupon_template_create(actor=merchant_staff, data=offer())
    # when a buyer claims it
    coupon = promotions.coupon_claim(actor=buyer, template_id=template.pk)
    # then it is theirs for 7 days, counted against the quantity, and offered to the pricing pipeline
    template.refresh_from_db()
    assert template.claimed_count == 1
    assert coupon.valid_until - coupon.valid_from == dt.timedelta(days=7)
    now = timezone.now()
    assert list(wallet_for(buyer, WalletTab.UNUSED, now=now)) == [coupon]
    (usable,) = coupon_offers_for(buyer, now=now)
    assert (usable.merchant_id, usable.amount, usable.min_spend) == (
        merchant_staff.membership.merchant.pk,
        yuan("10.00"),
        yuan("100.00"),
    )
    assert AuditEntry.objects.filter(action="promotions.template_create", target_id=str(template.pk)).exists()


def test_only_a_shops_managers_and_administrators_issue_coupons(merchant_staff, buyer, admin_operator):
    clerk = Membership.objects.create(
        merchant=merchant_staff.membership.merchant, user=factories.user(), role=StaffRole.STAFF
    ).user
    for actor in (clerk, buyer):
        with pytest.raises(PermissionDenied):
            promotions.coupon_template_create(actor=actor, data=offer())
    with pytest.raises(PermissionDenied):
        promotions.coupon_template_create(actor=merchant_staff, data=offer(), platform=True)
    platform = promotions.coupon_template_create(actor=admin_operator, data=offer(name="平台券"), platform=True)
    assert platform.merchant is None
    assert CouponTemplate.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"amount": yuan("-1.00")}, "promotions.amount_out_of_range", "amount"),
        ({"amount": yuan("100001.00")}, "promotions.amount_out_of_range", "amount"),
        ({"amount": yuan("100.00")}, "promotions.amount_over_min_spend", "amount"),
        (
            {"kind": CouponKind.PERCENT, "amount": None, "percent_off": 101},
            "promotions.percent_out_of_range",
            "percent_off",
        ),
        ({"kind": "gift"}, "promotions.invalid_kind", "kind"),
        ({"total_quantity": 0}, "promotions.quantity_out_of_range", "total_quantity"),
        ({"per_user_limit": 101}, "promotions.per_user_out_of_range", "per_user_limit"),
        ({"valid_days": None}, "promotions.validity_required", "valid_until"),
        (
            {"valid_days": None, "valid_from": timezone.now() + dt.timedelta(days=3), "valid_until": timezone.now()},
            "promotions.ends_before_start",
            "valid_until",
        ),
        ({"name": " "}, "promotions.invalid_name", "name"),
        ({"category_ids": [999_999]}, "promotions.unknown_categories", "category_ids"),
    ],
)
def test_bad_coupons_are_refused_with_the_field_and_nothing_is_written(merchant_staff, changes, code, field):
    with pytest.raises(InvalidInput) as refused:
        promotions.coupon_template_create(actor=merchant_staff, data=offer(**changes))
    assert (refused.value.code, refused.value.field) == (code, field)
    assert not CouponTemplate.objects.exists()
    assert not AuditEntry.objects.filter(action="promotions.template_create").exists()


def test_a_shops_coupon_covers_only_its_own_products(merchant_staff, other_merchant_staff, leaf_category):
    foreign = factories.product(other_merchant_staff, leaf_category)
    with pytest.raises(InvalidInput) as refused:
        promotions.coupon_template_create(actor=merchant_staff, data=offer(product_ids=[foreign.pk]))
    assert refused.value.code == "promotions.foreign_products"


def test_claims_stop_at_the_quantity_and_at_the_per_user_limit(merchant_staff, buyer, other_buyer):
    # given 2 coupons, one per buyer
    template = promotions.coupon_template_create(actor=merchant_staff, data=offer(total_quantity=2))
    promotions.coupon_claim(actor=buyer, template_id=template.pk)
    # when the buyer claims again, then they are refused and nothing moves
    with pytest.raises(CouponLimitReached):
        promotions.coupon_claim(actor=buyer, template_id=template.pk)
    template.refresh_from_db()
    assert template.claimed_count == 1
    # and once the last one is claimed, the next buyer finds none left
    promotions.coupon_claim(actor=other_buyer, template_id=template.pk)
    with pytest.raises(CouponsGone):
        promotions.coupon_claim(actor=factories.user(), template_id=template.pk)
    assert Coupon.objects.count() == 2


def test_a_stopped_or_code_only_coupon_cannot_be_claimed(merchant_staff, buyer):
    stopped = promotions.coupon_template_create(actor=merchant_staff, data=offer())
    promotions.coupon_template_stop(actor=merchant_staff, template_id=stopped.pk)
    with pytest.raises(CouponNotClaimable):
        promotions.coupon_claim(actor=buyer, template_id=stopped.pk)
    code_only = promotions.coupon_template_create(actor=merchant_staff, data=offer(claimable=False))
    with pytest.raises(CouponTemplateNotFound):
        promotions.coupon_claim(actor=buyer, template_id=code_only.pk)
    assert not Coupon.objects.exists()


def test_another_shop_cannot_stop_or_hand_out_codes_for_a_coupon(merchant_staff, other_merchant_staff):
    template = promotions.coupon_template_create(actor=merchant_staff, data=offer())
    with pytest.raises(CouponTemplateNotFound):
        promotions.coupon_template_stop(actor=other_merchant_staff, template_id=template.pk)
    with pytest.raises(CouponTemplateNotFound):
        promotions.coupon_codes_issue(actor=other_merchant_staff, template_id=template.pk, count=5)
    template.refresh_from_db()
    assert (template.status, template.codes.count()) == ("active", 0)


def test_a_code_gives_one_coupon_once(merchant_staff, buyer, other_buyer):
    # given codes for a coupon handed out by code only
    template = promotions.coupon_template_create(actor=merchant_staff, data=offer(claimable=False))
    codes = promotions.coupon_codes_issue(actor=merchant_staff, template_id=template.pk, count=3)
    # then each is 80 bits of base32, all different
    assert len(set(codes)) == 3
    assert all(len(code) == 16 for code in codes)
    # when a buyer redeems one, written as people copy it
    spaced = f"{codes[0][:4].lower()}-{codes[0][4:8]} {codes[0][8:]}"
    coupon = promotions.coupon_redeem(actor=buyer, code=spaced)
    assert coupon.template == template
    # then nobody can redeem it again
    with pytest.raises(CouponCodeInvalid):
        promotions.coupon_redeem(actor=other_buyer, code=codes[0])
    assert Coupon.objects.count() == 1


def test_guessing_codes_is_throttled_like_logging_in(merchant_staff, buyer, settings):
    # given a buyer who guessed wrong as often as a log-in may fail
    template = promotions.coupon_template_create(actor=merchant_staff, data=offer(claimable=False))
    (code,) = promotions.coupon_codes_issue(actor=merchant_staff, template_id=template.pk, count=1)
    for _ in range(settings.JISHI_LOGIN_MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(CouponCodeInvalid):
            promotions.coupon_redeem(actor=buyer, code="AAAAAAAAAAAAAAAA")
    # when they then try the right one, then they must wait, and the code is still unused
    with pytest.raises(RateLimited):
        promotions.coupon_redeem(actor=buyer, code=code)
    assert template.codes.get().redeemed_by is None


def test_a_checkout_takes_a_coupon_once_and_a_cancelled_one_gives_it_back_once(merchant_staff, buyer, other_buyer):
    # given a buyer's coupon
    template = promotions.coupon_template_create(actor=merchant_staff, data=offer())
    coupon = promotions.coupon_claim(actor=buyer, template_id=template.pk)
    now = timezone.now()
    # when a checkout takes it, then no other checkout can, nor another buyer
    promotions.coupons_take(owner=buyer, coupon_ids=[coupon.pk], checkout_number="C1", now=now)
    for owner, number in ((buyer, "C2"), (other_buyer, "C3")):
        with pytest.raises(CouponUnavailable):
            promotions.coupons_take(owner=owner, coupon_ids=[coupon.pk], checkout_number=number, now=now)
    assert list(wallet_for(buyer, WalletTab.USED, now=now)) == [coupon]
    # when the checkout is cancelled twice over, it comes back once, and only from the checkout that held it
    assert promotions.coupons_give_back(checkout_number="C2") == 0
    assert promotions.coupons_give_back(checkout_number="C1") == 1
    assert promotions.coupons_give_back(checkout_number="C1") == 0
    assert list(wallet_for(buyer, WalletTab.UNUSED, now=now)) == [coupon]


def test_an_expired_coupon_cannot_be_taken_and_shows_as_expired(merchant_staff, buyer):
    template = promotions.coupon_template_create(actor=merchant_staff, data=offer())
    coupon = promotions.coupon_claim(actor=buyer, template_id=template.pk)
    later = coupon.valid_until + dt.timedelta(seconds=1)
    with pytest.raises(CouponUnavailable):
        promotions.coupons_take(owner=buyer, coupon_ids=[coupon.pk], checkout_number="C1", now=later)
    assert list(wallet_for(buyer, WalletTab.EXPIRED, now=later)) == [coupon]
    assert coupon_offers_for(buyer, now=later) == []
