"""Pet records in the transparency log: each proven by the standalone verifier, every tampering of the
database found, every pair of checkpoints consistent, corrections and erasure provable."""

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, transaction

from jishi.core.errors import NotFound, PermissionDenied
from jishi.pets import selectors, services, verifier
from jishi.pets.errors import AlreadySuperseded, InvalidDocument, InvalidRecord, InvalidTreeSize
from jishi.pets.models import Checkpoint, LogEntry, LogHead, LogNode, PetRecord
from jishi.pets.signing import signer
from jishi.pets.verifier import open_checkpoint, verify_consistency
from tests import factories
from tests.pets.conftest import PDF, logged, pet_of, png, vaccination

pytestmark = pytest.mark.django_db
VERIFIER = Path(verifier.__file__)


def test_a_record_is_a_leaf_proven_under_the_signed_checkpoint(breeder, kitten):
    record = services.record_add(
        actor=breeder, pet_id=kitten.pk, kind="vaccination", fields=vaccination(vet=" 李  医生 "), document=png()
    )
    checkpoint = services.checkpoint_sign()
    assert record.fields["vet"] == "李 医生"
    assert record.document_type == "image/png"
    assert json.loads(record.entry.data) == {
        "v": 1,
        "pet": kitten.pk,
        "kind": "vaccination",
        "commitment": json.loads(record.entry.data)["commitment"],
        "supersedes": None,
    }
    assert checkpoint.note.startswith(f"{signer().name}\n1\n")
    [check] = selectors.pet_records_checked(kitten, checkpoint)
    assert check.proven, check.problem
    assert services.checkpoint_sign() == checkpoint  # the same size is signed once
    assert selectors.log_audit() == []


def test_a_thousand_records_each_pass_the_standalone_verifier_run_without_django(breeder, kitten, tmp_path):
    logged(breeder, kitten, 1000)
    checkpoint = services.checkpoint_sign()
    (tmp_path / "checkpoint.txt").write_text(checkpoint.note, encoding="utf-8")
    files = []
    for check in selectors.pet_records_checked(kitten, checkpoint):
        files.append(tmp_path / f"{check.record.entry.index}.json")
        files[-1].write_text(json.dumps(check.bundle, ensure_ascii=False), encoding="utf-8")
    # Django and Jishi cannot be imported in the verifier's process: it runs as a user would run it.
    blocker = "import sys; sys.modules.update(django=None, jishi=None); import runpy; sys.argv = sys.argv[1:]; "
    blocker += "runpy.run_path(sys.argv[0], run_name='__main__')"
    command = [sys.executable, "-c", blocker, str(VERIFIER), "--key", str(signer().verifier)]
    command += ["--checkpoint", str(tmp_path / "checkpoint.txt"), *map(str, files)]
    shown = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (our verifier)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.count("fields, document and entry logged") == 1000

    bundle = json.loads(files[7].read_text())
    bundle["fields"]["batch"] = "B8"
    files[7].write_text(json.dumps(bundle), encoding="utf-8")
    shown = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (our verifier)
    assert shown.returncode == 1
    assert "7.json: FAILED: the fields, salt or document differ from what was logged" in shown.stderr


def test_every_pair_of_checkpoints_is_consistent(breeder, kitten):
    for count in (1, 2, 3, 1, 5, 8, 1):
        logged(breeder, kitten, count)
        services.checkpoint_sign()
    checkpoints = {c.tree_size: open_checkpoint(c.note, signer().verifier) for c in Checkpoint.objects.all()}
    assert sorted(checkpoints) == [1, 3, 6, 7, 12, 20, 21]
    for first in checkpoints.values():
        for second in checkpoints.values():
            if first.size <= second.size:
                proof = selectors.consistency_proof(first.size, second.size)
                assert verify_consistency(first.size, second.size, proof, first.root, second.root)
    with pytest.raises(InvalidTreeSize):
        selectors.consistency_proof(5, 22)
    with pytest.raises(InvalidTreeSize):
        selectors.consistency_proof(6, 5)


