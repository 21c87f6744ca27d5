"""Reads of the payments domain."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from jishi.core.actors import Actor, user_of
from jishi.core.money import Money
from jishi.core.permissions import check
from jishi.ledger.permissions import FINANCE_VIEW
from jishi.payments.errors import PaymentNotFound
from jishi.payments.gateways.alipay import AlipayGateway
from jishi.payments.gateways.sandbox import SandboxGateway
from jishi.payments.gateways.unionpay import UnionPayGateway
from jishi.payments.gateways.wechatpay import WechatPayGateway
from jishi.payments.models import Payment, PaymentIntent, PaymentRefund, ReconciliationIssue, ReconciliationRun
from jishi.payments.permissions import PAYMENT_MAKE
from jishi.payments.states import IntentStatus, PaymentStatus, RefundStatus


def intent_get_for_buyer(actor: Actor, number: str) -> PaymentIntent:
    """One of the actor's payment intents; another buyer's is PaymentNotFound (404)."""
    check(actor, PAYMENT_MAKE)
    intent = PaymentIntent.objects.filter(buyer=user_of(actor), number=number).first()
    if intent is None:
        raise PaymentNotFound
    return intent


def intent_for_checkout(checkout_number: str) -> PaymentIntent | None:
    return PaymentIntent.objects.filter(checkout_number=checkout_number).first()


def intent_is_open(number: str) -> bool:
    """Whether the intent with this trade number may still be paid (pending and before its deadline)."""
    return PaymentIntent.objects.filter(number=number, status=IntentStatus.PENDING, pay_by__gt=timezone.now()).exists()


def intents_to_query(*, now: dt.datetime, quiet_for: dt.timedelta, limit: int = 200) -> list[int]:
    """Intents sent to a gateway at least ``quiet_for`` ago (within the last day) with no payment recorded.

    Cancelled intents are included: a buyer may have paid just before the
    time-out, and that money must be found and flagged for refund.
    """
    return list(
        PaymentIntent.objects.filter(
            status__in=[IntentStatus.PENDING, IntentStatus.CANCELLED],
            started_at__lte=now - quiet_for,
            started_at__gte=now - dt.timedelta(days=1),
        )
        .exclude(Exists(Payment.objects.filter(intent=OuterRef("pk"))))
        .order_by("started_at")
        .values_list("pk", flat=True)[:limit]
    )


def payment_of_order(order: Any) -> Payment | None:
    """The payment applied to the checkout that ``order`` belongs to (a checkout is paid by one trade)."""
    return (
        Payment.objects.select_related("intent")
        .filter(intent__checkout_number=order.checkout_number, status=PaymentStatus.APPLIED)
        .first()
    )


GATEWAY_LABELS = {g.code: g.label for g in (AlipayGateway, WechatPayGateway, UnionPayGateway, SandboxGateway)}


@dataclass(frozen=True)
class OrderMoney:
    """What was paid for one order, what went back and what the shop keeps, as every order page shows it."""

    total: Money
    payment: Payment | None
    refunds: list[PaymentRefund]

    @property
    def gateway(self) -> str:
        return str(GATEWAY_LABELS.get(self.payment.gateway, self.payment.gateway)) if self.payment else ""

    @property
    def refunded(self) -> Money:
        """Given back, or on its way back (a failed refund is retried or settled by hand, so it is not counted)."""
        owed = (r.amount for r in self.refunds if r.status != RefundStatus.FAILED)
        return Money.total(owed, self.total.currency)

    @property
    def kept(self) -> Money:
        return self.total - self.refunded if self.payment else Money.zero(self.total.currency)


def order_money(order: Any) -> OrderMoney:
    """The order's payment (method, time, trade number) and refunds, newest first (two queries).

    Scope is the caller's: pass an order the actor was already allowed to read.
    """
    return OrderMoney(
        total=order.total,
        payment=payment_of_order(order) if order.paid_at else None,
        refunds=list(PaymentRefund.objects.filter(order=order).order_by("-created_at", "-id")),
    )


def unapplied_without_refund(limit: int = 200) -> list[int]:
    """Payments kept unapplied that are not being given back yet, oldest first."""
    return list(
        Payment.objects.filter(status=PaymentStatus.NEEDS_REFUND, refunds__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def returns_for_buyer(actor: Actor, checkout_number: str) -> list[PaymentRefund]:
    """The refunds giving back the actor's payments that reached this checkout after it closed (oldest first)."""
    check(actor, PAYMENT_MAKE)
    return list(
        PaymentRefund.objects.filter(
            order__isnull=True, payment__intent__buyer=user_of(actor), payment__intent__checkout_number=checkout_number
        ).order_by("pk")
    )


def unapplied_payments(actor: Actor) -> QuerySet[Payment]:
    """Payments that reached a closed checkout, newest first, with the refunds that give them back (finance)."""
    check(actor, FINANCE_VIEW)
    return (
        Payment.objects.filter(status=PaymentStatus.NEEDS_REFUND)
        .select_related("intent")
        .prefetch_related(Prefetch("refunds", queryset=PaymentRefund.objects.order_by("pk")))
    )


def refunds_to_follow_up(*, now: dt.datetime, quiet_for: dt.timedelta, limit: int = 200) -> list[int]:
    """Refunds still pending ``quiet_for`` after they were asked for, oldest first."""
    return list(
        PaymentRefund.objects.filter(status=RefundStatus.PENDING, created_at__lte=now - quiet_for)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def reconciliation_issues(actor: Actor, *, status: str = "open") -> QuerySet[ReconciliationIssue]:
    """Reconciliation issues for finance, newest first (``status`` empty for all)."""
    check(actor, FINANCE_VIEW)
    issues = ReconciliationIssue.objects.select_related("run", "closed_by")
    return issues.filter(status=status) if status else issues


def reconciliation_runs(actor: Actor, *, limit: int = 14) -> list[ReconciliationRun]:
    check(actor, FINANCE_VIEW)
    return list(ReconciliationRun.objects.order_by("-day", "gateway")[:limit])
