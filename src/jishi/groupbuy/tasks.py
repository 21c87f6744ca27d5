"""Background work of the group-buying domain."""

from crontask import cron
from django.tasks import task

from jishi.groupbuy.services import teams_close_due


@cron("* * * * *")
@task
def teams_close() -> int:
    """Every minute: close the groups whose window has passed — formed at a tier's size, or dissolved and
    refunded. Safe to run twice at once: each group closes once."""
    return teams_close_due()
