"""The offline evaluation: on a history with taste groups, item-item CF finds the held-out purchase more often
than the best sellers do, and the management command prints both side by side."""

import io

import pytest
from django.core.management import call_command

from jishi.recommendations.evaluation import evaluate
from tests import factories
from tests.recommendations.conftest import bought

pytestmark = pytest.mark.django_db

GROUPS, PER_GROUP, BUYERS = 4, 5, 4


@pytest.fixture
def taste_groups(merchant_staff, leaf_category):
    """Four groups of five products; in each, four buyers buy two neighbouring products, then the next one."""
    groups = [
        [
            factories.product(merchant_staff, leaf_category, title=f"第{g}组商品{n}", price="10.00", stock=50)
            for n in range(PER_GROUP)
        ]
        for g in range(GROUPS)
    ]
    for group in groups:
        for i in range(BUYERS):
            member = factories.user()
            bought(member, group[i], group[(i + 1) % PER_GROUP])
            bought(member, group[(i + 2) % PER_GROUP])
    return groups


def test_item_item_cf_beats_the_best_sellers_on_taste_groups(taste_groups):
    # when the latest purchase of each buyer is held out
    result = evaluate(k=10)
    # then every buyer was evaluated, and CF finds more of the held-out purchases and covers more of the catalogue
    assert (result.users, result.products, result.k) == (GROUPS * BUYERS, GROUPS * PER_GROUP, 10)
    assert result.cf.hit_rate > result.popular.hit_rate
    assert result.cf.coverage > result.popular.coverage
    # and the figures are reproducible
    assert evaluate(k=10) == result


def test_the_command_prints_both_methods_side_by_side(taste_groups):
    out = io.StringIO()
    call_command("recommendations_evaluate", stdout=out)
    result = evaluate(k=10)
    lines = out.getvalue().splitlines()
    assert f"{result.users} buyers" in lines[0]
    assert lines[1].split() == ["method", "hit-rate@10", "hits", "coverage", "products"]
    assert lines[2].split()[:4] == ["item-item", "CF", f"{result.cf.hit_rate:.3f}", str(result.cf.hits)]
    assert lines[3].split()[:3] == ["popularity", f"{result.popular.hit_rate:.3f}", str(result.popular.hits)]


def test_a_history_without_repeat_buyers_evaluates_nobody(buyer, shop):
    bought(buyer, shop)
    result = evaluate()
    assert (result.users, result.cf.hit_rate, result.popular.hit_rate) == (0, 0.0, 0.0)
