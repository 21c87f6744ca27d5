"""Writes of the promotions domain: issuing coupons, claiming and redeeming them, and a checkout taking them.

Every limit is guarded inside the write (CONVENTIONS §4): a claim first
takes one from the template's quantity with a conditional UPDATE (which
also queues concurrent claims of that template behind each other), then
counts what the buyer holds, and the buyer's claim number is unique per
template, so neither the quantity nor the per-user limit can be passed by
any number of concurrent claims. A checkout takes a coupon with a
conditional UPDATE too, and gives it back only if it still holds it.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import itertools
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jishi.core import audit
from jishi.core.actors import Actor, user_of
from jishi.core.errors import InvalidInput, PermissionDenied, RateLimited
from jishi.core.money import CURRENCY, Money
from jishi.core.permissions import AUTHENTICATED, check
from jishi.core.ratelimit import FailureWindow
from jishi.core.transactions import after_commit
from jishi.inventory.errors import OutOfStock
from jishi.inventory.selectors import units_available
from jishi.inventory.services import stock_hold, stock_unhold
from jishi.merchants.selectors import merchant_for, merchant_public_get
from jishi.orders.selectors import checkout_refunded_in_full
from jishi.promotions import selectors
from jishi.promotions.errors import (
    CouponCodeInvalid,
    CouponLimitReached,
    CouponNotClaimable,
    CouponsGone,
    CouponTemplateNotFound,
    CouponUnavailable,
    FlashItemNotFound,
    FlashItemNotPending,
    FlashLimitReached,
    FlashNotRunning,
    FlashQuotaOverStock,
    FlashSoldOut,
    PromotionNotFound,
)
from jishi.promotions.models import (
    Coupon,
    CouponCode,
    CouponTemplate,
    FlashBuyer,
    FlashItem,
    FlashItemStatus,
    FlashSession,
    FlashTake,
    LimitedPrice,
    TemplateStatus,
    ThresholdPromotion,
)
from jishi.promotions.permissions import PLATFORM_PROMOTIONS, SHOP_PROMOTIONS
from jishi.promotions.pricing import CouponKind

if TYPE_CHECKING:
    from jishi.accounts.models import User

MAX_AMOUNT = Money(10_000_000, CURRENCY)  # ¥100,000: no coupon or threshold is larger
MAX_QUANTITY = 10_000_000
MAX_PER_USER = 100
MAX_VALID_DAYS = 366
MAX_CODES_PER_BATCH = 10_000
CODE_BYTES = 10  # 80 bits from the CSPRNG: 16 characters of base32


@dataclass(frozen=True)
class CouponTemplateInput:
    name: str
    kind: str
    total_quantity: int
    amount: Money | None = None  # AMOUNT: taken off; PERCENT: the cap
    percent_off: int | None = None
    min_spend: Money = field(default_factory=lambda: Money.zero(CURRENCY))
    scope_merchant_id: int | None = None  # a platform coupon for one shop's goods
    category_ids: list[int] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    valid_days: int | None = None
    per_user_limit: int = 1
    exclusive: bool = False
    claimable: bool = True


def _refuse(code: str, message: Any, field_name: str) -> InvalidInput:
    return InvalidInput(message, code=f"promotions.{code}", field=field_name)


def _name(value: str, *, most: int, message: Any, field_name: str = "name") -> str:
    """``value`` stripped, if it is 1 to ``most`` characters long; otherwise refused with ``message``."""
    text = value.strip()
    if not 1 <= len(text) <= most:
        raise _refuse(f"invalid_{field_name}", message, field_name)
    return text


def _check_amounts(data: CouponTemplateInput) -> None:
    def within(amount: Money | None, field_name: str, *, least: int = 1) -> None:
        if amount is not None and not least <= amount.minor <= MAX_AMOUNT.minor:
            raise _refuse("amount_out_of_range", _("The amount must be between ¥0.01 and ¥100,000."), field_name)

    if data.kind not in CouponKind.values:
        raise _refuse("invalid_kind", _("Choose an amount off, a percentage off or free shipping."), "kind")
    within(data.amount, "amount")
    within(data.min_spend, "min_spend", least=0)
    if data.kind == CouponKind.AMOUNT:
        if data.amount is None:
            raise _refuse("amount_required", _("Say how much the coupon takes off."), "amount")
        if data.min_spend.minor and data.amount >= data.min_spend:
            raise _refuse("amount_over_min_spend", _("The amount off must be below the minimum spend."), "amount")
    if data.kind == CouponKind.PERCENT and not 1 <= (data.percent_off or 0) <= 100:
        raise _refuse("percent_out_of_range", _("The percentage off must be between 1 and 100."), "percent_off")
    if data.kind != CouponKind.PERCENT and data.percent_off is not None:
        raise _refuse("percent_not_allowed", _("Only a percentage coupon takes a percentage."), "percent_off")
    if data.kind == CouponKind.FREE_SHIPPING and data.amount is not None:
        raise _refuse("amount_not_allowed", _("A free-shipping coupon takes no amount."), "amount")


def _check_limits(data: CouponTemplateInput, now: dt.datetime) -> None:
    _name(data.name, most=40, message=_("Name the coupon in 1 to 40 characters."))
    if not 1 <= data.total_quantity <= MAX_QUANTITY:
        raise _refuse("quantity_out_of_range", _("The quantity must be between 1 and 10,000,000."), "total_quantity")
    if not 1 <= data.per_user_limit <= min(MAX_PER_USER, data.total_quantity):
        raise _refuse(
            "per_user_out_of_range", _("Each buyer may hold 1 to 100, and no more than all."), "per_user_limit"
        )
    if (data.valid_days is None) == (data.valid_until is None):
        raise _refuse(
            "validity_required", _("Give either an end date or a number of days after claiming."), "valid_until"
        )
    if data.valid_days is not None and not 1 <= data.valid_days <= MAX_VALID_DAYS:
        raise _refuse("valid_days_out_of_range", _("A coupon lasts 1 to 366 days after claiming."), "valid_days")
    if data.valid_until is not None and data.valid_until <= max(data.valid_from or now, now):
        raise _refuse("ends_before_start", _("The end must be after the start, and in the future."), "valid_until")


def _check_scope(
    *, merchant_id: int | None, scope_merchant_id: int | None, category_ids: list[int], product_ids: list[int]
) -> None:
    """A shop's offer covers only its own goods; a platform coupon may name one open shop."""
    if merchant_id is not None and scope_merchant_id not in (None, merchant_id):
        raise PermissionDenied
    if scope_merchant_id is not None and merchant_id is None:
        merchant_public_get(scope_merchant_id)  # MerchantNotFound for a shop that is not open
    owner = merchant_id or scope_merchant_id
    if product_ids and owner is not None and selectors.products_not_of_merchant(owner, product_ids):
        raise _refuse("foreign_products", _("The coupon may cover only the shop's own products."), "product_ids")
    if category_ids and selectors.unknown_categories(category_ids):
        raise _refuse("unknown_categories", _("Choose existing categories."), "category_ids")


