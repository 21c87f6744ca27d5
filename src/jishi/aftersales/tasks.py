"""The after-sales deadline sweep: it acts for the party that let its deadline pass."""

from crontask import cron
from django.tasks import task

from jishi.aftersales import services


@cron("*/10 * * * *")
@task
def aftersales_deadlines() -> int:
    """Every ten minutes: agree for silent shops, receive for shops that do not confirm, close what buyers let go."""
    return services.requests_act_on_deadlines()
