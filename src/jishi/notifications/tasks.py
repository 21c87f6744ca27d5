"""Background delivery of notifications."""

from django.tasks import task

from jishi.notifications import delivery


@task
def notification_deliver(notification_id: int) -> bool:
    """Send one notification by e-mail and SMS (enqueued after the change that caused it commits)."""
    return delivery.deliver(notification_id=notification_id) is not None
