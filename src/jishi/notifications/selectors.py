"""Reads of the notifications domain: a user sees only their own inbox."""

from django.db.models import QuerySet

from jishi.core.actors import Actor, signed_in, user_of
from jishi.core.permissions import AUTHENTICATED, check
from jishi.notifications.models import Notification


def inbox_of(actor: Actor) -> QuerySet[Notification]:
    check(actor, AUTHENTICATED)
    return Notification.objects.filter(user=user_of(actor))


def unread_count(actor: Actor) -> int:
    user = signed_in(actor)
    return 0 if user is None else Notification.objects.filter(user=user, read_at__isnull=True).count()
