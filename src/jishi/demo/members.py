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

from jishi.accounts.models import User
from jishi.analytics import services as segments
from jishi.catalog.models import Product, path_ids
from jishi.catalog.states import ProductStatus
from jishi.checkout import services as checkout
from jishi.core.money import CURRENCY, Money
from jishi.favourites import services as favourites
from jishi.loyalty import selectors
from jishi.loyalty import services as loyalty
from jishi.loyalty.models import DEFAULTS, Tier
from jishi.merchants.selectors import merchant_owner_id
from jishi.orders import selectors as orders_selectors
from jishi.orders.selectors import products_bought_by
from jishi.promotions import services as promotions
from jishi.promotions.pricing import CouponKind
from jishi.recommendations import services as recommendations
from jishi.reviews import selectors as reviews_selectors
from jishi.reviews import services as reviews
from jishi.search import services as search
from jishi.search.selectors import SearchParams

if TYPE_CHECKING:
    from jishi.demo.loader import DemoLoader
    from jishi.reviews.models import Review

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
PHOTO_COLOURS = ((214, 160, 110), (150, 190, 120), (120, 160, 210))
REVIEW_TEXTS = {
    5: (
        "质量很好，和描述一致，物流也快",
        "第二次回购了，家里人都说好",
        "包装很用心，没有破损，值得推荐",
        "性价比很高，会继续支持",
    ),
    4: ("整体不错，就是快递慢了一天", "东西挺好的，颜色比图片稍深", "还可以，价格再低一点就更好了"),
    3: ("一般般吧，和预期差不多", "能用，但做工有点粗糙"),
    2: ("有点失望，和图片差别较大", "发货太慢了，催了两次"),
    1: ("收到就有破损，体验很差", "质量不行，不推荐"),
}
REPLIES = {
    False: ("感谢亲的支持，期待再次光临！", "谢谢您的认可，我们会继续努力～"),
    True: (
        "非常抱歉给您带来不好的体验，已联系您处理，请留意消息。",
        "抱歉亲，我们已反馈仓库改进包装，欢迎随时联系客服。",
    ),
}
# (shop, how many of its SKUs, the share off for members, the tier from which they get it)
MEMBER_PRICES = (("萌宠之家", 4, 8, Tier.SILVER), ("潮流衣橱", 3, 10, Tier.GOLD))


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
        self._reviews()
        self._shop_ratings()
        self._interests()
        recommendations.recommendations_refresh()
        segments.member_segments_compute()
        search.suggestions_rebuild()

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
            # they searched for what they came for (the hot and recent searches), and found what the search finds
            for product in rng.sample(bought, min(2, len(bought))):
                term = product.category.name
                found = search.product_search(SearchParams(q=term, page_size=1), with_facets=False).page.count
                search.search_log(actor=person, query=term, found=found)
            seen = rng.sample(nearby, min(8, len(nearby)))
            for product_id in seen:
                favourites.view_record(actor=person, product_id=product_id)
            for product_id in seen[:2]:
                favourites.favourite_add(actor=person, product_id=product_id)
            shops = Counter(product.merchant_id for product in bought)
            if shops:
                favourites.follow_add(actor=person, merchant_id=shops.most_common(1)[0][0])

    def _shop_ratings(self) -> None:
        """Most regular customers rated the shop of their recent completed orders (店铺评分), mostly well."""
        rng = self.loader.rng
        since = timezone.now() - dt.timedelta(days=reviews.RATING_DAYS)
        for buyer, _address in self.loader.regulars:
            done = orders_selectors.order_list_for_buyer(buyer, status="completed").filter(completed_at__gte=since)
            for order in list(done.order_by("-completed_at")[:4]):
                if rng.random() < 0.7:
                    d, s, lg = (rng.choices((5, 4, 3, 2, 1), (70, 20, 6, 2, 2))[0] for _ in range(3))
                    reviews.shop_rate(actor=buyer, order_number=order.number, description=d, service=s, logistics=lg)

    def _reviews(self) -> None:
        """Regular customers review a share of what they received (most gladly, some not), a third with
        photos; shops answer the unhappy ones and some others; one review waits for the platform for a blocked
        word and one was reported."""
        from jishi.demo.loader import product_image  # the loader imports this module

        rng = self.loader.rng
        reviewer = self.loader.reviewer
        reviews.review_term_add(actor=reviewer, term="加微信")
        written: list[Review] = []
        for n, (buyer, _address) in enumerate(self.loader.regulars):
            lines = list(reviews_selectors.lines_waiting(buyer).select_related("order")[:6])
            for line in rng.sample(lines, min(len(lines), 1 + n % 4)):
                stars = rng.choices((5, 4, 3, 2, 1), (62, 24, 8, 3, 3))[0]
                photos = []
                if rng.random() < 0.35:
                    many = rng.randint(1, 3) if self.loader.image_every == 1 else 1  # a quick load draws fewer
                    photos = [
                        product_image(line.title, "Buyer photo", PHOTO_COLOURS[k % 3], line.pk * 10 + k, tag="买家秀")
                        for k in range(many)
                    ]
                text = rng.choice(REVIEW_TEXTS[stars])
                if len(written) == 7:
                    text = f"{text}，想要更便宜的加微信"  # held for the blocked word
                review = reviews.review_create(
                    actor=buyer,
                    order_line_id=line.pk,
                    data=reviews.ReviewInput(stars=stars, text=text, anonymous=rng.random() < 0.2, photos=photos),
                )
                written.append(review)
                owner_id = merchant_owner_id(review.merchant_id)
                if owner_id is not None and (stars <= 3 or rng.random() < 0.25):
                    owner = User.objects.get(pk=owner_id)
                    reviews.review_reply(actor=owner, review_id=review.pk, text=rng.choice(REPLIES[stars <= 3]))
        if len(written) > 12:
            reporter = next(buyer for buyer, _a in self.loader.regulars if buyer.pk != written[12].buyer_id)
            reviews.review_report(
                actor=reporter,
                review_id=written[12].pk,
                reason="fake",
                note="内容和商品不符",
            )
