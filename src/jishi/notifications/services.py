"""Telling users what happened: an inbox row now, e-mail and SMS once the change has committed."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from jishi.core.actors import Actor
from jishi.core.phrases import stored
from jishi.core.transactions import after_commit
from jishi.notifications.errors import NotificationNotFound
from jishi.notifications.models import Notification
from jishi.notifications.selectors import inbox_of
from jishi.notifications.tasks import notifications_deliver


@dataclass(frozen=True)
class Message:
    """One message for one user's inbox (a user or an id)."""

    user: Any
    kind: str
    title: str
    body: str = ""
    link: str = ""


def notify_all(messages: list[Message]) -> list[Notification]:
    """Put messages in their users' inboxes in one write; send them by e-mail, and SMS for some kinds, after commit.

    Call it inside the service's transaction: if the change rolls back, the
    messages disappear with it and nothing is sent.
    """
    if not messages:
        return []
    notifications = Notification.objects.bulk_create(
        Notification(
            user_id=getattr(message.user, "pk", message.user),
            kind=message.kind,
            title=message.title[:120],
            body=message.body,
            title_phrase=stored(message.title),
            body_phrase=stored(message.body),
            link=message.link,
        )
        for message in messages
    )
    after_commit(notifications_deliver.enqueue, notification_ids=[notification.pk for notification in notifications])
    return notifications


def notify(user: Any, kind: str, title: str, body: str = "", *, link: str = "") -> Notification:
    """Put one message in ``user``'s inbox (a user or an id), as :func:`notify_all` does."""
    return notify_all([Message(user, kind, title, body, link)])[0]


@transaction.atomic
def mark_read(*, actor: Actor, notification_id: int | None = None) -> int:
    """Mark one of the actor's messages read, or all of them when ``notification_id`` is None.

    Returns how many were marked (0 for a repeat). Raises NotificationNotFound
    for an id that is not one of the actor's messages.
    """
    mine = inbox_of(actor)
    if notification_id is not None:
        mine = mine.filter(pk=notification_id)
        if not mine.exists():
            raise NotificationNotFound(field="id")
    return mine.filter(read_at__isnull=True).update(read_at=timezone.now())
