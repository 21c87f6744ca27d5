"""Writes of the pet-trading domain: records into the transparency log, and its signed checkpoints."""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import hashlib
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jishi.catalog.permissions import PRODUCT_MANAGE
from jishi.core import audit
from jishi.core.actors import Actor, user_of
from jishi.core.images import InvalidImage, document_upload
from jishi.core.permissions import check
from jishi.core.transactions import after_commit
from jishi.merchants.selectors import merchant_for
from jishi.pets import merkle, selectors
from jishi.pets.errors import AlreadySuperseded, InvalidDocument, InvalidRecord, RecordNotFound
from jishi.pets.models import Checkpoint, LogEntry, LogHead, LogNode, Pet, PetRecord, RecordKind
from jishi.pets.permissions import RECORD_ERASE
from jishi.pets.signing import signer
from jishi.pets.verifier import ENTRY_VERSION, canonical, commitment, leaf_hash, node_hash

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Field:
    name: str
    kind: type  # str, dt.date or int
    required: bool = True
    limit: int = 60


# The structured fields of each kind of record: what a vet's booklet or a registry's certificate says.
FIELDS: Mapping[str, tuple[Field, ...]] = {
    RecordKind.HEALTH_CHECK: (
        Field("date", dt.date),
        Field("clinic", str),
        Field("vet", str, required=False),
        Field("result", str, limit=200),
        Field("weight_grams", int, required=False),
    ),
    RecordKind.VACCINATION: (
        Field("vaccine", str),
        Field("batch", str, limit=40),
        Field("date", dt.date),
        Field("clinic", str),
        Field("vet", str, required=False),
        Field("next_due", dt.date, required=False),
    ),
    RecordKind.DEWORMING: (
        Field("product", str),
        Field("date", dt.date),
        Field("scope", str, limit=10),  # internal / external / both
    ),
    RecordKind.PEDIGREE: (
        Field("registry", str),
        Field("certificate_number", str, limit=40),
        Field("sire", str, required=False),
        Field("dam", str, required=False),
        Field("issued_on", dt.date, required=False),
    ),
}
DEWORMING_SCOPES = ("internal", "external", "both")


def _clean_value(spec: Field, raw: Any, pet: Pet) -> Any:
    if spec.kind is dt.date:
        try:
            day = dt.date.fromisoformat(str(raw))
        except ValueError:
            raise InvalidRecord(_("Give the date as YYYY-MM-DD."), field=spec.name) from None
        if day > timezone.localdate() and spec.name != "next_due":
            raise InvalidRecord(_("This date is in the future."), field=spec.name)
        if day < pet.birth_date and spec.name not in {"issued_on", "next_due"}:
            raise InvalidRecord(_("This date is before the pet was born."), field=spec.name)
        return day.isoformat()
    if spec.kind is int:
        if isinstance(raw, bool) or not str(raw).isdecimal() or int(raw) > 200_000:
            raise InvalidRecord(_("Give a whole number."), field=spec.name)
        return int(raw)
    text = " ".join(str(raw).split())
    if len(text) > spec.limit:
        raise InvalidRecord(_("At most %(count)d characters.") % {"count": spec.limit}, field=spec.name)
    if spec.name == "scope" and text not in DEWORMING_SCOPES:
        raise InvalidRecord(field=spec.name)
    return text


def clean_fields(kind: str, raw: Mapping[str, Any], pet: Pet) -> dict[str, Any]:
    """The record's fields as they are logged: known names only, trimmed, dates in ISO form."""
    if kind not in FIELDS:
        raise InvalidRecord(field="kind")
    specs = FIELDS[kind]
    unknown = set(raw) - {spec.name for spec in specs}
    if unknown:
        raise InvalidRecord(field=sorted(unknown)[0])
    fields: dict[str, Any] = {}
    for spec in specs:
        value = raw.get(spec.name)
        if value is None or str(value).strip() == "":
            if spec.required:
                raise InvalidRecord(_("This field is required."), field=spec.name)
            continue
        fields[spec.name] = _clean_value(spec, value, pet)
    return fields


def document_content(data: bytes) -> tuple[ContentFile[bytes], str]:
    """A certificate as stored, and its type: a PDF as sent, a photo re-encoded (no location or other metadata)."""
    if not data or len(data) > DOCUMENT_MAX_BYTES:
        raise InvalidDocument(field="document")
    try:
        return document_upload(data, name_stem=secrets.token_hex(10))
    except InvalidImage:
        raise InvalidDocument(field="document") from None


def _append(data: bytes) -> LogEntry:
    """Append one leaf. The UPDATE that raises the log's size hands out the index and holds the row until the
    transaction ends, so concurrent appends line up one after another with no gap and no index twice."""
    if not LogHead.objects.filter(pk=1).update(size=F("size") + 1):
        LogHead.objects.get_or_create(pk=1)
        LogHead.objects.filter(pk=1).update(size=F("size") + 1)
    index = LogHead.objects.values_list("size", flat=True).get(pk=1) - 1
    entry = LogEntry.objects.create(index=index, data=data.decode())
    completed = merkle.completed_by(index)
    lefts = selectors.stored_hashes((level - 1, position * 2) for level, position in completed[1:])
    value = leaf_hash(data)
    nodes = [LogNode(level=0, index=index, hash=value)]
    for level, position in completed[1:]:
        value = node_hash(lefts[level - 1, position * 2], value)
        nodes.append(LogNode(level=level, index=position, hash=value))
    LogNode.objects.bulk_create(nodes)
    return entry


