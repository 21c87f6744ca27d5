"""``Idempotency-Key`` for writes that must happen once (placing an order).

The key is claimed inside the same transaction as the write it protects, so
either both the write and its stored response exist or neither does:

* same key, same body → the stored response, the write is not repeated;
* same key, different body → 422 ``idempotency.key_reused``;
* two requests with one key at once → the second waits for the first (the
  unique index holds it on PostgreSQL, IMMEDIATE transactions on SQLite) and
  then replays its response;
* a write that fails with a domain error stores nothing, so a retry with the
  same key runs again.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jishi.core.errors import InvalidInput
from jishi.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"


class IdempotencyKeyReused(InvalidInput):
    default_code = "idempotency.key_reused"
    default_message = _("This Idempotency-Key was already used with a different request.")


class IdempotencyKeyInvalid(InvalidInput):
    default_code = "idempotency.invalid_key"
    default_message = _("An Idempotency-Key is 1 to 255 visible ASCII characters.")


@dataclass(frozen=True)
class Outcome:
    status: int
    body: Any
    replayed: bool


def _digest(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def check_key(key: str) -> str:
    if not 1 <= len(key) <= 255 or not all(33 <= ord(char) <= 126 for char in key):
        raise IdempotencyKeyInvalid(field=HEADER)
    return key


def run_once(*, owner: str, scope: str, key: str, body: Any, action: Callable[[], tuple[int, Any]]) -> Outcome:
    """Run ``action`` (returning a status and a JSON-able body) at most once per owner, scope and key."""
    check_key(key)
    digest = _digest(body)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(owner=owner, scope=scope, key=key, request_digest=digest)
        except IntegrityError:
            stored = IdempotencyRecord.objects.get(owner=owner, scope=scope, key=key)
            if stored.request_digest != digest:
                raise IdempotencyKeyReused(field=HEADER) from None
            return Outcome(stored.response_status, stored.response_body, replayed=True)
        status, response = action()
        IdempotencyRecord.objects.filter(pk=record.pk).update(response_status=status, response_body=response)
    return Outcome(status, response, replayed=False)


def purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete records older than the retention window; returns how many went."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.JISHI_IDEMPOTENCY_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
