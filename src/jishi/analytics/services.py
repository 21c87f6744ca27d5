"""Writes of analytics: recording a visit."""

from django.core.cache import cache
from django.utils import timezone

from jishi.analytics.models import SITE, Visit

_DAY_SECONDS = 25 * 3600  # a little over a day: the key names its day, so it only has to outlive it


def visit_record(*, visitor: str, merchant_id: int | None = None) -> None:
    """Count ``visitor`` today on the site and, for a shop's page, on that shop. One INSERT, duplicates ignored.

    A visitor's further pages of the day (of the site, or of the same shop)
    are known from the shared cache and write nothing.
    """
    day = timezone.localdate()
    if not cache.add(f"analytics:visit:{day.isoformat()}:{merchant_id or SITE}:{visitor}", 1, _DAY_SECONDS):
        return
    rows = [Visit(day=day, scope=SITE, visitor=visitor)]
    if merchant_id:
        rows.append(Visit(day=day, scope=merchant_id, visitor=visitor))
    Visit.objects.bulk_create(rows, ignore_conflicts=True)
