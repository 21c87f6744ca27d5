"""Background work of the promotions domain."""

from crontask import cron
from django.tasks import task

from jishi.promotions.services import flash_counters_resync, flash_items_close_due


@cron("* * * * *")
@task
def flash_items_close() -> int:
    """Every minute: close the flash-sale items of sessions that are over; unsold units go back on sale."""
    return flash_items_close_due()


@cron("* * * * *")
@task
def flash_counters() -> int:
    """Every minute: set the running flash sales' hot counters from the database (the truth)."""
    return flash_counters_resync()
