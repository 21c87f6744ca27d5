"""Real threads, separate connections, one barrier: no coupon limit is passed however many arrive at once."""

from collections import Counter

import pytest
from django.utils import timezone

from jishi.core.money import Money
from jishi.promotions import services as promotions
from jishi.promotions.models import Coupon, CouponTemplate
from jishi.promotions.pricing import CouponKind
from tests import factories
from tests.races import race

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def _template(owner, *, quantity: int, per_user: int = 1) -> CouponTemplate:
    data = promotions.CouponTemplateInput(
        name="无门槛立减5元",
        kind=CouponKind.AMOUNT,
        amount=Money.parse("5.00", "CNY"),
        total_quantity=quantity,
        per_user_limit=per_user,
        valid_days=7,
    )
    return promotions.coupon_template_create(actor=owner, data=data)


def _outcomes(results, done: str) -> list[str]:
    """What each racer got: ``done``, or the code of the error that refused it."""
    return [getattr(result, "code", repr(result)) if isinstance(result, Exception) else done for result in results]


def _claim(template_id):
    return lambda buyer: promotions.coupon_claim(actor=buyer, template_id=template_id)


def test_fifty_buyers_for_ten_coupons_get_exactly_ten(merchant_staff):
    # given 10 coupons and 50 buyers
    template = _template(merchant_staff, quantity=10)
    buyers = [factories.user() for _ in range(50)]
    # when they all claim at the same moment
    outcomes = _outcomes(race(buyers, _claim(template.pk)), "claimed")
    # then exactly ten get one and the others are told they are gone
    assert Counter(outcomes) == {"claimed": 10, "promotions.coupons_gone": 40}
    template.refresh_from_db()
    assert (template.claimed_count, Coupon.objects.count()) == (10, 10)


def test_one_buyer_claiming_twenty_times_at_once_gets_their_limit(merchant_staff):
    # given a limit of 2 per buyer
    template = _template(merchant_staff, quantity=100, per_user=2)
    buyer = factories.user()
    # when the buyer claims from 20 connections at once
    outcomes = _outcomes(race([buyer] * 20, _claim(template.pk)), "claimed")
    # then they get exactly their limit (claims of one template queue behind its quantity's UPDATE), and the
    # quantity counts only what was given
    assert Counter(outcomes) == {"claimed": 2, "promotions.coupon_limit": 18}
    template.refresh_from_db()
    assert template.claimed_count == Coupon.objects.filter(owner=buyer).count() == 2


def test_fifty_checkouts_on_one_coupon_take_it_once(merchant_staff):
    # given one coupon
    buyer = factories.user()
    coupon = promotions.coupon_claim(actor=buyer, template_id=_template(merchant_staff, quantity=1).pk)
    now = timezone.now()

    def take(number):
        promotions.coupons_take(owner=buyer, coupon_ids=[coupon.pk], checkout_number=f"C{number}", now=now)

    # when 50 checkouts try to use it at once
    outcomes = _outcomes(race(list(range(50)), take), "taken")
    # then exactly one has it
    assert Counter(outcomes) == {"taken": 1, "promotions.coupon_unavailable": 49}
    coupon.refresh_from_db()
    assert coupon.checkout_number == f"C{outcomes.index('taken')}"
