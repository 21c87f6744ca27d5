"""Writing the audit log.

Call :func:`record` inside the service's transaction, so the entry exists
exactly when the change does.
"""

from typing import Any

from django.db import models

from jishi.core.actors import Actor, actor_id
from jishi.core.context import request_id
from jishi.core.models import AuditEntry


def record(
    *,
    actor: Actor,
    action: str,
    target: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """Append one audit entry for ``action`` on ``target`` by ``actor`` (None for the system)."""
    return AuditEntry.objects.create(
        actor_id=actor_id(actor),
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        before=before or {},
        after=after or {},
        reason=reason,
        request_id=request_id.get(),
    )
