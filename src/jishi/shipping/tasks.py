"""Background work of the shipping domain: subscribing shipped parcels, and the sandbox courier's journeys."""

from crontask import cron
from django.tasks import task
from django.utils import timezone

from jishi.shipping import sandbox, services


@task
def tracking_subscribe(order_id: int) -> None:
    """Follow a shipped order's parcel at the tracking adapter; asks again later while it cannot be reached."""
    delay = services.tracking_subscribe(order_id=order_id)
    if delay is not None:
        tracking_subscribe.using(run_after=timezone.now() + delay).enqueue(order_id)


@cron("* * * * *")
@task
def sandbox_parcels_advance() -> int:
    """Every minute: the sandbox courier calls back each step of its parcels' journeys that is due."""
    return sandbox.parcels_advance(now=timezone.now())
