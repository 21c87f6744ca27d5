"""Housekeeping."""

from crontask import cron
from django.tasks import task

from jishi.core.idempotency import purge_expired


@cron("17 * * * *")
@task
def idempotency_purge() -> int:
    """Hourly: forget idempotency keys older than the retention window."""
    return purge_expired()
