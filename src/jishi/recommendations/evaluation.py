"""An offline check of the recommendations against the paid order history: does item-item CF find what a buyer
bought next better than the best-seller list does?

For each buyer with at least two distinct products bought, their latest product bought of their own accord (not
in a flash sale, a group buy or a community pickup, which are bought for the campaign shown) is held out (with
every line of it they bought); the co-purchase neighbours (买了又买) and the best sellers are learnt from the rest.
Each buyer then gets ten recommendations from each method, never a product they bought in what was kept: CF
ranks by the summed similarity to those products and tops up with the best sellers, as 为你推荐 does; the
baseline is the best sellers alone. Hit rate@k is the share of buyers whose held-out product is among their k;
coverage is the share of the catalogue's products (those in the history) that any buyer was recommended. The
history is read in paid order and every ranking breaks ties by product id, so the figures are reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass

from jishi.orders.selectors import campaign_purchases, paid_purchases
from jishi.recommendations import engine


@dataclass(frozen=True)
class MethodScore:
    hits: int
    hit_rate: float
    recommended: int  # distinct products recommended to anyone
    coverage: float


@dataclass(frozen=True)
class Evaluation:
    users: int  # buyers evaluated
    products: int  # products in the history
    k: int
    cf: MethodScore
    popular: MethodScore


def _score(held_out: dict[int, int], lists: dict[int, list[int]], products: int) -> MethodScore:
    hits = sum(1 for user_id, product_id in held_out.items() if product_id in lists[user_id])
    recommended = len({product_id for chosen in lists.values() for product_id in chosen})
    return MethodScore(
        hits=hits,
        hit_rate=hits / len(held_out) if held_out else 0.0,
        recommended=recommended,
        coverage=recommended / products if products else 0.0,
    )


def evaluate(*, k: int = 10, neighbours: int = engine.NEIGHBOURS) -> Evaluation:
    """Hold out each repeat buyer's latest bought product, learn from the rest, and score item-item CF against
    the best sellers at ``k``. Reads the whole paid history; writes nothing."""
    lines = [(buyer_id, product_id, quantity) for buyer_id, product_id, quantity, _ in paid_purchases()]
    campaigns = campaign_purchases()  # learnt from, but not held out: bought for the campaign shown
    bought: dict[int, list[int]] = {}  # each buyer's distinct products, in the order of their latest purchase
    for buyer_id, product_id, _ in lines:
        mine = bought.setdefault(buyer_id, [])
        if product_id in mine:
            mine.remove(product_id)
        mine.append(product_id)
    held_out = {}
    for buyer_id, mine in sorted(bought.items()):
        chosen = [product_id for product_id in mine if (buyer_id, product_id) not in campaigns]
        if len(mine) >= 2 and chosen:
            held_out[buyer_id] = chosen[-1]
    kept = [line for line in lines if held_out.get(line[0]) != line[1]]

    similar = engine.nearest(
        engine.strongest((buyer_id, product_id, "order") for buyer_id, product_id, _ in kept), k=neighbours
    )
    units = engine.units_by_product((product_id, quantity) for _, product_id, quantity in kept)
    best = [product_id for product_id, _ in engine.best_sellers(units, most=k * 10)]
    history = {
        buyer_id: {product_id for product_id in bought[buyer_id] if product_id != held_out[buyer_id]}
        for buyer_id in held_out
    }
    cf = {
        buyer_id: engine.filled(
            [p for p, _ in engine.rank_for(sorted(mine), similar, exclude=mine, k=k)], best, exclude=mine, k=k
        )
        for buyer_id, mine in history.items()
    }
    popular = {buyer_id: engine.filled([], best, exclude=mine, k=k) for buyer_id, mine in history.items()}
    products = len({product_id for _, product_id, _ in lines})
    return Evaluation(
        users=len(held_out),
        products=products,
        k=k,
        cf=_score(held_out, cf, products),
        popular=_score(held_out, popular, products),
    )
