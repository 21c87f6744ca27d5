"""The platform settings (平台设置): order time-outs, after-sales windows, payment methods, default commission and
the delivery fee of a shop without a fee template.

Until first saved the environment's values apply, read at call time; only
administrators change them; each value is checked (422 on its field,
nothing written); each change is audited with the values before and after;
the one cached copy is dropped by a save, at once and after its commit.
"""

from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.db import IntegrityError, transaction

from jishi.core.errors import DomainError
from jishi.core.models import AuditEntry
from jishi.core.money import Money
from jishi.payments import gateways
from jishi.payments.gateways.alipay import AlipayGateway
from jishi.payments.gateways.sandbox import SandboxGateway
from jishi.payments.gateways.unionpay import UnionPayGateway
from jishi.payments.gateways.wechatpay import WechatPayGateway
from jishi.policies import selectors
from jishi.policies import services as policies
from jishi.policies.models import PAYMENT_METHODS, PlatformSettings
from tests import factories
from tests.policies.conftest import GOOD

pytestmark = pytest.mark.django_db


def _state() -> tuple[list[tuple[Any, ...]], int]:
    rows = PlatformSettings.objects.values_list(
        "payment_minutes",
        "flash_payment_minutes",
        "auto_confirm_days",
        "aftersales_days",
        "aftersales_turn_days",
        "payment_methods",
        "commission_bp",
        "shipping_first_fee_minor",
        "shipping_extra_fee_minor",
        "shipping_free_above_minor",
    )
    return list(rows), AuditEntry.objects.count()


def _times() -> tuple[int, int, int, int, int]:
    rules = selectors.platform_settings()
    return (
        rules.payment_minutes,
        rules.flash_payment_minutes,
        rules.auto_confirm_days,
        rules.aftersales_days,
        rules.aftersales_turn_days,
    )


# Reading --------------------------------------------------------------------------------------------------------


def test_until_first_saved_the_environments_values_apply(environment, django_assert_num_queries):
    # given the environment's values, changed after the settings were first read
    selectors.platform_settings()
    environment.JISHI_ORDER_PAYMENT_MINUTES = 20
    environment.JISHI_FLASH_PAYMENT_MINUTES = 3
    environment.JISHI_ORDER_AUTO_CONFIRM_DAYS = 14
    environment.JISHI_ORDER_AFTERSALES_DAYS = 0
    environment.JISHI_AFTERSALES_TURN_DAYS = 4
    environment.JISHI_DEFAULT_COMMISSION_RATE = "0.055"
    # when read again (cached: no query), then they apply at once: only "not saved" is cached
    with django_assert_num_queries(0):
        rules = selectors.platform_settings()
    assert _times() == (20, 3, 14, 0, 4)
    assert (rules.commission_bp, rules.commission_rate) == (550, Decimal("0.0550"))
    assert rules.payment_methods == PAYMENT_METHODS
    assert (rules.shipping_first_fee, rules.shipping_extra_fee, rules.shipping_free_above) == (
        Money.zero("CNY"),
        Money.zero("CNY"),
        None,
    )
    assert rules.shipping_free is True
    assert (rules.updated_by_id, rules.updated_by_name, rules.updated_at) == (None, "", None)
    assert not PlatformSettings.objects.exists()  # reading writes nothing


def test_a_cold_read_is_one_query_and_a_warm_one_none(environment, admin_operator, django_assert_num_queries):
    policies.platform_settings_set(actor=admin_operator, **GOOD)
    cache.clear()
    with django_assert_num_queries(1):
        selectors.platform_settings()
    with django_assert_num_queries(0):
        assert selectors.platform_settings().payment_minutes == 45
    assert (selectors.CACHE_SECONDS, cache.get(selectors.CACHE_KEY).payment_minutes) == (60, 45)


def test_once_saved_the_saved_values_apply_whatever_the_environment_says(environment, admin_operator):
    policies.platform_settings_set(actor=admin_operator, **GOOD)
    environment.JISHI_ORDER_PAYMENT_MINUTES = 99
    environment.JISHI_DEFAULT_COMMISSION_RATE = "0.2"
    cache.clear()
    rules = selectors.platform_settings()
    assert _times() == (45, 10, 12, 9, 5)
    assert rules.payment_methods == ("alipay", "wechatpay", "sandbox")  # the platform's order, each once
    assert (rules.commission_bp, rules.commission_rate) == (650, Decimal("0.0650"))
    assert (rules.updated_by_id, rules.updated_by_name) == (admin_operator.pk, str(admin_operator))
    assert rules.updated_at is not None


def test_the_platforms_methods_are_the_payment_gateways_codes():
    # policies may not import payments: the two lists are kept equal here
    codes = {gateway.code for gateway in (AlipayGateway, WechatPayGateway, UnionPayGateway, SandboxGateway)}
    assert set(PAYMENT_METHODS) == codes
    assert {real[2].code for real in gateways._REAL} | {"sandbox"} == codes


# The cache ------------------------------------------------------------------------------------------------------


