"""Writes of the payments domain: intents, starting a payment, and applying what gateways report.

The intent's status is the single arbiter between a payment and a
cancellation: applying a payment is a compare-and-set from ``pending`` to
``succeeded``, cancelling is one from ``pending`` to ``cancelled``, and both
take the intent before they touch any order, so they cannot both win and
cannot deadlock. Money that arrives for an intent that lost is recorded,
never applied, and given back in full through the gateway that took it.

Cancelling closes the trade at every gateway the buyer was sent to, after
commit, so a pay page still open can take no more money; the pay deadline
sent with every trade ends it at the gateway even where a close fails.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jishi.core import audit, ids
from jishi.core.actors import Actor
from jishi.core.money import Money
from jishi.core.phrases import phrase
from jishi.core.states import move
from jishi.core.transactions import after_commit
from jishi.ledger.services import payment_post, refund_post, refund_sent_post, unapplied_payment_post
from jishi.notifications.services import notify
from jishi.orders.locks import order_lock
from jishi.orders.selectors import orders_of_checkout
from jishi.orders.services import orders_mark_paid
from jishi.orders.states import OrderStatus
from jishi.payments import gateways, selectors
from jishi.payments.addresses import refund_notify_url
from jishi.payments.errors import (
    GatewayUnavailable,
    InvalidNotification,
    InvalidTransition,
    PaymentClosed,
    RefundNotAllowed,
    RefundReferenceReused,
    RefundRefused,
    UnknownGateway,
)
from jishi.payments.gateways.base import Acknowledgement, PaymentRequest, RefundRequest, RefundState, Trade, TradeState
from jishi.payments.gateways.base import Refund as GatewayRefund
from jishi.payments.models import (
    CloseResult,
    NotificationLog,
    NotificationOutcome,
    Payment,
    PaymentAttempt,
    PaymentIntent,
    PaymentRefund,
)
from jishi.payments.signals import order_refunded, orders_paid
from jishi.payments.states import INTENT, REFUND, IntentStatus, PaymentStatus, RefundStatus

if TYPE_CHECKING:
    from jishi.orders.models import Order

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
    """Close the checkout's intent so no later payment is applied, and its gateway trades after commit. Idempotent.

    Raises PaymentClosed when it was already paid (the orders must not be cancelled then).
    """
    intent = selectors.intent_for_checkout(checkout_number)
    if intent is None:
        return None
    try:
        won = move(INTENT, intent, IntentStatus.CANCELLED, fields={"cancelled_at": timezone.now()})
    except InvalidTransition:  # paid: its orders must not be cancelled
        raise PaymentClosed from None
    if won and intent.attempts.exists():
        from jishi.payments.tasks import intent_close_trades as close_task

        after_commit(close_task.enqueue, intent.pk)
    return intent


def payment_start(
    *, actor: Actor, intent_number: str, gateway_code: str, notify_url: str, return_url: str, client_ip: str = ""
) -> str:
    """Send the buyer to ``gateway_code`` to pay their intent; returns the gateway page's URL.

    Starting again (another tab, the back button) returns the same trade.
    The trade carries the intent's deadline, after which the gateway takes
    no money. Raises PaymentNotFound (not the actor's), PaymentClosed (paid,
    cancelled or past its deadline, also when cancelled while the gateway
    was being asked), UnknownGateway, PaymentMethodDisabled (the platform
    settings do not offer it), GatewayUnavailable. The gateway is
    called outside any transaction: a slow gateway holds no lock.
    """
    intent = selectors.intent_get_for_buyer(actor, intent_number)
    gateway = gateways.get_offered(gateway_code)
    now = timezone.now()
    if intent.status != IntentStatus.PENDING or intent.pay_by <= now:
        raise PaymentClosed
    PaymentIntent.objects.filter(pk=intent.pk).update(gateway=gateway.code, started_at=now)
    PaymentAttempt.objects.bulk_create(  # one statement, whichever tab gets there first
        [PaymentAttempt(intent=intent, gateway=gateway.code, started_at=now)],
        update_conflicts=True,
        unique_fields=["intent", "gateway"],
        update_fields=["started_at"],
    )
    url = gateway.create_payment(
        PaymentRequest(
            out_trade_no=intent.number,
            amount=intent.amount,
            subject=intent.subject,
            notify_url=notify_url,
            return_url=return_url,
            created_at=intent.created_at,
            expires_at=intent.pay_by,
            client_ip=client_ip,
        )
    )
    if PaymentIntent.objects.filter(pk=intent.pk, status=IntentStatus.CANCELLED).exists():
        # Cancelled while the gateway opened the trade: the close may have run before the trade existed.
        intent_close_trades(intent_id=intent.pk)
        raise PaymentClosed
    return url


# Seconds to wait before asking a gateway again to close a trade; past the last, the pay deadline closes it.
CLOSE_RETRY_DELAYS = (60, 300, 900, 1800)


def intent_close_trades(*, intent_id: int) -> dt.timedelta | None:
    """Close a cancelled intent's trade at every gateway the buyer was sent to, so no open page can pay it.

    A gateway that answers that the trade was paid has it fetched at once:
    the money is recorded and given back (``payment_sync``). Safe to repeat.
    Returns None when every gateway answered, or how long to wait before
    asking again those that could not be reached — None too once the tries
    are used up: the deadline sent with the trade ends it at the gateway,
    and the query sweep finds any money taken before.
    """
    intent = PaymentIntent.objects.filter(pk=intent_id, status=IntentStatus.CANCELLED).first()
    if intent is None:
        return None
    retry = None
    for attempt in intent.attempts.filter(close_result=""):
        try:
            result = gateways.get(attempt.gateway).close(intent.number, created_at=intent.created_at)
        except (GatewayUnavailable, UnknownGateway):
            tries = attempt.close_tries + 1
            PaymentAttempt.objects.filter(pk=attempt.pk).update(close_tries=tries)
            logger.warning("could not close trade %s at %s (try %d)", intent.number, attempt.gateway, tries)
            if tries <= len(CLOSE_RETRY_DELAYS):
                delay = dt.timedelta(seconds=CLOSE_RETRY_DELAYS[tries - 1])
                retry = min(retry, delay) if retry else delay
            continue
        PaymentAttempt.objects.filter(pk=attempt.pk, close_result="").update(
            close_result=result, closed_at=timezone.now(), close_tries=attempt.close_tries + 1
        )
        if result != CloseResult.PAID:
            continue
        try:
            payment_sync(intent_id=intent.pk, gateway_code=attempt.gateway)
        except GatewayUnavailable:  # the query sweep asks again within the minute
            logger.warning("could not fetch the payment of closed trade %s at %s", intent.number, attempt.gateway)
    return retry


def _printable(text: str, limit: int) -> str:
    """Text as received, made storable: PostgreSQL refuses NUL, and a forged notification may carry one."""
    return text[:limit].replace("\x00", "\ufffd")


def _log(gateway_code: str, outcome: str, *, out_trade_no: str = "", reason: str = "", body: bytes = b"") -> None:
    NotificationLog.objects.create(
        gateway=gateway_code,
        out_trade_no=_printable(out_trade_no, 64),
        outcome=outcome,
        reason=reason,
        body=_printable(body[:4000].decode("utf-8", "replace"), 4000),
    )


def _apply(intent: PaymentIntent, trade: Trade, gateway_code: str) -> str:
    """Record a verified paid trade once and apply it to the orders if the intent is still open."""
    try:
        return _record_paid(intent, trade, gateway_code)
    except IntegrityError:  # its trade number was recorded for another intent: nothing was written
        return NotificationOutcome.DUPLICATE


@transaction.atomic
def _record_paid(intent: PaymentIntent, trade: Trade, gateway_code: str) -> str:
    """The intent moves first: its compare-and-set decides which of two notifications of the same trade applies
    it, and holds the others at that row until this transaction ends, so the winner's payment is written without
    a savepoint."""
    paid_at = trade.paid_at or timezone.now()
    try:
        won = move(INTENT, intent, IntentStatus.SUCCEEDED, fields={"succeeded_at": paid_at})
    except InvalidTransition:  # cancelled, before or meanwhile
        won = False
    if won:
        _payment(intent, trade, gateway_code, paid_at, PaymentStatus.APPLIED)
        paid = orders_mark_paid(checkout_number=intent.checkout_number, paid_at=paid_at)
        payment_post(orders=paid, gateway=gateway_code)
        if paid:
            orders_paid.send(sender=PaymentIntent, orders=paid)
        return NotificationOutcome.APPLIED
    try:
        with transaction.atomic():
            payment = _payment(intent, trade, gateway_code, paid_at, PaymentStatus.NEEDS_REFUND)
    except IntegrityError:  # this trade was recorded before (a repeated or concurrent notification)
        return NotificationOutcome.DUPLICATE
    audit.record(
        actor=None,
        action="payments.flagged_for_refund",
        target=payment,
        after={"intent": intent.number, "intent_status": intent.status, "amount_minor": payment.amount_minor},
        reason="payment arrived for an intent that is no longer open",
    )
    _give_back(payment)
    return NotificationOutcome.FLAGGED


def _payment(intent: PaymentIntent, trade: Trade, gateway_code: str, paid_at: dt.datetime, status: str) -> Payment:
    return Payment.objects.create(
        intent=intent,
        gateway=gateway_code,
        trade_no=trade.trade_no,
        amount_minor=trade.amount.minor,
        currency=trade.amount.currency,
        status=status,
        paid_at=paid_at,
    )


def _first_order(checkout_number: str) -> str:
    """The number of the checkout's first order: what the buyer knows a checkout by."""
    first = orders_of_checkout(checkout_number).only("number").first()
    return first.number if first else checkout_number


