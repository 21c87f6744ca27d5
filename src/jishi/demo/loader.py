"""Build the demo market through the same services the API uses."""

from __future__ import annotations

import datetime as dt
import io
import os
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from jishi.accounts import services as accounts
from jishi.accounts.models import User
from jishi.accounts.roles import OperatorRole
from jishi.accounts.validators import id_number_check_character
from jishi.aftersales import services as aftersales
from jishi.aftersales.states import Reason
from jishi.analytics.models import SITE, Visit
from jishi.cart import services as cart
from jishi.cart.owner import CartOwner
from jishi.catalog import services as catalog
from jishi.catalog.models import AttributeKind, Category, Product, Sku, path_ids
from jishi.catalog.states import ProductStatus
from jishi.checkout import services as checkout
from jishi.community import selectors as community_selectors
from jishi.community import services as community
from jishi.community.models import CommunityCampaign, Pickup
from jishi.core.money import CURRENCY, Money
from jishi.demo.market import MARKET, MERCHANTS, PASSWORD, Branch, Leaf, Root
from jishi.demo.members import MembersDemo
from jishi.demo.pets import PetsDemo
from jishi.groupbuy import services as groupbuy
from jishi.groupbuy.models import Team, TeamMember
from jishi.ledger import selectors as ledger_selectors
from jishi.ledger import services as ledger
from jishi.merchants import services as merchants
from jishi.merchants.models import Merchant, QualificationKind
from jishi.merchants.roles import StaffRole
from jishi.orders import services as orders
from jishi.orders.models import Order
from jishi.payments import sandbox
from jishi.payments import services as payments
from jishi.promotions import services as promotions
from jishi.shipping import services as shipping

PRODUCTS_PER_LEAF = 17
ATTRIBUTES_EN = {"brand": "Brand", "material": "Fabric", "origin": "Origin"}
# Regular customers and their checkouts over eight weeks: where every sold count comes from.
REGULAR_CUSTOMERS = 48
REGULAR_CHECKOUTS = 360
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
# Pickup points around the demo buyer's Hangzhou address: name, kind, district, detail, latitude, longitude.
PICKUP_POINTS = (
    ("文三路便利店", "shop", "西湖区", "文三路 88 号", 30.27830, 120.14450),
    ("黄龙小区物业", "property_office", "西湖区", "黄龙路 5 号黄龙小区物业中心", 30.27000, 120.13800),
    ("武林菜鸟驿站", "parcel_station", "拱墅区", "环城北路 208 号", 30.27480, 120.16300),
    ("西溪花园", "home", "西湖区", "西溪花园 12 幢 1 单元", 30.27400, 120.09000),
)
REGULAR_PLACES = (
    (("浙江省", "杭州市"), "西湖区", "文三路"),
    (("江苏省", "南京市"), "玄武区", "中山路"),
    (("上海市", "上海市"), "浦东新区", "张杨路"),
    (("广东省", "深圳市"), "南山区", "科技园路"),
    (("北京市", "北京市"), "朝阳区", "建国路"),
    (("四川省", "成都市"), "武侯区", "人民南路"),
)
EDITIONS = ["经典款", "升级款", "家庭装", "旗舰款", "尝鲜装", "新品", "限定款", "畅销款", "特惠装"]
# What a listing says it is good for, by top category (the slug of the root).
SELLING_POINTS = {
    "pets": ["高蛋白配方", "营养均衡", "适口性好", "无谷低敏", "宠物医生推荐", "多猫家庭装"],
    "groceries": ["产地直采", "当季新鲜", "独立小包装", "0 添加蔗糖", "顺丰冷链", "老字号"],
    "electronics": ["官方正品", "全国联保", "顺丰包邮", "以旧换新", "12 期免息", "旗舰新品"],
    "clothing": ["宽松百搭", "春秋新款", "舒适透气", "纯棉亲肤", "显瘦版型", "情侣同款"],
}
FONT_PATHS = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
]

DEMO_URL = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
ADMIN_EMAIL = "admin@jishi.local"
REVIEWER_EMAIL = "reviewer@jishi.local"
FINANCE_EMAIL = "finance@jishi.local"
CATALOG_EMAIL = "catalog@jishi.local"
# Shops waiting for review: (name, kind, company); their credit codes carry a correct GB 32100 check character.
APPLICATIONS = [("姑苏猫舍", "breeder", "苏州姑苏猫舍宠物有限公司"), ("太湖鲜果", "shop", "苏州太湖鲜果贸易有限公司")]
DEMO_CREDIT_CODES = ["91320505MA1N0R3K73", "91350100M000100Y43"]
BUYER_PHONE = "13800000001"
STAFF_PHONE = "13800000008"
LEADER_PHONE = "13800000009"


@dataclass
class Report:
    products: Counter[str] = field(default_factory=Counter)
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def _font(size: int) -> Any:
    for path in FONT_PATHS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def _has_cjk_font() -> bool:
    return any(Path(p).exists() for p in FONT_PATHS)


def _fit_text(
    draw: ImageDraw.ImageDraw, at: tuple[int, int], text: str, *, size: int, color: tuple[int, ...], width: int = 480
) -> None:
    """Draw centred text, shrinking the font until it fits in ``width`` pixels."""
    font = _font(size)
    while size > 14 and draw.textlength(text, font=font) > width:
        size -= 2
        font = _font(size)
    draw.text(at, text, fill=color, font=font, anchor="mm")