@transaction.atomic
def coupon_template_create(*, actor: Actor, data: CouponTemplateInput, platform: bool = False) -> CouponTemplate:
    """Issue a coupon: the actor's shop's, or with ``platform`` the platform's (administrators). Audited.

    Raises PermissionDenied, InvalidInput (``promotions.*``, with the field).
    """
    check(actor, PLATFORM_PROMOTIONS if platform else SHOP_PROMOTIONS)
    merchant = None if platform else merchant_for(actor)
    now = timezone.now()
    _check_amounts(data)
    _check_limits(data, now)
    _check_scope(
        merchant_id=merchant.pk if merchant else None,
        scope_merchant_id=data.scope_merchant_id,
        category_ids=data.category_ids,
        product_ids=data.product_ids,
    )
    template = CouponTemplate.objects.create(
        merchant=merchant,
        name=data.name.strip(),
        kind=data.kind,
        amount_minor=data.amount.minor if data.amount is not None else None,
        percent_off=data.percent_off,
        min_spend_minor=data.min_spend.minor,
        scope_merchant_id=data.scope_merchant_id,
        category_ids=sorted(set(data.category_ids)),
        product_ids=sorted(set(data.product_ids)),
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        valid_days=data.valid_days,
        total_quantity=data.total_quantity,
        per_user_limit=data.per_user_limit,
        exclusive=data.exclusive,
        claimable=data.claimable,
    )
    audit.record(actor=actor, action="promotions.template_create", target=template, after={"name": template.name})
    _offers_changed()
    return template


def _template_for_issuer(actor: Actor, template_id: int) -> CouponTemplate:
    """The template, if the actor issues it (its shop's staff, or an administrator for the platform's)."""
    template = selectors.template_get(template_id)
    if template is None:
        raise CouponTemplateNotFound(field="template_id")
    if template.merchant_id is None:
        check(actor, PLATFORM_PROMOTIONS)
    else:
        check(actor, SHOP_PROMOTIONS)
        if merchant_for(actor).pk != template.merchant_id:
            raise CouponTemplateNotFound(field="template_id")
    return template


