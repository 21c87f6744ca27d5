"""Errors of the promotions domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import Conflict, InvalidInput, NotFound


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
