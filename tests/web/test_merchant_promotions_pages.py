"""The merchant centre's promotions pages: the overview of a shop's offers, the forms that start them, Stop, codes."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jishi.catalog import services as catalog
from jishi.core.money import Money
from jishi.merchants.models import Membership
from jishi.promotions import services as promotions
from jishi.promotions.models import CouponCode, CouponTemplate, FlashItem, LimitedPrice, ThresholdPromotion
from jishi.promotions.pricing import CouponKind
from tests import factories

pytestmark = pytest.mark.django_db

PROMOTIONS = reverse("merchant:promotions")


def yuan(amount: str) -> Money:
    return Money.parse(amount, "CNY")


def hours(n: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=n)


def local_input(moment: dt.datetime) -> str:
    """How the browser's datetime-local input sends ``moment``: Shanghai wall time, no zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def product(merchant_staff, leaf_category):
    return factories.product(
        merchant_staff,
        leaf_category,
        title="渴望六种鱼猫粮",
        options=[catalog.OptionInput(name="规格", values=["2kg", "5kg"])],
        skus=[
            catalog.SkuInput(price=yuan("120.00"), stock=20, options={"规格": "2kg"}),
            catalog.SkuInput(price=yuan("260.00"), stock=8, options={"规格": "5kg"}),
        ],
    )


def _coupon(actor, **changes):
    data = {
        "name": "店铺券",
        "kind": CouponKind.AMOUNT,
        "amount": yuan("10.00"),
        "min_spend": yuan("100.00"),
        "total_quantity": 50,
        "valid_days": 7,
    } | changes
    return promotions.coupon_template_create(actor=actor, data=promotions.CouponTemplateInput(**data))


def _threshold(actor, name="满200减30", *, tiers=(("200.00", "30.00"),), starts=-1.0):
    return promotions.threshold_promotion_create(
        actor=actor,
        data=promotions.ThresholdPromotionInput(
            name=name,
            tiers=[promotions.TierInput(threshold=yuan(t), off=yuan(o)) for t, o in tiers],
            starts_at=hours(starts),
            ends_at=hours(48),
        ),
    )


def _limited(actor, sku, price="99.00"):
    return promotions.limited_price_create(
        actor=actor,
        data=promotions.LimitedPriceInput(
            sku_id=sku.pk, price=yuan(price), starts_at=hours(-1), ends_at=hours(24), per_user_limit=2
        ),
    )


def _session(admin_operator, title="20:00场"):
    return promotions.flash_session_create(
        actor=admin_operator, title=title, starts_at=hours(3), ends_at=hours(5), real_name_required=False
    )


def _tab(client, tab):
    response = client.get(PROMOTIONS, {"tab": tab})
    assert response.status_code == 200
    return response.content.decode()


def test_the_overview_shows_each_of_the_shops_offers_and_none_of_another_shops(
    english, merchant_staff, other_merchant_staff, product, leaf_category, admin_operator
):
    # given: one of each in this shop, and a coupon, a 满减 and a limited price in another
    _coupon(merchant_staff, name="新客立减")
    _coupon(
        merchant_staff,
        name="九折券",
        kind=CouponKind.PERCENT,
        amount=yuan("20.00"),
        percent_off=10,
        min_spend=yuan("0"),
    )
    _threshold(merchant_staff, "双十一满减", tiers=(("300.00", "50.00"), ("200.00", "30.00")))
    _limited(merchant_staff, factories.sku_of(product, 1), price="199.00")
    session = _session(admin_operator)
    promotions.flash_item_apply(
        actor=merchant_staff,
        data=promotions.FlashApplication(
            session_id=session.pk, sku_id=factories.sku_of(product).pk, price=yuan("59.90"), quota=5
        ),
    )
    theirs = factories.product(other_merchant_staff, leaf_category, title="别家的狗粮", price="80.00")
    _coupon(other_merchant_staff, name="别家的券")
    _threshold(other_merchant_staff, "别家的满减")
    _limited(other_merchant_staff, factories.sku_of(theirs), price="70.00")
    english.force_login(merchant_staff)

    # when / then: each tab lists this shop's, as the shop reads them
    coupons = _tab(english, "coupons")
    assert "新客立减" in coupons
    assert "¥100+: ¥10 off" in coupons
    assert "10% off up to ¥20 off" in coupons
    assert "0 / 50" in coupons
    assert "Valid for 7 days after claiming" in coupons
    assert "别家的券" not in coupons
    thresholds = _tab(english, "thresholds")
    assert "双十一满减" in thresholds
    assert "¥200+: ¥30 off · ¥300+: ¥50 off" in thresholds
    assert ">Running<" in thresholds
    assert "别家的满减" not in thresholds
    limited = _tab(english, "limited")
    assert "渴望六种鱼猫粮" in limited
    assert "5kg" in limited
    assert '<span class="price">¥199.00</span> <span class="compare">¥260.00</span>' in limited
    assert "别家的狗粮" not in limited
    flash = _tab(english, "flash")
    assert "20:00场" in flash
    assert "¥59.90" in flash
    assert "0 of 5" in flash
    assert ">Awaiting review<" in flash