@transaction.atomic
def coupon_template_stop(*, actor: Actor, template_id: int) -> CouponTemplate:
    """Stop a coupon being claimed or redeemed; coupons already held stay usable. Idempotent. Audited."""
    template = _template_for_issuer(actor, template_id)
    if template.status != TemplateStatus.STOPPED:
        CouponTemplate.objects.filter(pk=template.pk).update(status=TemplateStatus.STOPPED)
        template.status = TemplateStatus.STOPPED
        audit.record(actor=actor, action="promotions.template_stop", target=template)
        _offers_changed()
    return template


def _give(template: CouponTemplate, owner_id: int, now: dt.datetime) -> Coupon:
    """Give the user ``owner_id`` one coupon of ``template``, inside the caller's transaction."""
    taken = CouponTemplate.objects.filter(
        pk=template.pk, status=TemplateStatus.ACTIVE, claimed_count__lt=F("total_quantity")
    ).update(claimed_count=F("claimed_count") + 1)
    if not taken:
        raise CouponsGone
    held = Coupon.objects.filter(
        template=template, owner_id=owner_id
    ).count()  # after the UPDATE: claims queue behind it
    if held >= template.per_user_limit:
        raise CouponLimitReached
    if template.valid_days is not None:
        valid_from, valid_until = now, now + dt.timedelta(days=template.valid_days)
    else:
        assert template.valid_until is not None  # a constraint: one of the two is set
        valid_from, valid_until = template.valid_from or now, template.valid_until
    try:
        with transaction.atomic():
            return Coupon.objects.create(
                template=template,
                owner_id=owner_id,
                claim_number=held + 1,
                valid_from=valid_from,
                valid_until=valid_until,
            )
    except IntegrityError:  # the same claim number, written a moment earlier by a concurrent claim
        raise CouponLimitReached from None


def _claimable(template: CouponTemplate | None, now: dt.datetime) -> CouponTemplate:
    if template is None:
        raise CouponTemplateNotFound(field="template_id")
    if template.status != TemplateStatus.ACTIVE or (template.valid_until is not None and template.valid_until <= now):
        raise CouponNotClaimable(field="template_id")
    return template


@transaction.atomic
def coupon_claim(*, actor: Actor, template_id: int) -> Coupon:
    """Claim one coupon of a claimable template (领券).

    Never more than the template's quantity, nor than its per-user limit,
    under any concurrency. Raises CouponTemplateNotFound (also for one given
    out by code only), CouponNotClaimable (stopped or over), CouponsGone,
    CouponLimitReached.
    """
    check(actor, AUTHENTICATED)
    now = timezone.now()
    template = selectors.template_get(template_id)
    template = _claimable(template if template is not None and template.claimable else None, now)
    return _give(template, user_of(actor).pk, now)


@transaction.atomic
def coupon_grant(*, template_id: int, user_id: int, now: dt.datetime | None = None) -> Coupon:
    """Give a member one coupon of a platform template, as the platform's own reward (a birthday, an invitation,
    a member segment's campaign): no claim is needed, and the template need not be claimable by hand. The
    template's quantity and per-user limit hold as for a claim. Callers check their own permission; this takes
    no actor. Raises CouponTemplateNotFound (or a shop's template), CouponNotClaimable, CouponsGone,
    CouponLimitReached."""
    now = now or timezone.now()
    template = selectors.template_get(template_id)
    template = _claimable(template if template is not None and template.merchant_id is None else None, now)
    return _give(template, user_id, now)


@transaction.atomic
def coupon_withdraw(*, coupon_id: int, now: dt.datetime | None = None) -> bool:
    """Take back a coupon the platform gave (an invitation's, when the order that earned it was refunded in full),
    if it is still unused: it expires now. A coupon a checkout holds or used stays. Returns whether it was taken."""
    now = now or timezone.now()
    unused = Coupon.objects.filter(pk=coupon_id, checkout_number="", used_at__isnull=True, valid_until__gt=now)
    return bool(unused.update(valid_until=now))


def _code_failures() -> FailureWindow:
    return FailureWindow(
        "coupon-code",
        limit=settings.JISHI_LOGIN_MAX_FAILURES_PER_ACCOUNT,
        window_seconds=settings.JISHI_LOGIN_WINDOW_SECONDS,
    )


