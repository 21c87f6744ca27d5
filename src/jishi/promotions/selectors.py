"""Reads of the promotions domain: a buyer's wallet, and their coupons as the pricing pipeline's offers."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from django.db.models import Q, QuerySet

from jishi.catalog.models import Category, Product
from jishi.core.actors import Actor, user_of
from jishi.promotions.models import Coupon, CouponTemplate, TemplateStatus
from jishi.promotions.pricing import CouponKind, CouponOffer, Scope, Source


class WalletTab(StrEnum):
    UNUSED = "unused"  # 未使用
    USED = "used"  # 已使用
    EXPIRED = "expired"  # 已过期


def wallet_for(actor: Actor, tab: WalletTab, *, now: dt.datetime) -> QuerySet[Coupon]:
    """The actor's coupons under one wallet tab, soonest to expire first (the latest used first)."""
    coupons = Coupon.objects.filter(owner=user_of(actor)).select_related("template", "template__merchant")
    if tab == WalletTab.USED:
        return coupons.exclude(checkout_number="").order_by("-used_at", "-pk")
    unused = coupons.filter(checkout_number="")
    if tab == WalletTab.EXPIRED:
        return unused.filter(valid_until__lte=now).order_by("-valid_until", "-pk")
    return unused.filter(valid_until__gt=now).order_by("valid_until", "pk")


def coupon_offers_for(actor: Actor, *, now: dt.datetime) -> list[CouponOffer]:
    """The actor's coupons usable now, as offers the pricing pipeline can choose from."""
    usable = Coupon.objects.filter(
        owner=user_of(actor), checkout_number="", valid_from__lte=now, valid_until__gt=now
    ).select_related("template")
    return [offer_of(coupon) for coupon in usable.order_by("valid_until", "pk")]


def offer_of(coupon: Coupon) -> CouponOffer:
    template = coupon.template
    return CouponOffer(
        source=Source("coupon", coupon.pk),
        label=template.name,
        merchant_id=template.merchant_id,
        kind=CouponKind(template.kind),
        scope=Scope(
            merchant_id=template.merchant_id or template.scope_merchant_id,
            category_ids=frozenset(template.category_ids),
            product_ids=frozenset(template.product_ids),
        ),
        min_spend=template.min_spend,
        amount=template.amount,
        percent_off=template.percent_off,
        exclusive=template.exclusive,
    )


def template_get(template_id: int) -> CouponTemplate | None:
    return CouponTemplate.objects.filter(pk=template_id).select_related("merchant").first()


def products_not_of_merchant(merchant_id: int, product_ids: list[int]) -> list[int]:
    """Those of ``product_ids`` that are not the merchant's products (a shop's coupon covers only its own)."""
    own = set(Product.objects.filter(pk__in=product_ids, merchant_id=merchant_id).values_list("pk", flat=True))
    return [pk for pk in product_ids if pk not in own]


def unknown_categories(category_ids: list[int]) -> list[int]:
    known = set(Category.objects.filter(pk__in=category_ids).values_list("pk", flat=True))
    return [pk for pk in category_ids if pk not in known]


def claimable_templates(*, merchant_id: int | None = None, now: dt.datetime) -> QuerySet[CouponTemplate]:
    """Templates a buyer may claim now (a shop's, or the platform's with ``merchant_id`` None), newest first."""
    live = Q(valid_until__isnull=True) | Q(valid_until__gt=now)
    issuer = Q(merchant__isnull=True) if merchant_id is None else Q(merchant_id=merchant_id)
    return CouponTemplate.objects.filter(live, issuer, claimable=True, status=TemplateStatus.ACTIVE).order_by("-pk")
