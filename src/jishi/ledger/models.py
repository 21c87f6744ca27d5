"""Commission rules, a double-entry ledger, settlements and payouts.

Every movement of money is a :class:`JournalEntry` whose lines sum to zero.
A line's amount is signed: positive debits the account, negative credits
it. Entries are never edited or deleted once posted; a mistake is undone
by a reversing entry. A merchant's accounts keep a running balance (so a
withdrawal can be checked and taken in one conditional UPDATE); the
platform's accounts are summed from their lines, so no payment waits on a
single hot row.
"""

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jishi.core import crypto
from jishi.core.models import AppendOnly
from jishi.core.money import CURRENCY, Money, MoneyField
from jishi.ledger.states import PayoutStatus

MAX_RATE_BP = 5_000


class CommissionRule(models.Model):
    """A commission rate for a category (and those below it), a merchant, or both, over a span of days.

    The most specific rule in force when an order is paid applies: merchant
    and category, then merchant, then the deepest category; without one the
    platform's default rate (the platform settings, ``policies``; ``JISHI_DEFAULT_COMMISSION_RATE`` until saved).
    """

    merchant = models.ForeignKey(
        "merchants.Merchant", null=True, blank=True, on_delete=models.CASCADE, related_name="commission_rules"
    )
    category = models.ForeignKey(
        "catalog.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="commission_rules"
    )
    # Hundredths of a percent (550 is 5.50 %): exact on every database, read as a Decimal through ``rate``.
    rate_bp = models.PositiveIntegerField(_("rate"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-starts_on", "-id")
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(rate_bp__lte=MAX_RATE_BP), name="ledger_rate_at_most_50_percent"),
            models.CheckConstraint(
                condition=Q(merchant__isnull=False) | Q(category__isnull=False), name="ledger_rule_has_a_scope"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")), name="ledger_rule_span"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.percent} % from {self.starts_on}"

    @property
    def rate(self) -> Decimal:
        return Decimal(self.rate_bp) / 10_000

    @property
    def percent(self) -> Decimal:
        return Decimal(self.rate_bp) / 100


class AccountKind(models.TextChoices):
    GATEWAY_CLEARING = "gateway_clearing", _("Gateway clearing")
    COMMISSION_REVENUE = "commission_revenue", _("Commission revenue")
    REFUNDS_PAYABLE = "refunds_payable", _("Refunds payable")
    MERCHANT_PENDING = "merchant_pending", _("Pending settlement")
    MERCHANT_AVAILABLE = "merchant_available", _("Available")
    PAYOUTS_IN_TRANSIT = "payouts_in_transit", _("Payouts in transit")
    # What the platform's own discounts (its coupons) cost it: paid to merchants as if the buyer had.
    PLATFORM_SUBSIDY = "platform_subsidy", _("Platform subsidy")


# Accounts that belong to one payee, a merchant or a group leader (团长, paid commission on the orders collected
# at their point); the others are the platform's, one per currency.
MERCHANT_KINDS = frozenset(
    {AccountKind.MERCHANT_PENDING, AccountKind.MERCHANT_AVAILABLE, AccountKind.PAYOUTS_IN_TRANSIT}
)
# A row belongs to a merchant or to a leader, never both.
ONE_PAYEE = Q(merchant__isnull=True) | Q(leader__isnull=True)
EXACTLY_ONE_PAYEE = Q(merchant__isnull=True, leader__isnull=False) | Q(merchant__isnull=False, leader__isnull=True)
# Accounts whose natural balance is a debit (assets, expenses); the others are credits (what is owed or earned).
DEBIT_NORMAL = frozenset({AccountKind.GATEWAY_CLEARING, AccountKind.PLATFORM_SUBSIDY})


def natural_sign(kind: str) -> int:
    """1 for a debit-normal account, -1 for a credit-normal one: signed sum × this = the balance as people read it."""
    return 1 if kind in DEBIT_NORMAL else -1


class Account(models.Model):
    kind = models.CharField(max_length=30, choices=AccountKind.choices)
    merchant = models.ForeignKey(
        "merchants.Merchant", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    leader = models.ForeignKey(
        "community.Leader", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    currency = models.CharField(max_length=3, default=CURRENCY)
    # Kept for payees' accounts only: the signed sum of the account's lines (debits positive).
    balance_minor = models.BigIntegerField(default=0)

    class Meta:
        ordering = ("kind", "merchant_id")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["kind", "merchant", "currency"], name="ledger_one_account_per_kind_merchant_currency"
            ),
            models.UniqueConstraint(
                fields=["kind", "leader", "currency"], name="ledger_one_account_per_kind_leader_currency"
            ),
            models.UniqueConstraint(
                fields=["kind", "currency"],
                condition=Q(merchant__isnull=True, leader__isnull=True),
                name="ledger_one_platform_account",
            ),
            models.CheckConstraint(condition=ONE_PAYEE, name="ledger_account_one_payee"),
            # What a merchant may withdraw never goes below zero (a credit balance is negative here).
            models.CheckConstraint(
                condition=~Q(kind="merchant_available") | Q(balance_minor__lte=0),
                name="ledger_available_never_negative",
            ),
        ]

    def __str__(self) -> str:
        owner = (
            f"merchant {self.merchant_id}"
            if self.merchant_id
            else f"leader {self.leader_id}"
            if self.leader_id
            else "platform"
        )
        return f"{self.get_kind_display()} {owner} {self.currency}"

    @property
    def sign(self) -> int:
        return natural_sign(self.kind)

    @property
    def balance(self) -> Money:
        """The balance on the account's natural side (what a merchant calls its balance)."""
        return Money(self.sign * self.balance_minor, self.currency)


class EntryKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")
    REFUND_SENT = "refund_sent", _("Refund sent")
    # Money a gateway took for a checkout no longer open (cancelled, or paid twice): all of it is owed back.
    UNAPPLIED_PAYMENT = "unapplied_payment", _("Payment to give back")
    SETTLEMENT = "settlement", _("Settlement")
    PAYOUT_REQUEST = "payout_request", _("Withdrawal requested")
    PAYOUT_PAID = "payout_paid", _("Withdrawal paid")
    REVERSAL = "reversal", _("Reversal")
    # A group leader's commission on an order collected at their point: the merchant's pending → the leader's.
    LEADER_COMMISSION = "leader_commission", _("Leader commission")


class JournalEntry(AppendOnly):
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    memo = models.CharField(max_length=200)
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payout = models.ForeignKey("Payout", null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    # A reference that makes the posting unique (the payment's trade, a refund number); empty when none.
    reference = models.CharField(max_length=80, blank=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    posted_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-posted_at", "-id")
        verbose_name_plural = "journal entries"
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["kind", "reference"], condition=~Q(reference=""), name="ledger_one_posting_per_reference"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference or self.pk}"


class JournalLine(AppendOnly):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    # Signed minor units: debits positive, credits negative. The lines of an entry sum to zero.
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ("entry_id", "id")
        constraints: ClassVar = [models.CheckConstraint(condition=~Q(amount_minor=0), name="ledger_line_not_zero")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount_minor}"

    @property
    def natural_amount(self) -> Money:
        """The line on its account's natural side: what the account's holder reads as plus or minus."""
        return Money(natural_sign(self.account.kind) * self.amount_minor, self.currency)


class Settlement(models.Model):
    """The closing of one order's books: what the buyer paid and the platform added, what came back, and how it
    was shared."""

    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="settlement")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="settlements")
    currency = models.CharField(max_length=3)
    paid_minor = models.BigIntegerField()
    # What the platform's coupons added for the merchant, less what refunds took back.
    subsidy_minor = models.BigIntegerField(default=0)
    refunded_minor = models.BigIntegerField()
    commission_minor = models.BigIntegerField()
    # What the group leader who handed the order over earned on it (社区团购), paid out of the merchant's income.
    leader = models.ForeignKey(
        "community.Leader", null=True, blank=True, on_delete=models.PROTECT, related_name="settlements"
    )
    leader_commission_minor = models.BigIntegerField(default=0)
    income_minor = models.BigIntegerField()
    entry = models.OneToOneField(JournalEntry, null=True, on_delete=models.PROTECT, related_name="+")
    settled_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-settled_at", "-id")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(
                    paid_minor=models.F("income_minor")
                    + models.F("commission_minor")
                    + models.F("leader_commission_minor")
                    + models.F("refunded_minor")
                    - models.F("subsidy_minor")
                ),
                name="ledger_settlement_adds_up",
            )
        ]

    def __str__(self) -> str:
        return f"settlement of order {self.order_id}"


