"""Background work of the recommendations domain."""

from crontask import cron
from django.tasks import task

from jishi.recommendations.services import recommendations_refresh as refresh


@cron("30 3 * * *")
@task
def recommendations_refresh() -> int:
    """Every night at 03:30: rebuild 看了又看, 买了又买 and the best sellers from the day's history. The similarity
    runs on one thread (see ``recommendations.engine``). Returns the rows written."""
    done = refresh()
    return done.bought + done.viewed + done.popular
