"""Payment gateways by code: the sandbox and every real gateway this deployment has settings for."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from jishi.payments.errors import PaymentMethodDisabled, UnknownGateway
from jishi.payments.gateways.alipay import AlipayConfig, AlipayGateway
from jishi.payments.gateways.base import Gateway
from jishi.payments.gateways.sandbox import SandboxGateway
from jishi.payments.gateways.unionpay import UnionPayConfig, UnionPayGateway
from jishi.payments.gateways.wechatpay import WechatPayConfig, WechatPayGateway
from jishi.policies.selectors import platform_settings

_REAL: tuple[tuple[str, type[Any], Any], ...] = (
    ("JISHI_ALIPAY", AlipayConfig, AlipayGateway),
    ("JISHI_WECHATPAY", WechatPayConfig, WechatPayGateway),
    ("JISHI_UNIONPAY", UnionPayConfig, UnionPayGateway),
)


def available() -> dict[str, Gateway]:
    """The gateways this deployment offers to buyers, in the order the cashier lists them.

    Raises ImproperlyConfigured when a gateway's settings are incomplete or its keys unreadable.
    """
    gateways: dict[str, Gateway] = {}
    for setting, config_class, gateway_class in _REAL:
        values = getattr(settings, setting, {})
        if not values:
            continue
        try:
            config = config_class(**values)
        except TypeError as missing:
            raise ImproperlyConfigured(f"{setting}: {missing}") from None
        gateways[gateway_class.code] = gateway_class(config)
    if settings.JISHI_SANDBOX_ENABLED:
        gateways[SandboxGateway.code] = SandboxGateway()
    return gateways


def get(code: str) -> Gateway:
    gateway = available().get(code)
    if gateway is None:
        raise UnknownGateway(field="gateway")
    return gateway


def offered() -> dict[str, Gateway]:
    """The gateways the cashier offers: those this deployment has (:func:`available`) that the platform settings
    enable (policies). A disabled gateway still answers its notifications, queries and refunds (:func:`get`)."""
    enabled = platform_settings().payment_methods
    return {code: gateway for code, gateway in available().items() if code in enabled}


def get_offered(code: str) -> Gateway:
    """The gateway to start a payment with. Raises UnknownGateway (not in this deployment) or PaymentMethodDisabled
    (the platform settings do not offer it), both 422 on field ``gateway``."""
    gateway = get(code)
    if code not in platform_settings().payment_methods:
        raise PaymentMethodDisabled(field="gateway")
    return gateway
