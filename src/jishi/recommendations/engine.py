"""Item-item collaborative filtering on a sparse user × product matrix: plain computation, no database.

Each (member, product) pair weighs what the member did with it, the strongest signal counting (bought 3,
favourited 2, viewed 1). Two products are as similar as the cosine of their columns (members who took one took
the other), shrunk when few members took both and weighed by how many took the neighbour. Only each product's
nearest ``NEIGHBOURS`` are kept. Every ranking breaks ties by product id, so the same history always gives the
same tables.

scikit-learn and scipy run their kernels on at most one thread here (``OPENBLAS_NUM_THREADS=1``, and
threadpoolctl for a process that loaded numpy before this module): the machines have two cores, shared with the
web and the other workers.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy is first imported, where this module is first

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

import numpy as np
from scipy import sparse
from sklearn.metrics.pairwise import cosine_similarity
from threadpoolctl import threadpool_limits

# How many neighbours each product keeps.
NEIGHBOURS = 30
# Weights of what a member did with a product; a pair weighs its strongest.
WEIGHTS: Mapping[str, float] = {"order": 3.0, "favourite": 2.0, "view": 1.0}
# Significance weighting: a similarity is shrunk by n / (n + SHRINK), n the members who took both products, so a
# pair that one member happened to take together does not outrank a pair many took together.
SHRINK = 5.0
# A neighbour's similarity is also weighed by (how many members took it)^REACH, relative to the most taken: of two
# products as close, the one more members want comes first. On the demo's history, holding out each buyer's latest
# product whatever it was bought in, plain cosine found 17 of 49 and shrunk and weighed 28 (the best sellers 29).
REACH = 1.0
# Products whose similarities are computed at once (a block of rows of the product × product matrix).
BLOCK = 2000

type Pairs = Mapping[tuple[int, int], float]
type Neighbourhood = dict[int, list[tuple[int, float]]]


def strongest(signals: Iterable[tuple[int, int, str]]) -> dict[tuple[int, int], float]:
    """(user_id, product_id, kind) signals as one weight per (user, product): its strongest signal's."""
    pairs: dict[tuple[int, int], float] = {}
    for user_id, product_id, kind in signals:
        weight = WEIGHTS[kind]
        if weight > pairs.get((user_id, product_id), 0.0):
            pairs[(user_id, product_id)] = weight
    return pairs


def matrix(pairs: Pairs) -> tuple[sparse.csr_matrix, list[int]]:
    """The user × product matrix of ``pairs`` (CSR) and the product id of each column, ascending."""
    user_ids = sorted({user_id for user_id, _ in pairs})
    product_ids = sorted({product_id for _, product_id in pairs})
    row = {user_id: index for index, user_id in enumerate(user_ids)}
    column = {product_id: index for index, product_id in enumerate(product_ids)}
    keys = sorted(pairs)
    rows = np.fromiter((row[user_id] for user_id, _ in keys), dtype=np.int64, count=len(keys))
    columns = np.fromiter((column[product_id] for _, product_id in keys), dtype=np.int64, count=len(keys))
    values = np.fromiter((pairs[key] for key in keys), dtype=np.float64, count=len(keys))
    shape = (len(user_ids), len(product_ids))
    return sparse.csr_matrix((values, (rows, columns)), shape=shape), product_ids


def nearest(pairs: Pairs, *, k: int = NEIGHBOURS) -> Neighbourhood:
    """Each product's ``k`` most similar products by the cosine of their columns, shrunk by n / (n + ``SHRINK``)
    for the n members who took both and weighed by (members who took the neighbour / members who took the most
    taken product)^``REACH`` (never itself), the most similar first (ties by product id), scores rounded to 6
    places. Products that share no member have none."""
    if not pairs:
        return {}
    users_by_product, product_ids = matrix(pairs)
    by_product = users_by_product.T.tocsr()
    took = by_product.copy()
    took.data[:] = 1.0
    members = np.asarray(took.sum(axis=1)).ravel()
    reach = sparse.csr_matrix((members / members.max()) ** REACH)  # one row: each neighbour's weight
    ids = np.asarray(product_ids, dtype=np.int64)
    found: Neighbourhood = {}
    with threadpool_limits(limits=1):
        for start in range(0, len(product_ids), BLOCK):
            cosine = cosine_similarity(by_product[start : start + BLOCK], by_product, dense_output=False).tocsr()
            both = (took[start : start + BLOCK] @ took.T).tocsr()  # members who took both, where the cosine is
            both.data = both.data / (both.data + SHRINK)
            block = cosine.multiply(both).multiply(reach).tocsr()
            block.sort_indices()
            for offset in range(block.shape[0]):
                index = start + offset
                begin, end = block.indptr[offset], block.indptr[offset + 1]
                columns, scores = block.indices[begin:end], block.data[begin:end]
                keep = (columns != index) & (scores > 0)
                columns, scores = columns[keep], scores[keep]
                if not len(columns):
                    continue
                rounded = np.round(scores, 6)
                order = np.lexsort((ids[columns], -rounded))[:k]
                found[product_ids[index]] = [(int(ids[columns[i]]), float(rounded[i])) for i in order if rounded[i] > 0]
    return {product_id: others for product_id, others in found.items() if others}


def best_sellers(units: Mapping[int, int], *, most: int) -> list[tuple[int, int]]:
    """(product_id, units) of the ``most`` products with the most units, ties by product id."""
    ranked = sorted(((product_id, n) for product_id, n in units.items() if n > 0), key=lambda pair: (-pair[1], pair[0]))
    return ranked[:most]


def units_by_product(purchases: Iterable[tuple[int, int]]) -> Counter[int]:
    """(product_id, quantity) lines summed per product."""
    units: Counter[int] = Counter()
    for product_id, quantity in purchases:
        units[product_id] += quantity
    return units


def rank_for(
    products: Iterable[int], neighbours: Neighbourhood, *, exclude: set[int], k: int
) -> list[tuple[int, float]]:
    """A member's top ``k`` products: each scores the sum of its similarity to the member's ``products``, those in
    ``exclude`` left out, the highest first (ties by product id)."""
    totals: defaultdict[int, float] = defaultdict(float)
    for product_id in products:
        for other, score in neighbours.get(product_id, ()):
            if other not in exclude:
                totals[other] += score
    return sorted(totals.items(), key=lambda pair: (-pair[1], pair[0]))[:k]


def filled(ranked: Iterable[int], fallback: Iterable[int], *, exclude: set[int], k: int) -> list[int]:
    """``ranked`` topped up to ``k`` from ``fallback`` (the best sellers), without repeats or ``exclude``."""
    chosen: list[int] = []
    seen = set(exclude)
    for product_id in (*ranked, *fallback):
        if product_id not in seen:
            seen.add(product_id)
            chosen.append(product_id)
            if len(chosen) == k:
                break
    return chosen
