"""Payment intents, the payments gateways report, the notifications they sent, and the sandbox's own trades."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jishi.core.money import CURRENCY, MoneyField, OptionalMoneyField
from jishi.payments.states import IntentStatus, IssueStatus, PaymentStatus, RefundStatus, SandboxTradeStatus


class PaymentIntent(models.Model):
    """What one checkout asks the buyer to pay. Its status decides, once, whether the money is applied.

    ``number`` is the merchant trade number the gateway sees (``out_trade_no``).
    """

    number = models.CharField(max_length=24, unique=True)
    checkout_number = models.CharField(max_length=24, unique=True)
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payment_intents")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3, default=CURRENCY)
    status = models.CharField(max_length=20, choices=IntentStatus.choices, default=IntentStatus.PENDING)
    gateway = models.CharField(max_length=20, blank=True)
    subject = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    pay_by = models.DateTimeField()
    # When the buyer was last sent to the gateway; the query sweep looks at intents started and not heard of.
    started_at = models.DateTimeField(null=True, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes: ClassVar = [models.Index(fields=["status", "started_at"], name="payments_intent_started")]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="payments_intent_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return self.number

    amount = MoneyField("amount_minor")


class CloseResult(models.TextChoices):
    """What became of a trade we asked a gateway to close (``Gateway.close``)."""

    CLOSED = "closed", _("Closed")  # the gateway takes no money for it any more
    NOT_FOUND = "not_found", _("Never opened at the gateway")  # the deadline we sent refuses any later trade
    PAID = "paid", _("Paid before it could be closed")  # the money is fetched and given back
    UNSUPPORTED = "unsupported", _("Ends at the pay deadline")  # no close call in the protocol (UnionPay)


class PaymentAttempt(models.Model):
    """A gateway the buyer was sent to for an intent. When the checkout is cancelled, its trade there is closed.

    A buyer may open Alipay, come back and pay with WeChat Pay: each
    gateway's page stays open until it is closed or its deadline passes.
    """

    intent = models.ForeignKey(PaymentIntent, on_delete=models.CASCADE, related_name="attempts")
    gateway = models.CharField(max_length=20)
    started_at = models.DateTimeField()
    close_result = models.CharField(max_length=20, choices=CloseResult.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_tries = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("started_at", "id")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["intent", "gateway"], name="payments_one_attempt_per_gateway")
        ]

    def __str__(self) -> str:
        return f"{self.intent_id} {self.gateway}"


class Payment(models.Model):
    """Money a gateway says it took, recorded once per gateway trade.

    A payment for an intent that was cancelled (or already paid by another
    trade) is never applied to orders: it is kept as ``needs_refund`` and
    refunded in full, once, through the gateway that took it.
    """

    intent = models.ForeignKey(PaymentIntent, on_delete=models.PROTECT, related_name="payments")
    gateway = models.CharField(max_length=20)
    trade_no = models.CharField(max_length=64)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=PaymentStatus.choices)
    paid_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["gateway", "trade_no"], name="payments_one_per_gateway_trade"),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="payments_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.trade_no}"

    amount = MoneyField("amount_minor")


class NotificationOutcome(models.TextChoices):
    APPLIED = "applied", _("Applied")
    DUPLICATE = "duplicate", _("Duplicate")
    FLAGGED = "flagged", _("Recorded for refund")
    IGNORED = "ignored", _("Ignored (not a payment)")
    REJECTED = "rejected", _("Rejected")


class NotificationLog(models.Model):
    """Every notification a gateway sent us and what we made of it (for support and reconciliation)."""

    gateway = models.CharField(max_length=20)
    out_trade_no = models.CharField(max_length=64, blank=True, db_index=True)
    outcome = models.CharField(max_length=20, choices=NotificationOutcome.choices)
    reason = models.CharField(max_length=64, blank=True)
    body = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-received_at", "-id")

    def __str__(self) -> str:
        return f"{self.gateway} {self.out_trade_no} {self.outcome}"


class SandboxTrade(models.Model):
    """The sandbox gateway's own record of a trade — its side of the world, not ours.

    The sandbox answers queries and refunds from these rows, as a real
    gateway answers from its own books, so the query sweep is tested against
    something that can disagree with our payments table.
    """

    app_id = models.CharField(max_length=40)
    out_trade_no = models.CharField(max_length=64, unique=True)
    trade_no = models.CharField(max_length=64, unique=True)
    subject = models.CharField(max_length=120)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=SandboxTradeStatus.choices, default=SandboxTradeStatus.WAITING)
    refunded_minor = models.BigIntegerField(default=0)
    notify_url = models.URLField(max_length=500)
    return_url = models.URLField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    # The pay deadline the merchant sent: the pay page takes no money after it, as the real gateways' time_expire.
    expires_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    notify_attempts = models.PositiveIntegerField(default=0)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(refunded_minor__gte=0), name="payments_sandbox_refund_gte_0"),
            models.CheckConstraint(
                condition=Q(refunded_minor__lte=F("amount_minor")), name="payments_sandbox_refund_lte_amount"
            ),
        ]

    def __str__(self) -> str:
        return self.trade_no

    amount = MoneyField("amount_minor")


class SandboxRefund(models.Model):
    """One refund the sandbox gateway made; ``refund_no`` makes a repeated refund request a no-op."""

    trade = models.ForeignKey(SandboxTrade, on_delete=models.CASCADE, related_name="refunds")
    refund_no = models.CharField(max_length=64, unique=True)
    amount_minor = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="payments_sandbox_refund_amount_gt_0")
        ]

    def __str__(self) -> str:
        return self.refund_no


class PaymentRefund(models.Model):
    """Money given back to a buyer through the gateway trade that took it.

    ``number`` is the refund number the gateway sees (Alipay's
    ``out_request_no``, WeChat Pay's ``out_refund_no``, UnionPay's
    ``orderId``), so sending it again refunds once. ``reference`` names what
    asked for the refund (an after-sales request, or a payment that reached
    a closed checkout), so asking twice makes one. ``order`` is the order
    refunded; it is empty when a whole payment goes back unapplied.
    """

    number = models.CharField(max_length=24, unique=True)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    reason = models.CharField(max_length=200, blank=True)
    reference = models.CharField(max_length=80, unique=True)
    gateway_refund_no = models.CharField(max_length=64, blank=True)
    failure = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes: ClassVar = [models.Index(fields=["status", "created_at"], name="payments_refund_status")]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="payments_refund_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return self.number

    amount = MoneyField("amount_minor")

    @property
    def aftersales_number(self) -> str:
        """The after-sales request that asked for this refund, if one did."""
        kind, _, number = self.reference.partition(":")
        return number if kind == "aftersales" else ""


class IssueKind(models.TextChoices):
    UNNOTIFIED = "unnotified", _("Paid at the gateway, not recorded here")
    AMOUNT_MISMATCH = "amount_mismatch", _("Amounts differ")
    UNKNOWN_TRADE = "unknown_trade", _("A gateway trade we never started")
    MISSING_AT_GATEWAY = "missing_at_gateway", _("Recorded here, not on the gateway's statement")
    REFUND_UNCONFIRMED = "refund_unconfirmed", _("Refunded at the gateway, still pending here")
    UNKNOWN_REFUND = "unknown_refund", _("A gateway refund we never asked for")


class ReconciliationRun(models.Model):
    """One gateway's day checked against our payments and refunds; running a day again updates it."""

    gateway = models.CharField(max_length=20)
    day = models.DateField()
    by_statement = models.BooleanField(default=False)  # False: reconciled by querying each of our trades
    checked = models.PositiveIntegerField(default=0)
    issues_found = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField()

    class Meta:
        ordering = ("-day", "gateway")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["gateway", "day"], name="payments_one_run_per_gateway_day")
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.day}"


class ReconciliationIssue(models.Model):
    """A difference between a gateway's books and ours, reported once and then fixed or resolved."""

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="issues")
    kind = models.CharField(max_length=30, choices=IssueKind.choices)
    # The trade or refund number the issue is about: one issue per kind and number, however often the day is run.
    reference = models.CharField(max_length=64)
    out_trade_no = models.CharField(max_length=64, blank=True)
    gateway_amount_minor = models.BigIntegerField(null=True, blank=True)
    our_amount_minor = models.BigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, default=CURRENCY)
    status = models.CharField(max_length=20, choices=IssueStatus.choices, default=IssueStatus.OPEN)
    note = models.CharField(max_length=500, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["run", "kind", "reference"], name="payments_one_issue_per_reference")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}"

    gateway_amount = OptionalMoneyField("gateway_amount_minor")
    our_amount = OptionalMoneyField("our_amount_minor")