def test_a_save_drops_the_cached_copy_at_once(environment, admin_operator):
    # given the environment's values read (and cached), then a first save, then a change
    assert _times()[0] == 30
    policies.platform_settings_set(actor=admin_operator, **GOOD)
    assert _times()[0] == 45
    policies.platform_settings_set(actor=admin_operator, **{**GOOD, "payment_minutes": 60})
    # then this process reads the change at once
    assert _times()[0] == 60


def test_a_save_drops_the_cached_copy_again_after_its_commit(
    environment, admin_operator, django_capture_on_commit_callbacks
):
    # given a save whose commit is still to come
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        policies.platform_settings_set(actor=admin_operator, **GOOD)
    # when another process caches what it read before the commit
    cache.set(selectors.CACHE_KEY, "unsaved", selectors.CACHE_SECONDS)
    assert _times()[0] == 30
    # then the commit drops it
    for callback in callbacks:
        callback()
    assert cache.get(selectors.CACHE_KEY) is None
    assert _times()[0] == 45


def test_a_write_that_bypasses_the_service_is_seen_once_the_cache_expires(environment, admin_operator):
    # given the saved settings cached
    policies.platform_settings_set(actor=admin_operator, **GOOD)
    assert _times()[0] == 45
    # when the row changes behind the cache (another process whose cache the save cannot reach)
    PlatformSettings.objects.update(payment_minutes=90)
    # then the cached copy is read until it expires or is forgotten
    assert _times()[0] == 45
    selectors.forget_platform_settings()
    assert _times()[0] == 90


# Who may change them --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "buyer", "merchant", "reviewer", "finance", "support", "catalog"])
def test_only_an_administrator_changes_them_and_a_refusal_changes_nothing(role, environment, buyer, merchant_staff):
    actor = {
        "anonymous": None,
        "buyer": buyer,
        "merchant": merchant_staff,
        **{name: factories.user(operator_role=name) for name in ("reviewer", "finance", "support", "catalog")},
    }[role]
    before = _state()
    with pytest.raises(DomainError) as refused:
        policies.platform_settings_set(actor=actor, **GOOD)
    expected = ("auth.not_authenticated", 401) if role == "anonymous" else ("auth.permission_denied", 403)
    assert (refused.value.code, refused.value.status) == expected
    assert _state() == before
    assert not PlatformSettings.objects.exists()
    assert _times() == (30, 5, 10, 7, 7)


# What they may be -----------------------------------------------------------------------------------------------

OUT_OF_RANGE = "policies.setting_out_of_range"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"payment_minutes": 4}, OUT_OF_RANGE, "payment_minutes"),
        ({"payment_minutes": 1441}, OUT_OF_RANGE, "payment_minutes"),
        ({"payment_minutes": "30"}, OUT_OF_RANGE, "payment_minutes"),
        ({"payment_minutes": True}, OUT_OF_RANGE, "payment_minutes"),
        ({"flash_payment_minutes": 0}, OUT_OF_RANGE, "flash_payment_minutes"),
        ({"flash_payment_minutes": 61}, OUT_OF_RANGE, "flash_payment_minutes"),
        ({"auto_confirm_days": 0}, OUT_OF_RANGE, "auto_confirm_days"),
        ({"auto_confirm_days": 31}, OUT_OF_RANGE, "auto_confirm_days"),
        ({"aftersales_days": -1}, OUT_OF_RANGE, "aftersales_days"),
        ({"aftersales_days": 31}, OUT_OF_RANGE, "aftersales_days"),
        ({"aftersales_turn_days": 0}, OUT_OF_RANGE, "aftersales_turn_days"),
        ({"aftersales_turn_days": 31}, OUT_OF_RANGE, "aftersales_turn_days"),
        ({"payment_methods": []}, "policies.payment_methods_invalid", "payment_methods"),
        ({"payment_methods": ["alipay", "paypal"]}, "policies.payment_methods_invalid", "payment_methods"),
        ({"payment_methods": "alipay"}, "policies.payment_methods_invalid", "payment_methods"),
        ({"commission_rate": "50.01"}, OUT_OF_RANGE, "commission_rate"),
        ({"commission_rate": "-1"}, OUT_OF_RANGE, "commission_rate"),
        ({"commission_rate": "5.555"}, OUT_OF_RANGE, "commission_rate"),
        ({"commission_rate": "五"}, OUT_OF_RANGE, "commission_rate"),
        ({"commission_rate": ""}, OUT_OF_RANGE, "commission_rate"),
        ({"shipping_first_fee": "-1"}, OUT_OF_RANGE, "shipping_first_fee"),
        ({"shipping_first_fee": "1000.01"}, OUT_OF_RANGE, "shipping_first_fee"),
        ({"shipping_first_fee": "8.001"}, OUT_OF_RANGE, "shipping_first_fee"),
        ({"shipping_first_fee": ""}, OUT_OF_RANGE, "shipping_first_fee"),
        ({"shipping_extra_fee": "abc"}, OUT_OF_RANGE, "shipping_extra_fee"),
        ({"shipping_free_above": "0"}, OUT_OF_RANGE, "shipping_free_above"),
        ({"shipping_free_above": "100000.01"}, OUT_OF_RANGE, "shipping_free_above"),
    ],
)
def test_a_value_out_of_range_is_refused_on_its_field_and_nothing_is_written(
    change, code, field, environment, admin_operator
):
    policies.platform_settings_set(actor=admin_operator, **GOOD)
    before = _state()
    with pytest.raises(DomainError) as refused:
        policies.platform_settings_set(actor=admin_operator, **{**GOOD, "payment_minutes": 20, **change})
    assert (refused.value.code, refused.value.status, refused.value.field) == (code, 422, field)
    assert _state() == before
    assert _times() == (45, 10, 12, 9, 5)


