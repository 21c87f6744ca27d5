"""Reconciling each gateway's books with ours, one day at a time.

The gateway's statement of the day (or, where the adapter cannot fetch
one, its answer to a query about each trade we started that day) is
matched against our payment intents, payments and refunds. Differences
become issues in the operator console; an issue is fixed through the
normal services (a payment the notification never brought is applied by
``payment_sync``, a refund the gateway finished by ``refund_sync``) or
resolved by hand with a note. Running a day again reports nothing twice.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jishi.core import audit
from jishi.core.actors import Actor
from jishi.core.errors import InvalidInput
from jishi.core.permissions import check
from jishi.core.states import Machine, Move, move
from jishi.ledger.permissions import FINANCE_OPERATE
from jishi.payments import gateways, services
from jishi.payments.errors import IssueNotFound, IssueNotOpen
from jishi.payments.gateways.base import Gateway, RefundState, StatementEntry, TradeState
from jishi.payments.gateways.wire import BEIJING
from jishi.payments.models import (
    IssueKind,
    Payment,
    PaymentIntent,
    PaymentRefund,
    ReconciliationIssue,
    ReconciliationRun,
)
from jishi.payments.states import ISSUE_TRANSITIONS, IssueStatus, RefundStatus


@dataclass
class _Found:
    issues: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self, kind: IssueKind, reference: str, *, out_trade_no: str = "", ours: Any = None, theirs: Any = None
    ) -> None:
        self.issues.append(
            {
                "kind": kind,
                "reference": reference[:64],
                "out_trade_no": out_trade_no[:64],
                "our_amount_minor": ours.minor if ours is not None else None,
                "gateway_amount_minor": theirs.minor if theirs is not None else None,
            }
        )


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=BEIJING)
    return start, start + dt.timedelta(days=1)


def _queried(gateway: Gateway, intents: list[PaymentIntent], refunds: list[PaymentRefund]) -> list[StatementEntry]:
    """A statement made of the gateway's answers about each of our trades and refunds of the day."""
    entries = []
    for intent in intents:
        trade = gateway.query(intent.number, created_at=intent.created_at)
        if trade is not None and trade.state == TradeState.PAID:
            entries.append(StatementEntry(trade.out_trade_no, trade.trade_no, trade.amount))
    for refund in refunds:
        found = gateway.refund_query(
            out_trade_no=refund.payment.intent.number, refund_no=refund.number, created_at=refund.created_at
        )
        if found is not None and found.state == RefundState.SUCCEEDED:
            entries.append(StatementEntry(found.out_trade_no, refund.payment.trade_no, found.amount, refund.number))
    return entries


def _trades(code: str, trades: list[StatementEntry], found: _Found) -> None:
    intents = {i.number: i for i in PaymentIntent.objects.filter(number__in=[e.out_trade_no for e in trades])}
    recorded = set(
        Payment.objects.filter(gateway=code, trade_no__in=[e.trade_no for e in trades]).values_list(
            "trade_no", flat=True
        )
    )
    for entry in trades:
        intent = intents.get(entry.out_trade_no)
        if intent is None:
            found.add(IssueKind.UNKNOWN_TRADE, entry.trade_no, out_trade_no=entry.out_trade_no, theirs=entry.amount)
        elif entry.amount != intent.amount:
            found.add(
                IssueKind.AMOUNT_MISMATCH,
                entry.trade_no,
                out_trade_no=entry.out_trade_no,
                ours=intent.amount,
                theirs=entry.amount,
            )
        elif entry.trade_no not in recorded:
            found.add(IssueKind.UNNOTIFIED, entry.trade_no, out_trade_no=entry.out_trade_no, theirs=entry.amount)


def _refunds(entries: list[StatementEntry], found: _Found) -> None:
    refunds = {r.number: r for r in PaymentRefund.objects.filter(number__in=[e.refund_no for e in entries])}
    for entry in entries:
        refund = refunds.get(entry.refund_no)
        if refund is None:
            found.add(IssueKind.UNKNOWN_REFUND, entry.refund_no, out_trade_no=entry.out_trade_no, theirs=entry.amount)
        elif entry.amount != refund.amount:
            found.add(
                IssueKind.AMOUNT_MISMATCH,
                entry.refund_no,
                out_trade_no=entry.out_trade_no,
                ours=refund.amount,
                theirs=entry.amount,
            )
        elif refund.status == RefundStatus.PENDING:
            found.add(
                IssueKind.REFUND_UNCONFIRMED, entry.refund_no, out_trade_no=entry.out_trade_no, theirs=entry.amount
            )


def _missing_there(code: str, listed: set[str], start: dt.datetime, end: dt.datetime, found: _Found) -> None:
    """What we recorded that day and the gateway's full statement leaves out."""
    ours = Payment.objects.filter(gateway=code, paid_at__gte=start, paid_at__lt=end).select_related("intent")
    for payment in ours.exclude(trade_no__in=listed):
        found.add(
            IssueKind.MISSING_AT_GATEWAY, payment.trade_no, out_trade_no=payment.intent.number, ours=payment.amount
        )
    done = PaymentRefund.objects.filter(
        payment__gateway=code, status=RefundStatus.SUCCEEDED, finished_at__gte=start, finished_at__lt=end
    )
    for refund in done.exclude(number__in=listed).select_related("payment__intent"):
        found.add(
            IssueKind.MISSING_AT_GATEWAY, refund.number, out_trade_no=refund.payment.intent.number, ours=refund.amount
        )