def _normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def coupon_codes_issue(*, actor: Actor, template_id: int, count: int) -> list[str]:
    """Make ``count`` single-use codes for a template the actor issues, each 80 bits from the CSPRNG. Audited."""
    if not 1 <= count <= MAX_CODES_PER_BATCH:
        raise _refuse("code_count_out_of_range", _("Make 1 to 10,000 codes at a time."), "count")
    with transaction.atomic():
        template = _template_for_issuer(actor, template_id)
        codes = [base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode() for _ in range(count)]
        CouponCode.objects.bulk_create(CouponCode(template=template, code=code) for code in codes)
        audit.record(actor=actor, action="promotions.codes_issue", target=template, after={"count": count})
    return codes


def coupon_redeem(*, actor: Actor, code: str) -> Coupon:
    """Turn a code into a coupon (兑换). A code works once.

    Wrong codes are throttled per buyer like log-in failures. Raises
    RateLimited, CouponCodeInvalid, and what a claim raises.
    """
    check(actor, AUTHENTICATED)
    user = user_of(actor)
    failures, key = _code_failures(), f"user:{user.pk}"
    if (wait := failures.retry_after(key)) is not None:
        raise RateLimited(retry_after=wait, code="promotions.too_many_codes")
    now = timezone.now()
    with transaction.atomic():
        found = CouponCode.objects.filter(code=_normalise_code(code), redeemed_by__isnull=True).first()
        redeemed = found is not None and bool(
            CouponCode.objects.filter(pk=found.pk, redeemed_by__isnull=True).update(redeemed_by=user, redeemed_at=now)
        )
        if not redeemed:
            failures.hit(key)
            raise CouponCodeInvalid(field="code")
        assert found is not None
        return _give(_claimable(selectors.template_get(found.template_id), now), user.pk, now)


def coupons_take(*, owner: User, coupon_ids: list[int], checkout_number: str, now: dt.datetime) -> None:
    """A checkout takes the owner's coupons, each unused and valid now, inside the checkout's transaction.

    Raises CouponUnavailable (409) when any of them is used, expired or not
    the owner's: the caller's transaction then rolls back whole.
    """
    if not coupon_ids:
        return
    taken = Coupon.objects.filter(
        pk__in=coupon_ids, owner=owner, checkout_number="", valid_from__lte=now, valid_until__gt=now
    ).update(checkout_number=checkout_number, used_at=now)
    if taken != len(set(coupon_ids)):
        raise CouponUnavailable(field="coupon_ids")


def coupons_give_back(*, checkout_number: str) -> int:
    """Give back the coupons a cancelled unpaid checkout took: exactly once, however many sweeps run it."""
    return Coupon.objects.filter(checkout_number=checkout_number).update(checkout_number="", used_at=None)


def coupons_give_back_refunded(*, checkout_number: str, now: dt.datetime) -> int:
    """Give back the coupons of a checkout refunded in full (every order of it closed), unless they have expired.

    After-sales calls it as each order closes. The coupon rows are locked
    first, so of two orders of one checkout closing at once the second to
    lock sees the first closed. Exactly once: a coupon given back no longer
    names the checkout. An expired coupon stays used (the wallet keeps it
    under 已使用, which is what happened).
    """
    taken = list(
        Coupon.objects.select_for_update().filter(checkout_number=checkout_number).values_list("pk", flat=True)
    )
    if not taken or not checkout_refunded_in_full(checkout_number):
        return 0
    return Coupon.objects.filter(pk__in=taken, valid_until__gt=now).update(checkout_number="", used_at=None)


# 满减 / 满折 and 限时折扣 ----------------------------------------------------------------------------

MAX_TIERS = 5
MAX_TIER_QUANTITY = 999
MAX_PER_USER_UNITS = 999


@dataclass(frozen=True)
class TierInput:
    threshold: Money | None = None  # 满 ¥…
    quantity: int | None = None  # or 满 N 件
    off: Money | None = None  # 减 ¥…
    percent_off: int | None = None  # or so many per cent off (10 is 9折)


@dataclass(frozen=True)
class ThresholdPromotionInput:
    name: str
    tiers: list[TierInput]
    starts_at: dt.datetime
    ends_at: dt.datetime
    category_ids: list[int] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class LimitedPriceInput:
    sku_id: int
    price: Money
    starts_at: dt.datetime
    ends_at: dt.datetime
    per_user_limit: int | None = None
    label: str = "限时折扣"


