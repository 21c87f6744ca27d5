"""Periodic work of the catalog domain."""

from crontask import cron
from django.tasks import task

from jishi.catalog import services


@cron("15 0 * * *")
@task
def listings_enforce_qualifications() -> int:
    """Every night: unlist products whose merchant's required qualification has expired."""
    return services.listings_enforce_qualifications()