def _compare(
    code: str, statement: list[StatementEntry], *, complete: bool, start: dt.datetime, end: dt.datetime
) -> _Found:
    found = _Found()
    trades = [e for e in statement if not e.refund_no]
    refunds = [e for e in statement if e.refund_no]
    _trades(code, trades, found)
    _refunds(refunds, found)
    if complete:  # only a full statement can prove that something of ours is missing from it
        _missing_there(code, {e.trade_no for e in trades} | {e.refund_no for e in refunds}, start, end, found)
    return found


def reconcile_day(*, gateway_code: str, day: dt.date) -> ReconciliationRun:
    """Check one gateway's ``day`` (Beijing time) against our books and record what differs. Idempotent.

    Raises UnknownGateway, GatewayUnavailable (run it again later).
    """
    gateway = gateways.get(gateway_code)
    start, end = _day_bounds(day)
    statement = gateway.statement(day)
    if statement is None:
        intents = list(
            PaymentIntent.objects.filter(
                attempts__gateway=gateway.code, attempts__started_at__gte=start, attempts__started_at__lt=end
            )
        )
        refunds = list(
            PaymentRefund.objects.filter(
                payment__gateway=gateway.code, created_at__gte=start, created_at__lt=end
            ).select_related("payment__intent")
        )
        entries, checked = _queried(gateway, intents, refunds), len(intents) + len(refunds)
    else:
        entries, checked = statement, len(statement)
    found = _compare(gateway.code, entries, complete=statement is not None, start=start, end=end)
    with transaction.atomic():
        run, _created = ReconciliationRun.objects.update_or_create(
            gateway=gateway.code,
            day=day,
            defaults={"by_statement": statement is not None, "checked": checked, "finished_at": timezone.now()},
        )
        for issue in found.issues:
            try:
                with transaction.atomic():
                    ReconciliationIssue.objects.create(run=run, **issue)
            except IntegrityError:  # reported by an earlier run of this day
                continue
        ReconciliationRun.objects.filter(pk=run.pk).update(issues_found=run.issues.count())
    run.refresh_from_db()
    return run


def reconcile_yesterday() -> list[ReconciliationRun]:
    """Every gateway's previous day (the nightly job)."""
    day = timezone.now().astimezone(BEIJING).date() - dt.timedelta(days=1)
    return [reconcile_day(gateway_code=code, day=day) for code in gateways.available()]


def _record(step: Move[ReconciliationIssue, IssueStatus]) -> None:
    issue = step.obj
    audit.record(
        actor=step.actor,
        action=f"payments.reconciliation_{step.target}",
        target=issue,
        after={"kind": issue.kind},
        reason=step.reason,
    )


ISSUE = Machine(status=IssueStatus, transitions=ISSUE_TRANSITIONS, invalid=IssueNotOpen, record=_record)


def _issue(actor: Actor, issue_id: int) -> ReconciliationIssue:
    check(actor, FINANCE_OPERATE)
    issue = ReconciliationIssue.objects.select_related("run").filter(pk=issue_id).first()
    if issue is None:
        raise IssueNotFound
    return issue


def _close(actor: Actor, issue: ReconciliationIssue, status: IssueStatus, note: str) -> ReconciliationIssue:
    move(
        ISSUE,
        issue,
        status,
        actor=actor,
        reason=note,
        fields={"note": note[:500], "closed_by": actor, "closed_at": timezone.now()},
    )
    return issue


def issue_fix(*, actor: Actor, issue_id: int) -> ReconciliationIssue:
    """Fix an issue through the normal services: apply the unnotified payment, or finish the refund.

    Idempotent. Raises IssueNotFound, IssueNotOpen (resolved by hand, or a kind that needs a person),
    GatewayUnavailable.
    """
    issue = _issue(actor, issue_id)
    if issue.status != IssueStatus.OPEN:  # fixed already: a repeat changes nothing; resolved: refused
        return _close(actor, issue, IssueStatus.FIXED, "")
    if issue.kind == IssueKind.UNNOTIFIED:
        intent = PaymentIntent.objects.get(number=issue.out_trade_no)
        services.payment_sync(intent_id=intent.pk, gateway_code=issue.run.gateway)
        fixed = Payment.objects.filter(gateway=issue.run.gateway, trade_no=issue.reference).exists()
    elif issue.kind == IssueKind.REFUND_UNCONFIRMED:
        refund = PaymentRefund.objects.get(number=issue.reference)
        fixed = services.refund_sync(refund_id=refund.pk).status != RefundStatus.PENDING
    else:
        raise IssueNotOpen(field="kind")
    if not fixed:  # the gateway no longer says what the run saw: a person must look
        raise IssueNotOpen
    return _close(actor, issue, IssueStatus.FIXED, "fixed through the payment services")


@transaction.atomic
def issue_resolve(*, actor: Actor, issue_id: int, note: str) -> ReconciliationIssue:
    """Close an issue a person has sorted out (at the gateway, with the bank), saying how. Audited. Idempotent."""
    issue = _issue(actor, issue_id)
    if issue.status != IssueStatus.OPEN:  # resolved already: a repeat changes nothing; fixed: refused
        return _close(actor, issue, IssueStatus.RESOLVED, note)
    note = note.strip()
    if not note or len(note) > 500:
        raise InvalidInput(
            _("Say how the issue was resolved (up to 500 characters)."), code="payments.note_required", field="note"
        )
    return _close(actor, issue, IssueStatus.RESOLVED, note)
