"""Reads of the notifications domain: a user sees only their own inbox."""

from typing import Any

from django.db.models import QuerySet

from jishi.core.permissions import AUTHENTICATED, check
from jishi.notifications.models import Notification


def inbox_of(actor: Any) -> QuerySet[Notification]:
    check(actor, AUTHENTICATED)
    return Notification.objects.filter(user=actor)


def unread_count(actor: Any) -> int:
    if not getattr(actor, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=actor, read_at__isnull=True).count()
