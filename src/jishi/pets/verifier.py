"""Check a pet record against Jishi's transparency log, with nothing but Python and ``cryptography``.

This file stands alone: it imports no Django and no other part of Jishi, so a
buyer, a vet or a journalist can download it and check, without trusting the
platform's pages, that a health, vaccination, deworming or pedigree record is
in the log the platform signed::

    python3 verifier.py --key KEY --checkpoint checkpoint.txt record.json [record.json ...]

``KEY`` is the log's verifier key (``name+keyid+base64``, as the verify page
and the API print it), the checkpoint a signed note as the API returns it, and
each record the JSON the verify page offers for download: its fields, salt and
document hash, the log entry, and the inclusion proof. The exit status is 0
when every record checks out.

What is checked, in order:

1. The checkpoint is a C2SP signed note (https://c2sp.org/signed-note) with a
   valid Ed25519 signature by that key, in the C2SP checkpoint format
   (https://c2sp.org/tlog-checkpoint): origin, tree size, root hash.
2. The record's commitment is SHA-256(salt ‖ SHA-256(canonical fields) ‖
   document SHA-256), so the fields and document shown are the ones logged.
3. The log entry names that commitment, and its leaf hash, with the inclusion
   proof, gives the checkpoint's root (RFC 6962 / RFC 9162 §2.1.3.2).

A record whose fields were erased (a person asked) still has its entry and
proof: step 3 still shows the entry was logged and never changed.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ED25519 = 0x01  # the signed-note signature type of an Ed25519 key
EM_DASH = "\u2014"
ENTRY_VERSION = 1


class VerificationError(Exception):
    """The input does not check out; the message says which step failed."""


# RFC 6962 hashing: leaves and nodes are domain-separated so neither can pass for the other.


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()


def root_of(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of a list of leaf hashes, straight from RFC 6962 §2.1."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = largest_power_of_two_below(len(leaves))
    return node_hash(root_of(leaves[:k]), root_of(leaves[k:]))


def largest_power_of_two_below(n: int) -> int:
    """The k of RFC 6962: the largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``leaf`` sit at ``index`` of the tree of ``size`` leaves with this ``root``?"""
    if index >= size or index < 0:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes) -> bool:
    """RFC 9162 §2.1.4.2: is the tree of ``second`` leaves an append-only extension of that of ``first``?"""
    if first < 0 or first > second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof  # every tree extends the empty one
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the old root is a node of the new tree
        path.insert(0, first_root)
    roots = _consistency_roots(first, second, path)
    return roots == (first_root, second_root)


def _consistency_roots(first: int, second: int, path: list[bytes]) -> tuple[bytes, bytes] | None:
    """The two roots a consistency path gives (RFC 9162 §2.1.4.2, steps 3 to 7), or None if it cannot."""
    if not path:
        return None
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return (fr, sr) if sn == 0 else None


# Signed notes and checkpoints.


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte key ID of C2SP signed-note: SHA-256(name ‖ 0x0A ‖ type ‖ key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()[:4]


@dataclass(frozen=True)
class VerifierKey:
    name: str
    public_key: bytes

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        """``name+hex(keyid)+base64(0x01 ‖ key)``, the text a log publishes for its verifiers."""
        try:
            name, hex_id, blob = text.strip().split("+", 2)
            raw = base64.b64decode(blob, validate=True)
        except ValueError as exc:
            raise VerificationError("the key is not a signed-note verifier key (name+keyid+base64)") from exc
        if len(raw) != 33 or raw[0] != ED25519:
            raise VerificationError("the key is not an Ed25519 verifier key")
        key = cls(name, raw[1:])
        if key_id(name, key.public_key).hex() != hex_id.lower():
            raise VerificationError("the key's ID does not match its name and public key")
        return key

    def __str__(self) -> str:
        encoded = base64.b64encode(bytes([ED25519]) + self.public_key).decode()
        return f"{self.name}+{key_id(self.name, self.public_key).hex()}+{encoded}"


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    note: str  # the whole signed note, as published


def open_note(note: str, key: VerifierKey) -> str:
    """The text of a signed note once ``key``'s signature on it checks out."""
    text, sep, signatures = note.rpartition("\n\n")
    if not sep or not signatures.endswith("\n"):
        raise VerificationError("the checkpoint is not a signed note (text, blank line, signature lines)")
    text += "\n"
    prefix = f"{EM_DASH} {key.name} "
    for line in signatures[:-1].split("\n"):
        if not line.startswith(prefix):
            continue
        try:
            blob = base64.b64decode(line[len(prefix) :], validate=True)
        except ValueError as exc:
            raise VerificationError("a signature line is not base64") from exc
        if blob[:4] != key_id(key.name, key.public_key):
            continue
        try:
            Ed25519PublicKey.from_public_bytes(key.public_key).verify(blob[4:], text.encode())
        except InvalidSignature as exc:
            raise VerificationError("the checkpoint's signature does not verify: it was altered") from exc
        return text
    raise VerificationError("the checkpoint carries no signature by this key")


