"""The log's hashing and proofs agree with RFC 6962's published vectors and with each other, and no altered
proof or checkpoint passes. No database: these are the functions the standalone verifier runs."""

import base64
import random

import pytest

from jishi.pets import merkle
from jishi.pets.signing import Signer
from jishi.pets.verifier import (
    EMPTY_ROOT,
    VerificationError,
    VerifierKey,
    leaf_hash,
    open_checkpoint,
    open_note,
    root_of,
    verify_consistency,
    verify_inclusion,
)

# The Certificate Transparency reference inputs and the roots, audit paths and consistency proofs published
# for them (leaf numbers 1-based, as there).
INPUTS = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                     "606162636465666768696a6b6c6d6e6f"]]  # fmt: skip
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (2, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip
CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip
LEAVES = [leaf_hash(data) for data in INPUTS]


def stored(leaves):
    """The complete-subtree hashes an append-only store keeps, as a getter."""
    nodes = {}
    for index, leaf in enumerate(leaves):
        nodes[0, index] = leaf
        for level, position in merkle.completed_by(index)[1:]:
            nodes[level, position] = merkle.node_hash(
                nodes[level - 1, 2 * position], nodes[level - 1, 2 * position + 1]
            )
    return lambda level, index: nodes[level, index]


def test_the_empty_tree_and_every_published_root():
    assert EMPTY_ROOT.hex() == ROOTS[0] == merkle.root(0, stored([])).hex()
    for size in range(1, 9):
        assert root_of(LEAVES[:size]).hex() == ROOTS[size]
        assert merkle.root(size, stored(LEAVES)).hex() == ROOTS[size]


@pytest.mark.parametrize(("leaf", "size", "path"), INCLUSION)
def test_the_published_audit_paths(leaf, size, path):
    proof = merkle.inclusion(leaf - 1, size, stored(LEAVES))
    assert [h.hex() for h in proof] == path
    root = bytes.fromhex(ROOTS[size])
    assert verify_inclusion(leaf - 1, size, LEAVES[leaf - 1], proof, root)
    assert not verify_inclusion(leaf - 1, size, LEAVES[leaf - 1], proof, bytes.fromhex(ROOTS[size - 1]))
    assert not verify_inclusion(leaf % size, size, LEAVES[leaf - 1], proof, root)  # at another position


@pytest.mark.parametrize(("first", "second", "path"), CONSISTENCY)
def test_the_published_consistency_proofs(first, second, path):
    proof = merkle.consistency(first, second, stored(LEAVES))
    assert [h.hex() for h in proof] == path
    old, new = bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second])
    assert verify_consistency(first, second, proof, old, new)
    if first != second:
        assert not verify_consistency(first, second, proof, bytes.fromhex(ROOTS[first - 1]), new)


def _flipped(proof, rng):
    hashes = list(proof)
    at = rng.randrange(len(hashes))
    byte = rng.randrange(32)
    hashes[at] = hashes[at][:byte] + bytes([hashes[at][byte] ^ (1 << rng.randrange(8))]) + hashes[at][byte + 1 :]
    return hashes


def test_every_leaf_and_every_pair_of_sizes_up_to_40_proves_and_no_altered_proof_does():
    rng = random.Random(6962)
    leaves = [leaf_hash(rng.randbytes(rng.randrange(40))) for _ in range(40)]
    get = stored(leaves)
    roots = [root_of(leaves[:n]) for n in range(41)]
    for size in range(1, 41):
        assert merkle.root(size, get) == roots[size]
        for index in range(size):
            proof = merkle.inclusion(index, size, get)
            assert verify_inclusion(index, size, leaves[index], proof, roots[size])
            assert not verify_inclusion(index, size, leaves[(index + 1) % 40], proof, roots[size])
            if proof:
                assert not verify_inclusion(index, size, leaves[index], _flipped(proof, rng), roots[size])
                assert not verify_inclusion(index, size, leaves[index], proof[:-1], roots[size])
            assert not verify_inclusion(index, size, leaves[index], [*proof, roots[0]], roots[size])
        for first in range(1, size + 1):
            proof = merkle.consistency(first, size, get)
            assert verify_consistency(first, size, proof, roots[first], roots[size])
            if proof:
                assert not verify_consistency(first, size, _flipped(proof, rng), roots[first], roots[size])
                assert not verify_consistency(first, size, proof[:-1], roots[first], roots[size])
            if first < size:
                assert not verify_consistency(first, size, proof, roots[first], roots[size - 1])


def test_fetched_reads_each_hash_once_in_one_load():
    get = stored(LEAVES)
    loads = []

    def load(keys):
        keys = set(keys)
        loads.append(keys)
        return {key: get(*key) for key in keys}

    assert merkle.fetched(lambda g: merkle.inclusion(5, 8, g), load) == merkle.inclusion(5, 8, get)
    assert loads == [{(0, 4), (1, 3), (2, 0)}]


# Signed notes: the example from the signed-note reference implementation, signed the same to the byte.
NEUMANN_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
NEUMANN_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
NEUMANN_SIGNATURE = "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
NEUMANN_NOTE = f"{NEUMANN_TEXT}\n\u2014 PeterNeumann {NEUMANN_SIGNATURE}\n"


def test_a_note_is_signed_as_the_reference_implementation_signs_it():
    signer = Signer.parse(NEUMANN_KEY)
    assert signer.sign(NEUMANN_TEXT) == NEUMANN_NOTE
    assert str(signer) == NEUMANN_KEY
    key = VerifierKey.parse(str(signer.verifier))
    assert open_note(NEUMANN_NOTE, key) == NEUMANN_TEXT
    with pytest.raises(VerificationError, match="altered"):
        open_note(NEUMANN_NOTE.replace("cryptography", "Cryptography"), key)
    with pytest.raises(VerificationError, match="no signature"):
        open_note(NEUMANN_NOTE, VerifierKey.parse(str(Signer.generate("PeterNeumann").verifier)))


def test_a_checkpoint_is_opened_only_with_its_own_key_and_in_its_format():
    signer = Signer.generate("jishi.example/pet-records")
    root = root_of(LEAVES)
    note = signer.sign(f"jishi.example/pet-records\n8\n{base64.b64encode(root).decode()}\n")
    checkpoint = open_checkpoint(note, signer.verifier)
    assert (checkpoint.origin, checkpoint.size, checkpoint.root) == ("jishi.example/pet-records", 8, root)
    with pytest.raises(VerificationError, match="altered"):
        open_checkpoint(note.replace("\n8\n", "\n9\n"), signer.verifier)
    other = Signer(signer.name.replace("jishi", "other"), signer.seed)
    foreign = other.sign("jishi.example/pet-records\n8\n" + note.split("\n")[2] + "\n")
    with pytest.raises(VerificationError, match="another log"):
        open_checkpoint(foreign, other.verifier)
    for broken in ("not a key", "a+b+c", str(signer.verifier).replace("+", "+0", 1)):
        with pytest.raises(VerificationError):
            VerifierKey.parse(broken)