class PayoutAccountStatus(models.TextChoices):
    PENDING = "pending", _("Being verified")
    VERIFIED = "verified", _("Verified")
    FAILED = "failed", _("Verification failed")


ACCOUNT_NUMBER_CONTEXT = "ledger.bank_account"


class PayoutAccount(models.Model):
    """The bank account a merchant or a group leader withdraws to. One per payee; the number is sealed."""

    merchant = models.OneToOneField(
        "merchants.Merchant", null=True, blank=True, on_delete=models.CASCADE, related_name="payout_account"
    )
    leader = models.OneToOneField(
        "community.Leader", null=True, blank=True, on_delete=models.CASCADE, related_name="payout_account"
    )
    holder = models.CharField(_("account holder"), max_length=100)
    bank = models.CharField(_("bank"), max_length=60)
    number_sealed = models.TextField(editable=False)
    number_masked = models.CharField(max_length=30)
    status = models.CharField(max_length=20, choices=PayoutAccountStatus.choices, default=PayoutAccountStatus.PENDING)
    verified_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar = [models.CheckConstraint(condition=EXACTLY_ONE_PAYEE, name="ledger_bank_one_payee")]

    def __str__(self) -> str:
        return f"{self.bank} {self.number_masked}"

    @property
    def number(self) -> str:
        return crypto.unseal(self.number_sealed, context=ACCOUNT_NUMBER_CONTEXT)

    @property
    def is_verified(self) -> bool:
        return self.status == PayoutAccountStatus.VERIFIED


class Payout(models.Model):
    """A withdrawal of a merchant's or a group leader's available balance to their bank account."""

    number = models.CharField(max_length=24, unique=True)
    merchant = models.ForeignKey(
        "merchants.Merchant", null=True, blank=True, on_delete=models.PROTECT, related_name="payouts"
    )
    leader = models.ForeignKey(
        "community.Leader", null=True, blank=True, on_delete=models.PROTECT, related_name="payouts"
    )
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3, default=CURRENCY)
    status = models.CharField(max_length=20, choices=PayoutStatus.choices, default=PayoutStatus.REQUESTED)
    # Where the money goes, as it was when requested (masked; the adapter reads the sealed account).
    bank = models.CharField(max_length=60)
    account_masked = models.CharField(max_length=30)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)
    adapter_reference = models.CharField(max_length=64, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-requested_at", "-id")
        indexes: ClassVar = [models.Index(fields=["status", "requested_at"], name="ledger_payout_queue")]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="ledger_payout_gt_0"),
            models.CheckConstraint(condition=EXACTLY_ONE_PAYEE, name="ledger_payout_one_payee"),
        ]

    def __str__(self) -> str:
        return self.number

    amount = MoneyField("amount_minor")
