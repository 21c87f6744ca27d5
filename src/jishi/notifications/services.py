"""Telling users what happened: an inbox row now, e-mail and SMS once the change has committed."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from jishi.core.actors import Actor
from jishi.core.phrases import stored
from jishi.core.transactions import after_commit
from jishi.notifications.errors import NotificationNotFound
from jishi.notifications.models import Notification
from jishi.notifications.selectors import inbox_of
from jishi.notifications.tasks import notification_deliver


def notify(user: Any, kind: str, title: str, body: str = "", *, link: str = "") -> Notification:
    """Put a message in ``user``'s inbox (a user or an id); send it by e-mail, and SMS for some kinds, after commit.

    Call it inside the service's transaction: if the change rolls back, the
    message disappears with it and nothing is sent.
    """
    notification = Notification.objects.create(
        user_id=getattr(user, "pk", user),
        kind=kind,
        title=title[:120],
        body=body,
        title_phrase=stored(title),
        body_phrase=stored(body),
        link=link,
    )
    after_commit(notification_deliver.enqueue, notification_id=notification.pk)
    return notification


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
