"""Background work of the community group-buying domain."""

from crontask import cron
from django.tasks import task

from jishi.community.services import campaigns_cut_off_due, pickups_flag_uncollected


@cron("* * * * *")
@task
def campaigns_cut_off() -> int:
    """Every minute: batch the paid orders of campaigns past their cut-off, per shop and pickup point."""
    return campaigns_cut_off_due()


@cron("0 * * * *")
@task
def pickups_uncollected() -> int:
    """Every hour: tell leaders and shops about orders waiting too long at a point."""
    return pickups_flag_uncollected()
