"""Payments API: the buyer's payment intents, starting a payment, and the gateways' notify endpoint."""

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import Field, Schema
from ninja.errors import HttpError

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.core.api import Id, IsoDate, MoneyOut, PublicNumber, Router, StrictIn, client_ip, errors, money_out
from jishi.core.permissions import requires
from jishi.ledger.permissions import FINANCE_OPERATE, FINANCE_VIEW
from jishi.payments import reconciliation, selectors, services
from jishi.payments.addresses import notify_url, return_url
from jishi.payments.errors import UnknownGateway
from jishi.payments.gateways import wire
from jishi.payments.models import Payment, PaymentIntent, ReconciliationIssue, ReconciliationRun
from jishi.payments.permissions import GATEWAY_NOTIFY, PAYMENT_MAKE

router = Router(tags=["payments"], auth=SIGNED_IN)


class PaymentOut(Schema):
    number: str
    checkout_number: str
    status: str
    amount: MoneyOut
    gateway: str
    pay_by: dt.datetime
    succeeded_at: dt.datetime | None


class PaymentStartIn(StrictIn):
    gateway: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,19}$", examples=["sandbox"])]


class RedirectOut(Schema):
    redirect_url: str


def payment_out(intent: PaymentIntent) -> PaymentOut:
    return PaymentOut(
        number=intent.number,
        checkout_number=intent.checkout_number,
        status=intent.status,
        amount=money_out(intent.amount),
        gateway=intent.gateway,
        pay_by=intent.pay_by,
        succeeded_at=intent.succeeded_at,
    )


@router.get("/{number}", response={200: PaymentOut, **errors(401, 403, 404)})
@requires(PAYMENT_MAKE)
def payment_detail(request: HttpRequest, number: PublicNumber) -> PaymentOut:
    return payment_out(selectors.intent_get_for_buyer(actor_of(request), number))


@router.post("/{number}/start", response={200: RedirectOut, **errors(401, 403, 404, 409)})
@requires(PAYMENT_MAKE)
def payment_start(request: HttpRequest, number: PublicNumber, payload: PaymentStartIn) -> RedirectOut:
    """Where to send the buyer to pay: the gateway's page. 409 when the payment is paid, cancelled or overdue."""
    url = services.payment_start(
        actor=actor_of(request),
        intent_number=number,
        gateway_code=payload.gateway,
        notify_url=notify_url(request, payload.gateway),
        return_url=return_url(request, number),
        client_ip=client_ip(request),
    )
    return RedirectOut(redirect_url=request.build_absolute_uri(url))


@router.post("/notify/{gateway}", auth=None, include_in_schema=False, url_name="payment_notify")
@requires(GATEWAY_NOTIFY)
def payment_notify(request: HttpRequest, gateway: Annotated[str, Field(max_length=20)]) -> HttpResponse:
    """A gateway's asynchronous notification, answered in the gateway's own words (``success`` / ``failure``).

    Trusted only after the gateway's signature, timestamp and app id and our
    amount and currency all check out; see ``services.notification_receive``.
    """
    try:
        answer = services.notification_receive(
            gateway_code=gateway, body=_notification_body(request), headers=request.headers
        )
    except UnknownGateway:
        raise HttpError(404, "unknown gateway") from None
    return HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)


# A gateway's notification is a few kilobytes (UnionPay's, with its certificate, the largest); far more is not one.
MAX_NOTIFICATION_BYTES = 64 * 1024


