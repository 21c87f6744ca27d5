"""Background work of the loyalty domain (Beijing time)."""

from crontask import cron
from django.tasks import task

from jishi.loyalty.services import birthday_coupons_give, points_expire_due, tiers_recompute


@cron("10 0 * * *")
@task
def points_expire() -> int:
    """Every night: expire the points earned 12 months ago."""
    return points_expire_due()


@cron("20 0 * * *")
@task
def tiers_nightly() -> int:
    """Every night: every member's tier from their last 12 months (spend ages out)."""
    return tiers_recompute()


@cron("0 8 * * *")
@task
def birthday_coupons() -> int:
    """Every morning: today's birthdays get their tier's coupon."""
    return birthday_coupons_give()
