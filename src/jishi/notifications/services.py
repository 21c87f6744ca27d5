"""Telling users what happened: an inbox row now, e-mail and SMS once the change has committed."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from jishi.core.transactions import after_commit
from jishi.notifications.models import Notification
from jishi.notifications.selectors import inbox_of
from jishi.notifications.tasks import notification_deliver


def notify(user: Any, kind: str, title: str, body: str = "", *, link: str = "") -> Notification:
    """Put a message in ``user``'s inbox (a user or an id); send it by e-mail, and SMS for some kinds, after commit.

    Call it inside the service's transaction: if the change rolls back, the
    message disappears with it and nothing is sent.
    """
    notification = Notification.objects.create(
        user_id=getattr(user, "pk", user), kind=kind, title=title[:120], body=body, link=link
    )
    after_commit(notification_deliver.enqueue, notification_id=notification.pk)
    return notification


@transaction.atomic
def mark_read(*, actor: Any, notification_id: int | None = None) -> int:
    """Mark one of the actor's messages read, or all of them when ``notification_id`` is None."""
    unread = inbox_of(actor).filter(read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
