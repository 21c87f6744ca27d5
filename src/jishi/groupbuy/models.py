"""拼团: a shop's campaigns, the groups (团) buyers open and join, and each buyer's place in one.

The honest counts live in the rows: a group's ``members`` is the number of
paid members in it now, moved only by guarded UPDATEs (never past its
``capacity``), and every member row names the paid order that earns it.
A campaign prices each of its SKUs per group size (阶梯拼团): a plain
campaign has one size; with several, members pay the first size's price
and get the difference back if the group closes at a larger size.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jishi.core.money import CURRENCY, MoneyField

MIN_SIZE, MAX_SIZE = 2, 50


class CampaignStatus(models.TextChoices):
    ACTIVE = "active", _("Running")
    STOPPED = "stopped", _("Stopped")


class TeamCampaign(models.Model):
    """A 拼团 offer on one product of a shop: its SKUs at group prices, for groups of a size, for a time."""

    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="team_campaigns")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="team_campaigns")
    # The smallest group that forms (the first tier) and the size at which a group closes at once (the last).
    min_size = models.PositiveSmallIntegerField()
    max_size = models.PositiveSmallIntegerField()
    window_minutes = models.PositiveIntegerField()  # how long each group has to fill
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()  # no group opens after this; open groups keep their own window
    per_user_limit = models.PositiveIntegerField()  # units one buyer may hold in the campaign's orders
    status = models.CharField(max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(min_size__gte=MIN_SIZE, min_size__lte=F("max_size"), max_size__lte=MAX_SIZE),
                name="groupbuy_campaign_sizes",
            ),
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="groupbuy_campaign_window"),
            models.CheckConstraint(condition=Q(window_minutes__gte=1), name="groupbuy_campaign_minutes_gte_1"),
            models.CheckConstraint(condition=Q(per_user_limit__gte=1), name="groupbuy_campaign_limit_gte_1"),
        ]
        indexes = [
            models.Index(fields=["product", "status", "ends_at"], name="groupbuy_campaign_product"),
            models.Index(fields=["merchant", "-created_at"], name="groupbuy_campaign_merchant"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.min_size}-{self.max_size}"

    @property
    def tiered(self) -> bool:
        return self.min_size < self.max_size


class TeamTier(models.Model):
    """A SKU's price in groups of at least ``size`` members."""

    campaign = models.ForeignKey(TeamCampaign, on_delete=models.CASCADE, related_name="tiers")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    size = models.PositiveSmallIntegerField()
    currency = models.CharField(max_length=3, default=CURRENCY)
    price_minor = models.BigIntegerField()

    price = MoneyField("price_minor")

    class Meta:
        ordering = ("sku_id", "size")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "sku", "size"], name="groupbuy_tier_once"),
            models.CheckConstraint(condition=Q(price_minor__gte=1), name="groupbuy_tier_price_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} ×{self.size}: {self.price_minor}"


class TeamStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("group", "Open")
    FORMED = "formed", _("Formed")
    DISSOLVED = "dissolved", _("Dissolved")


class Team(models.Model):
    """One group (团): opened by a paying buyer (团长), joined by others paying, formed or dissolved once."""

    campaign = models.ForeignKey(TeamCampaign, on_delete=models.PROTECT, related_name="teams")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=TeamStatus.choices, default=TeamStatus.OPEN)
    members = models.PositiveSmallIntegerField(default=1)  # paid members in it now
    capacity = models.PositiveSmallIntegerField()  # the campaign's largest size
    opened_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(members__lte=F("capacity")), name="groupbuy_team_within_capacity"),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="groupbuy_team_due"),
            models.Index(fields=["campaign", "status", "-members"], name="groupbuy_team_filling"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}#{self.pk}: {self.members}/{self.capacity}"

    @property
    def left(self) -> int:
        return self.capacity - self.members


class MemberStatus(models.TextChoices):
    PLACED = "placed", _("Awaiting payment")
    JOINED = "joined", _("In the group")
    FORMED = "formed", _("In a formed group")
    LEFT = "left", _("Left and refunded")
    REFUNDED = "refunded", _("Refunded: the group did not fill")
    CANCELLED = "cancelled", _("Not paid")


class TeamMember(models.Model):
    """One buyer's order in a campaign: placed to join a group (or to open one), seated when paid."""

    campaign = models.ForeignKey(TeamCampaign, on_delete=models.PROTECT, related_name="+")
    # The group asked for at placement (None: open a new one); the group sat in once paid.
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="seats")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="team_member")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default=CURRENCY)
    unit_price_minor = models.BigIntegerField()  # the first tier's price, paid
    status = models.CharField(max_length=20, choices=MemberStatus.choices, default=MemberStatus.PLACED)
    joined_at = models.DateTimeField(null=True, blank=True)

    unit_price = MoneyField("unit_price_minor")

    class Meta:
        ordering = ("joined_at", "pk")
        constraints = [
            # One seat per buyer per group: nobody fills a group alone.
            models.UniqueConstraint(
                fields=["team", "buyer"], condition=Q(status="joined"), name="groupbuy_member_once_per_team"
            ),
        ]
        indexes = [
            models.Index(fields=["team", "status"], name="groupbuy_member_team"),
        ]

    def __str__(self) -> str:
        return f"{self.team_id}/{self.buyer_id}: {self.status}"


class TeamBuyer(models.Model):
    """How many units of a campaign one buyer holds in orders not cancelled or refunded: the limit's guard row."""

    campaign = models.ForeignKey(TeamCampaign, on_delete=models.CASCADE, related_name="+")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    units = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "buyer"], name="groupbuy_buyer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.buyer_id}: {self.units}"