def _check_tier(tier: TierInput) -> None:
    if (tier.threshold is None) == (tier.quantity is None):
        raise _refuse("tier_reach", _("Each tier is reached by an amount or by a number of items."), "tiers")
    if (tier.off is None) == (tier.percent_off is None):
        raise _refuse("tier_discount", _("Each tier takes an amount or a percentage off."), "tiers")
    for amount in (tier.threshold, tier.off):
        if amount is not None and not 1 <= amount.minor <= MAX_AMOUNT.minor:
            raise _refuse("amount_out_of_range", _("The amount must be between ¥0.01 and ¥100,000."), "tiers")
    if tier.quantity is not None and not 1 <= tier.quantity <= MAX_TIER_QUANTITY:
        raise _refuse("tier_quantity_out_of_range", _("A tier needs 1 to 999 items."), "tiers")
    if tier.percent_off is not None and not 1 <= tier.percent_off <= 99:
        raise _refuse("percent_out_of_range", _("The percentage off must be between 1 and 99."), "tiers")
    if tier.off is not None and tier.threshold is not None and tier.off >= tier.threshold:
        raise _refuse("amount_over_min_spend", _("The amount off must be below the minimum spend."), "tiers")


def _check_tiers(tiers: list[TierInput]) -> list[TierInput]:
    """The tiers, checked and ordered: one kind of reach and of discount, each tier reaching further for more."""
    if not 1 <= len(tiers) <= MAX_TIERS:
        raise _refuse("tiers_count", _("Give 1 to 5 tiers."), "tiers")
    for tier in tiers:
        _check_tier(tier)
    if len({(t.threshold is None, t.off is None) for t in tiers}) > 1:
        raise _refuse("tiers_mixed", _("All tiers are reached and discounted the same way."), "tiers")

    def reach(tier: TierInput) -> int:
        return tier.threshold.minor if tier.threshold is not None else tier.quantity or 0

    def gives(tier: TierInput) -> int:
        return tier.off.minor if tier.off is not None else tier.percent_off or 0

    ordered = sorted(tiers, key=reach)
    if any(reach(a) >= reach(b) or gives(a) >= gives(b) for a, b in itertools.pairwise(ordered)):
        raise _refuse("tiers_not_rising", _("Each further tier must need more and give more."), "tiers")
    return ordered


def _offers_changed() -> None:
    """Cards and product pages show a new or ended promotion at once, not within the seconds they are cached."""

    def forget() -> None:
        cache.delete(selectors.BADGES_KEY)
        try:
            cache.incr(selectors.VERSION_KEY)
        except ValueError:  # never read yet: nothing cached under it
            cache.set(selectors.VERSION_KEY, 1, None)

    after_commit(forget)


