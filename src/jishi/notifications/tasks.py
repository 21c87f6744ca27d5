"""Background delivery of notifications."""

from django.tasks import task

from jishi.notifications import delivery


@task
def notifications_deliver(notification_ids: list[int]) -> int:
    """Send notifications by e-mail and SMS (enqueued once after the change that caused them commits).

    Returns how many were found; one that is gone is skipped.
    """
    return sum(delivery.deliver(notification_id=notification_id) is not None for notification_id in notification_ids)
