"""What a tier gives: member prices (会员价), free shipping from a threshold and a birthday coupon."""

import datetime as dt

import pytest
from django.utils import timezone

from jishi.catalog.errors import SkuNotFound
from jishi.checkout import services as checkout
from jishi.core.errors import PermissionDenied
from jishi.core.money import Money
from jishi.ledger.reconcile import reconcile
from jishi.loyalty import services
from jishi.loyalty.errors import BirthdayAlreadySet, MemberPriceInvalid, TemplateInvalid
from jishi.loyalty.models import DEFAULTS, BirthdayGift, Member, MemberPrice, Tier
from jishi.orders.models import Order
from jishi.promotions import services as promotions
from jishi.promotions.models import Coupon
from jishi.promotions.pricing import CouponKind
from tests import factories

pytestmark = pytest.mark.django_db


def yuan(amount: str) -> Money:
    return Money.parse(amount, "CNY")


def _quote(buyer, product, quantity=1):
    buy_now = checkout.BuyNow(sku_id=factories.sku_of(product).pk, quantity=quantity)
    return checkout.checkout_quote(actor=buyer, address_id=buyer.addresses.first().pk, buy_now=buy_now)


def test_a_shop_sets_a_member_price_that_members_of_its_tier_pay(merchant_staff, buyer, home, shop):
    services.member_price_set(actor=merchant_staff, sku_id=factories.sku_of(shop).pk, price=yuan("89.00"))
    assert _quote(buyer, shop).goods - _quote(buyer, shop).discount == yuan("99.00")  # a regular member
    Member.objects.create(user=buyer, tier=Tier.SILVER)
    quote = _quote(buyer, shop, quantity=2)
    (adjustment, *_rest) = quote.groups[0].priced.adjustments
    assert (adjustment.step, adjustment.source.kind, adjustment.amount) == ("unit_price", "member_price", yuan("20.00"))
    assert adjustment.funded_by_platform is False  # the shop gives its members the price


def test_a_member_price_for_gold_is_not_a_silver_members(merchant_staff, buyer, home, shop):
    services.member_price_set(
        actor=merchant_staff, sku_id=factories.sku_of(shop).pk, price=yuan("79.00"), min_tier=Tier.GOLD
    )
    Member.objects.create(user=buyer, tier=Tier.SILVER)
    assert _quote(buyer, shop).discount == Money(0, "CNY")
    Member.objects.filter(pk=buyer.pk).update(tier=Tier.DIAMOND)
    assert _quote(buyer, shop).discount == yuan("20.00")


def test_a_member_price_must_be_below_the_price_and_the_shops_own(merchant_staff, other_merchant_staff, buyer, shop):
    sku_id = factories.sku_of(shop).pk
    for price in ("99.00", "120.00", "0.00"):
        with pytest.raises(MemberPriceInvalid) as refused:
            services.member_price_set(actor=merchant_staff, sku_id=sku_id, price=yuan(price))
        assert refused.value.field == "price"
    with pytest.raises(SkuNotFound):
        services.member_price_set(actor=other_merchant_staff, sku_id=sku_id, price=yuan("80.00"))
    with pytest.raises(PermissionDenied):
        services.member_price_set(actor=buyer, sku_id=sku_id, price=yuan("80.00"))
    assert not MemberPrice.objects.exists()


def test_a_gold_member_ships_free_from_the_threshold_at_the_platforms_cost(merchant_staff, buyer, home, shop):
    factories.fee_template(merchant_staff, first="8.00")
    Member.objects.create(user=buyer, tier=Tier.GOLD)  # free shipping from ¥99.00 by default
    quote = _quote(buyer, shop)
    (adjustment,) = quote.groups[0].priced.adjustments
    assert (adjustment.step, adjustment.amount, adjustment.funded_by_platform) == ("shipping", yuan("8.00"), True)
    assert quote.total == yuan("99.00")
    factories.pay(
        checkout.checkout_place(
            actor=buyer,
            address_id=home.pk,
            fingerprint=quote.fingerprint,
            buy_now=checkout.BuyNow(sku_id=factories.sku_of(shop).pk, quantity=1),
        )
    )
    assert Order.objects.get(buyer=buyer).subsidy_minor == 800
    assert reconcile().ok


def test_a_silver_member_pays_shipping(merchant_staff, buyer, home, shop):
    factories.fee_template(merchant_staff, first="8.00")
    Member.objects.create(user=buyer, tier=Tier.SILVER)
    assert _quote(buyer, shop).total == yuan("107.00")


def _birthday_template(admin):
    return promotions.coupon_template_create(
        actor=admin,
        data=promotions.CouponTemplateInput(
            name="生日礼券",
            kind=CouponKind.AMOUNT,
            amount=yuan("20.00"),
            total_quantity=1000,
            valid_days=30,
            per_user_limit=5,
        ),
        platform=True,
    )


def test_members_of_the_tier_get_their_birthday_coupon_once_a_year(admin_operator, buyer, other_buyer):
    template = _birthday_template(admin_operator)
    services.loyalty_settings_set(actor=admin_operator, values={**DEFAULTS, "birthday_template_id": template.pk})
    today = timezone.localdate()
    services.birthday_set(actor=buyer, birthday=today.replace(year=today.year - 30))
    services.birthday_set(actor=other_buyer, birthday=today.replace(year=today.year - 30))
    Member.objects.filter(pk=buyer.pk).update(tier=Tier.SILVER)  # the other is a regular member
    assert services.birthday_coupons_give(today=today) == 1
    assert services.birthday_coupons_give(today=today) == 0
    assert Coupon.objects.get(template=template).owner_id == buyer.pk
    assert BirthdayGift.objects.get(user=buyer).year == today.year
    with pytest.raises(BirthdayAlreadySet):
        services.birthday_set(actor=buyer, birthday=dt.date(1990, 1, 1))


def test_a_birthday_template_must_be_the_platforms(admin_operator, merchant_staff):
    shop_template = promotions.coupon_template_create(
        actor=merchant_staff,
        data=promotions.CouponTemplateInput(
            name="店铺券", kind=CouponKind.AMOUNT, amount=yuan("5.00"), total_quantity=10, valid_days=3
        ),
    )
    with pytest.raises(TemplateInvalid) as refused:
        services.loyalty_settings_set(
            actor=admin_operator, values={**DEFAULTS, "birthday_template_id": shop_template.pk}
        )
    assert refused.value.field == "birthday_template_id"
