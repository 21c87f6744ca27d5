"""Errors of the analytics domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import InvalidInput


class UnknownSegment(InvalidInput):
    default_code = "analytics.unknown_segment"
    default_message = _("Choose one of the member segments: new, high_value, active, at_risk or lapsed.")


class ShopTemplate(InvalidInput):
    default_code = "analytics.shop_template"
    default_message = _("Choose one of the platform's coupons: a shop's coupon cannot be sent to a segment.")
