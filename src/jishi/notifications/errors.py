"""Errors of the notifications domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import NotFound


class NotificationNotFound(NotFound):
    default_code = "notifications.not_found"
    default_message = _("Message not found.")
