"""The in-app inbox, and what was sent by e-mail and SMS for each message."""

from typing import ClassVar

from django.conf import settings
from django.db import models

from jishi.core.phrases import shown


class Notification(models.Model):
    """One message to one user: shown in their inbox, and sent by e-mail and SMS after the change commits."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=120)
    body = models.TextField(blank=True)
    # core.phrases: title and body in any reader's language (empty for text a person wrote)
    title_phrase = models.JSONField(null=True, blank=True)
    body_phrase = models.JSONField(null=True, blank=True)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    texted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes: ClassVar = [models.Index(fields=["user", "read_at"], name="notifications_unread")]

    def __str__(self) -> str:
        return self.title

    @property
    def title_shown(self) -> str:
        return shown(self.title, self.title_phrase)

    @property
    def body_shown(self) -> str:
        return shown(self.body, self.body_phrase)


class SandboxSms(models.Model):
    """What the sandbox SMS adapter would have sent (the masked number and the text), for demos and tests."""

    phone_masked = models.CharField(max_length=20)
    text = models.CharField(max_length=300)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-sent_at", "-id")

    def __str__(self) -> str:
        return f"{self.phone_masked}: {self.text[:30]}"
