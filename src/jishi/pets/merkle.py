"""Proofs over a Merkle tree stored as the hashes of its complete subtrees (RFC 6962 §2.1.1, §2.1.2).

Every subtree the RFC's recursion splits a tree into starts at a multiple of
its largest power of two, so MTH of any range is a few stored complete
subtrees joined on the way up. The functions here take ``get(level, index)``
for those hashes; :func:`fetched` runs one twice, first only to learn which
hashes it reads, so a store answers them in a single query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from jishi.pets.verifier import EMPTY_ROOT, largest_power_of_two_below, node_hash

Key = tuple[int, int]  # (level, index) of a complete subtree of 2**level leaves
Get = Callable[[int, int], bytes]


def subtree(start: int, size: int, get: Get) -> bytes:
    """MTH(D[start:start+size]) for a range the recursion produces (``start`` aligned to its left part)."""
    if size == 0:
        return EMPTY_ROOT
    if size & (size - 1) == 0 and start % size == 0:
        return get(size.bit_length() - 1, start // size)
    k = largest_power_of_two_below(size)
    return node_hash(subtree(start, k, get), subtree(start + k, size - k, get))


def root(size: int, get: Get) -> bytes:
    return subtree(0, size, get)


def inclusion(index: int, size: int, get: Get) -> list[bytes]:
    """PATH(index, D[size]): the audit path of a leaf, nearest sibling first."""
    path: list[bytes] = []
    start = 0
    while size > 1:
        k = largest_power_of_two_below(size)
        if index < k:
            path.append(subtree(start + k, size - k, get))
            size = k
        else:
            path.append(subtree(start, k, get))
            start, index, size = start + k, index - k, size - k
    return path[::-1]


def consistency(first: int, second: int, get: Get) -> list[bytes]:
    """PROOF(first, D[second]) of RFC 6962 §2.1.2, in the RFC's order."""
    if first == 0 or first >= second:
        return []

    def sub(m: int, start: int, n: int, whole: bool) -> list[bytes]:
        if m == n:
            return [] if whole else [subtree(start, m, get)]
        k = largest_power_of_two_below(n)
        if m <= k:
            return [*sub(m, start, k, whole), subtree(start + k, n - k, get)]
        return [*sub(m - k, start + k, n - k, False), subtree(start, k, get)]

    return sub(first, 0, second, True)


def completed_by(index: int) -> list[Key]:
    """The subtrees that appending leaf ``index`` completes, lowest first (the leaf itself at level 0)."""
    keys = [(0, index)]
    level, position = 0, index
    while position & 1:
        level, position = level + 1, position >> 1
        keys.append((level, position))
    return keys


class MissingHash(LookupError):
    """A subtree hash the store should hold is not there: the stored tree was cut."""


def fetched[T](compute: Callable[[Get], T], load: Callable[[Iterable[Key]], Mapping[Key, bytes]]) -> T:
    """``compute(get)`` with every hash it reads loaded by one call of ``load``.

    Raises MissingHash when ``load`` does not return one of them.
    """
    wanted: set[Key] = set()

    def record(level: int, index: int) -> bytes:
        wanted.add((level, index))
        return EMPTY_ROOT

    compute(record)
    hashes = load(wanted) if wanted else {}

    def get(level: int, index: int) -> bytes:
        if (level, index) not in hashes:
            raise MissingHash(f"stored hash {level}/{index} is missing")
        return hashes[level, index]

    return compute(get)