# Tampering: each kind of change an insider could make to the tables, found by the verify page or the audit
# against the exported checkpoints.


def _tamper(rng, kind):
    if kind == "field":
        record = rng.choice(list(PetRecord.objects.all()))
        record.fields = record.fields | {"batch": record.fields["batch"] + "X"}
        record.save()
    elif kind == "salt":
        record = rng.choice(list(PetRecord.objects.all()))
        record.salt = rng.randbytes(32)
        record.save()
    elif kind == "document":
        record = rng.choice(list(PetRecord.objects.all()))
        record.document_sha256 = rng.randbytes(32)
        record.save()
    elif kind == "leaf":
        entry = rng.choice(list(LogEntry.objects.all()))
        data = json.loads(entry.data)
        data["commitment"] = rng.randbytes(32).hex()
        entry.data = json.dumps(data, sort_keys=True, separators=(",", ":"))
        entry.save()
    elif kind == "node":
        node = rng.choice(list(LogNode.objects.all()))
        node.hash = rng.randbytes(32)
        node.save()
    elif kind == "delete":
        entry = rng.choice(list(LogEntry.objects.all()))
        PetRecord.objects.filter(entry=entry).delete()
        entry.delete()
    elif kind == "reorder":
        a, b = rng.sample(list(LogEntry.objects.all()), 2)
        a.data, b.data = b.data, a.data
        a.save()
        b.save()
    elif kind == "truncate":
        size = LogHead.objects.get().size
        keep = rng.randrange(size)
        PetRecord.objects.filter(entry__index__gte=keep).delete()
        LogEntry.objects.filter(index__gte=keep).delete()
        LogNode.objects.filter(level=0, index__gte=keep).delete()
        LogHead.objects.update(size=keep)


def _found(pets):
    """Whether anything is wrong: the verify page of every pet, or the audit against the export."""
    latest = selectors.checkpoint_latest()
    pages = [c for pet in pets for c in selectors.pet_records_checked(pet, latest) if not c.proven]
    return bool(pages) or bool(selectors.log_audit())


def test_a_thousand_random_tamperings_are_each_found(breeder, kitten):
    other = pet_of(breeder)
    for pet, count in ((kitten, 20), (other, 13)):
        logged(breeder, pet, count)
    services.checkpoint_sign()
    services.checkpoints_export()
    assert not _found([kitten, other])
    rng = random.Random(19)
    kinds = ["field", "salt", "document", "leaf", "node", "delete", "reorder", "truncate"]
    missed = []
    for attempt in range(1000):
        kind = kinds[attempt % len(kinds)]
        sid = transaction.savepoint_create()
        _tamper(rng, kind)
        if not _found([kitten, other]):
            missed.append((attempt, kind))
        transaction.savepoint_rollback(sid)
    assert missed == []


def test_a_rewritten_history_that_recomputes_every_hash_is_still_found_by_the_export(breeder, kitten):
    logged(breeder, kitten, 6)
    services.checkpoint_sign()
    services.checkpoints_export()
    record = PetRecord.objects.order_by("entry__index")[2]
    record.fields = record.fields | {"vaccine": "未接种"}  # the insider rewrites a record and the whole tree after it
    data = json.loads(record.entry.data)
    from jishi.pets.verifier import commitment

    data["commitment"] = commitment(record.fields, bytes(record.salt), bytes(record.document_sha256)).hex()
    record.save()
    LogEntry.objects.filter(pk=record.entry_id).update(data=json.dumps(data, sort_keys=True, separators=(",", ":")))
    LogNode.objects.all().delete()
    Checkpoint.objects.all().delete()
    for entry in LogEntry.objects.order_by("index"):
        LogNode.objects.bulk_create(_nodes_for(entry))
    services.checkpoint_sign()
    latest = selectors.checkpoint_latest()
    assert all(c.proven for c in selectors.pet_records_checked(kitten, latest))  # the database agrees with itself
    assert selectors.log_audit() == ["the entries no longer give the root of exported checkpoint 6"]


