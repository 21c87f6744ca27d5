"""Writes of the payments domain: intents, starting a payment, and applying what gateways report.

The intent's status is the single arbiter between a payment and a
cancellation: applying a payment is a compare-and-set from ``pending`` to
``succeeded``, cancelling is one from ``pending`` to ``cancelled``, and both
take the intent before they touch any order, so they cannot both win and
cannot deadlock. Money that arrives for an intent that lost is recorded and
flagged for refund, never applied.
"""

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from jishi.core import audit, ids
from jishi.core.money import Money
from jishi.ledger.services import payment_post
from jishi.orders.services import orders_mark_paid
from jishi.payments import gateways, selectors
from jishi.payments.errors import InvalidNotification, PaymentClosed
from jishi.payments.gateways.base import Acknowledgement, PaymentRequest, Trade, TradeState
from jishi.payments.models import (
    IntentStatus,
    NotificationLog,
    NotificationOutcome,
    Payment,
    PaymentIntent,
    PaymentStatus,
)

logger = logging.getLogger(__name__)


def intent_create(
    *, buyer: Any, checkout_number: str, amount: Money, subject: str, pay_by: dt.datetime
) -> PaymentIntent:
    """The intent that one checkout's orders are paid through (the checkout service calls it in its transaction)."""
    return PaymentIntent.objects.create(
        number=ids.public_number(),
        checkout_number=checkout_number,
        buyer=buyer,
        amount_minor=amount.minor,
        currency=amount.currency,
        subject=subject[:120],
        pay_by=pay_by,
    )


@transaction.atomic
def intent_cancel(*, checkout_number: str) -> PaymentIntent | None:
    """Close the checkout's intent so no later payment is applied. Idempotent.

    Raises PaymentClosed when it was already paid (the orders must not be cancelled then).
    """
    intent = selectors.intent_for_checkout(checkout_number)
    if intent is None:
        return None
    PaymentIntent.objects.filter(pk=intent.pk, status=IntentStatus.PENDING).update(
        status=IntentStatus.CANCELLED, cancelled_at=timezone.now()
    )
    intent.refresh_from_db()
    if intent.status == IntentStatus.SUCCEEDED:
        raise PaymentClosed
    return intent


@transaction.atomic
def payment_start(*, actor: Any, intent_number: str, gateway_code: str, notify_url: str, return_url: str) -> str:
    """Send the buyer to ``gateway_code`` to pay their intent; returns the gateway page's URL.

    Starting again (another tab, the back button) returns the same trade.
    Raises PaymentNotFound (not the actor's), PaymentClosed (paid, cancelled
    or past its deadline), UnknownGateway.
    """
    intent = selectors.intent_get_for_buyer(actor, intent_number)
    gateway = gateways.get(gateway_code)
    if intent.status != IntentStatus.PENDING or intent.pay_by <= timezone.now():
        raise PaymentClosed
    PaymentIntent.objects.filter(pk=intent.pk).update(gateway=gateway.code, started_at=timezone.now())
    return gateway.create_payment(
        PaymentRequest(
            out_trade_no=intent.number,
            amount=intent.amount,
            subject=intent.subject,
            notify_url=notify_url,
            return_url=return_url,
        )
    )


def _log(gateway_code: str, outcome: str, *, out_trade_no: str = "", reason: str = "", body: bytes = b"") -> None:
    NotificationLog.objects.create(
        gateway=gateway_code,
        out_trade_no=out_trade_no[:64],
        outcome=outcome,
        reason=reason,
        body=body[:4000].decode("utf-8", "replace"),
    )


@transaction.atomic
def _apply(intent: PaymentIntent, trade: Trade, gateway_code: str) -> str:
    """Record a verified paid trade once and apply it to the orders if the intent is still open."""
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                intent=intent,
                gateway=gateway_code,
                trade_no=trade.trade_no,
                amount_minor=trade.amount.minor,
                currency=trade.amount.currency,
                status=PaymentStatus.APPLIED,
                paid_at=trade.paid_at or timezone.now(),
            )
    except IntegrityError:  # this trade was recorded before (a repeated or concurrent notification)
        return NotificationOutcome.DUPLICATE
    won = PaymentIntent.objects.filter(pk=intent.pk, status=IntentStatus.PENDING).update(
        status=IntentStatus.SUCCEEDED, succeeded_at=payment.paid_at
    )
    if won:
        orders_mark_paid(checkout_number=intent.checkout_number, paid_at=payment.paid_at)
        payment_post(checkout_number=intent.checkout_number, gateway=gateway_code)
        return NotificationOutcome.APPLIED
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.NEEDS_REFUND)
    intent.refresh_from_db()
    audit.record(
        actor=None,
        action="payments.flagged_for_refund",
        target=payment,
        after={"intent": intent.number, "intent_status": intent.status, "amount_minor": payment.amount_minor},
        reason="payment arrived for an intent that is no longer open",
    )
    return NotificationOutcome.FLAGGED


def _check_against_intent(trade: Trade) -> PaymentIntent:
    intent = PaymentIntent.objects.filter(number=trade.out_trade_no).first()
    if intent is None:
        raise InvalidNotification("unknown_trade")
    if trade.amount.currency != intent.currency:
        raise InvalidNotification("wrong_currency")
    if trade.amount != intent.amount:
        raise InvalidNotification("wrong_amount")
    return intent


def notification_receive(*, gateway_code: str, body: bytes, headers: Mapping[str, str]) -> Acknowledgement:
    """Handle a gateway's asynchronous notification and return the answer the gateway expects.

    Signature, timestamp and app id (the gateway adapter), then amount and
    currency against our intent, are all checked before anything changes; a
    notification that fails any of them changes nothing and is answered with
    the gateway's failure. The same notification twice is answered success
    twice and applied once. Raises UnknownGateway for a gateway we do not run.
    """
    gateway = gateways.get(gateway_code)
    try:
        trade = gateway.parse_notification(body, headers)
        intent = _check_against_intent(trade)
    except InvalidNotification as rejected:
        logger.warning("rejected %s notification: %s", gateway_code, rejected.reason)
        _log(gateway_code, NotificationOutcome.REJECTED, reason=rejected.reason, body=body)
        return gateway.acknowledge(accepted=False)
    outcome = _apply(intent, trade, gateway.code) if trade.state == TradeState.PAID else NotificationOutcome.IGNORED
    _log(gateway_code, outcome, out_trade_no=trade.out_trade_no, body=body)
    return gateway.acknowledge(accepted=True)


def payment_sync(*, intent_id: int) -> str | None:
    """Ask the intent's gateway about it and apply a payment the notification never brought.

    Safe to run any number of times, concurrently too: a trade is recorded
    once. Returns the outcome, or None when the gateway has no paid trade.
    """
    intent = PaymentIntent.objects.filter(pk=intent_id).first()
    if intent is None or not intent.gateway:
        return None
    trade = gateways.get(intent.gateway).query(intent.number)
    if trade is None or trade.state != TradeState.PAID:
        return None
    try:
        _check_against_intent(trade)
    except InvalidNotification as mismatch:
        logger.error("gateway %s reports %s for %s", intent.gateway, mismatch.reason, intent.number)
        return None
    return _apply(intent, trade, intent.gateway)


def payments_sync_quiet(*, quiet_for: dt.timedelta) -> int:
    """Query the gateway for every recently started intent that has heard nothing (the sweep). Returns how many."""
    intent_ids = selectors.intents_to_query(now=timezone.now(), quiet_for=quiet_for)
    for intent_id in intent_ids:
        payment_sync(intent_id=intent_id)
    return len(intent_ids)
