"""Sending a notification by e-mail and SMS. Runs in the task worker, outside any business transaction."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from jishi.notifications import sms
from jishi.notifications.models import Notification

# Kinds that also go out by SMS (money and decisions); the rest are inbox and e-mail only.
SMS_KINDS = frozenset(
    {"order_shipped", "payout_decided", "payout_account_changed", "application_decided", "pickup_ready"}
)


def deliver(*, notification_id: int) -> Notification | None:
    """Send one message by e-mail and SMS; each channel at most once, even if the task runs twice."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None:
        return None
    user = notification.user
    if user.email and Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    ):
        link = f"{settings.JISHI_SITE_URL}{notification.link}" if notification.link else ""
        send_mail(
            subject=f"[{settings.JISHI_SITE_NAME}] {notification.title}",
            message="\n\n".join(part for part in (notification.body, link) if part),
            from_email=None,
            recipient_list=[user.email],
        )
    if (
        notification.kind in SMS_KINDS
        and user.phone_sealed
        and Notification.objects.filter(pk=notification.pk, texted_at__isnull=True).update(texted_at=timezone.now())
    ):
        sms.adapter().send(phone=user.phone, text=f"【{settings.JISHI_SITE_NAME}】{notification.title}")
    return notification