def test_a_refused_first_save_writes_no_row(environment, admin_operator):
    with pytest.raises(DomainError):
        policies.platform_settings_set(actor=admin_operator, **{**GOOD, "aftersales_days": 31})
    assert _state() == ([], 0)


def test_the_bounds_themselves_are_allowed(environment, admin_operator):
    low = {
        "payment_minutes": 5,
        "flash_payment_minutes": 1,
        "auto_confirm_days": 1,
        "aftersales_days": 0,
        "aftersales_turn_days": 1,
        "payment_methods": ["unionpay"],
        "commission_rate": "0",
        "shipping_first_fee": "0",
        "shipping_extra_fee": "0",
        "shipping_free_above": "0.01",
    }
    policies.platform_settings_set(actor=admin_operator, **low)
    assert _times() == (5, 1, 1, 0, 1)
    high = {
        "payment_minutes": 1440,
        "flash_payment_minutes": 60,
        "auto_confirm_days": 30,
        "aftersales_days": 30,
        "aftersales_turn_days": 30,
        "payment_methods": list(PAYMENT_METHODS),
        "commission_rate": "50",
        "shipping_first_fee": "1000",
        "shipping_extra_fee": "1000.00",
        "shipping_free_above": "100000",
    }
    policies.platform_settings_set(actor=admin_operator, **high)
    rules = selectors.platform_settings()
    assert _times() == (1440, 60, 30, 30, 30)
    assert (rules.commission_bp, rules.shipping_first_fee.minor, rules.shipping_free_above) == (
        5000,
        100_000,
        Money(10_000_000, "CNY"),
    )


def test_the_database_keeps_one_row_in_range(environment, admin_operator):
    policies.platform_settings_set(actor=admin_operator, **GOOD)
    for change in (
        {"payment_minutes": 4},
        {"flash_payment_minutes": 61},
        {"auto_confirm_days": 0},
        {"aftersales_days": 31},
        {"aftersales_turn_days": 0},
        {"commission_bp": 5001},
        {"shipping_first_fee_minor": -1},
        {"shipping_free_above_minor": 0},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            PlatformSettings.objects.filter(pk=1).update(**change)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlatformSettings.objects.create(pk=2)
    assert _state()[0][0][:5] == (45, 10, 12, 9, 5)


# The audit log --------------------------------------------------------------------------------------------------


def test_each_change_is_audited_with_the_values_before_and_after(environment, admin_operator):
    # when an administrator saves, then saves a change, then saves the same values again
    first = policies.platform_settings_set(actor=admin_operator, **GOOD)
    policies.platform_settings_set(actor=admin_operator, **{**GOOD, "shipping_first_fee": "8", "commission_rate": "7"})
    policies.platform_settings_set(
        actor=admin_operator, **{**GOOD, "shipping_first_fee": "8.00", "commission_rate": "7.00 %"}
    )
    # then two entries: from the environment's values, then from the first save; the repeat records none
    entries = list(AuditEntry.objects.filter(action="policies.settings_set").order_by("pk"))
    assert [(e.actor_id, e.target_type, e.target_id) for e in entries] == [
        (admin_operator.pk, "policies.platformsettings", str(first.pk)),
        (admin_operator.pk, "policies.platformsettings", str(first.pk)),
    ]
    environment_values = {
        "payment_minutes": 30,
        "flash_payment_minutes": 5,
        "auto_confirm_days": 10,
        "aftersales_days": 7,
        "aftersales_turn_days": 7,
        "payment_methods": list(PAYMENT_METHODS),
        "commission_bp": 500,
        "shipping_first_fee_minor": 0,
        "shipping_extra_fee_minor": 0,
        "shipping_free_above_minor": None,
    }
    saved = {
        **environment_values,
        "payment_minutes": 45,
        "flash_payment_minutes": 10,
        "auto_confirm_days": 12,
        "aftersales_days": 9,
        "aftersales_turn_days": 5,
        "payment_methods": ["alipay", "wechatpay", "sandbox"],
        "commission_bp": 650,
    }
    assert [(e.before, e.after) for e in entries] == [
        (environment_values, saved),
        (saved, {**saved, "commission_bp": 700, "shipping_first_fee_minor": 800}),
    ]
    assert AuditEntry.objects.count() == 2
    assert PlatformSettings.objects.count() == 1