def _give_back(payment: Payment) -> PaymentRefund:
    """Owe the buyer all of an unapplied payment and send it back after commit (inside the caller's transaction).

    Once per payment: the refund's reference names the payment, so a second
    call raises IntegrityError and writes nothing.
    """
    intent = payment.intent
    memo = _("Payment %(trade)s through %(gateway)s for closed checkout %(checkout)s") % {
        "trade": payment.trade_no,
        "gateway": payment.gateway,
        "checkout": intent.checkout_number,
    }
    with transaction.atomic():
        refund = _refund_book(
            payment,
            None,
            payment.amount,
            reason=phrase(gettext_lazy("Paid after the order was closed")),
            reference=f"unapplied:{payment.pk}",
            post=lambda number: unapplied_payment_post(amount=payment.amount, reference=number, memo=memo),
        )
    notify(
        intent.buyer_id,
        "payment_returned",
        phrase(gettext_lazy("%(amount)s will be refunded"), amount=payment.amount.format()),
        phrase(
            gettext_lazy("Your payment arrived after the order was cancelled. It goes back the way you paid, in full.")
        )
        if intent.status == IntentStatus.CANCELLED
        else phrase(gettext_lazy("The order had been paid already. This payment goes back the way you paid, in full.")),
        link=f"/orders/{_first_order(intent.checkout_number)}/",
    )
    return refund