def _notification_body(request: HttpRequest) -> bytes | None:
    """The body as received, or None when it is too large to be a notification (it is then not read)."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not wire.digits(length) or int(length) > MAX_NOTIFICATION_BYTES:
        return None
    try:
        body = request.body
    except RequestDataTooBig:
        return None
    return body if len(body) <= MAX_NOTIFICATION_BYTES else None


operator_router = Router(tags=["operator finance"], auth=SIGNED_IN)


class IssueOut(Schema):
    id: int
    gateway: str
    day: dt.date
    kind: str
    reference: str
    out_trade_no: str
    gateway_amount: MoneyOut | None
    our_amount: MoneyOut | None
    status: str
    note: str
    created_at: dt.datetime
    closed_at: dt.datetime | None


class RunIn(StrictIn):
    gateway: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,19}$", examples=["sandbox"])]
    day: IsoDate


class RunOut(Schema):
    gateway: str
    day: dt.date
    by_statement: bool
    checked: int
    issues_found: int
    finished_at: dt.datetime


class ResolveIn(StrictIn):
    note: Annotated[str, Field(min_length=1, max_length=500)]


class ReturnRefundOut(Schema):
    number: str
    amount: MoneyOut
    status: str
    failure: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


class UnappliedPaymentOut(Schema):
    gateway: str
    trade_no: str
    out_trade_no: str
    checkout_number: str
    checkout_status: str
    amount: MoneyOut
    paid_at: dt.datetime
    refunds: list[ReturnRefundOut]


def unapplied_out(payment: Payment) -> UnappliedPaymentOut:
    return UnappliedPaymentOut(
        gateway=payment.gateway,
        trade_no=payment.trade_no,
        out_trade_no=payment.intent.number,
        checkout_number=payment.intent.checkout_number,
        checkout_status=payment.intent.status,
        amount=money_out(payment.amount),
        paid_at=payment.paid_at,
        refunds=[
            ReturnRefundOut(
                number=refund.number,
                amount=money_out(refund.amount),
                status=refund.status,
                failure=refund.failure,
                created_at=refund.created_at,
                finished_at=refund.finished_at,
            )
            for refund in payment.refunds.all()
        ],
    )


def issue_out(issue: ReconciliationIssue) -> IssueOut:
    return IssueOut(
        id=issue.pk,
        gateway=issue.run.gateway,
        day=issue.run.day,
        kind=issue.kind,
        reference=issue.reference,
        out_trade_no=issue.out_trade_no,
        gateway_amount=money_out(issue.gateway_amount) if issue.gateway_amount is not None else None,
        our_amount=money_out(issue.our_amount) if issue.our_amount is not None else None,
        status=issue.status,
        note=issue.note,
        created_at=issue.created_at,
        closed_at=issue.closed_at,
    )


def run_out(run: ReconciliationRun) -> RunOut:
    return RunOut(
        gateway=run.gateway,
        day=run.day,
        by_statement=run.by_statement,
        checked=run.checked,
        issues_found=run.issues_found,
        finished_at=run.finished_at,
    )


@operator_router.get("/reconciliation/issues", response={200: list[IssueOut], **errors(401, 403)})
@requires(FINANCE_VIEW)
def reconciliation_issue_list(
    request: HttpRequest, status: Literal["open", "fixed", "resolved", ""] = "open"
) -> list[IssueOut]:
    """Differences between the gateways' books and ours (open ones by default), newest first; at most 500."""
    return [issue_out(i) for i in selectors.reconciliation_issues(actor_of(request), status=status)[:500]]


@operator_router.get("/payments/unapplied", response={200: list[UnappliedPaymentOut], **errors(401, 403)})
@requires(FINANCE_VIEW)
def unapplied_payment_list(request: HttpRequest) -> list[UnappliedPaymentOut]:
    """Payments that reached a checkout already cancelled (or paid), newest first, each with the refund that gives
    it back in full and that refund's status; at most 500."""
    return [unapplied_out(p) for p in selectors.unapplied_payments(actor_of(request))[:500]]


@operator_router.post("/reconciliation/runs", response={200: RunOut, **errors(401, 403, 503)})
@requires(FINANCE_OPERATE)
def reconciliation_run(request: HttpRequest, payload: RunIn) -> RunOut:
    """Reconcile one gateway's day now (the nightly job does yesterday); running a day again reports nothing twice."""
    return run_out(reconciliation.reconcile_day(gateway_code=payload.gateway, day=payload.day))


@operator_router.post(
    "/reconciliation/issues/{issue_id}/fix", response={200: IssueOut, **errors(401, 403, 404, 409, 503)}
)
@requires(FINANCE_OPERATE)
def reconciliation_issue_fix(request: HttpRequest, issue_id: Id) -> IssueOut:
    """Fix through the payment services: apply an unnotified payment, or finish a refund. Other kinds are 409."""
    return issue_out(reconciliation.issue_fix(actor=actor_of(request), issue_id=issue_id))


@operator_router.post(
    "/reconciliation/issues/{issue_id}/resolve", response={200: IssueOut, **errors(401, 403, 404, 409)}
)
@requires(FINANCE_OPERATE)
def reconciliation_issue_resolve(request: HttpRequest, issue_id: Id, payload: ResolveIn) -> IssueOut:
    """Close an issue sorted out by hand, saying how (audited)."""
    return issue_out(reconciliation.issue_resolve(actor=actor_of(request), issue_id=issue_id, note=payload.note))
