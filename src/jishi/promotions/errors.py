"""Errors of the promotions domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import InvalidInput


class CouponNotApplicable(InvalidInput):
    default_code = "promotions.coupon_not_applicable"
    default_message = _("This coupon does not apply: it covers nothing you buy, or its minimum spend is not met.")


class CouponsNotCombinable(InvalidInput):
    default_code = "promotions.coupons_not_combinable"
    default_message = _(
        "These coupons cannot be used together: one per shop and one platform coupon, and an exclusive coupon alone."
    )
