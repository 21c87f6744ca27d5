"""The platform's policies that are operators' business rather than the deployment's: one settings row (order
time-outs, after-sales windows, payment methods offered, the default commission and shipping fee) and the terms
and privacy policy, kept as append-only versions.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Ranges of the settings; the database holds them too.
PAYMENT_MINUTES_RANGE = (5, 1440)
FLASH_PAYMENT_MINUTES_RANGE = (1, 60)
AUTO_CONFIRM_DAYS_RANGE = (1, 30)
AFTERSALES_DAYS_RANGE = (0, 30)
AFTERSALES_TURN_DAYS_RANGE = (1, 30)
COMMISSION_BP_RANGE = (0, 5_000)  # 0 to 50 %, in basis points (100 = 1 %)
SHIPPING_FEE_MINOR_RANGE = (0, 100_000)  # a default fee per parcel item: at most ¥1,000
SHIPPING_FREE_ABOVE_MINOR_RANGE = (1, 10_000_000)  # the free-delivery threshold: ¥0.01 to ¥100,000

# The gateways the platform has, by the codes payments gives them (payments.gateways: AlipayGateway.code, ...).
# policies sits below payments and may not import it; a test keeps the two lists equal.
PAYMENT_METHODS = ("alipay", "wechatpay", "unionpay", "sandbox")

LEGAL_BODY_MAX_LENGTH = 50_000


def _default_payment_minutes() -> int:
    return int(settings.JISHI_ORDER_PAYMENT_MINUTES)


def _default_flash_payment_minutes() -> int:
    return int(settings.JISHI_FLASH_PAYMENT_MINUTES)


def _default_auto_confirm_days() -> int:
    return int(settings.JISHI_ORDER_AUTO_CONFIRM_DAYS)


def _default_aftersales_days() -> int:
    return int(settings.JISHI_ORDER_AFTERSALES_DAYS)


def _default_aftersales_turn_days() -> int:
    return int(settings.JISHI_AFTERSALES_TURN_DAYS)


def _default_payment_methods() -> list[str]:
    # Until saved, every method the deployment has settings for is offered, as before these settings existed.
    return list(PAYMENT_METHODS)


def _default_commission_bp() -> int:
    rate = Decimal(str(settings.JISHI_DEFAULT_COMMISSION_RATE))  # a rate: "0.05" is 5 %
    return int(rate.scaleb(4).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _in(name: str, bounds: tuple[int, int]) -> Q:
    return Q(**{f"{name}__gte": bounds[0]}) & Q(**{f"{name}__lte": bounds[1]})


class PlatformSettings(models.Model):
    """The platform's settings (平台设置), one row (pk 1) that administrators edit. Until it is first saved, an
    unsaved instance carries the environment's values (JISHI_ORDER_PAYMENT_MINUTES, JISHI_FLASH_PAYMENT_MINUTES,
    JISHI_ORDER_AUTO_CONFIRM_DAYS, JISHI_ORDER_AFTERSALES_DAYS, JISHI_AFTERSALES_TURN_DAYS,
    JISHI_DEFAULT_COMMISSION_RATE; every payment method; free delivery for a shop without a fee template)."""

    SINGLETON_PK = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_PK, editable=False)
    # An unpaid order is cancelled this long after it is placed; a flash-sale (秒杀) order sooner.
    payment_minutes = models.PositiveSmallIntegerField(default=_default_payment_minutes)
    flash_payment_minutes = models.PositiveSmallIntegerField(default=_default_flash_payment_minutes)
    # Receipt is confirmed for the buyer this many days after shipping.
    auto_confirm_days = models.PositiveSmallIntegerField(default=_default_auto_confirm_days)
    # A delivered order may ask for after-sales (and its money stays in escrow) this many days.
    aftersales_days = models.PositiveSmallIntegerField(default=_default_aftersales_days)
    # Days a party has for its turn in an after-sales request: send goods back, receive them, escalate.
    aftersales_turn_days = models.PositiveSmallIntegerField(default=_default_aftersales_turn_days)
    # The gateway codes the cashier offers (of those the deployment has settings for).
    payment_methods = models.JSONField(default=_default_payment_methods)
    # The commission where no rule applies, in basis points (500 = 5 %).
    commission_bp = models.PositiveIntegerField(default=_default_commission_bp)
    # A shop without a fee template charges per item: the first, each other, free at or above the threshold.
    # Both fees 0 (the default): delivered free, as before these settings existed.
    shipping_first_fee_minor = models.BigIntegerField(default=0)
    shipping_extra_fee_minor = models.BigIntegerField(default=0)
    shipping_free_above_minor = models.BigIntegerField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("platform settings")
        verbose_name_plural = _("platform settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="policies_settings_single_row"),
            models.CheckConstraint(
                condition=_in("payment_minutes", PAYMENT_MINUTES_RANGE), name="policies_payment_minutes_range"
            ),
            models.CheckConstraint(
                condition=_in("flash_payment_minutes", FLASH_PAYMENT_MINUTES_RANGE),
                name="policies_flash_minutes_range",
            ),
            models.CheckConstraint(
                condition=_in("auto_confirm_days", AUTO_CONFIRM_DAYS_RANGE), name="policies_confirm_days_range"
            ),
            models.CheckConstraint(
                condition=_in("aftersales_days", AFTERSALES_DAYS_RANGE), name="policies_aftersales_days_range"
            ),
            models.CheckConstraint(
                condition=_in("aftersales_turn_days", AFTERSALES_TURN_DAYS_RANGE), name="policies_turn_days_range"
            ),
            models.CheckConstraint(condition=_in("commission_bp", COMMISSION_BP_RANGE), name="policies_rate_range"),
            models.CheckConstraint(
                condition=_in("shipping_first_fee_minor", SHIPPING_FEE_MINOR_RANGE)
                & _in("shipping_extra_fee_minor", SHIPPING_FEE_MINOR_RANGE),
                name="policies_shipping_fee_range",
            ),
            models.CheckConstraint(
                condition=Q(shipping_free_above_minor__isnull=True)
                | _in("shipping_free_above_minor", SHIPPING_FREE_ABOVE_MINOR_RANGE),
                name="policies_shipping_free_range",
            ),
        ]

    def __str__(self) -> str:
        return str(_("platform settings"))


class LegalKind(models.TextChoices):
    TERMS = "terms", _("User agreement")
    PRIVACY = "privacy", _("Privacy policy")


class LegalDocument(models.Model):
    """One published version of the terms (用户协议) or the privacy policy (隐私政策). Append-only: a new text is
    a new row whose version is the previous one's + 1, and the highest version of a kind is in force."""

    kind = models.CharField(max_length=16, choices=LegalKind.choices)
    version = models.PositiveIntegerField()
    body = models.TextField(max_length=LEGAL_BODY_MAX_LENGTH)
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("legal document")
        verbose_name_plural = _("legal documents")
        ordering = ("kind", "-version")
        constraints = [
            # Two administrators publishing at once cannot both get the same number: one of them is refused.
            models.UniqueConstraint(fields=["kind", "version"], name="policies_legal_kind_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="policies_legal_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"