def test_coupon_terms_read_as_chinese_shops_write_them(client, merchant_staff):
    _coupon(
        merchant_staff,
        name="九折券",
        kind=CouponKind.PERCENT,
        amount=yuan("20.00"),
        percent_off=10,
        min_spend=yuan("0"),
    )
    client.force_login(merchant_staff)
    page = _tab(client, "coupons")
    assert "9折 最高减¥20" in page
    assert "营销" in page  # the link in the merchant centre's menu


def test_a_coupon_is_issued_from_the_form(english, merchant_staff):
    english.force_login(merchant_staff)
    assert english.get(reverse("merchant:promotions_coupon_new")).status_code == 200
    until = timezone.localtime(hours(24 * 30)).replace(second=0, microsecond=0)
    form = {
        "name": "满100减10",
        "kind": "amount",
        "amount": "10",
        "min_spend": "100",
        "valid_until": local_input(until),
        "total_quantity": "200",
        "per_user_limit": "2",
        "exclusive": "on",
    }

    response = english.post(reverse("merchant:promotions_coupon_new"), form)

    assert response.status_code == 302
    assert response["Location"] == f"{PROMOTIONS}?tab=coupons"
    template = CouponTemplate.objects.get()
    assert template.merchant == merchant_staff.membership.merchant
    assert (template.kind, template.amount_minor, template.min_spend_minor) == ("amount", 1000, 10000)
    assert template.valid_until == until
    assert template.valid_days is None
    assert (template.total_quantity, template.per_user_limit) == (200, 2)
    assert template.exclusive is True
    assert template.claimable is False  # the box was left unticked
    assert "Coupon issued." in english.get(response["Location"]).content.decode()


def test_a_coupon_with_no_validity_is_shown_again_with_the_error_and_nothing_is_issued(english, merchant_staff):
    english.force_login(merchant_staff)
    form = {"name": "无期限", "kind": "free_shipping", "total_quantity": "10", "per_user_limit": "1", "claimable": "on"}

    response = english.post(reverse("merchant:promotions_coupon_new"), form)

    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_valid_until-error"' in page
    assert "Give either an end date or a number of days after claiming." in page
    assert 'value="无期限"' in page  # what was typed stays
    assert not CouponTemplate.objects.exists()


def test_a_spend_and_save_promotion_is_started_from_the_form(english, merchant_staff):
    english.force_login(merchant_staff)
    page = english.get(reverse("merchant:promotions_threshold_new")).content.decode()
    assert page.count('type="datetime-local"') == 2
    starts, ends = timezone.localtime(hours(1)).replace(second=0, microsecond=0), hours(24 * 7)
    form = {
        "name": "周末满减",
        "threshold_1": "300",
        "off_1": "50",
        "threshold_2": "200",
        "off_2": "30",
        "starts_at": local_input(starts),
        "ends_at": local_input(ends),
    }

    response = english.post(reverse("merchant:promotions_threshold_new"), form)

    assert response.status_code == 302
    promotion = ThresholdPromotion.objects.get()
    assert promotion.merchant == merchant_staff.membership.merchant
    assert [(t["threshold_minor"], t["off_minor"]) for t in promotion.tiers] == [(20000, 3000), (30000, 5000)]
    assert promotion.starts_at == starts
    listed = _tab(english, "thresholds")
    assert "¥200+: ¥30 off · ¥300+: ¥50 off" in listed
    assert ">Scheduled<" in listed


@pytest.mark.parametrize(
    ("tier", "error"),
    [
        ({"threshold_1": "100", "off_1": "100"}, "The amount off must be below the minimum spend."),
        ({"threshold_1": "100"}, "Fill in both, or neither."),
        ({}, "Give at least one tier."),
    ],
)
def test_a_refused_spend_and_save_form_shows_the_error_and_writes_nothing(english, merchant_staff, tier, error):
    english.force_login(merchant_staff)
    form = {"name": "满100减100", "starts_at": local_input(hours(1)), "ends_at": local_input(hours(48)), **tier}

    response = english.post(reverse("merchant:promotions_threshold_new"), form)

    assert response.status_code == 422
    assert error in response.content.decode()
    assert not ThresholdPromotion.objects.exists()


