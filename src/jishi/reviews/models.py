"""Reviews (评价) of delivered order lines: one per line by its buyer, a follow-up (追评), one shop reply.

Nothing here lets a shop edit, hide or delete a review: only the buyer
writes it and only an operator (moderation, audited) holds or removes it.
The product's figures are counted from the published rows.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MAX_PHOTOS = 9
FOLLOW_UP_DAYS = 180


class ReviewStatus(models.TextChoices):
    PUBLISHED = "published", pgettext_lazy("review", "Published")
    HELD = "held", _("Held for moderation")
    REMOVED = "removed", _("Removed by the platform")


class Review(models.Model):
    order_line = models.OneToOneField("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="+")
    sku_label = models.CharField(max_length=120, blank=True)
    stars = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=500, blank=True)
    anonymous = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PUBLISHED)
    has_photos = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    follow_up_text = models.CharField(max_length=500, blank=True)
    follow_up_at = models.DateTimeField(null=True, blank=True)
    reply_text = models.CharField(max_length=300, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField(null=True, blank=True)  # reported and not yet looked at by an operator
    moderation_note = models.CharField(max_length=200, blank=True)  # why it is held, or why it was removed
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-id",)
        indexes: ClassVar = [
            models.Index(fields=["product", "status", "-has_photos", "-id"], name="reviews_product_page"),
            models.Index(fields=["merchant", "-id"], name="reviews_merchant"),
            models.Index(fields=["buyer", "-id"], name="reviews_buyer"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(stars__gte=1) & Q(stars__lte=5), name="reviews_stars_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.stars}★"


class ReviewPhoto(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="reviews/%Y/%m/")
    thumbnail = models.ImageField(upload_to="reviews/thumbs/%Y/%m/")
    follow_up = models.BooleanField(default=False)  # added with the 追评
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("follow_up", "position", "id")
        constraints: ClassVar = [
            # At most MAX_PHOTOS (9) with the review and 9 with its follow-up, whatever a caller does.
            models.UniqueConstraint(fields=["review", "follow_up", "position"], name="reviews_photo_position_once"),
            models.CheckConstraint(condition=Q(position__lt=MAX_PHOTOS), name="reviews_photo_at_most_9"),
        ]

    def __str__(self) -> str:
        return self.image.name or ""


class ReportReason(models.TextChoices):
    ABUSE = "abuse", _("Abusive or offensive")
    ADVERTISING = "advertising", _("Advertising or spam")
    IRRELEVANT = "irrelevant", _("Not about this product")
    PRIVACY = "privacy", _("Shows personal information")
    FAKE = "fake", _("Looks fake or paid for")


class ReviewReport(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=12, choices=ReportReason.choices)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["review", "reporter"], name="reviews_report_once"),
        ]

    def __str__(self) -> str:
        return f"{self.review_id}: {self.reason}"


class ReviewTerm(models.Model):
    """A word a review may not use: a review with it waits for an operator."""

    term = models.CharField(max_length=30, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.term


class ShopRating(models.Model):
    """The buyer's three scores (店铺评分) for the shop of one completed order: 描述相符, 服务态度, 物流服务."""

    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="+")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="+")
    description = models.PositiveSmallIntegerField()
    service = models.PositiveSmallIntegerField()
    logistics = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["merchant", "created_at"], name="reviews_shop_rating_recent")]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(description__range=(1, 5), service__range=(1, 5), logistics__range=(1, 5)),
                name="reviews_shop_rating_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id}: {self.description}/{self.service}/{self.logistics}"
