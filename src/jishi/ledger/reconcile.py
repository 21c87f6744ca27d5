"""Proof that the books are right: run after every day of business, and in the tests.

For every settlement: what the buyer paid plus what the platform's coupons
added (the subsidy) equals merchant income plus commission plus the group
leader's commission plus refunds, to the cent; it equals the order's total;
the ledger's own postings for the order say the same; and exactly the
merchant's income and the leader's commission became available to them. For every payment that
reached a closed checkout: all of it is owed back, and no more than that
has been given back. Across the whole ledger: every entry balances, all
balances sum to zero per currency, and every merchant's and leader's
account keeps a running balance equal to the sum of its lines.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum

from jishi.ledger.models import Account, AccountKind, EntryKind, JournalEntry, JournalLine, Settlement
from jishi.ledger.selectors import order_figures
from jishi.orders.selectors import subsidies_promised


@dataclass
class Report:
    settlements: int = 0
    entries: int = 0
    totals: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    # Payments that reached a closed checkout: how many, and per currency what came in and what went back.
    unapplied: int = 0
    unapplied_received: dict[str, int] = field(default_factory=dict)
    unapplied_returned: dict[str, int] = field(default_factory=dict)
    # What the platform's coupons cost it, per currency, after refunds took their share back.
    subsidy: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _unapplied(report: Report) -> None:
    """Each unapplied payment owes its whole amount back under its refund's number; refunds sent never exceed it."""
    owed_lines = JournalLine.objects.filter(account__kind=AccountKind.REFUNDS_PAYABLE)
    owed = {
        (reference, currency): -total
        for reference, currency, total in owed_lines.filter(entry__kind=EntryKind.UNAPPLIED_PAYMENT)
        .values_list("entry__reference", "currency")
        .annotate(s=Sum("amount_minor"))
    }
    sent = {
        (reference, currency): total
        for reference, currency, total in owed_lines.filter(
            entry__kind=EntryKind.REFUND_SENT,
            entry__reference__in=JournalEntry.objects.filter(kind=EntryKind.UNAPPLIED_PAYMENT).values("reference"),
        )
        .values_list("entry__reference", "currency")
        .annotate(s=Sum("amount_minor"))
    }
    received: dict[str, int] = defaultdict(int)
    returned: dict[str, int] = defaultdict(int)
    for (reference, currency), amount in owed.items():
        back = sent.get((reference, currency), 0)
        received[currency] += amount
        returned[currency] += back
        if amount <= 0 or back > amount:
            report.problems.append(f"unapplied payment {reference}: {amount} owed back, {back} given back")
    report.unapplied = len(owed)
    report.unapplied_received, report.unapplied_returned = dict(received), dict(returned)


def _subsidies(report: Report) -> None:
    """Each paid order booked exactly the subsidy its platform coupons promised (``Order.subsidy``)."""
    subsidy_lines = JournalLine.objects.filter(account__kind=AccountKind.PLATFORM_SUBSIDY)
    booked = dict(
        subsidy_lines.filter(entry__kind=EntryKind.PAYMENT)
        .values_list("entry__order__number")
        .annotate(s=Sum("amount_minor"))
    )
    promised = subsidies_promised()
    report.problems.extend(
        f"order {number}: subsidy {promised.get(number, 0)} promised, {booked.get(number, 0)} booked"
        for number in sorted(booked.keys() | promised.keys())
        if booked.get(number, 0) != promised.get(number, 0)
    )
    report.subsidy = dict(subsidy_lines.values_list("currency").annotate(s=Sum("amount_minor")))


def reconcile() -> Report:
    report = Report()
    _unapplied(report)
    _subsidies(report)
    for settlement in Settlement.objects.select_related("order").iterator(chunk_size=500):
        report.settlements += 1
        order = settlement.order
        label = f"settlement of order {order.number}"
        parts = (
            settlement.income_minor
            + settlement.commission_minor
            + settlement.leader_commission_minor
            + settlement.refunded_minor
        )
        if settlement.paid_minor + settlement.subsidy_minor != parts:
            report.problems.append(
                f"{label}: paid {settlement.paid_minor} + subsidy {settlement.subsidy_minor}"
                f" != income + commission + leader commission + refunds {parts}"
            )
        if settlement.paid_minor != order.total_minor:
            report.problems.append(f"{label}: paid {settlement.paid_minor} != order total {order.total_minor}")
        figures = order_figures(order)
        booked = (
            figures.paid,
            figures.subsidy,
            figures.refunded,
            figures.commission,
            figures.leader,
            figures.income,
        )
        recorded = (
            settlement.paid_minor,
            settlement.subsidy_minor,
            settlement.refunded_minor,
            settlement.commission_minor,
            settlement.leader_commission_minor,
            settlement.income_minor,
        )
        if booked != recorded or (figures.leader and figures.leader_id != settlement.leader_id):
            report.problems.append(f"{label}: ledger says {booked}, settlement says {recorded}")
        moved = dict(
            JournalLine.objects.filter(
                entry__order=order, entry__kind=EntryKind.SETTLEMENT, account__kind=AccountKind.MERCHANT_AVAILABLE
            )
            .values_list("account__leader_id")
            .annotate(s=Sum("amount_minor"))
        )
        to_merchant, to_leader = -moved.pop(None, 0), -sum(moved.values())
        if (to_merchant, to_leader) != (settlement.income_minor, settlement.leader_commission_minor):
            report.problems.append(
                f"{label}: {to_merchant} and {to_leader} made available to the merchant and the leader,"
                f" income is {settlement.income_minor} and leader commission {settlement.leader_commission_minor}"
            )

    unbalanced = JournalLine.objects.values("entry_id", "currency").annotate(s=Sum("amount_minor")).exclude(s=0)
    report.problems.extend(f"entry {row['entry_id']} does not balance: {row['s']}" for row in unbalanced)
    report.entries = JournalEntry.objects.count()
    empty = JournalEntry.objects.annotate(n=Count("lines")).filter(n__lt=2).values_list("pk", flat=True)
    report.problems.extend(f"entry {pk} has fewer than two lines" for pk in empty)

    totals: dict[str, int] = defaultdict(int)
    for currency, total in JournalLine.objects.values_list("currency").annotate(s=Sum("amount_minor")):
        totals[currency] = total
    report.totals = dict(totals)
    report.problems.extend(f"all {currency} balances sum to {t}, not 0" for currency, t in totals.items() if t)

    drifted = (
        Account.objects.filter(Q(merchant__isnull=False) | Q(leader__isnull=False))
        .annotate(s=Sum("lines__amount_minor"))
        .exclude(balance_minor=F("s"))
        .exclude(balance_minor=0, s__isnull=True)
    )
    report.problems.extend(
        f"account {a.pk} ({a.kind}) keeps {a.balance_minor}, its lines sum to {a.s or 0}" for a in drifted
    )
    return report