def unapplied_give_back(*, payment_id: int) -> PaymentRefund | None:
    """Give back an unapplied payment that has no refund yet (the refund sweep calls it). Idempotent.

    Returns the refund made, or None when the payment is applied or already
    being given back.
    """
    try:
        with transaction.atomic():
            payment = (
                Payment.objects.select_related("intent")
                .filter(pk=payment_id, status=PaymentStatus.NEEDS_REFUND, refunds__isnull=True)
                .first()
            )
            return _give_back(payment) if payment is not None else None
    except IntegrityError:  # a concurrent sweep gave it back first
        return None


def _check_against_intent(trade: Trade) -> PaymentIntent:
    intent = PaymentIntent.objects.filter(number=trade.out_trade_no).first()
    if intent is None:
        raise InvalidNotification("unknown_trade")
    if trade.amount.currency != intent.currency:
        raise InvalidNotification("wrong_currency")
    if trade.amount != intent.amount:
        raise InvalidNotification("wrong_amount")
    return intent


def notification_receive(*, gateway_code: str, body: bytes | None, headers: Mapping[str, str]) -> Acknowledgement:
    """Handle a gateway's asynchronous notification and return the answer the gateway expects.

    Signature, freshness and our app and merchant ids (the gateway adapter),
    then amount and currency against our intent or refund, are all checked
    before anything changes; a notification that fails any of them — or a
    body too large to be one (None) — changes nothing and is answered with
    the gateway's failure. The same notification twice is answered success
    twice and applied once. Raises UnknownGateway for a gateway we do not run.
    """
    gateway = gateways.get(gateway_code)
    try:
        if body is None:
            raise InvalidNotification("too_large")
        notice = gateway.parse_notification(body, headers)
        if isinstance(notice, GatewayRefund):
            outcome = _refund_notice(notice)
        else:
            intent = _check_against_intent(notice)
            outcome = (
                _apply(intent, notice, gateway.code) if notice.state == TradeState.PAID else NotificationOutcome.IGNORED
            )
    except InvalidNotification as rejected:
        logger.warning("rejected %s notification: %s", gateway_code, rejected.reason)
        _log(gateway_code, NotificationOutcome.REJECTED, reason=rejected.reason, body=body or b"")
        return gateway.acknowledge(accepted=False)
    reference = notice.refund_no if isinstance(notice, GatewayRefund) else notice.out_trade_no
    _log(gateway_code, outcome, out_trade_no=reference, body=body)
    return gateway.acknowledge(accepted=True)


