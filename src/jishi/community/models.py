"""社区团购: group leaders (团长) and their pickup points, a shop's community campaigns with a cut-off (截团), the
batches each point receives after it, and each paid order's pickup with its code.

Coordinates are kept as integer millionths of a degree (about 0.1 m), so
they compare and sort exactly on SQLite and PostgreSQL alike; the distance
is computed from them in Python after a bounding-box query.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jishi.core.money import CURRENCY, MoneyField


class LeaderStatus(models.TextChoices):
    APPLIED = "applied", _("Awaiting review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")


class PointKind(models.TextChoices):
    HOME = "home", pgettext_lazy("pickup point", "Home")
    SHOP = "shop", pgettext_lazy("pickup point", "Shop")
    PARCEL_STATION = "parcel_station", _("Parcel station")
    PROPERTY_OFFICE = "property_office", _("Property office")


class Leader(models.Model):
    """A resident who runs a pickup point (团长): applies with a verified real name, approved by an operator."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="leader")
    status = models.CharField(max_length=20, choices=LeaderStatus.choices, default=LeaderStatus.APPLIED)
    applied_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)  # why rejected or suspended

    class Meta:
        indexes = [models.Index(fields=["status", "applied_at"], name="community_leader_queue")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.status}"


class PickupPoint(models.Model):
    """Where residents collect their goods: the leader's home, shop, parcel station or property office."""

    leader = models.OneToOneField(Leader, on_delete=models.PROTECT, related_name="point")
    name = models.CharField(max_length=40)
    kind = models.CharField(max_length=20, choices=PointKind.choices)
    province = models.CharField(max_length=30)
    city = models.CharField(max_length=30)
    district = models.CharField(max_length=30)
    detail = models.CharField(max_length=200)
    latitude_e6 = models.IntegerField()  # millionths of a degree, -90e6 to 90e6
    longitude_e6 = models.IntegerField()  # -180e6 to 180e6
    hours = models.CharField(max_length=60)  # as the leader writes them: 每天 9:00-21:00
    capacity = models.PositiveIntegerField()  # orders the point can hold at once

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude_e6__gte=-90_000_000, latitude_e6__lte=90_000_000), name="community_point_lat"
            ),
            models.CheckConstraint(
                condition=Q(longitude_e6__gte=-180_000_000, longitude_e6__lte=180_000_000), name="community_point_lng"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="community_point_capacity_gte_1"),
        ]
        indexes = [models.Index(fields=["latitude_e6", "longitude_e6"], name="community_point_geo")]

    def __str__(self) -> str:
        return self.name

    @property
    def address_line(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.detail}"

    @property
    def latitude(self) -> float:
        return self.latitude_e6 / 1_000_000

    @property
    def longitude(self) -> float:
        return self.longitude_e6 / 1_000_000


class Residence(models.Model):
    """The pickup point a resident chose: remembered, so the campaigns shown are the ones it receives."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="residence")
    point = models.ForeignKey(PickupPoint, on_delete=models.PROTECT, related_name="residents")
    chosen_at = models.DateTimeField(auto_now=True)
    # The last leader's share link the resident followed, and for which campaign: that campaign's orders are the
    # sharing leader's (their commission), wherever they are collected.
    shared_by = models.ForeignKey(
        "Leader", null=True, blank=True, on_delete=models.SET_NULL, related_name="shared_residences"
    )
    shared_campaign = models.ForeignKey(
        "CommunityCampaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.user_id} → {self.point_id}"


class CampaignStatus(models.TextChoices):
    ACTIVE = "active", _("Running")
    STOPPED = "stopped", _("Stopped")


class CommunityCampaign(models.Model):
    """A shop's community group buy (社区团购): SKUs at a community price, ordered until the cut-off (截团),
    delivered in one batch per pickup point and collected from the expected pickup date."""

    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="community_campaigns")
    title = models.CharField(max_length=40)
    starts_at = models.DateTimeField()
    cutoff_at = models.DateTimeField()
    pickup_on = models.DateField()
    # The points it serves (none: every point), or a city it serves (blank: anywhere).
    points = models.ManyToManyField(PickupPoint, blank=True, related_name="campaigns")
    city = models.CharField(max_length=30, blank=True)
    # The leaders' commission on this campaign in basis points (100 = 1 %); None: the platform's default.
    leader_rate_bp = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.ACTIVE)
    cut_off = models.BooleanField(default=False)  # its batches were built
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=F("cutoff_at")), name="community_campaign_window"),
            models.CheckConstraint(
                condition=Q(leader_rate_bp__isnull=True) | Q(leader_rate_bp__lte=10_000), name="community_rate_lte_100"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "cutoff_at"], name="community_campaign_due"),
            models.Index(fields=["merchant", "-created_at"], name="community_campaign_merchant"),
        ]

    def __str__(self) -> str:
        return self.title


class CommunityItem(models.Model):
    """A SKU of a community campaign at its community price."""

    campaign = models.ForeignKey(CommunityCampaign, on_delete=models.CASCADE, related_name="items")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3, default=CURRENCY)
    price_minor = models.BigIntegerField()

    price = MoneyField("price_minor")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "sku"], name="community_item_once"),
            models.CheckConstraint(condition=Q(price_minor__gte=1), name="community_item_price_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.price_minor}"


class BatchStatus(models.TextChoices):
    PACKING = "packing", _("To send")
    SENT = "sent", _("Sent to the point")
    ARRIVED = "arrived", _("Arrived at the point")


class Batch(models.Model):
    """What one shop sends one pickup point for one campaign after its cut-off: its paid orders' lines."""

    campaign = models.ForeignKey(CommunityCampaign, on_delete=models.PROTECT, related_name="batches")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="+")
    point = models.ForeignKey(PickupPoint, on_delete=models.PROTECT, related_name="batches")
    status = models.CharField(max_length=20, choices=BatchStatus.choices, default=BatchStatus.PACKING)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["merchant", "status"], name="community_batch_merchant"),
            models.Index(fields=["point", "status"], name="community_batch_point"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.point_id}: {self.status}"


class PickupStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for the cut-off")
    SENT = "sent", _("On its way to the point")  # 待团长收货
    READY = "ready", _("Ready to collect")  # 待自提
    COLLECTED = "collected", _("Collected")
    CANCELLED = "cancelled", _("Refunded")


class Pickup(models.Model):
    """A paid order to be collected at a point, with its 6-digit code (kept sealed for its buyer, and as a keyed
    digest the leader's typed code is looked up by)."""

    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="pickup")
    point = models.ForeignKey(PickupPoint, on_delete=models.PROTECT, related_name="pickups")
    campaign = models.ForeignKey(CommunityCampaign, on_delete=models.PROTECT, related_name="pickups")
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.PROTECT, related_name="pickups")
    code_sealed = models.TextField()
    code_digest = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=PickupStatus.choices, default=PickupStatus.WAITING)
    ready_at = models.DateTimeField(null=True, blank=True)
    collected_at = models.DateTimeField(null=True, blank=True)
    flagged_at = models.DateTimeField(null=True, blank=True)  # not collected in time: the leader and shop were told
    # Who earns the commission on the order, at what rate (fixed when it was paid): the leader whose share link
    # brought it, or else the point's.
    leader = models.ForeignKey(Leader, null=True, blank=True, on_delete=models.PROTECT, related_name="credited_pickups")
    leader_rate_bp = models.PositiveIntegerField(default=0)
    via_link = models.BooleanField(default=False)

    class Meta:
        constraints = [
            # A code is the point's own until its goods are collected.
            models.UniqueConstraint(
                fields=["point", "code_digest"],
                condition=Q(status__in=["waiting", "sent", "ready"]),
                name="community_code_unique_at_point",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="community_pickup_campaign"),
            models.Index(fields=["status", "ready_at"], name="community_pickup_uncollected"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}@{self.point_id}: {self.status}"


# The operators' group-buy settings ----------------------------------------------------------------------------

# Ranges of the settings; the database holds them too. A 拼团 group's window stops at groupbuy's MAX_WINDOW_HOURS
# (a test keeps the two equal: community may not import groupbuy, which reads these settings).
TEAM_WINDOW_HOURS_RANGE = (1, 72)
LEADER_RATE_BP_RANGE = (0, 10_000)
UNCOLLECTED_DAYS_RANGE = (1, 30)


def _default_team_window_hours() -> int:
    return int(settings.JISHI_TEAM_WINDOW_HOURS)


def _default_leader_rate_bp() -> int:
    return int(settings.JISHI_LEADER_RATE_BP)


def _default_uncollected_days() -> int:
    return int(settings.JISHI_PICKUP_UNCOLLECTED_DAYS)


class GroupBuySettings(models.Model):
    """The platform's group-buy rules (拼团/社区团购设置), one row (pk 1) that operators edit. Until it is first
    saved, an unsaved instance carries the environment's values (JISHI_TEAM_WINDOW_HOURS, JISHI_LEADER_RATE_BP,
    JISHI_PICKUP_UNCOLLECTED_DAYS)."""

    SINGLETON_PK = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_PK, editable=False)
    # A new 拼团 campaign's groups have this long to fill unless the shop gives its own window.
    team_window_hours = models.PositiveSmallIntegerField(default=_default_team_window_hours)
    # The leaders' commission on a community campaign that sets none, in basis points (100 = 1 %).
    leader_rate_bp = models.PositiveIntegerField(default=_default_leader_rate_bp)
    # An order ready at a point for this many days uncollected is flagged to its leader and shop.
    uncollected_days = models.PositiveSmallIntegerField(default=_default_uncollected_days)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("group-buy settings")
        verbose_name_plural = _("group-buy settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="community_settings_single_row"),
            models.CheckConstraint(
                condition=Q(team_window_hours__gte=TEAM_WINDOW_HOURS_RANGE[0])
                & Q(team_window_hours__lte=TEAM_WINDOW_HOURS_RANGE[1]),
                name="community_settings_window_range",
            ),
            models.CheckConstraint(
                condition=Q(leader_rate_bp__gte=LEADER_RATE_BP_RANGE[0])
                & Q(leader_rate_bp__lte=LEADER_RATE_BP_RANGE[1]),
                name="community_settings_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(uncollected_days__gte=UNCOLLECTED_DAYS_RANGE[0])
                & Q(uncollected_days__lte=UNCOLLECTED_DAYS_RANGE[1]),
                name="community_settings_days_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team_window_hours} h, {self.leader_rate_bp} bp, {self.uncollected_days} d"
