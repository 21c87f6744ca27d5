"""Payments API: the buyer's payment intents, starting a payment, and the gateways' notify endpoint."""

import datetime as dt
from typing import Annotated

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.core.api import MoneyOut, PublicNumber, client_ip, errors, money_out
from jishi.core.permissions import requires
from jishi.payments import gateways, selectors, services
from jishi.payments.errors import UnknownGateway
from jishi.payments.models import PaymentIntent
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


class PaymentStartIn(Schema):
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


def return_url(request: HttpRequest, number: str) -> str:
    return request.build_absolute_uri(reverse("web:payment_return", args=[number]))


def notify_url(request: HttpRequest, gateway: str) -> str:
    """Where ``gateway`` must send its notifications. Raises UnknownGateway for a gateway we do not offer."""
    return request.build_absolute_uri(reverse("api:payment_notify", args=[gateways.get(gateway).code]))


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
        answer = services.notification_receive(gateway_code=gateway, body=request.body, headers=request.headers)
    except UnknownGateway:
        raise HttpError(404, "unknown gateway") from None
    return HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
