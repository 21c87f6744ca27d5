"""Statuses of the payments domain and the moves between them.

Each goes through the kernel, ``core.states.move``. A payment intent, a
payment, a refund and a sandbox trade keep their history in their own
timestamps and in the ledger, so their machines have no record and are
declared here; a reconciliation issue, which a person decides, is audited
by its machine in ``reconciliation``.
"""

from collections.abc import Mapping

from django.db import models
from django.utils.translation import gettext_lazy as _

from jishi.core.states import Machine
from jishi.payments.errors import InvalidTransition


class IntentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    SUCCEEDED = "succeeded", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


INTENT_TRANSITIONS: Mapping[IntentStatus, frozenset[IntentStatus]] = {
    IntentStatus.PENDING: frozenset({IntentStatus.SUCCEEDED, IntentStatus.CANCELLED}),
    IntentStatus.SUCCEEDED: frozenset(),
    IntentStatus.CANCELLED: frozenset(),
}


class PaymentStatus(models.TextChoices):
    APPLIED = "applied", _("Applied to the orders")
    NEEDS_REFUND = "needs_refund", _("To be refunded")


# A payment's status is decided when it is recorded and never moves: applied to the orders, or to be refunded
# because the intent it paid was closed or paid already.


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Refund in progress")
    SUCCEEDED = "succeeded", _("Refunded")
    FAILED = "failed", _("Refund failed")


REFUND_TRANSITIONS: Mapping[RefundStatus, frozenset[RefundStatus]] = {
    RefundStatus.PENDING: frozenset({RefundStatus.SUCCEEDED, RefundStatus.FAILED}),
    RefundStatus.SUCCEEDED: frozenset(),
    RefundStatus.FAILED: frozenset(),
}


class SandboxTradeStatus(models.TextChoices):
    WAITING = "WAIT_BUYER_PAY", _("Waiting for the buyer")
    SUCCESS = "TRADE_SUCCESS", _("Paid")
    CLOSED = "TRADE_CLOSED", _("Closed")


SANDBOX_TRADE_TRANSITIONS: Mapping[SandboxTradeStatus, frozenset[SandboxTradeStatus]] = {
    SandboxTradeStatus.WAITING: frozenset({SandboxTradeStatus.SUCCESS, SandboxTradeStatus.CLOSED}),
    SandboxTradeStatus.SUCCESS: frozenset(),
    SandboxTradeStatus.CLOSED: frozenset(),
}


class IssueStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FIXED = "fixed", _("Fixed")
    RESOLVED = "resolved", _("Resolved by hand")


ISSUE_TRANSITIONS: Mapping[IssueStatus, frozenset[IssueStatus]] = {
    IssueStatus.OPEN: frozenset({IssueStatus.FIXED, IssueStatus.RESOLVED}),
    IssueStatus.FIXED: frozenset(),
    IssueStatus.RESOLVED: frozenset(),
}


# Machines with no record of their own: their rows carry their timestamps, the ledger carries the money.
INTENT: Machine = Machine(status=IntentStatus, transitions=INTENT_TRANSITIONS, invalid=InvalidTransition)
REFUND: Machine = Machine(status=RefundStatus, transitions=REFUND_TRANSITIONS, invalid=InvalidTransition)
SANDBOX_TRADE: Machine = Machine(
    status=SandboxTradeStatus, transitions=SANDBOX_TRADE_TRANSITIONS, invalid=InvalidTransition
)