def _log(
    pet: Pet, kind: str, fields: dict[str, Any], document_sha256: bytes, supersedes: PetRecord | None
) -> tuple[LogEntry, bytes]:
    salt = os.urandom(32)
    entry = {
        "v": ENTRY_VERSION,
        "pet": pet.pk,
        "kind": kind,
        "commitment": commitment(fields, salt, document_sha256).hex(),
        "supersedes": supersedes.entry.index if supersedes else None,
    }
    return _append(canonical(entry)), salt


def _write(
    actor: Actor,
    pet: Pet,
    *,
    kind: str,
    raw: Mapping[str, Any],
    document: bytes | None,
    supersedes: PetRecord | None = None,
) -> PetRecord:
    fields = clean_fields(kind, raw, pet)
    record = PetRecord(pet=pet, kind=kind, fields=fields, recorded_by=user_of(actor), supersedes=supersedes)
    if document is not None:
        content, record.document_type = document_content(document)
        digest = hashlib.sha256(content.read()).digest()
        content.seek(0)
        record.document.save(content.name or "document", content, save=False)
    elif supersedes is not None:  # a correction of the fields keeps the document it corrects
        record.document, record.document_type = supersedes.document.name, supersedes.document_type
        digest = bytes(supersedes.document_sha256)
    else:
        raise InvalidDocument(_("Attach the certificate or the page of the booklet."), field="document")
    record.document_sha256 = digest
    record.entry, record.salt = _log(pet, kind, fields, digest, supersedes)
    record.save()
    after_commit(checkpoint_sign)
    return record


def record_add(*, actor: Actor, pet_id: int, kind: str, fields: Mapping[str, Any], document: bytes | None) -> PetRecord:
    """Add a health check, vaccination, deworming or pedigree record to a pet of the actor's shop, and log it.

    Raises PermissionDenied, PetNotFound, InvalidRecord (with the field), InvalidDocument.
    """
    with transaction.atomic():
        check(actor, PRODUCT_MANAGE)
        return _write(actor, selectors.pet_for_merchant(actor, pet_id), kind=kind, raw=fields, document=document)


def record_correct(
    *, actor: Actor, record_id: int, fields: Mapping[str, Any], document: bytes | None = None
) -> PetRecord:
    """Correct a record: a new leaf that supersedes it. Both stay in the log; the pet shows the latest.

    Without a new document the correction keeps the old one. Raises RecordNotFound, AlreadySuperseded, and
    what :func:`record_add` raises.
    """
    check(actor, PRODUCT_MANAGE)
    with transaction.atomic():
        old = (
            PetRecord.objects.select_related("pet", "entry")
            .filter(pk=record_id, pet__merchant=merchant_for(actor))
            .first()
        )
        if old is None:
            raise RecordNotFound
        if PetRecord.objects.filter(supersedes=old).exists():
            raise AlreadySuperseded
        return _write(actor, old.pet, kind=old.kind, raw=fields, document=document, supersedes=old)


def record_erase(*, actor: Actor, record_id: int, reason: str) -> PetRecord:
    """Erase a record's fields, salt and document at a person's request (audited). Its leaf stays in the log and
    stays provable; nobody can tell any more what it said. Idempotent."""
    check(actor, RECORD_ERASE)
    with transaction.atomic():
        record = PetRecord.objects.filter(pk=record_id).first()
        if record is None:
            raise RecordNotFound
        if record.fields is None:
            return record
        shared = PetRecord.objects.filter(document=record.document.name).exclude(pk=record.pk).exists()
        before = {"kind": record.kind, "entry": record.entry_id}
        if record.document and not shared:
            record.document.delete(save=False)
        record.fields = record.salt = None
        record.document = ""
        record.save(update_fields=["fields", "salt", "document"])
        audit.record(actor=actor, action="pets.record_erase", target=record, before=before, reason=reason)
    return record


def checkpoint_sign() -> Checkpoint:
    """Sign a checkpoint of the log as it stands (or return the one of this size), then export it.

    Run after every record and hourly by the sweep; idempotent.
    """
    with transaction.atomic():
        size = selectors.log_size()
        checkpoint = Checkpoint.objects.filter(tree_size=size).first()
        if checkpoint is None:
            root = selectors.log_root(size)
            key = signer()
            note = key.sign(f"{key.name}\n{size}\n{base64.b64encode(root).decode()}\n")
            checkpoint, _created = Checkpoint.objects.get_or_create(
                tree_size=size, defaults={"root_hash": root, "note": note}
            )
        after_commit(checkpoints_export)
    return checkpoint


def checkpoints_export() -> int:
    """Append to the export file every checkpoint bigger than its last line; returns how many.

    The file is locked while it is read and appended to, so two workers never write the same checkpoint twice.
    """
    path = settings.JISHI_PET_LOG_EXPORT
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as export:
        fcntl.flock(export, fcntl.LOCK_EX)
        export.seek(0)
        lines = [line for line in export.read().splitlines() if line.strip()]
        last = json.loads(lines[-1])["tree_size"] if lines else -1
        fresh = list(Checkpoint.objects.filter(tree_size__gt=last).order_by("tree_size"))
        for checkpoint in fresh:
            line = {
                "tree_size": checkpoint.tree_size,
                "root_hash": bytes(checkpoint.root_hash).hex(),
                "note": checkpoint.note,
                "signed_at": checkpoint.created_at.isoformat(),
            }
            export.write(json.dumps(line, ensure_ascii=False) + "\n")
        export.flush()
        os.fsync(export.fileno())
    return len(fresh)
