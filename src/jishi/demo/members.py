"""The demo's member mall: points, tiers, member prices, invitations and a birthday, all through the services.

The tiers the regular customers reach come from their real orders; the
points they hold were earned by completing those orders, checking in and
inviting friends.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone

from jishi.catalog.models import Product, path_ids
from jishi.catalog.states import ProductStatus
from jishi.checkout import services as checkout
from jishi.core.money import CURRENCY, Money
from jishi.favourites import services as favourites
from jishi.loyalty import selectors
from jishi.loyalty import services as loyalty
from jishi.loyalty.models import DEFAULTS, Tier
from jishi.orders.selectors import products_bought_by
from jishi.promotions import services as promotions
from jishi.promotions.pricing import CouponKind
from jishi.recommendations import services as recommendations

if TYPE_CHECKING:
    from jishi.accounts.models import User
    from jishi.demo.loader import DemoLoader

# The demo market's tiers: ¥3,000, ¥8,000 and ¥20,000 over 12 months (its regular customers buy phones and
# laptops as well as cat food: a quarter spend over ¥17,000 in its eight weeks).
DEMO_RULES = {
    **DEFAULTS,
    "silver_minor": 300_000,
    "gold_minor": 800_000,
    "diamond_minor": 2_000_000,
    "gold_free_shipping_minor": 5_900,
    "birthday_tier_rank": 0,  # every member
}
# (shop, how many of its SKUs, the share off for members, the tier from which they get it)
MEMBER_PRICES = (("萌宠之家", 4, 8, Tier.SILVER), ("鲜品超市", 3, 10, Tier.GOLD))


class MembersDemo:
    def __init__(self, loader: DemoLoader, admin: User) -> None:
        self.loader = loader
        self.admin = admin

    def rules(self) -> None:
        """Before the eight weeks of orders: the market's tier rules, a birthday coupon and member prices."""
        birthday = promotions.coupon_template_create(
            actor=self.admin,
            data=promotions.CouponTemplateInput(
                name="会员生日礼券",
                kind=CouponKind.AMOUNT,
                amount=Money.parse("20.00", CURRENCY),
                min_spend=Money.parse("59.00", CURRENCY),
                total_quantity=10_000,
                per_user_limit=10,
                valid_days=30,
                claimable=False,
            ),
            platform=True,
        )
        loyalty.loyalty_settings_set(actor=self.admin, values={**DEMO_RULES, "birthday_template_id": birthday.pk})
        for shop, count, percent_off, tier in MEMBER_PRICES:
            owner = self.loader.owners[shop]
            skus = [
                sku
                for product in owner.membership.merchant.products.filter(status="published").order_by("pk")[:count]
                for sku in product.skus.filter(is_active=True).order_by("pk")[:1]
            ]
            for sku in skus:
                price = Money(sku.price.minor * (100 - percent_off) // 100, CURRENCY)
                loyalty.member_price_set(actor=owner, sku_id=sku.pk, price=price, min_tier=tier)

    def invitations(self, regulars: list[User]) -> None:
        """Before their first order: two regular customers joined through the demo buyer's invite link, so their
        first completed orders reward both of them."""
        code = loyalty.invite_code_of(actor=self.loader.buyer, device="demo-buyer-phone")
        for invitee in regulars[5:7]:
            loyalty.referral_bind(actor=invitee, code=code, device=f"demo-device-{invitee.pk}")

    def load(self) -> None:
        """After the market: the demo buyer checked in four days running and set their birthday (today: the
        birthday coupon is in their wallet)."""
        buyer = self.loader.buyer
        now = timezone.now()
        for back in range(4, 0, -1):
            loyalty.check_in(actor=buyer, now=now - dt.timedelta(days=back))
        today = timezone.localdate()
        loyalty.birthday_set(actor=buyer, birthday=today.replace(year=today.year - 28))
        loyalty.birthday_coupons_give(today=today)
        # the points the buyer's invitations earned, spent on a bag of cat food
        product = self.loader.owners["萌宠之家"].membership.merchant.products.filter(status="published").first()
        if product is not None and (sku := product.skus.filter(is_active=True, stock__quantity__gt=0).first()):
            self.loader._place_and_pay(
                buyer,
                buyer.addresses.get(is_default=True).pk,
                buy_now=checkout.BuyNow(sku_id=sku.pk, quantity=1),
                points=min(500, selectors.balance_of(buyer.pk)),
            )
        loyalty.tiers_recompute()
        self._interests()
        recommendations.recommendations_refresh()

    def _interests(self) -> None:
        """What the regular customers looked at and kept: each looked at products of the departments they buy
        in (their 足迹), favourited two and follows the shop they bought most from; the demo buyer too."""
        rng = self.loader.rng
        people = [buyer for buyer, _address in self.loader.regulars] + [self.loader.buyer]
        for person in people:
            bought = list(Product.objects.filter(pk__in=products_bought_by(person.pk)).select_related("category"))
            branches = {"/{}/{}/".format(*path_ids(product.category.path)[:2]) for product in bought}
            nearby: list[int] = []
            if branches:
                near = Q()
                for branch in sorted(branches):
                    near |= Q(category__path__startswith=branch)
                on_sale = Product.objects.filter(near, status=ProductStatus.PUBLISHED)
                nearby = list(on_sale.order_by("pk").values_list("pk", flat=True))
            seen = rng.sample(nearby, min(8, len(nearby)))
            for product_id in seen:
                favourites.view_record(actor=person, product_id=product_id)
            for product_id in seen[:2]:
                favourites.favourite_add(actor=person, product_id=product_id)
            shops = Counter(product.merchant_id for product in bought)
            if shops:
                favourites.follow_add(actor=person, merchant_id=shops.most_common(1)[0][0])
