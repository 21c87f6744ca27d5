"""Background work of the checkout domain."""

from crontask import cron
from django.tasks import task

from jishi.checkout.services import checkouts_expire_overdue


@cron("* * * * *")
@task
def checkouts_expire() -> int:
    """Every minute: cancel orders left unpaid past their deadline and release their stock."""
    return checkouts_expire_overdue()