def payment_sync(*, intent_id: int, gateway_code: str = "") -> str | None:
    """Ask the gateways the buyer was sent to (or just ``gateway_code``) and record a payment no notification brought.

    A payment for an intent still open is applied; one for an intent closed
    meanwhile is given back. Safe to run any number of times, concurrently
    too: a trade is recorded once. Returns the last outcome, or None when no
    gateway has a paid trade. Raises GatewayUnavailable.
    """
    intent = PaymentIntent.objects.filter(pk=intent_id).first()
    if intent is None:
        return None
    codes = [gateway_code] if gateway_code else list(intent.attempts.values_list("gateway", flat=True))
    outcome = None
    for code in codes:
        trade = gateways.get(code).query(intent.number, created_at=intent.created_at)
        if trade is None or trade.state != TradeState.PAID:
            continue
        try:
            _check_against_intent(trade)
        except InvalidNotification as mismatch:
            logger.error("gateway %s reports %s for %s", code, mismatch.reason, intent.number)
            continue
        outcome = _apply(intent, trade, code)
    return outcome


def payments_sync_quiet(*, quiet_for: dt.timedelta) -> int:
    """Query the gateway for every recently started intent that has heard nothing (the sweep). Returns how many."""
    intent_ids = selectors.intents_to_query(now=timezone.now(), quiet_for=quiet_for)
    for intent_id in intent_ids:
        try:
            payment_sync(intent_id=intent_id)
        except GatewayUnavailable:  # this gateway is down now; the next sweep asks again
            logger.warning("gateway unavailable while querying intent %s", intent_id)
    return len(intent_ids)


# Refunds -------------------------------------------------------------------------------------

REFUNDABLE = frozenset(
    {OrderStatus.GROUPING, OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED}
)


