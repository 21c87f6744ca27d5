"""The addresses a gateway is given: where the buyer comes back, and where it notifies us. Built here only."""

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from jishi.payments import gateways


def return_url(request: HttpRequest, number: str) -> str:
    """Where the buyer's browser comes back after paying: the payment-return page of their order."""
    return request.build_absolute_uri(reverse("buyer:payment_return", args=[number]))


def notify_url(request: HttpRequest, gateway: str) -> str:
    """Where ``gateway`` must send its notifications. Raises UnknownGateway for a gateway we do not offer."""
    return request.build_absolute_uri(reverse("api:payment_notify", args=[gateways.get(gateway).code]))


def refund_notify_url(gateway_code: str) -> str:
    """Where a gateway notifies the outcome of a refund (no request at hand: the site's configured address)."""
    return f"{settings.JISHI_SITE_URL}{reverse('api:payment_notify', args=[gateway_code])}"