def open_checkpoint(note: str, key: VerifierKey) -> Checkpoint:
    """A checkpoint note signed by ``key``: its origin (which must be the key's name), size and root."""
    lines = open_note(note, key).split("\n")
    if len(lines) < 4:
        raise VerificationError("a checkpoint has an origin, a tree size and a root hash")
    origin, size, root = lines[0], lines[1], lines[2]
    if origin != key.name:
        raise VerificationError("the checkpoint is for another log")
    if not size.isdecimal() or (size != "0" and size.startswith("0")):
        raise VerificationError("the checkpoint's tree size is not a number")
    try:
        root_hash = base64.b64decode(root, validate=True)
    except ValueError as exc:
        raise VerificationError("the checkpoint's root hash is not base64") from exc
    if len(root_hash) != 32:
        raise VerificationError("the checkpoint's root hash is not a SHA-256 hash")
    return Checkpoint(origin, int(size), root_hash, note)


# Records.


def canonical(value: Any) -> bytes:
    """The one byte form of a JSON value: keys sorted, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def commitment(fields: dict[str, Any], salt: bytes, document_sha256: bytes) -> bytes:
    """What a log entry commits to: the salted fields and the document, each fixed-length, so unambiguous."""
    return hashlib.sha256(salt + hashlib.sha256(canonical(fields)).digest() + document_sha256).digest()


def verify_record(record: dict[str, Any], checkpoint: Checkpoint) -> str:
    """Check one downloaded record under a checkpoint already opened; a line saying what was proven."""
    try:
        entry = record["entry"]
        index = int(record["leaf_index"])
        proof = [bytes.fromhex(h) for h in record["inclusion"]["hashes"]]
        size = int(record["inclusion"]["tree_size"])
    except (KeyError, TypeError, ValueError) as exc:
        raise VerificationError(f"the record file lacks {exc}") from exc
    if size != checkpoint.size:
        raise VerificationError(f"the proof is for a tree of {size} records, the checkpoint has {checkpoint.size}")
    if not isinstance(entry, dict) or entry.get("v") != ENTRY_VERSION:
        raise VerificationError("the log entry is not a version-1 entry")
    erased = record.get("fields") is None
    if not erased:
        try:
            salt = bytes.fromhex(record["salt"])
            document = bytes.fromhex(record["document_sha256"])
        except (KeyError, TypeError, ValueError) as exc:
            raise VerificationError("the record's salt or document hash is not hex") from exc
        if len(salt) != 32 or len(document) != 32:
            raise VerificationError("the record's salt and document hash are 32 bytes each")
        if commitment(record["fields"], salt, document).hex() != entry.get("commitment"):
            raise VerificationError("the fields, salt or document differ from what was logged")
    if not verify_inclusion(index, size, leaf_hash(canonical(entry)), proof, checkpoint.root):
        raise VerificationError("the entry is not in the signed tree at that position")
    what = "entry logged (fields erased since)" if erased else "fields, document and entry logged"
    return f"record {index}: {what}, included in {checkpoint.origin} at size {checkpoint.size}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--key", required=True, help="the log's verifier key")
    parser.add_argument("--checkpoint", required=True, type=Path, help="a file holding the signed checkpoint")
    parser.add_argument("records", nargs="+", type=Path, help="record files downloaded from a verify page")
    args = parser.parse_args(argv)
    try:
        checkpoint = open_checkpoint(args.checkpoint.read_text(encoding="utf-8"), VerifierKey.parse(args.key))
    except (OSError, UnicodeDecodeError, VerificationError) as exc:
        print(f"checkpoint: {exc}", file=sys.stderr)
        return 2
    failed = 0
    for path in args.records:
        try:
            print(verify_record(json.loads(path.read_text(encoding="utf-8")), checkpoint))
        except (OSError, ValueError, VerificationError) as exc:
            failed += 1
            print(f"{path}: FAILED: {exc}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
