"""Fixtures of the platform policies: the environment's values pinned, and a complete set of good settings."""

from typing import Any

import pytest

GOOD: dict[str, Any] = {
    "payment_minutes": 45,
    "flash_payment_minutes": 10,
    "auto_confirm_days": 12,
    "aftersales_days": 9,
    "aftersales_turn_days": 5,
    "payment_methods": ["wechatpay", "alipay", "sandbox"],
    "commission_rate": "6.5",
    "shipping_first_fee": "0",
    "shipping_extra_fee": "0",
    "shipping_free_above": None,
}


@pytest.fixture
def environment(settings: Any) -> Any:
    """The environment's values the settings default to until first saved."""
    settings.JISHI_ORDER_PAYMENT_MINUTES = 30
    settings.JISHI_FLASH_PAYMENT_MINUTES = 5
    settings.JISHI_ORDER_AUTO_CONFIRM_DAYS = 10
    settings.JISHI_ORDER_AFTERSALES_DAYS = 7
    settings.JISHI_AFTERSALES_TURN_DAYS = 7
    settings.JISHI_DEFAULT_COMMISSION_RATE = "0.05"
    return settings