def test_a_limited_price_is_set_from_the_form_and_one_not_below_the_list_price_is_refused(
    english, merchant_staff, product
):
    english.force_login(merchant_staff)
    sku = factories.sku_of(product, 1)
    page = english.get(reverse("merchant:promotions_limited_new")).content.decode()
    assert f'<option value="{sku.pk}">渴望六种鱼猫粮 · 5kg · ¥260.00</option>' in page
    form = {
        "sku_id": str(sku.pk),
        "price": "260.00",
        "starts_at": local_input(hours(0)),
        "ends_at": local_input(hours(24)),
        "per_user_limit": "",
        "label": "限时折扣",
    }

    refused = english.post(reverse("merchant:promotions_limited_new"), form)

    assert refused.status_code == 422
    assert 'id="id_price-error"' in refused.content.decode()
    assert "The price must be above ¥0 and below the SKU&#x27;s own price." in refused.content.decode()
    assert not LimitedPrice.objects.exists()

    response = english.post(
        reverse("merchant:promotions_limited_new"), form | {"price": "229.00", "per_user_limit": "3"}
    )

    assert response.status_code == 302
    limited = LimitedPrice.objects.get()
    assert (limited.sku_id, limited.price_minor, limited.per_user_limit, limited.label) == (
        sku.pk,
        22900,
        3,
        "限时折扣",
    )


def test_another_shops_sku_is_not_offered_nor_accepted(english, merchant_staff, other_merchant_staff, leaf_category):
    theirs = factories.sku_of(factories.product(other_merchant_staff, leaf_category, title="别家的狗粮"))
    english.force_login(merchant_staff)
    assert "别家的狗粮" not in english.get(reverse("merchant:promotions_limited_new")).content.decode()
    form = {
        "sku_id": str(theirs.pk),
        "price": "1.00",
        "starts_at": local_input(hours(0)),
        "ends_at": local_input(hours(24)),
        "label": "限时折扣",
    }
    response = english.post(reverse("merchant:promotions_limited_new"), form)
    assert response.status_code == 422
    assert 'id="id_sku_id-error"' in response.content.decode()
    assert not LimitedPrice.objects.exists()


def test_stop_ends_each_kind_of_offer_and_the_row_says_so(english, merchant_staff, product):
    coupon = _coupon(merchant_staff)
    threshold = _threshold(merchant_staff)
    limited = _limited(merchant_staff, factories.sku_of(product))
    english.force_login(merchant_staff)

    for name, pk, tab in [
        ("merchant:promotions_coupon_stop", coupon.pk, "coupons"),
        ("merchant:promotions_threshold_stop", threshold.pk, "thresholds"),
        ("merchant:promotions_limited_stop", limited.pk, "limited"),
    ]:
        response = english.post(reverse(name, args=[pk]))
        assert response.status_code == 302
        assert response["Location"] == f"{PROMOTIONS}?tab={tab}"
        page = _tab(english, tab)
        assert ">Stopped<" in page
        assert reverse(name, args=[pk]) not in page  # no Stop button left

    assert CouponTemplate.objects.get().status == "stopped"
    assert ThresholdPromotion.objects.get().status == "stopped"
    assert LimitedPrice.objects.get().status == "stopped"


def test_another_shop_cannot_stop_or_make_codes_for_this_shops_offers(
    english, merchant_staff, other_merchant_staff, product
):
    coupon = _coupon(merchant_staff)
    threshold = _threshold(merchant_staff)
    limited = _limited(merchant_staff, factories.sku_of(product))
    english.force_login(other_merchant_staff)

    assert english.post(reverse("merchant:promotions_coupon_stop", args=[coupon.pk])).status_code == 404
    assert english.post(reverse("merchant:promotions_threshold_stop", args=[threshold.pk])).status_code == 404
    assert english.post(reverse("merchant:promotions_limited_stop", args=[limited.pk])).status_code == 404
    assert (
        english.post(reverse("merchant:promotions_coupon_codes", args=[coupon.pk]), {"count": "5"}).status_code == 404
    )

    assert CouponTemplate.objects.get().status == "active"
    assert ThresholdPromotion.objects.get().status == "active"
    assert LimitedPrice.objects.get().status == "active"
    assert not CouponCode.objects.exists()


