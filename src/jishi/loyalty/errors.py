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
