"""Storefront visits, counted once per visitor, day and shop (the denominator of conversion), and member segments
(用户画像): each buyer's RFM figures and the coupon campaigns sent to a segment."""

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jishi.core.money import CURRENCY, MoneyField

SITE = 0  # the ``scope`` of a visit to the marketplace as a whole


class Visit(models.Model):
    """One visitor seen on one day, on the site (scope 0) or on one merchant's pages (scope = merchant id).

    ``visitor`` is a random id from a first-party cookie, never a person's
    identity. A plain integer scope (not a nullable foreign key) keeps the
    unique constraint meaningful on every database: NULLs are all distinct.
    """

    day = models.DateField()
    scope = models.PositiveBigIntegerField(default=SITE)
    visitor = models.CharField(max_length=32)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["scope", "day", "visitor"], name="analytics_one_visit_per_day_and_scope")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.scope} {self.visitor}"


# Member segments (用户画像, RFM) ---------------------------------------------------------------------------------

NEW_DAYS = 30  # first paid order at most this many days ago: new (新客)
ACTIVE_DAYS = 90  # last paid order at most this many days ago: active or high value
AT_RISK_DAYS = 180  # … at most this many: at risk; beyond: lapsed
HIGH_VALUE_ORDERS = 3  # at least this many paid orders in the year …
HIGH_VALUE_SHARE_PERCENT = 20  # … and spend in the top fifth of segmented buyers: high value
WINDOW_DAYS = 365  # frequency and monetary count the last year


class Segment(models.TextChoices):
    # Named "… members" so that each name is a message of its own ("Active" alone is an account's status).
    NEW = "new", _("New members")
    HIGH_VALUE = "high_value", _("High-value members")
    ACTIVE = "active", _("Active members")
    AT_RISK = "at_risk", _("At-risk members")
    LAPSED = "lapsed", _("Lapsed members")


# Each segment's rule, as the console and the API explain it.
SEGMENT_RULES: dict[str, Any] = {
    Segment.NEW: _("First paid order within the last 30 days."),
    Segment.HIGH_VALUE: _(
        "Paid within 90 days, at least 3 paid orders in the last year, and spend in the top 20 % of buyers."
    ),
    Segment.ACTIVE: _("Paid within 90 days, not new and not high value."),
    Segment.AT_RISK: _("Last paid order 91 to 180 days ago."),
    Segment.LAPSED: _("Last paid order more than 180 days ago."),
}


class MemberSegment(models.Model):
    """One buyer's RFM figures and segment, as the nightly sweep last computed them (the table is replaced whole).

    Only buyers with at least one paid order have a row. ``recency_days`` is
    calendar days (site time zone) since the last paid order; ``frequency``
    is the paid orders of the last 365 days that were not refunded in full;
    ``monetary_minor`` is what those days' orders paid less what was refunded
    on them, in fen.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    segment = models.CharField(max_length=20, choices=Segment.choices)
    recency_days = models.PositiveIntegerField()
    frequency = models.PositiveIntegerField()
    monetary_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3, default=CURRENCY)
    first_paid_at = models.DateTimeField()
    computed_at = models.DateTimeField()

    monetary = MoneyField("monetary_minor")

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["segment", "-monetary_minor", "user"], name="analytics_segment_members"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.segment}"


class SegmentCampaign(models.Model):
    """An operator sent one coupon of a platform template to each member of a segment."""

    segment = models.CharField(max_length=20, choices=Segment.choices)
    template = models.ForeignKey("promotions.CouponTemplate", on_delete=models.PROTECT, related_name="+")
    targeted = models.PositiveIntegerField()  # the segment's members when it was sent
    given = models.PositiveIntegerField()  # those who got a coupon; the rest were at the limit or it ran out
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(given__lte=F("targeted")), name="analytics_campaign_given_lte_targeted")
        ]

    def __str__(self) -> str:
        return f"{self.segment} × {self.template_id}"

    @property
    def skipped(self) -> int:
        return self.targeted - self.given


class SegmentCampaignCoupon(models.Model):
    """A coupon a campaign gave: whether it was used is the coupon's own ``used_at``."""

    campaign = models.ForeignKey(SegmentCampaign, on_delete=models.CASCADE, related_name="coupons")
    coupon = models.OneToOneField("promotions.Coupon", on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.coupon_id}"
