"""Background work of the payments domain: the sandbox's notifications, closing trades, the sweeps."""

import datetime as dt

from crontask import cron
from django.conf import settings
from django.tasks import task
from django.utils import timezone

from jishi.payments import reconciliation, sandbox, services
from jishi.payments.errors import GatewayUnavailable


@task
def sandbox_notify(trade_no: str) -> None:
    """One notification attempt by the sandbox gateway; schedules the next one until it is answered."""
    delay = sandbox.trade_notify(trade_no=trade_no)
    if delay is not None:
        sandbox_notify.using(run_after=timezone.now() + delay).enqueue(trade_no)


@task
def intent_close_trades(intent_id: int) -> None:
    """Close a cancelled checkout's trades at the gateways; asks again later those that could not be reached."""
    delay = services.intent_close_trades(intent_id=intent_id)
    if delay is not None:
        intent_close_trades.using(run_after=timezone.now() + delay).enqueue(intent_id)


@cron("* * * * *")
@task
def payments_query_quiet() -> int:
    """Every minute: ask the gateway about payments whose notification has not arrived."""
    return services.payments_sync_quiet(quiet_for=dt.timedelta(seconds=settings.JISHI_PAYMENT_QUERY_AFTER_SECONDS))


@task
def refund_send(refund_id: int) -> str:
    """Ask the gateway for a refund just booked; the sweep below retries what this could not finish."""
    try:
        return services.refund_send(refund_id=refund_id).status
    except GatewayUnavailable:
        return "pending"


@cron("*/5 * * * *")
@task
def refunds_follow_up() -> int:
    """Every five minutes: give back unapplied payments, ask about refunds in progress, resend what was never seen."""
    return services.refunds_sync_pending(quiet_for=dt.timedelta(minutes=5))


@cron("30 3 * * *")
@task
def reconcile_yesterday() -> int:
    """Every night at 03:30: check each gateway's previous day against our books. Returns the issues found."""
    return sum(run.issues_found for run in reconciliation.reconcile_yesterday())
