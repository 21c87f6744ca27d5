"""``Idempotency-Key``: a write asked for twice happens once.

Two mechanisms share one table.

:class:`IdempotencyMiddleware` gives every mutating API request (POST, PUT,
PATCH, DELETE under ``/api/v1/``) Stripe's semantics when it carries the
header; no endpoint has code of its own for it:

* same key, same request (method, path, query and body) → the stored
  response, with ``Idempotent-Replayed: true``; the write is not repeated;
* same key, another request → 422 ``idempotency.key_reused``;
* the same key while the first request is still running → 409
  ``idempotency.in_progress`` (the key is claimed in its own committed row
  before the operation starts);
* only a 2xx answer is stored: every 4xx leaves nothing written (the
  platform's rule for bad input), so the key is released and the client
  may retry with it once it has fixed the cause;
* keys are scoped to their owner (the user, whichever way they signed in,
  else the guest's browser) and kept ``JISHI_IDEMPOTENCY_HOURS``; an older
  one is forgotten even before the hourly purge removes it;
* the stored answer is sealed (it may hold a phone number or an address);
  an answer marked ``Cache-Control: no-store`` (a log-in's, which carries a
  token) is not kept at all: the key still stops a second execution, and
  its repeat answers 409 ``idempotency.not_replayable``.

:func:`run_once` serves the pages' forms (the checkout page's hidden
request key): the key is claimed inside the same transaction as the write
it protects, so either both the write and its stored response exist or
neither does:

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
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from jishi.core import crypto
from jishi.core.errors import Conflict, DomainError, InvalidInput
from jishi.core.middleware import GATEWAY_NOTIFICATIONS
from jishi.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
API_PREFIX = "/api/v1/"
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_SCOPE = "api"
# A claim this old with no response belongs to a request that died; the key may be used again.
ABANDONED_AFTER = dt.timedelta(minutes=5)


class IdempotencyKeyReused(InvalidInput):
    default_code = "idempotency.key_reused"
    default_message = _("This Idempotency-Key was already used with a different request.")


class IdempotencyKeyInvalid(InvalidInput):
    default_code = "idempotency.invalid_key"
    default_message = _("An Idempotency-Key is 1 to 255 visible ASCII characters.")


class IdempotencyNotReplayable(Conflict):
    default_code = "idempotency.not_replayable"
    default_message = _(
        "This request gave out a credential, which is shown only once. Send it again with a new Idempotency-Key."
    )


class IdempotencyInProgress(Conflict):
    default_code = "idempotency.in_progress"
    default_message = _("A request with this Idempotency-Key is still being processed. Try again shortly.")


@dataclass(frozen=True)
class Outcome:
    status: int
    body: Any
    replayed: bool


SEAL_CONTEXT = "core.idempotency.response"


def _sealed(body: Any) -> str:
    return crypto.seal(json.dumps(body, ensure_ascii=False, default=str), context=SEAL_CONTEXT)


def _unsealed(record: IdempotencyRecord) -> Any:
    return json.loads(crypto.unseal(record.response_sealed, context=SEAL_CONTEXT))


def _is_expired(record: IdempotencyRecord) -> bool:
    return record.created_at < timezone.now() - dt.timedelta(hours=settings.JISHI_IDEMPOTENCY_HOURS)


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
            if _is_expired(stored):  # past its window though not yet purged: the key is free again
                stored.delete()
                return run_once(owner=owner, scope=scope, key=key, body=body, action=action)
            if stored.request_digest != digest:
                raise IdempotencyKeyReused(field=HEADER) from None
            return Outcome(stored.response_status, _unsealed(stored), replayed=True)
        status, response = action()
        IdempotencyRecord.objects.filter(pk=record.pk).update(response_status=status, response_sealed=_sealed(response))
    return Outcome(status, response, replayed=False)


def _owner(request: HttpRequest) -> str:
    """Whose key it is: the user (by ``JISHI_IDEMPOTENCY_USER``, which knows bearer tokens), else the browser.

    A guest's browser is known by its CSRF cookie, which the guest API needs
    anyway and which, unlike the session, exists before the first write. A
    request with neither is scoped to its address.
    """
    user_id = import_string(settings.JISHI_IDEMPOTENCY_USER)(request)
    if user_id is not None:
        return f"user:{user_id}"
    for kind, secret in (
        ("auth", request.headers.get("Authorization", "")),  # a credential that fails: the operation answers 401
        ("browser", request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")),
        ("session", getattr(getattr(request, "session", None), "session_key", None) or ""),
    ):
        if secret:
            return f"{kind}:{hashlib.sha256(secret.encode()).hexdigest()[:40]}"
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"[:64]


def _request_digest(request: HttpRequest) -> str:
    fingerprint = hashlib.sha256()
    for part in (request.method or "", request.get_full_path(), request.content_type or ""):
        fingerprint.update(part.encode() + b"\0")
    if (request.content_type or "").startswith("multipart/"):  # uploads stream to disk: hash them, do not hold them
        for name, values in sorted(request.POST.lists()):
            fingerprint.update(json.dumps([name, values]).encode())
        for name, files in sorted(request.FILES.lists()):
            for upload in files:
                fingerprint.update(f"{name}\0{upload.name}\0".encode())
                for chunk in upload.chunks():
                    fingerprint.update(chunk)
                upload.seek(0)
    else:
        fingerprint.update(request.body)
    return fingerprint.hexdigest()


def _claim(owner: str, key: str, digest: str) -> IdempotencyRecord | None:
    """Claim the key for this request (committed at once); the earlier record when it was claimed before.

    Raises IdempotencyKeyReused for another request, IdempotencyInProgress while the first still runs.
    """
    for _attempt in range(2):
        try:
            # One INSERT is atomic by itself: a transaction around it only when a caller's is open (a savepoint
            # keeps that one usable after a clash), never a BEGIN and COMMIT of its own.
            with transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext():
                IdempotencyRecord.objects.create(owner=owner, scope=API_SCOPE, key=key, request_digest=digest)
        except IntegrityError:
            stored = IdempotencyRecord.objects.filter(owner=owner, scope=API_SCOPE, key=key).first()
            if stored is None:  # released between our insert and our read: claim again
                continue
            if _is_expired(stored):  # past its window though not yet purged: the key is free again
                stored.delete()
                continue
            if stored.request_digest != digest:
                raise IdempotencyKeyReused(field=HEADER) from None
            if stored.response_status:
                return stored
            if stored.created_at > timezone.now() - ABANDONED_AFTER:
                raise IdempotencyInProgress(field=HEADER) from None
            IdempotencyRecord.objects.filter(pk=stored.pk, response_status=0).delete()
            continue
        return None
    raise IdempotencyInProgress(field=HEADER)


def _replay(record: IdempotencyRecord) -> HttpResponse:
    if not record.response_sealed:
        refused = IdempotencyNotReplayable(field=HEADER)
        return JsonResponse(refused.as_dict(), status=refused.status)
    response = HttpResponse(
        json.dumps(_unsealed(record), ensure_ascii=False),
        status=record.response_status,
        content_type="application/json",
    )
    response[REPLAYED] = "true"
    return response


class IdempotencyMiddleware:
    """Stripe's ``Idempotency-Key`` for every mutating API request (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if (
            key is None
            or request.method not in MUTATING
            or not request.path.startswith(API_PREFIX)
            or request.path.startswith(GATEWAY_NOTIFICATIONS)  # made idempotent by their own trade numbers
        ):
            return self.get_response(request)
        owner = _owner(request)
        try:
            check_key(key)
            stored = _claim(owner, key, _request_digest(request))
        except DomainError as refused:
            return JsonResponse(refused.as_dict(), status=refused.status)
        if stored is not None:
            return _replay(stored)
        claim = IdempotencyRecord.objects.filter(owner=owner, scope=API_SCOPE, key=key, response_status=0)
        try:
            response = self.get_response(request)
        except BaseException:
            claim.delete()
            raise
        if 200 <= response.status_code < 300 and _is_json(response):
            kept = "" if "no-store" in response.get("Cache-Control", "") else _sealed(json.loads(response.content))
            claim.update(response_status=response.status_code, response_sealed=kept)
        else:
            claim.delete()
        return response


def _is_json(response: HttpResponse) -> bool:
    if getattr(response, "streaming", False) or not response.get("Content-Type", "").startswith("application/json"):
        return False
    try:
        json.loads(response.content)
    except ValueError:
        return False
    return True


def purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete records older than the retention window; returns how many went."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.JISHI_IDEMPOTENCY_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
