"""The recommendations tables, rebuilt nightly from real orders, favourites and views: each product's nearest
neighbours by item-item cosine similarity (看了又看 / 买了又买), and the best sellers of the last 30 days, the
fallback for products without neighbours and members without a history."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class SimilarKind(models.TextChoices):
    BOUGHT = "bought", _("Bought together")  # 买了又买: co-purchases only
    VIEWED = "viewed", _("Viewed together")  # 看了又看: views, favourites and purchases


class Similar(models.Model):
    """One of a product's nearest neighbours of one kind, with their cosine similarity (0, 1]."""

    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=SimilarKind.choices)
    score = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "kind", "other"], name="recommendations_similar_once"),
            models.CheckConstraint(condition=~Q(product=F("other")), name="recommendations_similar_not_itself"),
            models.CheckConstraint(condition=Q(score__gt=0), name="recommendations_similar_score_gt_0"),
        ]
        indexes = [
            models.Index(fields=["product", "kind", "-score"], name="recommendations_similar_top"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} ~{self.kind} {self.other_id}: {self.score:.3f}"


class Popular(models.Model):
    """A best seller: units paid for in the last 30 days, ranked from 1."""

    product = models.OneToOneField("catalog.Product", on_delete=models.CASCADE, related_name="+")
    units = models.PositiveIntegerField()
    rank = models.PositiveIntegerField(unique=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(rank__gte=1), name="recommendations_popular_rank_gte_1")]

    def __str__(self) -> str:
        return f"#{self.rank} {self.product_id}: {self.units}"
