"""Writes of the platform policies: the settings administrators keep, and publishing the terms and privacy policy.

Both are audited. A save of the settings drops the one cached copy (``selectors.CACHE_KEY``) at once and again after
its commit, so no process keeps reading what was there before for longer than the cache's minute (a per-process
cache) or at all (Redis).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from jishi.core import audit
from jishi.core.actors import Actor, user_of
from jishi.core.money import CURRENCY, Money, percent_to_basis_points
from jishi.core.permissions import check
from jishi.core.transactions import after_commit
from jishi.policies import selectors
from jishi.policies.errors import LegalBodyInvalid, LegalPublishConflict, PaymentMethodsInvalid, SettingOutOfRange
from jishi.policies.models import (
    AFTERSALES_DAYS_RANGE,
    AFTERSALES_TURN_DAYS_RANGE,
    AUTO_CONFIRM_DAYS_RANGE,
    COMMISSION_BP_RANGE,
    FLASH_PAYMENT_MINUTES_RANGE,
    LEGAL_BODY_MAX_LENGTH,
    PAYMENT_METHODS,
    PAYMENT_MINUTES_RANGE,
    SHIPPING_FEE_MINOR_RANGE,
    SHIPPING_FREE_ABOVE_MINOR_RANGE,
    LegalDocument,
    PlatformSettings,
)
from jishi.policies.permissions import PLATFORM_SETTINGS

# The settings' fields, in the order the audit entry and the page list them.
FIELDS = (
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


def _whole_number_in(value: Any, bounds: tuple[int, int], field_name: str, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not bounds[0] <= value <= bounds[1]:
        raise SettingOutOfRange(message, field=field_name)
    return value


def _checked_methods(methods: Any) -> list[str]:
    if isinstance(methods, str) or not isinstance(methods, Collection):
        raise PaymentMethodsInvalid(field="payment_methods")
    chosen = set(methods)
    if not chosen or not chosen <= set(PAYMENT_METHODS):
        raise PaymentMethodsInvalid(field="payment_methods")
    return [code for code in PAYMENT_METHODS if code in chosen]  # the platform's order, each once


def _checked_fee(text: Any, bounds: tuple[int, int], field_name: str, message: str) -> int:
    try:
        minor = (text if isinstance(text, Money) else Money.parse(str(text), CURRENCY)).minor
    except ValueError:
        raise SettingOutOfRange(message, field=field_name) from None
    if not bounds[0] <= minor <= bounds[1]:
        raise SettingOutOfRange(message, field=field_name)
    return minor


def _checked_times(values: dict[str, Any]) -> dict[str, int]:
    ranges = (
        ("payment_minutes", PAYMENT_MINUTES_RANGE, _("An order is paid within 5 to 1,440 minutes.")),
        ("flash_payment_minutes", FLASH_PAYMENT_MINUTES_RANGE, _("A flash-sale order is paid within 1 to 60 minutes.")),
        ("auto_confirm_days", AUTO_CONFIRM_DAYS_RANGE, _("Receipt is confirmed 1 to 30 days after shipping.")),
        ("aftersales_days", AFTERSALES_DAYS_RANGE, _("After-sales stays open 0 to 30 days after delivery.")),
        ("aftersales_turn_days", AFTERSALES_TURN_DAYS_RANGE, _("Each turn in an after-sales request is 1 to 30 days.")),
    )
    return {name: _whole_number_in(values[name], bounds, name, message) for name, bounds, message in ranges}


def _checked_settings(values: dict[str, Any]) -> dict[str, Any]:
    checked: dict[str, Any] = _checked_times(values)
    checked["payment_methods"] = _checked_methods(values["payment_methods"])
    try:
        checked["commission_bp"] = percent_to_basis_points(str(values["commission_rate"]), most=COMMISSION_BP_RANGE[1])
    except ValueError:
        message = _("The default commission is a percentage from 0 to 50 with at most two decimals.")
        raise SettingOutOfRange(message, field="commission_rate") from None
    fee_message = _("A default delivery fee is from ¥0 to ¥1,000, in yuan with at most two decimals.")
    checked["shipping_first_fee_minor"] = _checked_fee(
        values["shipping_first_fee"], SHIPPING_FEE_MINOR_RANGE, "shipping_first_fee", fee_message
    )
    checked["shipping_extra_fee_minor"] = _checked_fee(
        values["shipping_extra_fee"], SHIPPING_FEE_MINOR_RANGE, "shipping_extra_fee", fee_message
    )
    free_above = values["shipping_free_above"]
    checked["shipping_free_above_minor"] = (
        None
        if free_above is None or (isinstance(free_above, str) and not free_above.strip())
        else _checked_fee(
            free_above,
            SHIPPING_FREE_ABOVE_MINOR_RANGE,
            "shipping_free_above",
            _("A free-delivery threshold is from ¥0.01 to ¥100,000; leave it empty for none."),
        )
    )
    return checked


def _settings_values(row: PlatformSettings) -> dict[str, Any]:
    return {name: getattr(row, name) for name in FIELDS}


@transaction.atomic
def platform_settings_set(
    *,
    actor: Actor,
    payment_minutes: int,
    flash_payment_minutes: int,
    auto_confirm_days: int,
    aftersales_days: int,
    aftersales_turn_days: int,
    payment_methods: Collection[str],
    commission_rate: str,
    shipping_first_fee: str | Money,
    shipping_extra_fee: str | Money,
    shipping_free_above: str | Money | None,
) -> PlatformSettings:
    """Save the platform settings, all at once: the minutes to pay an order (5 to 1,440) and a flash-sale order
    (1 to 60), the days after shipping until receipt is confirmed (1 to 30), after delivery until the order
    completes (after-sales window, 0 to 30), and for each turn in an after-sales request (1 to 30); the payment
    methods the cashier offers (a non-empty subset of ``models.PAYMENT_METHODS``); the commission where no rule
    applies (a percentage such as ``"5"`` or ``"5.5"``, 0 to 50, two decimals at most); and what a shop without a
    fee template charges per parcel: the first item and each other (yuan, ``"0"`` to ``"1000"``) and an optional
    threshold at or above which delivery is free (``None`` or ``""`` for none). Both fees 0 is free delivery.

    They apply from the next order, shipment, request or quote on; what was made keeps its own deadlines. Audited
    with the values before (the environment's, the first time) and after; saving the values already saved changes
    nothing and records nothing. The cached copy is dropped at once and after the commit. Raises PermissionDenied
    (administrators only), SettingOutOfRange (``policies.setting_out_of_range``) or PaymentMethodsInvalid, each
    naming its field, before anything is written.
    """
    check(actor, PLATFORM_SETTINGS)
    after = _checked_settings(
        {
            "payment_minutes": payment_minutes,
            "flash_payment_minutes": flash_payment_minutes,
            "auto_confirm_days": auto_confirm_days,
            "aftersales_days": aftersales_days,
            "aftersales_turn_days": aftersales_turn_days,
            "payment_methods": payment_methods,
            "commission_rate": commission_rate,
            "shipping_first_fee": shipping_first_fee,
            "shipping_extra_fee": shipping_extra_fee,
            "shipping_free_above": shipping_free_above,
        }
    )
    user = user_of(actor)
    before = _settings_values(PlatformSettings())  # the environment's values until the row is first saved
    row, created = PlatformSettings.objects.get_or_create(
        pk=PlatformSettings.SINGLETON_PK, defaults={**after, "updated_by": user}
    )
    if not created:
        row = PlatformSettings.objects.select_for_update().get(pk=PlatformSettings.SINGLETON_PK)
        before = _settings_values(row)
        if before == after:
            return row
        for name, value in after.items():
            setattr(row, name, value)
        row.updated_by = user
        row.save()
    audit.record(actor=actor, action="policies.settings_set", target=row, before=before, after=after)
    # At once, so this process reads the new values; after the commit, in case another process cached the old ones
    # between this delete and the commit.
    selectors.forget_platform_settings()
    after_commit(selectors.forget_platform_settings)
    return row


# The terms and privacy policy ---------------------------------------------------------------------------------

PUBLISH_ATTEMPTS = 3


def _checked_body(body: Any) -> str:
    text = body.strip() if isinstance(body, str) else ""
    if not text or len(text) > LEGAL_BODY_MAX_LENGTH or "\x00" in text:
        raise LegalBodyInvalid(field="body")
    return text.replace("\r\n", "\n")


def _next_version(kind: str) -> int:
    latest = LegalDocument.objects.filter(kind=kind).aggregate(latest=Max("version"))["latest"]
    return (latest or 0) + 1


def _append(actor: Actor, kind: str, text: str) -> LegalDocument:
    """The new version, numbered inside the write: a concurrent publisher's row makes this insert fail on the
    (kind, version) constraint, and the number is read again."""
    for _attempt in range(PUBLISH_ATTEMPTS):
        try:
            with transaction.atomic():
                return LegalDocument.objects.create(
                    kind=kind, version=_next_version(kind), body=text, published_by=user_of(actor)
                )
        except IntegrityError:
            continue
    raise LegalPublishConflict(field="body")


@transaction.atomic
def legal_publish(*, actor: Actor, kind: str, body: str) -> LegalDocument:
    """Publish a new version of the terms (``terms``) or the privacy policy (``privacy``): its number is the
    previous one's + 1 (the first is 1), it is in force at once, and the versions before it are kept unchanged.

    Publishing the text already in force changes nothing and returns that version (a form sent twice). Audited
    with the version before and after and the text's length and SHA-256. Raises PermissionDenied (administrators
    only), LegalKindUnknown (404), LegalBodyInvalid (empty or over 50,000 characters, field ``body``), and
    LegalPublishConflict (409) when concurrent publishes kept taking the number.
    """
    check(actor, PLATFORM_SETTINGS)
    kind = selectors.legal_kind(kind)
    text = _checked_body(body)
    in_force = selectors.legal_in_force(kind)
    if in_force is not None and in_force.body == text:
        return in_force
    document = _append(actor, kind, text)
    audit.record(
        actor=actor,
        action="policies.legal_publish",
        target=document,
        before={"kind": kind.value, "version": in_force.version if in_force else None},
        after={
            "kind": kind.value,
            "version": document.version,
            "length": len(text),
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
        },
    )
    return document