def _check_window(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if ends_at <= max(starts_at, timezone.now()):
        raise _refuse("ends_before_start", _("The end must be after the start, and in the future."), "ends_at")


@transaction.atomic
def threshold_promotion_create(*, actor: Actor, data: ThresholdPromotionInput) -> ThresholdPromotion:
    """A shop's 满减 / 满折 over its goods (or some categories or products of them). Audited.

    Where two of a shop's promotions cover one line, the older one applies.
    Raises PermissionDenied, InvalidInput (``promotions.*``).
    """
    check(actor, SHOP_PROMOTIONS)
    merchant = merchant_for(actor)
    name = _name(data.name, most=40, message=_("Name the promotion in 1 to 40 characters."))
    tiers = _check_tiers(data.tiers)
    _check_window(data.starts_at, data.ends_at)
    _check_scope(
        merchant_id=merchant.pk, scope_merchant_id=None, category_ids=data.category_ids, product_ids=data.product_ids
    )
    promotion = ThresholdPromotion.objects.create(
        merchant=merchant,
        name=name,
        tiers=[
            {
                "threshold_minor": t.threshold.minor if t.threshold is not None else None,
                "quantity": t.quantity,
                "off_minor": t.off.minor if t.off is not None else None,
                "percent_off": t.percent_off,
            }
            for t in tiers
        ],
        category_ids=sorted(set(data.category_ids)),
        product_ids=sorted(set(data.product_ids)),
        starts_at=data.starts_at,
        ends_at=data.ends_at,
    )
    audit.record(actor=actor, action="promotions.threshold_create", target=promotion, after={"name": name})
    _offers_changed()
    return promotion


@transaction.atomic
def limited_price_create(*, actor: Actor, data: LimitedPriceInput) -> LimitedPrice:
    """One of the shop's SKUs at a lower price for a time (限时折扣). Audited.

    The price is below the SKU's own; one limited price per SKU at a time.
    Raises PermissionDenied, SkuNotFound (another shop's SKU), InvalidInput.
    """
    check(actor, SHOP_PROMOTIONS)
    merchant = merchant_for(actor)
    sku = selectors.sku_of_merchant(merchant.pk, data.sku_id)
    label = _name(data.label, most=20, message=_("Label the price in 1 to 20 characters."), field_name="label")
    if not 1 <= data.price.minor < sku.price_minor:
        raise _refuse("price_not_lower", _("The price must be above ¥0 and below the SKU's own price."), "price")
    if data.per_user_limit is not None and not 1 <= data.per_user_limit <= MAX_PER_USER_UNITS:
        raise _refuse("per_user_out_of_range", _("Each buyer may buy 1 to 999 at this price."), "per_user_limit")
    _check_window(data.starts_at, data.ends_at)
    if selectors.limited_prices_overlapping(sku.pk, data.starts_at, data.ends_at):
        raise _refuse("limited_price_overlaps", _("This SKU already has a limited price at that time."), "starts_at")
    limited = LimitedPrice.objects.create(
        merchant=merchant,
        sku_id=sku.pk,
        label=label,
        price_minor=data.price.minor,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        per_user_limit=data.per_user_limit,
    )
    audit.record(actor=actor, action="promotions.limited_price_create", target=limited, after={"sku": sku.pk})
    _offers_changed()
    return limited


def _promotion_stop(
    actor: Actor, model: type[ThresholdPromotion | LimitedPrice], promotion_id: int, *, action: str
) -> None:
    check(actor, SHOP_PROMOTIONS)
    rows = model.objects.filter(pk=promotion_id, merchant=merchant_for(actor))
    promotion = rows.first()
    if promotion is None:
        raise PromotionNotFound(field="promotion_id")
    if rows.exclude(status=TemplateStatus.STOPPED).update(status=TemplateStatus.STOPPED):
        audit.record(actor=actor, action=action, target=promotion)
        _offers_changed()


@transaction.atomic
def threshold_promotion_stop(*, actor: Actor, promotion_id: int) -> None:
    """End one of the shop's 满减 / 满折 now. Idempotent. Audited. Raises PromotionNotFound (another shop's)."""
    _promotion_stop(actor, ThresholdPromotion, promotion_id, action="promotions.threshold_stop")


@transaction.atomic
def limited_price_stop(*, actor: Actor, promotion_id: int) -> None:
    """End one of the shop's limited prices now. Idempotent. Audited. Raises PromotionNotFound (another shop's)."""
    _promotion_stop(actor, LimitedPrice, promotion_id, action="promotions.limited_price_stop")


# 秒杀 -------------------------------------------------------------------------------------------------
#
# A shop applies a SKU to a session (报名) with a flash price, a quota and a limit per buyer; an operator
# approves it, which takes the quota out of stock (held as reserved). Buyers take units of the quota with
# guarded UPDATEs inside the checkout (the buyer's own row, then the item's); an unpaid flash order times
# out after JISHI_FLASH_PAYMENT_MINUTES and its units go back to the quota. When the session is over, what
# was not sold goes back on sale. With Redis, a counter of units left turns away the burst's late buyers
# before any query; the database stays the truth.

MAX_SESSION_HOURS = 24
MAX_FLASH_PER_USER = 99


def _flash_key(item_id: int) -> str:
    return f"promotions:flash_left:{item_id}"


def _counting() -> bool:
    """Whether the hot counter is shared by every process (Redis); otherwise the database guard alone decides."""
    return bool(settings.REDIS_URL)


def _counter_set(item_id: int, left: int) -> None:
    if _counting():
        cache.set(_flash_key(item_id), left, timeout=MAX_SESSION_HOURS * 3600)


def flash_admit(*, item_id: int, quantity: int) -> bool:
    """Take ``quantity`` from the hot counter of units left: False when it has not that many (turn the buyer away).

    True without Redis. A counter not set yet is read from the database.
    Whoever was admitted and then did not place gives the units back
    (:func:`flash_readmit`).
    """
    if not _counting():
        return True
    key = _flash_key(item_id)
    try:
        left = cache.decr(key, quantity)
    except ValueError:  # not counted yet (or evicted): start from the database
        cache.add(key, selectors.flash_units_left(item_id), timeout=MAX_SESSION_HOURS * 3600)
        left = cache.decr(key, quantity)
    if left < 0:
        cache.incr(key, quantity)
        return False
    return True


def flash_sold_out(*, item_id: int) -> bool:
    """Whether the hot counter says no unit of the item is left (False when it is not counted: ask the database)."""
    if not _counting():
        return False
    left = cache.get(_flash_key(item_id))
    return left is not None and left <= 0


def flash_readmit(*, item_id: int, quantity: int) -> None:
    """Give units back to the hot counter (a placement that failed, a cancelled flash order)."""
    if _counting():
        with contextlib.suppress(ValueError):  # not counted: the next admission reads the database
            cache.incr(_flash_key(item_id), quantity)


def flash_counters_resync(*, now: dt.datetime | None = None) -> int:
    """Set every running item's counter from the database (a process that died between admission and placing
    leaves it short). Returns how many were set."""
    running = selectors.flash_items_running(now=now or timezone.now())
    for item_id, left in running:
        _counter_set(item_id, left)
    return len(running)


@transaction.atomic
def flash_session_create(
    *,
    actor: Actor,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    real_name_required: bool | None = None,
) -> FlashSession:
    """A flash-sale session (秒杀场次) of at most a day. Administrators. Audited.

    ``real_name_required`` None takes JISHI_FLASH_REAL_NAME. Raises
    PermissionDenied, InvalidInput.
    """
    check(actor, PLATFORM_PROMOTIONS)
    title = _name(title, most=20, message=_("Name the session in 1 to 20 characters."), field_name="title")
    _check_window(starts_at, ends_at)
    if ends_at - starts_at > dt.timedelta(hours=MAX_SESSION_HOURS):
        raise _refuse("session_too_long", _("A session lasts at most 24 hours."), "ends_at")
    session = FlashSession.objects.create(
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        real_name_required=settings.JISHI_FLASH_REAL_NAME if real_name_required is None else real_name_required,
        created_by=user_of(actor),
    )
    audit.record(actor=actor, action="promotions.flash_session_create", target=session, after={"title": title})
    return session


@dataclass(frozen=True)
class FlashApplication:
    session_id: int
    sku_id: int
    price: Money
    quota: int
    per_user_limit: int = 1


@transaction.atomic
def flash_item_apply(*, actor: Actor, data: FlashApplication) -> FlashItem:
    """The shop applies one of its SKUs to a session that has not ended (报名). Audited.

    Raises PermissionDenied, FlashSessionNotFound, FlashNotRunning (the
    session is over), SkuNotFound (another shop's), InvalidInput (price,
    limit, a SKU applied already), FlashQuotaOverStock.
    """
    check(actor, SHOP_PROMOTIONS)
    merchant = merchant_for(actor)
    session = selectors.flash_session_get(data.session_id)
    if session.status != TemplateStatus.ACTIVE or session.ends_at <= timezone.now():
        raise FlashNotRunning(field="session_id")
    sku = selectors.sku_of_merchant(merchant.pk, data.sku_id)
    if not 1 <= data.price.minor < sku.price_minor:
        raise _refuse("price_not_lower", _("The price must be above ¥0 and below the SKU's own price."), "price")
    if not 1 <= data.per_user_limit <= MAX_FLASH_PER_USER:
        raise _refuse("per_user_out_of_range", _("Each buyer may buy 1 to 99 in a flash sale."), "per_user_limit")
    if data.quota < 1:
        raise _refuse("quantity_out_of_range", _("The quota must be at least 1."), "quota")
    if data.quota > units_available(sku.pk):
        raise FlashQuotaOverStock(field="quota")
    try:
        with transaction.atomic():
            item = FlashItem.objects.create(
                session=session,
                merchant=merchant,
                sku_id=sku.pk,
                price_minor=data.price.minor,
                quota=data.quota,
                per_user_limit=data.per_user_limit,
                applied_by=user_of(actor),
            )
    except IntegrityError:
        raise _refuse(
            "flash_already_applied", _("This SKU is in this session already, or waiting for review."), "sku_id"
        ) from None
    audit.record(
        actor=actor,
        action="promotions.flash_apply",
        target=item,
        after={"session": session.pk, "sku": sku.pk, "price_minor": item.price_minor, "quota": item.quota},
    )
    return item


def _decide(actor: Actor, item_id: int, to: FlashItemStatus, reason: str = "") -> FlashItem:
    check(actor, PLATFORM_PROMOTIONS)
    item = FlashItem.objects.select_related("session").filter(pk=item_id).first()
    if item is None:
        raise FlashItemNotFound(field="item_id")
    decided = FlashItem.objects.filter(pk=item.pk, status=FlashItemStatus.APPLIED).update(
        status=to, reason=reason, decided_by=user_of(actor), decided_at=timezone.now()
    )
    if not decided:
        raise FlashItemNotPending
    item.status, item.reason = to, reason
    audit.record(
        actor=actor,
        action=f"promotions.flash_{to}",
        target=item,
        before={"status": FlashItemStatus.APPLIED},
        after={"status": to},
        reason=reason,
    )
    return item


@transaction.atomic
def flash_item_approve(*, actor: Actor, item_id: int) -> FlashItem:
    """Approve an application: its quota leaves the shelf for the session. Audited.

    Raises PermissionDenied, FlashItemNotFound, FlashItemNotPending (decided
    already), FlashNotRunning (the session is over), FlashQuotaOverStock
    (the stock sold meanwhile).
    """
    item = _decide(actor, item_id, FlashItemStatus.APPROVED)
    if item.session.status != TemplateStatus.ACTIVE or item.session.ends_at <= timezone.now():
        raise FlashNotRunning(field="item_id")
    try:
        stock_hold(actor=actor, sku_id=item.sku_id, quantity=item.quota, reference=f"flash:{item.pk}")
    except OutOfStock:
        raise FlashQuotaOverStock(field="item_id") from None
    after_commit(_counter_set, item.pk, item.quota)
    _offers_changed()
    return item


@transaction.atomic
def flash_item_reject(*, actor: Actor, item_id: int, reason: str) -> FlashItem:
    """Turn an application down with a reason the shop reads. Audited. Raises as :func:`flash_item_approve`."""
    reason = _name(reason, most=200, message=_("Give a reason."), field_name="reason")
    return _decide(actor, item_id, FlashItemStatus.REJECTED, reason)


@transaction.atomic
def flash_item_close(*, item_id: int) -> bool:
    """Close an approved item whose session is over: the units it did not sell go back on sale. Once."""
    if not FlashItem.objects.filter(pk=item_id, status=FlashItemStatus.APPROVED).update(status=FlashItemStatus.CLOSED):
        return False
    item = FlashItem.objects.get(pk=item_id)  # locked by the update: no take or give-back moves it meanwhile
    if item.left:
        stock_unhold(actor=None, sku_id=item.sku_id, quantity=item.left, reference=f"flash:{item.pk}")
    if _counting():
        after_commit(cache.delete, _flash_key(item.pk))
    _offers_changed()
    return True


def flash_items_close_due(*, now: dt.datetime | None = None) -> int:
    """The sweep: close every approved item of a session that is over. Returns how many it closed."""
    return sum(flash_item_close(item_id=pk) for pk in selectors.flash_items_due_to_close(now=now or timezone.now()))


def flash_take(*, buyer: User, item: FlashItem, quantity: int, checkout_number: str) -> None:
    """A checkout takes ``quantity`` of a flash item for ``buyer``, inside the checkout's transaction.

    The buyer's own row first (their limit), the item's row last (every
    buyer of the sale waits for it, so it is held only until the commit).
    Raises FlashLimitReached, FlashSoldOut (409): the caller's transaction
    then rolls back whole.
    """
    FlashBuyer.objects.bulk_create([FlashBuyer(item=item, buyer=buyer)], ignore_conflicts=True)
    if not FlashBuyer.objects.filter(item=item, buyer=buyer, units__lte=item.per_user_limit - quantity).update(
        units=F("units") + quantity
    ):
        raise FlashLimitReached(field="quantity")
    FlashTake.objects.create(item=item, buyer=buyer, checkout_number=checkout_number, units=quantity)
    if not FlashItem.objects.filter(
        pk=item.pk, status=FlashItemStatus.APPROVED, sold__lte=F("quota") - quantity
    ).update(sold=F("sold") + quantity):
        raise FlashSoldOut(field="quantity")


def flash_give_back(*, checkout_number: str) -> int:
    """Give a cancelled unpaid checkout's flash units back: to the sale while it runs, to the shelf once it has
    closed. Exactly once, however many sweeps run it. Returns how many takes were given back."""
    given = 0
    for take in selectors.flash_takes_of_checkout(checkout_number):
        if not FlashTake.objects.filter(pk=take.pk, given_back=False).update(given_back=True):
            continue  # a concurrent sweep gave it back
        given += 1
        FlashBuyer.objects.filter(item_id=take.item_id, buyer_id=take.buyer_id).update(units=F("units") - take.units)
        FlashItem.objects.filter(pk=take.item_id).update(sold=F("sold") - take.units)
        item = FlashItem.objects.only("status", "sku_id").get(pk=take.item_id)
        if item.status == FlashItemStatus.CLOSED:
            stock_unhold(actor=None, sku_id=item.sku_id, quantity=take.units, reference=f"flash:{item.pk}")
        else:
            after_commit(flash_readmit, item_id=item.pk, quantity=take.units)
    return given
