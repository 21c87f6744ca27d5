"""Periodic sweeps of the orders domain. Each selects ids, then calls the per-order service, which re-checks."""

from crontask import cron
from django.tasks import task
from django.utils import timezone

from jishi.orders import selectors, services


@cron("*/5 * * * *")
@task
def orders_confirm_overdue() -> int:
    """Confirm receipt for buyers who have not, once the confirmation window after shipping has passed."""
    order_ids = selectors.orders_confirm_overdue(now=timezone.now())
    for order_id in order_ids:
        services.order_confirm_overdue(order_id=order_id)
    return len(order_ids)


@cron("*/5 * * * *")
@task
def orders_complete_due() -> int:
    """Complete delivered orders whose after-sales window has closed."""
    order_ids = selectors.orders_complete_due(now=timezone.now())
    for order_id in order_ids:
        services.order_complete_due(order_id=order_id)
    return len(order_ids)
