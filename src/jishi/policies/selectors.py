"""Reads of the platform policies: the settings in force (cached) and the terms and privacy policy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache

from jishi.core.actors import Actor
from jishi.core.money import CURRENCY, Money
from jishi.core.permissions import check
from jishi.policies.errors import LegalKindUnknown
from jishi.policies.models import LegalDocument, LegalKind, PlatformSettings
from jishi.policies.permissions import PLATFORM_SETTINGS

# One key for the saved row; its suffix changes whenever PlatformRules changes shape, so a deploy never reads a
# value pickled by the code before it.
CACHE_KEY = "policies:platform-settings:v1"
# A worker process on the embedded default (a per-process locmem cache, which the web process's save cannot reach)
# sees a change within this; with Redis the save's delete reaches every process at once.
CACHE_SECONDS = 60
_UNSAVED = "unsaved"  # cached when no row exists: the defaults are then read from the environment at each call


@dataclass(frozen=True)
class PlatformRules:
    """The platform's settings as they apply now."""

    payment_minutes: int  # an unpaid order is cancelled this long after it is placed
    flash_payment_minutes: int  # the same for a flash-sale (秒杀) order
    auto_confirm_days: int  # receipt is confirmed for the buyer this long after shipping
    aftersales_days: int  # a delivered order may ask for after-sales this long (then it completes)
    aftersales_turn_days: int  # days a party has for its turn in an after-sales request
    payment_methods: tuple[str, ...]  # gateway codes the cashier may offer
    commission_bp: int  # the commission where no rule applies, in basis points (500 = 5 %)
    shipping_first_fee: Money  # a shop without a fee template: the first item
    shipping_extra_fee: Money  # ... each other item
    shipping_free_above: Money | None  # ... free at or above these goods; None: no threshold
    updated_by_id: int | None  # None: never saved (the environment's values), or its operator was deleted
    updated_by_name: str  # their display name or masked phone/e-mail; blank when none
    updated_at: dt.datetime | None  # None: never saved

    @property
    def commission_rate(self) -> Decimal:
        """The default commission as a rate (``Decimal("0.05")`` for 5 %), exactly."""
        return Decimal(self.commission_bp).scaleb(-4)

    @property
    def shipping_free(self) -> bool:
        """Whether a shop without a fee template delivers free (both default fees are 0)."""
        return not self.shipping_first_fee.minor and not self.shipping_extra_fee.minor


def rules_of(row: PlatformSettings) -> PlatformRules:
    """The settings ``row`` holds (saved, or an unsaved instance with the environment's values)."""
    free_above = row.shipping_free_above_minor
    return PlatformRules(
        payment_minutes=row.payment_minutes,
        flash_payment_minutes=row.flash_payment_minutes,
        auto_confirm_days=row.auto_confirm_days,
        aftersales_days=row.aftersales_days,
        aftersales_turn_days=row.aftersales_turn_days,
        payment_methods=tuple(row.payment_methods),
        commission_bp=row.commission_bp,
        shipping_first_fee=Money(row.shipping_first_fee_minor, CURRENCY),
        shipping_extra_fee=Money(row.shipping_extra_fee_minor, CURRENCY),
        shipping_free_above=Money(free_above, CURRENCY) if free_above is not None else None,
        updated_by_id=row.updated_by_id,
        updated_by_name=str(row.updated_by) if row.updated_by_id and row.updated_by else "",
        updated_at=row.updated_at,
    )


def _saved() -> PlatformRules | str:
    row = PlatformSettings.objects.select_related("updated_by").filter(pk=PlatformSettings.SINGLETON_PK).first()
    return rules_of(row) if row is not None else _UNSAVED


def platform_settings() -> PlatformRules:
    """The platform settings administrators saved, or the environment's until they first do
    (JISHI_ORDER_PAYMENT_MINUTES, JISHI_FLASH_PAYMENT_MINUTES, JISHI_ORDER_AUTO_CONFIRM_DAYS,
    JISHI_ORDER_AFTERSALES_DAYS, JISHI_AFTERSALES_TURN_DAYS, JISHI_DEFAULT_COMMISSION_RATE; every payment method;
    free delivery for a shop without a fee template).

    Read through Django's cache under one key (``CACHE_KEY``) for ``CACHE_SECONDS`` (60 s): Redis in production,
    where a save's delete reaches every process at once; a per-process locmem cache on the embedded default, where
    another process (a worker) sees a change within a minute. ``services.platform_settings_set`` deletes the key
    at once and again after its commit. A cold cache costs one primary-key query. Until the row is first saved only
    that fact is cached: the environment's values are read at each call, so a changed setting (or a test's
    ``settings.JISHI_...``) applies at once. Needs no permission: these are the rules every order follows.
    """
    saved = cache.get(CACHE_KEY)
    if saved is None:
        saved = _saved()
        cache.set(CACHE_KEY, saved, CACHE_SECONDS)
    return saved if isinstance(saved, PlatformRules) else rules_of(PlatformSettings())


def forget_platform_settings() -> None:
    """Drop the cached settings (a save calls this; so may a test that writes the row itself)."""
    cache.delete(CACHE_KEY)


# The terms and privacy policy ---------------------------------------------------------------------------------


def legal_kind(kind: Any) -> LegalKind:
    """``kind`` as a LegalKind; raises LegalKindUnknown (404, field ``kind``) for anything else."""
    if kind not in LegalKind.values:
        raise LegalKindUnknown(field="kind")
    return LegalKind(kind)


def legal_in_force(kind: str) -> LegalDocument | None:
    """The version of ``kind`` in force (the latest published), or None before any is. Public; one query.
    Raises LegalKindUnknown."""
    return (
        LegalDocument.objects.filter(kind=legal_kind(kind)).select_related("published_by").order_by("-version").first()
    )


def legal_versions_for(actor: Actor, kind: str) -> list[LegalDocument]:
    """Every published version of ``kind``, newest first, with who published it (administrators; one query).
    Raises PermissionDenied, LegalKindUnknown."""
    check(actor, PLATFORM_SETTINGS)
    return list(LegalDocument.objects.filter(kind=legal_kind(kind)).select_related("published_by").order_by("-version"))