def product_image(title: str, english: str, color: tuple[int, int, int], seed: int, *, tag: str = "") -> bytes:
    """A 600×600 JPEG that reads like a product shot: a soft backdrop, a package in the category colour with the
    product's name on its label, and a selling-point tag. English only where the machine has no Chinese font.
    """
    rng = random.Random(seed)
    backdrop = tuple(min(255, c + (255 - c) * 4 // 5) for c in color)
    image = Image.new("RGB", (600, 600), backdrop)
    draw = ImageDraw.Draw(image)
    for _ in range(4):  # light blobs behind the package
        x, y, r = rng.randint(0, 600), rng.randint(0, 600), rng.randint(60, 160)
        shade = tuple(min(255, c + rng.randint(4, 18)) for c in backdrop)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=shade)
    draw.ellipse((130, 500, 470, 548), fill=tuple(max(0, c - 30) for c in backdrop))  # its shadow
    shape = rng.choice(("pouch", "box", "jar"))
    if shape == "pouch":
        draw.rounded_rectangle((150, 90, 450, 520), radius=40, fill=color)
        draw.rectangle((150, 90, 450, 120), fill=tuple(max(0, c - 40) for c in color))
    elif shape == "box":
        draw.polygon(((150, 150), (420, 150), (470, 110), (200, 110)), fill=tuple(min(255, c + 40) for c in color))
        draw.polygon(((420, 150), (470, 110), (470, 480), (420, 520)), fill=tuple(max(0, c - 40) for c in color))
        draw.rectangle((150, 150, 420, 520), fill=color)
    else:
        draw.rounded_rectangle((190, 80, 410, 130), radius=12, fill=tuple(max(0, c - 50) for c in color))
        draw.rounded_rectangle((160, 120, 440, 520), radius=60, fill=color)
    draw.rounded_rectangle((175, 250, 425, 400), radius=18, fill=(255, 255, 255))
    chinese = _has_cjk_font()
    words = (title if chinese else english).split()
    _fit_text(draw, (300, 300), words[0] if words else "", size=40, color=(40, 40, 40), width=230)
    _fit_text(draw, (300, 355), " ".join(words[1:2]), size=26, color=(100, 100, 100), width=230)
    if tag and chinese:
        draw.rounded_rectangle((380, 40, 570, 96), radius=28, fill=(217, 72, 15))
        _fit_text(draw, (475, 68), tag, size=26, color=(255, 255, 255), width=170)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()


def valid_id_number(seed: int) -> str:
    first17 = f"330106{1980 + seed % 20}{(seed % 12) + 1:02d}{(seed % 27) + 1:02d}{seed % 1000:03d}"
    return first17 + id_number_check_character(first17)


class DemoLoader:
    def __init__(self, *, image_every: int = 1, progress: Callable[[str], None] | None = None) -> None:
        self.say = progress or (lambda step: None)
        self.rng = random.Random(20261124)
        self.report = Report()
        self.image_every = image_every
        self.reviewer: User  # created by _people()
        self.buyer: User
        self.owners: dict[str, User] = {}
        self.regulars: list[tuple[User, int]] = []  # the regular customers and their addresses
        self.members: MembersDemo  # made once the shops have products

    def already_loaded(self) -> bool:
        return User.objects.filter(email=ADMIN_EMAIL).exists()

    @transaction.atomic
    def load(self) -> Report:
        self.say("people and shops")
        self._people()
        for index, root in enumerate(MARKET):
            self.say(f"catalogue: {root.name_en}")
            self._root(root, index)
        self.say("real-name checks and shipping fees")
        self._kyc()
        self._shipping()
        self.say("promotions: 满减, a limited price, coupons; member tiers and member prices")
        self._promotions()
        self.members = MembersDemo(self, User.objects.get(email=ADMIN_EMAIL))
        self.members.rules()
        self.say("the demo buyer's orders and after-sales")
        self._orders()
        self._aftersales()
        self._paid_after_cancelling()
        self.say(f"eight weeks of orders by {REGULAR_CUSTOMERS} regular customers (the longest step)")
        self._marketplace()
        self.say("a flash sale running now, with real buyers")
        self._flash_sales()
        self.say("group buys (拼团): formed, dissolved and open groups of real buyers")
        self._group_buys()
        self.say("community group buying (社区团购): leaders, pickup points, a cut-off and arrived goods")
        self._community()
        self.say("pets: two breeders' litters with logged records, a rehoming, a kitten on its way, a claim")
        PetsDemo(self, _font(30)).load()
        self.say("members: check-ins, a birthday, tiers")
        self.members.load()
        return self.report

    # -------------------------------------------------------------- people

    def _user(self, *, label: str, email: str | None = None, phone: str | None = None, **extra: Any) -> User:
        user = User.objects.create_user(email=email, phone=phone, password=PASSWORD, **extra)
        self.report.logins.append((label, email or phone or "", PASSWORD))
        return user

    def _people(self) -> None:
        admin = self._user(
            label="operator (admin, Django admin too)",
            email=ADMIN_EMAIL,
            display_name="平台管理员",
            operator_role=OperatorRole.ADMIN,
            is_staff=True,
            is_superuser=True,
        )
        self.reviewer = self._user(
            label="operator (reviewer)",
            email=REVIEWER_EMAIL,
            display_name="审核员小李",
            operator_role=OperatorRole.REVIEWER,
        )
        self.finance = self._user(
            label="operator (finance)", email=FINANCE_EMAIL, display_name="财务小张", operator_role=OperatorRole.FINANCE
        )
        # appointed the way an administrator appoints anyone: by phone or e-mail on the console's operators page
        catalog_manager = self._user(
            label="operator (catalog manager)", email=CATALOG_EMAIL, display_name="类目运营小陈"
        )
        accounts.operator_role_set(actor=admin, user_id=catalog_manager.pk, role=OperatorRole.CATALOG)
        self.buyer = self._user(label="buyer", phone=BUYER_PHONE, display_name="买家小王")
        for name, kind, city, phone, description in MERCHANTS:
            owner = self._user(label=f"merchant owner · {name}", phone=phone, display_name=f"{name}店主")
            merchants.merchant_create(
                actor=self.reviewer, name=name, kind=kind, owner=owner, description=description, city=city
            )
            self.owners[name] = User.objects.select_related("membership__merchant").get(pk=owner.pk)
        staff = self._user(label="merchant staff · 萌宠之家", phone=STAFF_PHONE, display_name="萌宠之家店员")
        merchants.membership_add(
            actor=self.reviewer, merchant=Merchant.objects.get(name="萌宠之家"), user=staff, role=StaffRole.STAFF
        )

    def _kyc(self) -> None:
        approved = accounts.kyc_submit(actor=self.buyer, real_name="王小明", id_number=valid_id_number(1))
        accounts.kyc_approve(actor=self.reviewer, verification_id=approved.pk)
        for i, name in enumerate(["李娜", "陈晨", "赵磊"], start=2):
            applicant = User.objects.create_user(phone=f"1390000000{i}", password=PASSWORD, display_name=name)
            accounts.kyc_submit(actor=applicant, real_name=name, id_number=valid_id_number(i))

    # -------------------------------------------------------------- buying

    def _shipping(self) -> None:
        """Every shop charges by item (or by kg for the pet shops), more to remote provinces, free from 99."""
        cny = lambda text: Money.parse(text, CURRENCY)  # noqa: E731
        for index, owner in enumerate(self.owners.values()):
            by_weight = owner.membership.merchant.kind != "shop"
            shipping.fee_template_set(
                actor=owner,
                data=shipping.TemplateInput(
                    basis="weight" if by_weight else "item",
                    free_above=cny("99.00") if index % 3 else None,
                    rules=[
                        shipping.RuleInput(provinces=[], first_fee=cny("8.00"), extra_fee=cny("2.00")),
                        shipping.RuleInput(
                            provinces=["新疆", "西藏", "青海"], first_fee=cny("20.00"), extra_fee=cny("10.00")
                        ),
                    ],
                ),
            )

    def _place_and_pay(
        self, buyer: User, address_id: int, buy_now: checkout.BuyNow | None = None, **basket: Any
    ) -> Any:
        """Check the buyer's cart (or one SKU bought now) out and pay it on the sandbox gateway, as the query
        sweep would apply it; ``basket`` narrows the cart (``sku_ids``) or collects shops' orders at the buyer's
        pickup point (``pickup_merchant_ids``)."""
        quote = checkout.checkout_quote(actor=buyer, address_id=address_id, buy_now=buy_now, **basket)
        placed = checkout.checkout_place(
            actor=buyer, address_id=address_id, fingerprint=quote.fingerprint, buy_now=buy_now, **basket
        )
        url = payments.payment_start(
            actor=buyer,
            intent_number=placed.intent.number,
            gateway_code="sandbox",
            notify_url=f"{DEMO_URL}/api/v1/payments/notify/sandbox",
            return_url=f"{DEMO_URL}/pay/{placed.intent.number}/return/",
        )
        sandbox.trade_pay(trade_no=url.rstrip("/").rsplit("/", 1)[-1])
        payments.payment_sync(intent_id=placed.intent.pk)
        return placed

    def _promotions(self) -> None:
        """满减 in two shops (running through the eight weeks of orders, so their cost is real), a limited price
        ending in a few hours, and coupons of the shops and of the platform to claim; the demo buyer holds some."""
        now = timezone.now()
        cny = lambda text: Money.parse(text, CURRENCY)  # noqa: E731
        admin = User.objects.get(email=ADMIN_EMAIL)
        for shop, tiers in (("萌宠之家", (("199", "20"), ("299", "40"))), ("鲜品超市", (("99", "10"), ("199", "25")))):
            promotions.threshold_promotion_create(
                actor=self.owners[shop],
                data=promotions.ThresholdPromotionInput(
                    name=" ".join(f"满{reach}减{off}" for reach, off in tiers),
                    tiers=[promotions.TierInput(threshold=cny(reach), off=cny(off)) for reach, off in tiers],
                    starts_at=now - dt.timedelta(days=60),
                    ends_at=now + dt.timedelta(days=30),
                ),
            )
        pets = self.owners["萌宠之家"]
        sku = Sku.objects.filter(product__merchant=pets.membership.merchant, is_active=True).order_by("pk").first()
        if sku is not None:
            promotions.limited_price_create(
                actor=pets,
                data=promotions.LimitedPriceInput(
                    sku_id=sku.pk,
                    price=Money(sku.price_minor * 8 // 10, CURRENCY),
                    starts_at=now - dt.timedelta(days=1),
                    ends_at=now + dt.timedelta(hours=5),
                    per_user_limit=2,
                ),
            )
        offers: list[tuple[User, str, dict[str, Any]]] = [
            (pets, "满100减10", {"kind": "amount", "amount": cny("10"), "min_spend": cny("100")}),
            (self.owners["数码优选"], "95折券", {"kind": "percent", "percent_off": 5, "amount": cny("50")}),
            (
                self.owners["山野茶园"],
                "新茶满200减30",
                {"kind": "amount", "amount": cny("30"), "min_spend": cny("200")},
            ),
            (admin, "平台满200减15", {"kind": "amount", "amount": cny("15"), "min_spend": cny("200")}),
            (admin, "平台包邮券", {"kind": "free_shipping", "min_spend": cny("59")}),
            (admin, "新人无门槛5元", {"kind": "amount", "amount": cny("5")}),
        ]
        for issuer, name, terms in offers:
            template = promotions.coupon_template_create(
                actor=issuer,
                data=promotions.CouponTemplateInput(
                    name=name, total_quantity=500, valid_days=14, per_user_limit=1, **terms
                ),
                platform=issuer == admin,
            )
            if name in ("平台满200减15", "新人无门槛5元", "满100减10"):
                promotions.coupon_claim(actor=self.buyer, template_id=template.pk)

    def _orders(self) -> None:
        """The demo buyer's orders in every state, made through the same services as a real checkout."""
        address = accounts.address_create(
            actor=self.buyer,
            data=accounts.AddressInput(
                receiver="王小明",
                phone="13912345678",
                province="浙江省",
                city="杭州市",
                district="西湖区",
                detail="文三路 90 号",
                postal_code="310012",
                is_default=True,
            ),
        )
        products = Product.objects.filter(status=ProductStatus.PUBLISHED).order_by("merchant_id", "pk")
        firsts = list({product.merchant_id: product for product in reversed(products)}.values())
        owner_of = {owner.membership.merchant_id: owner for owner in self.owners.values()}
        for step in ("delivered", "shipped", "paid", "pending"):
            chosen = firsts[: 2 if step == "paid" else 1]
            firsts = firsts[1:] + firsts[:1]
            for product in chosen:
                sku = product.skus.filter(is_active=True, stock__quantity__gt=0).first()
                if sku is not None:
                    cart.cart_line_add(owner=CartOwner(user=self.buyer), sku_id=sku.pk, quantity=1)
            if step == "pending":
                quote = checkout.checkout_quote(actor=self.buyer, address_id=address.pk)
                checkout.checkout_place(actor=self.buyer, address_id=address.pk, fingerprint=quote.fingerprint)
                continue
            placed = self._place_and_pay(self.buyer, address.pk)
            if step in ("shipped", "delivered"):
                order = placed.orders[0]
                orders.order_ship(
                    actor=owner_of[order.merchant_id],
                    order_number=order.number,
                    carrier="顺丰速运",
                    tracking_number=f"SF{order.number[-10:]}",
                )
                if step == "delivered":
                    orders.order_confirm_receipt(actor=self.buyer, order_number=order.number)

    def _aftersales(self) -> None:
        """A refund waiting for a shop's answer, and a rejected return the buyer took to the platform."""
        paid = Order.objects.filter(buyer=self.buyer, status="paid").order_by("pk").first()
        delivered = Order.objects.filter(buyer=self.buyer, status="delivered").order_by("pk").first()
        if paid is not None:
            aftersales.request_create(
                actor=self.buyer,
                order_number=paid.number,
                data=aftersales.RequestInput(
                    kind="refund",
                    reason=Reason.WRONG_ITEM,
                    description="选错了规格，还没发货，麻烦退款",
                    lines=[aftersales.LineInput(line.pk, line.quantity) for line in paid.lines.all()],
                ),
            )
        if delivered is not None:
            owner = next(o for o in self.owners.values() if o.membership.merchant_id == delivered.merchant_id)
            line = delivered.lines.get()  # the delivered checkout has one line
            request = aftersales.request_create(
                actor=self.buyer,
                order_number=delivered.number,
                data=aftersales.RequestInput(
                    kind="return",
                    reason=Reason.DAMAGED,
                    description="包装破损，内袋漏了",
                    lines=[aftersales.LineInput(line.pk, 1)],
                ),
            )
            aftersales.request_reject(actor=owner, number=request.number, reason="签收时未反馈破损，不支持退货")
            aftersales.request_escalate(actor=self.buyer, number=request.number, note="快递员当面拒绝验货，有照片为证")
            aftersales.evidence_add(
                actor=self.buyer, number=request.number, message="签收当天已联系客服，聊天记录见订单留言"
            )

    def _paid_after_cancelling(self) -> None:
        """A checkout the buyer cancelled with its pay page still open, and paid there anyway: the money goes back.

        Found by the query sweep, as it would be when the notification is
        late; the task worker sends the refund once the demo runs.
        """
        product = Product.objects.filter(status=ProductStatus.PUBLISHED).order_by("-pk").first()
        sku = product.skus.filter(is_active=True, stock__quantity__gt=0).first() if product else None
        if sku is None:
            return
        cart.cart_line_add(owner=CartOwner(user=self.buyer), sku_id=sku.pk, quantity=1)
        address_id = self.buyer.addresses.get(is_default=True).pk
        quote = checkout.checkout_quote(actor=self.buyer, address_id=address_id)
        placed = checkout.checkout_place(actor=self.buyer, address_id=address_id, fingerprint=quote.fingerprint)
        url = payments.payment_start(
            actor=self.buyer,
            intent_number=placed.intent.number,
            gateway_code="sandbox",
            notify_url=f"{DEMO_URL}/api/v1/payments/notify/sandbox",
            return_url=f"{DEMO_URL}/pay/{placed.intent.number}/return/",
        )
        sandbox.trade_pay(trade_no=url.rstrip("/").rsplit("/", 1)[-1])
        checkout.checkout_cancel(actor=self.buyer, order_number=placed.orders[0].number, reason="不想要了")
        payments.payment_sync(intent_id=placed.intent.pk)

    # -------------------------------------------------------------- marketplace

    def _marketplace(self) -> None:
        """Permits, commission, a settled history, balances, withdrawals and applications waiting for review."""
        today = timezone.localdate()
        for owner in self.owners.values():
            if owner.membership.merchant.kind in ("pet_shop", "breeder"):
                merchants.qualification_add(
                    actor=owner,
                    data=merchants.QualificationInput(
                        kind=QualificationKind.ANIMAL_BUSINESS_PERMIT,
                        number=f"(浙)动防合字第33010{owner.pk:04d}号",
                        authority="杭州市农业农村局",
                        expires_on=today
                        + dt.timedelta(days=20 if owner.membership.merchant.kind == "breeder" else 400),
                    ),
                )
        admin = User.objects.get(email=ADMIN_EMAIL)
        pets = Category.objects.get(slug="pets")
        ledger.commission_rule_set(actor=admin, rate="6", starts_on=today - dt.timedelta(days=30), category=pets)
        shop = self.owners["鲜品超市"].membership.merchant
        ledger.commission_rule_set(actor=admin, rate="3.5", starts_on=today - dt.timedelta(days=30), merchant=shop)
        self._settled_history()
        owner = self.owners["萌宠之家"]
        ledger.payout_account_set(
            actor=owner,
            password=PASSWORD,
            holder="杭州萌宠之家宠物用品有限公司",
            bank="招商银行",
            number="6225880157123456",
        )
        available = ledger_selectors.balances_of(owner.membership.merchant_id)["merchant_available"]
        paid = ledger.payout_request(actor=owner, amount=Money(available.minor // 2, CURRENCY))
        ledger.payout_approve(actor=self.finance, number=paid.number)
        ledger.payout_execute(payout_id=paid.pk)
        ledger.payout_request(actor=owner, amount=Money(available.minor // 4, CURRENCY))
        for index, (shop_name, kind, company) in enumerate(APPLICATIONS, start=1):
            applicant = User.objects.create_user(
                phone=f"1370000000{index}", password=PASSWORD, display_name=f"{shop_name}申请人"
            )
            self.report.logins.append((f"applicant · {shop_name}", f"1370000000{index}", PASSWORD))
            merchants.application_submit(
                actor=applicant,
                data=merchants.ApplicationInput(
                    shop_name=shop_name,
                    kind=kind,
                    subject_type="company",
                    company_name=company,
                    credit_code=DEMO_CREDIT_CODES[index - 1],
                    legal_representative="张伟",
                    city="苏州",
                    licence_image=product_image("营业执照", "Business licence", (240, 240, 235), index),
                    qualifications=[
                        merchants.QualificationInput(
                            kind=QualificationKind.ANIMAL_BUSINESS_PERMIT,
                            number=f"(苏)动防合字第32050{index:04d}号",
                            authority="苏州市农业农村局",
                            expires_on=today + dt.timedelta(days=365),
                        )
                    ]
                    if kind in ("pet_shop", "breeder")
                    else [],
                ),
            )

    def _settled_history(self) -> None:
        """Eight weeks of regular customers' checkouts, delivered, past their after-sales window and settled.

        Every "sold" figure a shopper sees comes from these orders (and the
        scripted ones): a few products sell well, most sell a little, some
        not at all, as in any market. Each customer has tastes (two
        departments, such as cat food and snacks, where most of their
        buying happens), so what people buy together means something and the
        recommendations have a real history to learn from. They run through
        checkout, payment, shipping and receipt like any other order, and
        earn their buyers points and tiers.
        """
        products = list(
            Product.objects.filter(status=ProductStatus.PUBLISHED).select_related("merchant", "category").order_by("pk")
        )
        self.rng.shuffle(products)  # which products are popular: decided by the seeded draw, not by their order
        departments: dict[int, list[int]] = {}  # a branch category: the indexes of its products
        for index, product in enumerate(products):
            departments.setdefault(path_ids(product.category.path)[1], []).append(index)
        # each department has its own best sellers, as every category of a real market does
        popularity = [0.0] * len(products)
        for indexes in departments.values():
            for rank, index in enumerate(indexes):
                popularity[index] = 1 / (rank + 1) ** 1.1
        owner_of = {owner.membership.merchant_id: owner for owner in self.owners.values()}
        self.regulars = regulars = [self._regular(n) for n in range(REGULAR_CUSTOMERS)]
        self.members.invitations([buyer for buyer, _address in regulars])
        tastes = [
            [i for branch in self.rng.sample(sorted(departments), 2) for i in departments[branch]] for _ in regulars
        ]
        for n in range(REGULAR_CHECKOUTS):
            buyer, address_id = regulars[n % len(regulars)]
            pool = tastes[n % len(regulars)] if self.rng.random() < 0.85 else range(len(products))
            picks = self.rng.choices(
                [products[i] for i in pool], [popularity[i] for i in pool], k=self.rng.choice((1, 1, 1, 2, 2, 3))
            )
            chosen = {p.pk: p for p in picks}
            added = 0
            for product in chosen.values():
                sku = self.rng.choice(list(product.skus.filter(is_active=True, stock__quantity__gte=3)) or [None])
                if sku is not None:
                    quantity = self.rng.choice((1, 1, 1, 1, 2, 2, 3))
                    cart.cart_line_add(owner=CartOwner(user=buyer), sku_id=sku.pk, quantity=quantity)
                    added += 1
            if not added:
                continue
            placed = self._place_and_pay(buyer, address_id)
            # Paid over the past eight weeks; the seven-day after-sales window has passed for them.
            paid = timezone.now() - dt.timedelta(days=8 + n * 48 // REGULAR_CHECKOUTS, hours=self.rng.randint(0, 14))
            for order in placed.orders:
                orders.order_ship(
                    actor=owner_of[order.merchant_id],
                    order_number=order.number,
                    carrier=self.rng.choice(("中通快递", "顺丰速运", "圆通速递", "韵达快递")),
                    tracking_number=f"ZT{order.number[-10:]}",
                )
                orders.order_confirm_receipt(actor=buyer, order_number=order.number)
                Order.objects.filter(pk=order.pk).update(
                    placed_at=paid - dt.timedelta(minutes=3), paid_at=paid, complete_at=timezone.now()
                )
                orders.order_complete_due(order_id=order.pk)
        ledger.orders_settle_due()
        self._visits()

    def _regular(self, n: int) -> tuple[User, int]:
        """A regular customer with a delivery address."""
        city, district, street = REGULAR_PLACES[n % len(REGULAR_PLACES)]
        buyer = User.objects.create_user(
            phone=f"1360000{n:04d}", password=PASSWORD, display_name=f"{SURNAMES[n % len(SURNAMES)]}{'先生女士'[n % 2]}"
        )
        address = accounts.address_create(
            actor=buyer,
            data=accounts.AddressInput(
                receiver=buyer.display_name,
                phone=f"1391234{n:04d}",
                province=city[0],
                city=city[1],
                district=district,
                detail=f"{street} {n % 90 + 1} 号",
                is_default=True,
            ),
        )
        return buyer, address.pk

    def _visits(self) -> None:
        """Four weeks of storefront visitors, so the dashboards' conversion has a denominator."""
        today = timezone.localdate()
        merchant_ids = [owner.membership.merchant_id for owner in self.owners.values()]
        rows = []
        for back in range(28):
            day = today - dt.timedelta(days=back)
            for n in range(30 + (back * 37) % 25):
                rows.append(Visit(day=day, scope=SITE, visitor=f"{back:04x}{n:028x}"))
                if n % 3 == 0:
                    rows.append(
                        Visit(day=day, scope=merchant_ids[n % len(merchant_ids)], visitor=f"{back:04x}{n:028x}")
                    )
        Visit.objects.bulk_create(rows, batch_size=500)

    # -------------------------------------------------------------- catalog

    def _root(self, root: Root, root_index: int) -> None:
        top = catalog.category_create(name=root.name, name_en=root.name_en, slug=root.slug, position=root_index)
        for branch_index, branch in enumerate(root.branches):
            middle = catalog.category_create(
                name=branch.name, name_en=branch.name_en, slug=branch.slug, parent=top, position=branch_index
            )
            for position, (code, (name, choices)) in enumerate(branch.attributes.items()):
                catalog.attribute_create(
                    category=middle,
                    code=code,
                    name=name,
                    name_en=ATTRIBUTES_EN[code],
                    kind=AttributeKind.CHOICE,
                    choices=choices,
                    position=position,
                )
            for leaf_index, leaf in enumerate(branch.leaves):
                self._leaf(root, branch, leaf, middle, leaf_index)

    def _leaf(self, root: Root, branch: Branch, leaf: Leaf, parent: Category, position: int) -> None:
        category = catalog.category_create(
            name=leaf.name, name_en=leaf.name_en, slug=leaf.slug, parent=parent, position=position
        )
        for code, choices in leaf.attributes.items():
            catalog.attribute_create(
                category=category,
                code=code,
                name="适用阶段",
                name_en="Life stage",
                kind=AttributeKind.CHOICE,
                choices=choices,
                position=10,
            )
        catalog.attribute_create(
            category=category,
            code="net_weight",
            name="净含量",
            name_en="Net weight",
            kind=AttributeKind.NUMBER,
            unit="kg",
            position=20,
        )
        owner = self.owners[leaf.merchant]
        for i in range(PRODUCTS_PER_LEAF):
            self._product(root, branch, leaf, category, owner, i)

    def _product(self, root: Root, branch: Branch, leaf: Leaf, category: Category, owner: User, i: int) -> None:
        rng = self.rng
        noun, english = leaf.nouns[i % len(leaf.nouns)], leaf.english[i % len(leaf.english)]
        attributes: dict[str, str | list[str]] = {}
        brand = ""
        for code, (_, choices) in branch.attributes.items():
            chosen = choices[(i + len(noun)) % len(choices)]
            attributes[code] = chosen
            brand = brand or chosen
        for code, choices in leaf.attributes.items():
            attributes[code] = choices[i % len(choices)]
        attributes["net_weight"] = f"{rng.choice([0.25, 0.5, 1, 1.5, 2, 5])}"
        edition = EDITIONS[i % len(EDITIONS)]
        points = SELLING_POINTS.get(root.slug, EDITIONS)
        point, second = points[i % len(points)], points[(i + 2) % len(points)]
        title = (
            f"{brand} {noun} {point} {edition}".strip()
            if branch.attributes.get("brand")
            else f"{noun} {point} {edition}"
        )
        base = rng.randint(*leaf.price) * 100 + rng.choice([0, 0, 50, 90])
        shop = owner.membership.merchant.name
        data = catalog.ProductInput(
            category_id=category.pk,
            title=title,
            subtitle=f"{point} · {second}",
            description=f"{title}\n【亮点】{point}，{second}。{leaf.name}类目热卖，{shop}发货。\n"
            "正品保障 · 48 小时内发货 · 七天无理由退换",
            attributes=attributes,
            options=[catalog.OptionInput(name=n, values=v) for n, v in leaf.options.items()],
            skus=self._skus(leaf, base),
        )
        product = catalog.product_create(actor=owner, data=data)
        if i % self.image_every == 0:
            image = product_image(title, english, root.color, seed=product.pk, tag=point)
            catalog.image_add(actor=owner, product_id=product.pk, data=image, alt=title)
        self._decide(product.pk, owner, i)

    def _skus(self, leaf: Leaf, base: int) -> list[catalog.SkuInput]:
        names = list(leaf.options)
        combos: list[tuple[str, ...]] = [()]
        for values in leaf.options.values():
            combos = [(*c, v) for c in combos for v in values]
        skus = []
        for step, combo in enumerate(combos):
            price = base + step * (base // 10 // 100 * 100)
            stock = 0 if self.rng.random() < 0.08 else self.rng.randint(3, 300)
            compare = Money(price * 6 // 5 // 100 * 100, CURRENCY) if self.rng.random() < 0.3 else None
            skus.append(
                catalog.SkuInput(
                    options=dict(zip(names, combo, strict=True)),
                    price=Money(price, CURRENCY),
                    compare_at_price=compare if compare and compare.minor >= price else None,
                    stock=stock,
                    weight_grams=self.rng.randint(100, 6000),
                )
            )
        return skus

    def _decide(self, product_id: int, owner: User, i: int) -> None:
        """Most products are published; a few stay as drafts, wait for review or were rejected."""
        if i == 16:
            self.report.products["draft"] += 1
            return
        catalog.product_submit(actor=owner, product_id=product_id)
        if i == 15 and self.report.products["pending_review"] < 12:
            self.report.products["pending_review"] += 1
            return
        if i == 14 and self.report.products["rejected"] < 4:
            catalog.product_reject(actor=self.reviewer, product_id=product_id, reason="主图不清晰，请重新上传")
            self.report.products["rejected"] += 1
            return
        catalog.product_approve(actor=self.reviewer, product_id=product_id)
        self.report.products["published"] += 1

    # -------------------------------------------------------------- flash sales

    def _flash_sales(self) -> None:
        """A session running now and one later today, each SKU applied by its shop and approved by the platform;
        a dozen regular customers buy in the running one, so what it shows taken is real."""
        now = timezone.now()
        admin = User.objects.get(email=ADMIN_EMAIL)
        running = promotions.flash_session_create(
            actor=admin,
            title="限时秒杀 · 当前场",
            starts_at=now - dt.timedelta(minutes=30),
            ends_at=now + dt.timedelta(hours=4),
            real_name_required=False,
        )
        start = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=5)
        later = promotions.flash_session_create(
            actor=admin,
            title=f"{timezone.localtime(start):%H:%M}场",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
        )
        items = []
        for index, shop in enumerate(("萌宠之家", "鲜品超市", "数码优选", "潮流衣橱", "山野茶园")):
            owner = self.owners[shop]
            quota = 20 + 10 * index
            skus = Sku.objects.filter(
                product__merchant=owner.membership.merchant, is_active=True, stock__quantity__gte=max(quota, 40)
            ).order_by("-product__sales_count", "pk")
            for session, sku in ((running, skus.first()), (later, skus[1:2].first())):
                if sku is None:
                    continue
                applied = promotions.flash_item_apply(
                    actor=owner,
                    data=promotions.FlashApplication(
                        session_id=session.pk,
                        sku_id=sku.pk,
                        price=Money(max(sku.price_minor * (5 + index % 3) // 10, 1), CURRENCY),
                        quota=quota,
                        per_user_limit=1,
                    ),
                )
                approved = promotions.flash_item_approve(actor=admin, item_id=applied.pk)
                if session == running:
                    items.append(approved)
        for n, (buyer, address_id) in enumerate(self.regulars[:12] if items else []):
            item = items[n % len(items)]
            self._place_and_pay(
                buyer, address_id, checkout.BuyNow(sku_id=item.sku_id, quantity=1, flash_item_id=item.pk)
            )

    def _leaders(self) -> list[User]:
        """The pickup points' residents apply; the first three are approved (the first is the demo leader)."""
        leaders = []
        for index, (name, kind, district, detail, lat, lng) in enumerate(PICKUP_POINTS):
            person = {"display_name": f"{name[:2]}团长"}
            user = (
                self._user(label="group leader (团长) · 文三路便利店", phone=LEADER_PHONE, **person)
                if index == 0
                else User.objects.create_user(phone=f"1350000000{index}", password=PASSWORD, **person)
            )
            verification = accounts.kyc_submit(
                actor=user, real_name=f"{SURNAMES[index]}团", id_number=valid_id_number(40 + index)
            )
            accounts.kyc_approve(actor=self.reviewer, verification_id=verification.pk)
            applied = community.leader_apply(
                actor=user,
                data=community.PointInput(
                    name=name,
                    kind=kind,
                    province="浙江省",
                    city="杭州市",
                    district=district,
                    detail=detail,
                    latitude=lat,
                    longitude=lng,
                    hours="每天 8:00-21:00",
                    capacity=300,
                ),
            )
            if index < 3:
                community.leader_approve(actor=self.reviewer, leader_id=applied.pk)
                leaders.append(user)
        return leaders

    def _community(self) -> None:
        """Four residents of Hangzhou apply to run pickup points; three are approved, one waits for review. 鲜品超市
        runs three community group buys: one collected and settled (the leaders' commission on it paid out in
        part), one whose cut-off passed, whose batches were sent and arrived (one short unit refunded), and one
        taking orders until tonight (one of them through the demo leader's share link). The demo buyer's point is
        文三路便利店, where an order of theirs waits with its pickup code; a neighbour has collected theirs."""
        now = timezone.now()
        leaders = self._leaders()
        points = [leader.leader.point for leader in leaders]
        owner = self.owners["鲜品超市"]
        skus = list(
            Sku.objects.filter(
                product__merchant=owner.membership.merchant, is_active=True, stock__quantity__gte=40
            ).order_by("-product__sales_count", "pk")[:7]
        )

        def publish(title: str, items: list[Any], days_ago: int) -> Any:
            return community.community_campaign_create(
                actor=owner,
                data=community.CommunityCampaignInput(
                    title=title,
                    items=[community.ItemInput(sku.pk, Money(sku.price_minor * 78 // 100, CURRENCY)) for sku in items],
                    starts_at=now - dt.timedelta(days=days_ago),
                    cutoff_at=now + dt.timedelta(hours=8),
                    pickup_on=(now + dt.timedelta(days=1)).date(),
                ),
            )

        def order(buyer: User, address_id: int, items: list[Any]) -> Any:
            for sku in items:
                cart.cart_line_add(owner=CartOwner(user=buyer), sku_id=sku.pk, quantity=1)
            return self._place_and_pay(
                buyer, address_id, sku_ids=[sku.pk for sku in items], pickup_merchant_ids=[owner.membership.merchant_id]
            ).orders[0]

        hangzhou = [
            (buyer, address_id) for buyer, address_id in self.regulars if buyer.addresses.filter(city="杭州市").exists()
        ]
        residents = [(self.buyer, self.buyer.addresses.get(is_default=True).pk), *hangzhou[:5]]
        self._community_settled(leaders, publish("周末水果团", skus[:2], 9), order, residents[1:])
        # yesterday's group buy: the demo buyer and neighbours ordered before its cut-off
        earlier = publish("昨日鲜品团 · 今日自提", skus[:3], 2)
        placed = []
        for n, (buyer, address_id) in enumerate(residents):
            community.point_choose(actor=buyer, point_id=points[0 if n < 3 else n % 3].pk)
            placed.append(order(buyer, address_id, skus[:3][n % 3 : n % 3 + 1 + n % 2]))
        CommunityCampaign.objects.filter(pk=earlier.pk).update(cutoff_at=now - dt.timedelta(hours=14))
        community.campaigns_cut_off_due()
        for batch in earlier.batches.all():
            community.batch_send(actor=owner, batch_id=batch.pk)
            head = next(leader for leader in leaders if leader.leader.point.pk == batch.point_id)
            short = []
            if batch.point_id == points[1].pk:  # one unit arrived damaged: refunded at once
                line = batch.pickups.first().order.lines.first()
                short = [community.Shortage(line.pk, 1)]
            community.batch_arrive(actor=head, batch_id=batch.pk, shortages=tuple(short))
        neighbour = Pickup.objects.get(order=placed[1])  # collected at the counter with their code
        community.pickup_verify(actor=leaders[0], code=community.pickup_code(neighbour))
        # today's group buy takes orders until tonight; one resident came through the demo leader's share link
        today = publish("明日达 · 鲜品团", skus[3:7], 0)
        for buyer, address_id in hangzhou[5:7]:
            community.point_choose(actor=buyer, point_id=points[1].pk)
            order(buyer, address_id, skus[3:5])
        for buyer, address_id in hangzhou[7:8]:
            community.share_link_follow(actor=buyer, campaign_id=today.pk, leader_id=leaders[0].leader.pk)
            order(buyer, address_id, skus[5:6])

    def _community_settled(
        self, leaders: list[User], fruit: CommunityCampaign, order: Callable[..., Any], residents: list[Any]
    ) -> None:
        """An earlier fruit group buy, collected in full and past its after-sales window: the leaders' commission
        on it settled, and the demo leader withdrew part of theirs."""
        skus = [item.sku for item in fruit.items.order_by("pk")]
        for n, (buyer, address_id) in enumerate(residents):
            community.point_choose(actor=buyer, point_id=leaders[n % 2].leader.point.pk)
            order(buyer, address_id, skus[n % 2 : n % 2 + 1 + n % 3])
        CommunityCampaign.objects.filter(pk=fruit.pk).update(cutoff_at=timezone.now() - dt.timedelta(seconds=1))
        community.campaigns_cut_off_due()
        by_point = {leader.leader.point.pk: leader for leader in leaders}
        for batch in fruit.batches.all():
            community.batch_send(actor=self.owners["鲜品超市"], batch_id=batch.pk)
            community.batch_arrive(actor=by_point[batch.point_id], batch_id=batch.pk)
        for pickup in Pickup.objects.filter(campaign=fruit).select_related("point"):
            community.pickup_verify(actor=by_point[pickup.point_id], code=community.pickup_code(pickup))
            Order.objects.filter(pk=pickup.order_id).update(complete_at=timezone.now())
            orders.order_complete_due(order_id=pickup.order_id)
        ledger.orders_settle_due()
        head = leaders[0]
        community.leader_bank_account_set(
            actor=head, password=PASSWORD, holder=f"{SURNAMES[0]}团", bank="中国工商银行", number="6212261202011234567"
        )
        earned = ledger_selectors.payee_balances(community_selectors.leader_payee(head))["merchant_available"]
        if earned.minor >= 2:
            paid = community.leader_withdraw(actor=head, amount=Money(earned.minor // 2, CURRENCY))
            ledger.payout_approve(actor=self.finance, number=paid.number)
            ledger.payout_execute(payout_id=paid.pk)

    def _group_buys(self) -> None:
        """A 2-person 拼团 in 萌宠之家 and a 阶梯拼团 (3, 5 or 10 people) in 鲜品超市, joined by regular customers
        paying through checkout: groups that formed, one whose window ran out (dissolved, everyone refunded), and
        open ones a member or two short that the demo buyer can join."""
        now = timezone.now()
        cny = lambda text: Money.parse(text, CURRENCY)  # noqa: E731
        campaigns = []
        for shop, ladder in (("萌宠之家", ((2, 80),)), ("鲜品超市", ((3, 85), (5, 78), (10, 70)))):
            owner = self.owners[shop]
            sku = (
                Sku.objects.filter(product__merchant=owner.membership.merchant, is_active=True, stock__quantity__gte=40)
                .exclude(product__skus__is_active=False)
                .order_by("-product__sales_count", "pk")[2:3]
                .first()
            )
            if sku is None:
                continue
            skus = list(sku.product.skus.filter(is_active=True))
            campaigns.append(
                groupbuy.campaign_create(
                    actor=owner,
                    data=groupbuy.TeamCampaignInput(
                        product_id=sku.product_id,
                        skus=[
                            groupbuy.SkuPricesInput(
                                sku_id=each.pk,
                                tiers=[
                                    groupbuy.TierInput(size, cny(f"{each.price_minor * percent // 10000}.00"))
                                    for size, percent in ladder
                                ],
                            )
                            for each in skus
                        ],
                        starts_at=now - dt.timedelta(days=2),
                        ends_at=now + dt.timedelta(days=5),
                        per_user_limit=2,
                    ),
                )
            )
        buyers = iter(self.regulars[12:])

        def join(campaign: Any, team_id: int | None = None) -> Any:
            buyer, address_id = next(buyers)
            sku_id = campaign.tiers.order_by("sku_id").first().sku_id
            buy_now = checkout.BuyNow(sku_id=sku_id, quantity=1, team_campaign_id=campaign.pk, team_id=team_id)
            order = self._place_and_pay(buyer, address_id, buy_now).orders[0]
            return TeamMember.objects.get(order=order).team_id

        # in each campaign: groups that filled (a tiered one's window closed on it: one at the 5-person price, whose
        # members got the difference back), one that ran out of time, and one open a member short
        for campaign, sizes in zip(campaigns, ((2, 2, 2), (3, 5)), strict=False):
            ended = []
            for size in (*sizes, 1):
                team_id = join(campaign)
                for _ in range(size - 1):
                    join(campaign, team_id)
                ended.append(team_id)
            Team.objects.filter(pk__in=ended, status="open").update(expires_at=now - dt.timedelta(minutes=1))
            groupbuy.teams_close_due()  # forms the tiered groups, dissolves the lone one: its member is refunded
            open_team = join(campaign)
            for _ in range(campaign.min_size - 2):
                join(campaign, open_team)
        groupbuy.teams_close_due()  # the filled groups' orders become shippable now, not after the demo commits
