"""Members' points (积分), kept in an append-only ledger, and their tiers (会员等级).

A member's ``balance`` is the sum of their entries; the entry and the change
of the balance are written together, and a spend's guard (``balance >=
points``) is inside the UPDATE that takes the points, so no concurrency can
spend a point twice. Points come in lots (each positive entry) that expire
12 months after they were earned; spending, expiring and taking back use
the lots oldest first, so at every moment the lots still open hold exactly
``max(balance, 0)`` points. A balance can fall below zero only when a refund
takes back points that were already spent: the member owes them, and the
next points earned pay the debt first.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    REGULAR = "regular", _("Regular")
    SILVER = "silver", _("Silver")
    GOLD = "gold", _("Gold")
    DIAMOND = "diamond", _("Diamond")


class Member(models.Model):
    """A user's points balance, tier and check-in streak (one row, made the first time one of them is needed)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="loyalty"
    )
    balance = models.BigIntegerField(default=0)
    tier = models.CharField(max_length=10, choices=Tier.choices, default=Tier.REGULAR)
    # What the member spent over the last 12 months, when the tier was last worked out from it.
    spend_minor = models.BigIntegerField(default=0)
    tier_at = models.DateTimeField(null=True, blank=True)
    streak = models.PositiveIntegerField(default=0)  # days checked in one after another, up to checked_in_on
    checked_in_on = models.DateField(null=True, blank=True)
    birthday = models.DateField(null=True, blank=True)  # set once by the member: a birthday coupon's day
    invite_code = models.CharField(max_length=12, unique=True, null=True, blank=True)  # made when first asked for

    class Meta:
        indexes: ClassVar = [models.Index(fields=["tier"], name="loyalty_member_tier")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.balance}"


class EntryKind(models.TextChoices):
    EARN_ORDER = "earn_order", _("Order completed")
    EARN_REVIEW = "earn_review", _("Review with photos")
    CHECK_IN = "check_in", _("Daily check-in")
    SPEND = "spend", _("Used at checkout")
    GIVE_BACK = "give_back", _("Returned with a refund or cancellation")
    REVERSE = "reverse", _("Taken back with a refund")
    EXPIRE = "expire", _("Expired")
    REFERRAL = "referral", _("Invitation reward")


