"""Search: the suggestion index (what shoppers may mean as they type) and the log of searches made."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SuggestionKind(models.TextChoices):
    PRODUCT = "product", _("Product")
    CATEGORY = "category", _("Category")
    BREED = "breed", _("Breed")
    SHOP = "shop", _("Shop")


class Suggestion(models.Model):
    """A term shoppers are offered as they type, found by its start, its pinyin or its pinyin initials.

    Rebuilt from the catalog every hour (``suggestions_rebuild``); ``weight`` orders them (sales, listings).
    """

    text = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=SuggestionKind.choices)
    folded = models.CharField(max_length=120, db_index=True)  # lower case, no spaces: "britishshorthair"
    pinyin = models.CharField(max_length=400, db_index=True)  # "maoliang"
    initials = models.CharField(max_length=120, db_index=True)  # "ml"
    weight = models.PositiveIntegerField(default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["kind", "text"], name="search_suggestion_unique_text"),
        ]

    def __str__(self) -> str:
        return self.text


class SearchLog(models.Model):
    """A keyword search a shopper made (its first page), for hot searches, recent searches and the corrections."""

    query = models.CharField(max_length=100)
    folded = models.CharField(max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    found = models.PositiveIntegerField()
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["user", "-at"], name="search_log_user_recent")]

    def __str__(self) -> str:
        return self.query
