"""Background work of analytics."""

from crontask import cron
from django.tasks import task

from jishi.analytics.services import member_segments_compute


@cron("40 2 * * *")
@task
def segments_compute() -> int:
    """Every night at 02:40: every buyer's member segment (用户画像) from their paid orders; the table is replaced."""
    return member_segments_compute()
