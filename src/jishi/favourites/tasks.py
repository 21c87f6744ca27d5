"""Background work of the favourites domain."""

from crontask import cron
from django.tasks import task

from jishi.favourites.services import price_drops_notify_due


@cron("15 * * * *")
@task
def favourites_price_drops() -> int:
    """Every hour: tell members about their favourites that became cheaper (降价提醒)."""
    return price_drops_notify_due()
