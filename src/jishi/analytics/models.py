"""Storefront visits, counted once per visitor, day and shop: the denominator of conversion."""

from typing import ClassVar

from django.db import models

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
