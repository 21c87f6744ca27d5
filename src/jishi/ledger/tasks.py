"""Background work of the ledger domain."""

from crontask import cron
from django.tasks import task

from jishi.ledger import selectors, services


@cron("*/5 * * * *")
@task
def ledger_settle_due() -> int:
    """Settle completed orders: their income becomes available to the merchant."""
    return services.orders_settle_due()


@task
def payout_execute(payout_id: int) -> str:
    """Pay one approved withdrawal (enqueued after the approval commits)."""
    payout = services.payout_execute(payout_id=payout_id)
    return payout.status if payout else "skipped"


@cron("*/10 * * * *")
@task
def payouts_execute_approved() -> int:
    """Pay approved withdrawals whose task was lost (a worker crash between approval and payment)."""
    ids = selectors.payouts_approved()
    for payout_id in ids:
        services.payout_execute(payout_id=payout_id)
    return len(ids)