def _nodes_for(entry):
    from jishi.pets import merkle
    from jishi.pets.verifier import leaf_hash, node_hash

    nodes = {(0, entry.index): leaf_hash(entry.data.encode())}
    for level, position in merkle.completed_by(entry.index)[1:]:
        left = LogNode.objects.get(level=level - 1, index=2 * position).hash
        nodes[level, position] = node_hash(bytes(left), nodes[level - 1, 2 * position + 1])
    return [LogNode(level=level, index=index, hash=value) for (level, index), value in nodes.items()]


def test_a_correction_supersedes_and_both_stay_provable(breeder, kitten):
    [first] = logged(breeder, kitten)
    fixed = services.record_correct(actor=breeder, record_id=first.pk, fields=vaccination(batch="A2026-118"))
    checkpoint = services.checkpoint_sign()
    assert json.loads(fixed.entry.data)["supersedes"] == first.entry.index
    assert fixed.document.name == first.document.name
    assert [c.proven for c in selectors.pet_records_checked(kitten, checkpoint)] == [True, True]
    with pytest.raises(AlreadySuperseded):
        services.record_correct(actor=breeder, record_id=first.pk, fields=vaccination())
    assert selectors.log_audit() == []


def test_erasing_a_record_keeps_its_leaf_provable(breeder, kitten):
    [record] = logged(breeder, kitten)
    checkpoint = services.checkpoint_sign()
    support = factories.user(operator_role="support")
    with pytest.raises(PermissionDenied):
        services.record_erase(actor=breeder, record_id=record.pk, reason="本人申请")
    services.record_erase(actor=support, record_id=record.pk, reason="本人申请")
    record.refresh_from_db()
    assert (record.fields, record.salt, record.document.name) == (None, None, "")
    [check] = selectors.pet_records_checked(kitten, checkpoint)
    assert check.proven
    assert check.bundle["fields"] is None
    assert selectors.log_audit() == []


def test_bad_records_are_refused_and_nothing_is_logged(breeder, kitten):
    future = "2999-01-01"
    cases = [
        ("vaccination", vaccination(date=future), PDF, "date"),
        ("vaccination", vaccination(date="2001-01-01"), PDF, "date"),  # before the kitten was born
        ("vaccination", vaccination(batch=""), PDF, "batch"),
        ("vaccination", vaccination(colour="蓝"), PDF, "colour"),
        ("deworming", {"product": "大宠爱", "date": vaccination()["date"], "scope": "everywhere"}, PDF, "scope"),
        (
            "health_check",
            {"date": vaccination()["date"], "clinic": "x", "result": "健康", "weight_grams": "1.5kg"},
            PDF,
            "weight_grams",
        ),
        ("surgery", {}, PDF, "kind"),
        ("vaccination", vaccination(), b"GIF89a not a certificate", "document"),
        ("vaccination", vaccination(), b"%PDF-1.4 cut off", "document"),
        ("vaccination", vaccination(), None, "document"),
    ]
    for kind, fields, document, field in cases:
        with pytest.raises((InvalidRecord, InvalidDocument)) as caught:
            services.record_add(actor=breeder, pet_id=kitten.pk, kind=kind, fields=fields, document=document)
        assert caught.value.field == field, (kind, fields)
    stranger = factories.merchant_owner(kind="breeder")
    with pytest.raises(NotFound):
        services.record_add(actor=stranger, pet_id=kitten.pk, kind="vaccination", fields=vaccination(), document=PDF)
    assert LogEntry.objects.count() == LogNode.objects.count() == PetRecord.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_records_take_consecutive_places_in_the_log(breeder, kitten):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one at a time anyway; the race needs PostgreSQL")
    from tests.races import race

    results = race(list(range(8)), lambda n: logged(breeder, kitten)[0].entry.index)
    assert sorted(results) == list(range(8))
    assert selectors.log_audit() == []
