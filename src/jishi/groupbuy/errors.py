"""Errors of the group-buying domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import Conflict, NotFound


class CampaignNotFound(NotFound):
    default_code = "groupbuy.campaign_not_found"
    default_message = _("Group buy not found.")


class CampaignNotRunning(Conflict):
    default_code = "groupbuy.campaign_not_running"
    default_message = _("This group buy is not running now.")


class TeamNotFound(NotFound):
    default_code = "groupbuy.team_not_found"
    default_message = _("Group not found.")


class TeamFull(Conflict):
    default_code = "groupbuy.team_full"
    default_message = _("This group is full. Open a group of your own at the same price.")


class TeamClosed(Conflict):
    default_code = "groupbuy.team_closed"
    default_message = _("This group has formed, dissolved or run out of time. Open a group of your own.")


class AlreadyInTeam(Conflict):
    default_code = "groupbuy.already_in_team"
    default_message = _("You are in this group already. Share it to fill it.")


class TeamLimitReached(Conflict):
    default_code = "groupbuy.limit_reached"
    default_message = _("You already hold as many of this group buy as one buyer may.")


class NotGrouping(Conflict):
    default_code = "groupbuy.not_grouping"
    default_message = _("Only an order waiting for its group to fill can leave the group.")