def test_codes_are_made_and_shown_once(english, merchant_staff):
    coupon = _coupon(merchant_staff, name="兑换专享", claimable=False)
    english.force_login(merchant_staff)

    response = english.post(reverse("merchant:promotions_coupon_codes", args=[coupon.pk]), {"count": "3"})

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    codes = list(CouponCode.objects.filter(template=coupon).values_list("code", flat=True))
    assert len(codes) == 3
    page = response.content.decode()
    assert "Codes for “兑换专享”" in page
    assert all(code in page for code in codes)
    again = _tab(english, "coupons")
    assert not any(code in again for code in codes)
    assert "By code only" in again


def test_the_flash_form_applies_a_sku_to_an_open_session(english, merchant_staff, product, admin_operator):
    session = _session(admin_operator, "明晚20:00场")
    sku = factories.sku_of(product)
    english.force_login(merchant_staff)
    page = english.get(reverse("merchant:promotions_flash_apply")).content.decode()
    assert "明晚20:00场" in page
    form = {"session_id": str(session.pk), "sku_id": str(sku.pk), "price": "59.90", "quota": "5", "per_user_limit": "1"}

    over_stock = english.post(reverse("merchant:promotions_flash_apply"), form | {"quota": "21"})
    assert over_stock.status_code == 422
    assert "The quota is more than the SKU has in stock." in over_stock.content.decode()
    assert not FlashItem.objects.exists()

    response = english.post(reverse("merchant:promotions_flash_apply"), form)

    assert response.status_code == 302
    assert response["Location"] == f"{PROMOTIONS}?tab=flash"
    item = FlashItem.objects.get()
    assert (item.session_id, item.sku_id, item.price_minor, item.quota, item.status) == (
        session.pk,
        sku.pk,
        5990,
        5,
        "applied",
    )
    promotions.flash_item_reject(actor=admin_operator, item_id=item.pk, reason="价格不够低")
    listed = _tab(english, "flash")
    assert ">Rejected<" in listed
    assert "价格不够低" in listed


def test_what_a_promotion_took_off_paid_orders_is_its_cost(english, merchant_staff, buyer, product):
    _threshold(merchant_staff, "满200减30")
    factories.pay(factories.place(buyer, (factories.sku_of(product), 2)))  # ¥240: ¥30 off
    english.force_login(merchant_staff)
    page = _tab(english, "thresholds")
    assert "¥30.00<br><small" in page
    assert "1 order<" in page


@pytest.mark.parametrize(
    ("method", "name", "args"),
    [
        ("get", "merchant:promotions", []),
        ("get", "merchant:promotions_coupon_new", []),
        ("post", "merchant:promotions_coupon_new", []),
        ("get", "merchant:promotions_threshold_new", []),
        ("get", "merchant:promotions_limited_new", []),
        ("get", "merchant:promotions_flash_apply", []),
        ("post", "merchant:promotions_coupon_stop", ["coupon"]),
        ("post", "merchant:promotions_coupon_codes", ["coupon"]),
        ("post", "merchant:promotions_threshold_stop", ["threshold"]),
    ],
)
def test_buyers_and_shop_staff_without_marketing_are_refused_and_nothing_changes(
    client, merchant_staff, buyer, method, name, args
):
    made = {"coupon": _coupon(merchant_staff).pk, "threshold": _threshold(merchant_staff).pk}
    url = reverse(name, args=[made[a] for a in args])
    staff = factories.user()
    Membership.objects.create(user=staff, merchant=merchant_staff.membership.merchant, role="staff")
    data = {"count": "5", "name": "x", "kind": "amount", "amount": "1", "valid_days": "1", "total_quantity": "1"}

    anonymous = getattr(client, method)(url, data if method == "post" else None)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("buyer:login"))
    for user in (buyer, staff):
        client.force_login(user)
        assert getattr(client, method)(url, data if method == "post" else None).status_code == 403

    assert CouponTemplate.objects.get().status == "active"
    assert ThresholdPromotion.objects.get().status == "active"
    assert not CouponCode.objects.exists()


def test_the_menu_links_to_promotions_for_owners_and_managers_only(client, merchant_staff):
    staff = factories.user()
    Membership.objects.create(user=staff, merchant=merchant_staff.membership.merchant, role="staff")
    client.force_login(merchant_staff)
    assert f'href="{PROMOTIONS}"' in client.get(reverse("merchant:products")).content.decode()
    client.force_login(staff)
    assert f'href="{PROMOTIONS}"' not in client.get(reverse("merchant:products")).content.decode()