def refund_create(*, order: Order, amount: Money, reason: str, reference: str) -> PaymentRefund:
    """Owe the buyer ``amount`` of ``order`` back, and send it through the gateway that took the payment.

    The ledger books the refund in this transaction (so the merchant's
    pending income and the commission shrink at once); the gateway is asked
    after commit. Never more than what is left of the order's payment,
    however many requests race: the ledger's lock on the order decides.
    Idempotent per ``reference``: asking again returns the first refund.
    Raises RefundNotAllowed (not paid), RefundTooLarge, OrderSettled,
    InvalidAmount, RefundReferenceReused.
    """
    try:
        return _refund_create(order=order, amount=amount, reason=reason, reference=reference)
    except IntegrityError:  # a concurrent request with the same reference won
        return _same_refund(order, amount, reference)


def _same_refund(order: Order, amount: Money, reference: str) -> PaymentRefund:
    existing = PaymentRefund.objects.get(reference=reference)
    if existing.order_id != order.pk or existing.amount != amount:
        raise RefundReferenceReused
    return existing


@transaction.atomic
def _refund_create(*, order: Order, amount: Money, reason: str, reference: str) -> PaymentRefund:
    # Wait for any refund of this order being made right now, so that a concurrent repeat finds it and
    # answers as a repeat, not as a refund too large for what the first one left.
    order_lock(order.pk)
    if PaymentRefund.objects.filter(reference=reference).exists():
        return _same_refund(order, amount, reference)
    payment = selectors.payment_of_order(order)
    if order.status not in REFUNDABLE or payment is None:
        raise RefundNotAllowed
    refund = _refund_book(
        payment,
        order,
        amount,
        reason=reason,
        reference=reference,
        post=lambda number: refund_post(order=order, amount=amount, reference=number),
    )
    order_refunded.send(sender=PaymentRefund, order=order, refund_number=refund.number)
    return refund


def _refund_book(
    payment: Payment,
    order: Order | None,
    amount: Money,
    *,
    reason: str,
    reference: str,
    post: Callable[[str], object],
) -> PaymentRefund:
    """Record a refund of ``amount`` on ``payment``, ``post`` it to the ledger by its number, send it after commit."""
    number = ids.public_number()
    post(number)
    refund = PaymentRefund.objects.create(
        number=number,
        payment=payment,
        order=order,
        amount_minor=amount.minor,
        currency=amount.currency,
        reason=reason[:200],
        reference=reference,
    )
    from jishi.payments.tasks import refund_send as send_task

    after_commit(send_task.enqueue, refund.pk)
    return refund


def refund_send(*, refund_id: int) -> PaymentRefund:
    """Ask the gateway to make a pending refund (the task does, after commit). Safe to repeat.

    The gateway refunds once per refund number, so sending again after a
    time-out cannot pay twice. A refusal marks the refund failed for an
    operator; the buyer is still owed the money (the ledger keeps it in
    refunds payable). Raises GatewayUnavailable for the sweep to retry.
    """
    refund = PaymentRefund.objects.select_related("payment__intent").get(pk=refund_id)
    if refund.status != RefundStatus.PENDING:
        return refund
    payment = refund.payment
    gateway = gateways.get(payment.gateway)
    try:
        result = gateway.refund(
            RefundRequest(
                out_trade_no=payment.intent.number,
                trade_no=payment.trade_no,
                refund_no=refund.number,
                amount=refund.amount,
                total=payment.amount,
                notify_url=refund_notify_url(gateway.code),
                created_at=refund.created_at,
                reason=refund.reason,
            )
        )
    except RefundRefused as refused:
        return _refund_finish(refund, RefundState.FAILED, failure=str(refused.params.get("gateway_code", "refused")))
    return _refund_finish(refund, result.state, gateway_refund_no=result.gateway_refund_no)


