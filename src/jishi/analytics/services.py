"""Writes of analytics: recording a visit."""

from django.utils import timezone

from jishi.analytics.models import SITE, Visit


def visit_record(*, visitor: str, merchant_id: int | None = None) -> None:
    """Count ``visitor`` today on the site and, for a shop's page, on that shop. One INSERT, duplicates ignored."""
    day = timezone.localdate()
    rows = [Visit(day=day, scope=SITE, visitor=visitor)]
    if merchant_id:
        rows.append(Visit(day=day, scope=merchant_id, visitor=visitor))
    Visit.objects.bulk_create(rows, ignore_conflicts=True)
