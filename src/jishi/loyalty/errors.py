"""Errors of the loyalty domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import Conflict, InvalidInput


class PointsInsufficient(InvalidInput):
    default_code = "loyalty.points_insufficient"
    default_message = _("You do not have that many points.")


class PointsInvalid(InvalidInput):
    default_code = "loyalty.points_invalid"
    default_message = _("Give a whole number of points, 0 or more.")


class AlreadyCheckedIn(Conflict):
    default_code = "loyalty.already_checked_in"
    default_message = _("You have already checked in today. Come back tomorrow.")


class SettingOutOfRange(InvalidInput):
    default_code = "loyalty.setting_out_of_range"
    default_message = _("This value is outside what the rules allow.")


class TiersNotRising(InvalidInput):
    default_code = "loyalty.tiers_not_rising"
    default_message = _("Each tier's spend must be above the one under it.")


class BirthdayAlreadySet(Conflict):
    default_code = "loyalty.birthday_set"
    default_message = _("Your birthday is already set; it cannot be changed.")


class TemplateInvalid(InvalidInput):
    default_code = "loyalty.template_invalid"
    default_message = _("Choose one of the platform's coupon templates.")


class MemberPriceInvalid(InvalidInput):
    default_code = "loyalty.member_price_invalid"
    default_message = _("A member price is at least ¥0.01 and below the SKU's price.")


class InviteCodeInvalid(InvalidInput):
    default_code = "loyalty.invite_code_invalid"
    default_message = _("This invite code is not valid.")


class ReferralRefused(Conflict):
    default_code = "loyalty.referral_refused"
    default_message = _("This invitation cannot be taken.")