class PointsEntry(models.Model):
    """One change of a member's points. Never updated but for ``remaining``, never deleted."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    points = models.BigIntegerField()  # signed: what the balance moved by
    # A lot's (a positive entry's) points not yet used, expired or taken back; 0 for the others.
    remaining = models.BigIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)  # a lot's
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # What this entry counts toward the member's tier: an order's paid amount, less what was refunded of it.
    spend_minor = models.BigIntegerField(default=0)
    # What makes it happen once ("earn:order:12", "check_in:7:2026-12-04"): a repeat finds it taken.
    key = models.CharField(max_length=80, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-id",)
        verbose_name_plural = _("points entries")
        indexes: ClassVar = [
            models.Index(fields=["member", "-id"], name="loyalty_entry_history"),
            models.Index(fields=["order", "kind"], name="loyalty_entry_order"),
            models.Index(fields=["expires_at"], condition=Q(remaining__gt=0), name="loyalty_entry_open_lots"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(remaining__gte=0), name="loyalty_entry_remaining_gte_0"),
            models.CheckConstraint(
                condition=Q(remaining=0) | Q(points__gte=models.F("remaining")),
                name="loyalty_entry_remaining_lte_points",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.points:+d}"


# What the rules are until an operator saves them.
DEFAULTS: dict[str, int | None] = {
    "earn_per_yuan": 1,
    "points_per_yuan": 100,
    "max_share_percent": 50,
    "check_in_points": 5,
    "streak_days": 7,
    "streak_bonus": 20,
    "review_points": 20,
    "silver_minor": 100_000,  # ¥1,000 over 12 months
    "gold_minor": 500_000,
    "diamond_minor": 2_000_000,
    "silver_multiplier": 120,  # per cent of the points a regular member earns
    "gold_multiplier": 150,
    "diamond_multiplier": 200,
    # A tier's orders ship free from this much of goods (after discounts); None: no free shipping.
    "silver_free_shipping_minor": None,
    "gold_free_shipping_minor": 9_900,
    "diamond_free_shipping_minor": 0,
    "inviter_points": 500,  # each, when an invitee's first order completes
    "invitee_points": 500,
    "invite_template_id": None,  # a platform coupon template both get, with the points, for an invitation
    "birthday_template_id": None,  # a platform coupon template given on members' birthdays; None: none
    "birthday_tier_rank": 1,  # from this tier up (0 regular … 3 diamond)
}


class LoyaltySettings(models.Model):
    """The platform's points and tier rules (积分与会员设置), one row (pk 1) that operators edit."""

    SINGLETON_PK = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_PK, editable=False)
    earn_per_yuan = models.PositiveIntegerField(default=DEFAULTS["earn_per_yuan"])  # earned per ¥1 paid
    points_per_yuan = models.PositiveIntegerField(default=DEFAULTS["points_per_yuan"])  # worth ¥1 at checkout
    max_share_percent = models.PositiveSmallIntegerField(default=DEFAULTS["max_share_percent"])
    check_in_points = models.PositiveIntegerField(default=DEFAULTS["check_in_points"])
    streak_days = models.PositiveSmallIntegerField(default=DEFAULTS["streak_days"])  # a bonus every so many days
    streak_bonus = models.PositiveIntegerField(default=DEFAULTS["streak_bonus"])
    review_points = models.PositiveIntegerField(default=DEFAULTS["review_points"])
    silver_minor = models.BigIntegerField(default=DEFAULTS["silver_minor"])
    gold_minor = models.BigIntegerField(default=DEFAULTS["gold_minor"])
    diamond_minor = models.BigIntegerField(default=DEFAULTS["diamond_minor"])
    silver_multiplier = models.PositiveSmallIntegerField(default=DEFAULTS["silver_multiplier"])
    gold_multiplier = models.PositiveSmallIntegerField(default=DEFAULTS["gold_multiplier"])
    diamond_multiplier = models.PositiveSmallIntegerField(default=DEFAULTS["diamond_multiplier"])
    silver_free_shipping_minor = models.BigIntegerField(null=True, blank=True)
    gold_free_shipping_minor = models.BigIntegerField(null=True, blank=True, default=9_900)
    diamond_free_shipping_minor = models.BigIntegerField(null=True, blank=True, default=0)
    inviter_points = models.PositiveIntegerField(default=500)
    invitee_points = models.PositiveIntegerField(default=500)
    invite_template = models.ForeignKey(
        "promotions.CouponTemplate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    birthday_template = models.ForeignKey(
        "promotions.CouponTemplate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    birthday_tier_rank = models.PositiveSmallIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("points and tier settings")
        verbose_name_plural = _("points and tier settings")
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(id=1), name="loyalty_settings_single_row"),
            models.CheckConstraint(
                condition=Q(silver_minor__gt=0)
                & Q(gold_minor__gt=models.F("silver_minor"))
                & Q(diamond_minor__gt=models.F("gold_minor")),
                name="loyalty_settings_tiers_rise",
            ),
            models.CheckConstraint(
                condition=Q(max_share_percent__gte=1) & Q(max_share_percent__lte=100), name="loyalty_settings_share"
            ),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


TIER_RANK = {Tier.REGULAR: 0, Tier.SILVER: 1, Tier.GOLD: 2, Tier.DIAMOND: 3}


class MemberPrice(models.Model):
    """会员价: a SKU's price for members of ``min_tier`` and up, which its shop set."""

    sku = models.OneToOneField("catalog.Sku", on_delete=models.CASCADE, related_name="+")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.CASCADE, related_name="+")
    price_minor = models.BigIntegerField()
    min_tier = models.CharField(max_length=10, choices=Tier.choices, default=Tier.SILVER)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(price_minor__gte=1), name="loyalty_member_price_gte_1"),
            models.CheckConstraint(condition=~Q(min_tier=Tier.REGULAR), name="loyalty_member_price_for_a_tier"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.price_minor} ({self.min_tier})"


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the first order")
    REWARDED = "rewarded", _("Rewarded")
    VOID = "void", _("Void: the first order was refunded")


class Referral(models.Model):
    """One level only: an invitee was brought by an inviter. Both are rewarded once, when the invitee's first
    order completes; a full refund of that order takes the rewards back."""

    inviter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    invitee = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.PENDING)
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    rewarded_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    inviter_coupon_id = models.BigIntegerField(null=True, blank=True)  # the invitation's coupons, when it gave any
    invitee_coupon_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["inviter", "-created_at"], name="loyalty_referral_inviter")]
        constraints: ClassVar = [
            models.CheckConstraint(condition=~Q(inviter=models.F("invitee")), name="loyalty_referral_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.inviter_id} → {self.invitee_id} ({self.status})"


class Device(models.Model):
    """A browser a member used (the keyed hash of its device cookie), so an invitation from the same device
    rewards nobody."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    device_hash = models.CharField(max_length=64)
    seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "device_hash"], name="loyalty_device_once"),
        ]
        indexes: ClassVar = [models.Index(fields=["device_hash"], name="loyalty_device_hash")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.device_hash[:8]}"


class BirthdayGift(models.Model):
    """A birthday coupon given: once a member a year."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    coupon_id = models.BigIntegerField(null=True, blank=True)
    given_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "year"], name="loyalty_birthday_once_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.year}"
