"""SMS adapters. A provider adapter implements ``send``; the sandbox records what it would send."""

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from jishi.core.masking import mask_phone
from jishi.notifications.models import SandboxSms


class SmsAdapter(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


class SandboxSmsAdapter:
    def send(self, *, phone: str, text: str) -> None:
        SandboxSms.objects.create(phone_masked=mask_phone(phone), text=text[:300])


def adapter() -> SmsAdapter:
    """The configured SMS adapter (``JISHI_SMS_ADAPTER``, a dotted path)."""
    return import_string(settings.JISHI_SMS_ADAPTER)()
