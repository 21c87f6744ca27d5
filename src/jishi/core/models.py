"""Core tables: the append-only audit log, and the stored outcomes of idempotent writes."""

from typing import Any, ClassVar

from django.conf import settings
from django.db import models


class AppendOnlyQuerySet(models.QuerySet[Any]):
    """Bulk updates and deletes are refused for append-only tables."""

    def update(self, **kwargs: Any) -> int:
        raise TypeError(f"{self.model.__name__} rows are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{self.model.__name__} rows are append-only")


class AppendOnly(models.Model):
    """A row that is written once and never edited or deleted (audit entries, posted journal entries)."""

    objects: ClassVar[Any] = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{type(self).__name__} rows are append-only")


class AuditEntry(AppendOnly):
    """Who did what to which object, with the state before and after. Never edited, never deleted."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=80)
    target_id = models.CharField(max_length=64)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes: ClassVar = [models.Index(fields=["target_type", "target_id"], name="core_audit_target")]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}#{self.target_id}"


class IdempotencyRecord(models.Model):
    """The stored outcome of one write made with an ``Idempotency-Key`` header.

    ``owner`` says whose key it is (``user:12``); the same key from two owners
    is two records. Kept for ``JISHI_IDEMPOTENCY_HOURS`` and then purged.
    The response is kept sealed (it may hold phone numbers or addresses); the
    answer of a request that handed out a credential is not kept at all, only
    its status, so that it is never handed out twice.
    """

    owner = models.CharField(max_length=64)
    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    request_digest = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(default=0)
    response_sealed = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["owner", "scope", "key"], name="core_idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.scope} {self.key}"
