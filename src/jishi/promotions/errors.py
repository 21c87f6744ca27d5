"""Errors of the promotions domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied


class CouponNotApplicable(InvalidInput):
    default_code = "promotions.coupon_not_applicable"
    default_message = _("This coupon does not apply: it covers nothing you buy, or its minimum spend is not met.")


class CouponsNotCombinable(InvalidInput):
    default_code = "promotions.coupons_not_combinable"
    default_message = _(
        "These coupons cannot be used together: one per shop and one platform coupon, and an exclusive coupon alone."
    )


class CouponTemplateNotFound(NotFound):
    default_code = "promotions.template_not_found"
    default_message = _("Coupon not found.")


class CouponsGone(Conflict):
    default_code = "promotions.coupons_gone"
    default_message = _("All of these coupons have been claimed.")


class CouponLimitReached(Conflict):
    default_code = "promotions.coupon_limit"
    default_message = _("You already hold as many of this coupon as one buyer may.")


class CouponNotClaimable(Conflict):
    default_code = "promotions.coupon_not_claimable"
    default_message = _("This coupon can no longer be claimed.")


class CouponCodeInvalid(InvalidInput):
    default_code = "promotions.code_invalid"
    default_message = _("This code is not valid or has been used.")


class CouponUnavailable(Conflict):
    default_code = "promotions.coupon_unavailable"
    default_message = _("This coupon is used, expired or not yours. Review the order again.")


class PromotionNotFound(NotFound):
    default_code = "promotions.promotion_not_found"
    default_message = _("Promotion not found.")


class FlashNotRunning(Conflict):
    default_code = "promotions.flash_not_running"
    default_message = _("This flash sale is not running now.")


class FlashSoldOut(Conflict):
    default_code = "promotions.flash_sold_out"
    default_message = _("Sold out: every unit of this flash sale has been taken.")


class FlashLimitReached(Conflict):
    default_code = "promotions.flash_limit"
    default_message = _("You have bought as many of this flash sale as one buyer may.")


class RealNameRequired(PermissionDenied):
    default_code = "promotions.real_name_required"
    default_message = _("Verify your real name to buy in this flash sale.")


class FlashItemNotFound(NotFound):
    default_code = "promotions.flash_item_not_found"
    default_message = _("Flash-sale item not found.")


class FlashSessionNotFound(NotFound):
    default_code = "promotions.flash_session_not_found"
    default_message = _("Flash-sale session not found.")


class FlashItemNotPending(Conflict):
    default_code = "promotions.flash_item_not_pending"
    default_message = _("This application has been decided already.")


class FlashQuotaOverStock(Conflict):
    default_code = "promotions.quota_over_stock"
    default_message = _("The quota is more than the SKU has in stock.")


class PointsAboveCap(InvalidInput):
    default_code = "promotions.points_above_cap"
    default_message = _("Points cannot pay for that much of this order.")