@transaction.atomic
def _refund_finish(
    refund: PaymentRefund, state: RefundState, *, gateway_refund_no: str = "", failure: str = ""
) -> PaymentRefund:
    """Record what the gateway did with a refund, once: a compare-and-set from pending."""
    if state == RefundState.PENDING:
        if gateway_refund_no:
            PaymentRefund.objects.filter(pk=refund.pk).update(gateway_refund_no=gateway_refund_no[:64])
        return refund
    to = RefundStatus.SUCCEEDED if state == RefundState.SUCCEEDED else RefundStatus.FAILED
    changes: dict[str, Any] = {"finished_at": timezone.now(), "failure": failure[:64]}
    if gateway_refund_no:
        changes["gateway_refund_no"] = gateway_refund_no[:64]
    try:
        moved = move(REFUND, refund, to, fields=changes)
    except InvalidTransition:  # a concurrent sync recorded the other outcome first
        moved = False
    if not moved:
        return refund
    refund.refresh_from_db()
    order = refund.order
    if to == RefundStatus.SUCCEEDED:
        refund_sent_post(order=order, amount=refund.amount, reference=refund.number)
        intent = refund.payment.intent
        number = order.number if order else _first_order(intent.checkout_number)
        notify(
            intent.buyer_id,
            "refund_succeeded",
            phrase(
                gettext_lazy("%(amount)s refunded for order %(number)s"), amount=refund.amount.format(), number=number
            ),
            phrase(gettext_lazy("The money goes back the way you paid.")),
            link=f"/orders/{number}/",
        )
    else:
        about = order.number if order else refund.payment.trade_no
        logger.error("refund %s of %s failed at the gateway: %s", refund.number, about, failure)
        audit.record(
            actor=None,
            action="payments.refund_failed",
            target=refund,
            after={"order": about, "amount_minor": refund.amount_minor, "failure": failure},
            reason="the gateway refused the refund; the buyer is still owed it",
        )
    return refund


def _refund_notice(notice: GatewayRefund) -> str:
    refund = PaymentRefund.objects.filter(number=notice.refund_no).first()
    if refund is None:
        raise InvalidNotification("unknown_refund")
    if notice.amount != refund.amount:
        raise InvalidNotification("wrong_amount")
    before = refund.status
    after = _refund_finish(refund, notice.state, gateway_refund_no=notice.gateway_refund_no).status
    return NotificationOutcome.APPLIED if after != before else NotificationOutcome.DUPLICATE


def refund_sync(*, refund_id: int) -> PaymentRefund:
    """Find out what became of a pending refund: ask the gateway, and send it again if the gateway never saw it."""
    refund = PaymentRefund.objects.select_related("payment__intent").get(pk=refund_id)
    if refund.status != RefundStatus.PENDING:
        return refund
    gateway = gateways.get(refund.payment.gateway)
    found = gateway.refund_query(
        out_trade_no=refund.payment.intent.number, refund_no=refund.number, created_at=refund.created_at
    )
    if found is None:
        return refund_send(refund_id=refund.pk)
    if found.amount != refund.amount:
        logger.error("gateway reports %s for refund %s of %s", found.amount, refund.number, refund.amount)
        return refund
    return _refund_finish(refund, found.state, gateway_refund_no=found.gateway_refund_no)


def refunds_sync_pending(*, quiet_for: dt.timedelta) -> int:
    """Follow up every refund still pending after ``quiet_for`` (the sweep). Returns how many were looked at.

    Unapplied payments that have no refund yet (recorded before they were
    given back by themselves) get theirs first.
    """
    for payment_id in selectors.unapplied_without_refund():
        unapplied_give_back(payment_id=payment_id)
    refund_ids = selectors.refunds_to_follow_up(now=timezone.now(), quiet_for=quiet_for)
    for refund_id in refund_ids:
        try:
            refund_sync(refund_id=refund_id)
        except GatewayUnavailable:
            logger.warning("gateway unavailable while following up refund %s", refund_id)
    return len(refund_ids)
