"""Errors of the community group-buying domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import Conflict, DomainError, NotFound, PermissionDenied


class LeaderNotFound(NotFound):
    default_code = "community.leader_not_found"
    default_message = _("Group leader not found.")


class AlreadyLeader(Conflict):
    default_code = "community.already_leader"
    default_message = _("You have applied already.")


class RealNameRequired(PermissionDenied):
    default_code = "community.real_name_required"
    default_message = _("Verify your real name before you apply to run a pickup point.")


class NotALeader(PermissionDenied):
    default_code = "community.not_a_leader"
    default_message = _("Only an approved group leader can do this.")


class LeaderNotPending(Conflict):
    default_code = "community.leader_not_pending"
    default_message = _("This application has been decided already.")


class PointNotFound(NotFound):
    default_code = "community.point_not_found"
    default_message = _("Pickup point not found.")


class PointUnavailable(Conflict):
    default_code = "community.point_unavailable"
    default_message = _("This pickup point is not open: its leader is not approved or has been suspended.")


class NoPointChosen(Conflict):
    default_code = "community.no_point"
    default_message = _("Choose your pickup point first.")


class NotForPickup(Conflict):
    default_code = "community.not_for_pickup"
    default_message = _("This item is not in a community group buy that delivers to your pickup point.")


class CampaignNotFound(NotFound):
    default_code = "community.campaign_not_found"
    default_message = _("Community group buy not found.")


class BatchNotFound(NotFound):
    default_code = "community.batch_not_found"
    default_message = _("Batch not found.")


class BatchNotReady(Conflict):
    default_code = "community.batch_state"
    default_message = _("This batch cannot do that now.")


class WrongPickupCode(NotFound):
    default_code = "community.wrong_code"
    default_message = _("No order at this point has that pickup code.")


class PickupNotReady(Conflict):
    default_code = "community.pickup_not_ready"
    default_message = _("This order has not arrived at the point yet.")


class PickupUsed(Conflict):
    default_code = "community.pickup_used"
    default_message = _("This pickup code has been used already.")


class TooManyWrongCodes(DomainError):
    status = 429
    default_code = "community.too_many_wrong_codes"
    default_message = _("Too many wrong codes. Wait a minute and try again.")
