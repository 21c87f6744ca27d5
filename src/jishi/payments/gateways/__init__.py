"""Payment gateways by code. Real adapters register here beside the sandbox."""

from django.conf import settings

from jishi.payments.errors import UnknownGateway
from jishi.payments.gateways.base import Gateway
from jishi.payments.gateways.sandbox import SandboxGateway


def available() -> dict[str, Gateway]:
    """The gateways this deployment offers to buyers."""
    gateways: dict[str, Gateway] = {}
    if settings.JISHI_SANDBOX_ENABLED:
        gateways[SandboxGateway.code] = SandboxGateway()
    return gateways


def get(code: str) -> Gateway:
    gateway = available().get(code)
    if gateway is None:
        raise UnknownGateway(field="gateway")
    return gateway
