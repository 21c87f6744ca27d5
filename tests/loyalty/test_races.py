"""Real threads, separate connections: points are never spent twice, a day checks in once."""

from collections import Counter

import pytest
from django.db.models import Sum

from jishi.checkout import services as checkout
from jishi.loyalty import services as loyalty
from jishi.loyalty.models import Member, PointsEntry
from tests import factories
from tests.loyalty.conftest import grant
from tests.races import race

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def _outcome(result) -> str:
    return getattr(result, "code", repr(result)) if isinstance(result, Exception) else "placed"


def test_ten_checkouts_spending_300_of_1000_points_at_once_place_exactly_three(buyer, home, shop):
    grant(buyer, 1000)
    buy_now = checkout.BuyNow(sku_id=factories.sku_of(shop).pk, quantity=1)
    quote = checkout.checkout_quote(actor=buyer, address_id=home.pk, buy_now=buy_now, points=300)

    def place(_worker):
        return checkout.checkout_place(
            actor=buyer, address_id=home.pk, fingerprint=quote.fingerprint, buy_now=buy_now, points=300
        )

    outcomes = Counter(_outcome(result) for result in race(list(range(10)), place))
    assert outcomes == {"placed": 3, "loyalty.points_insufficient": 7}
    member = Member.objects.get(pk=buyer.pk)
    assert member.balance == 100 == PointsEntry.objects.filter(member=member).aggregate(s=Sum("points"))["s"]
    assert PointsEntry.objects.filter(member=member).aggregate(s=Sum("remaining"))["s"] == 100


def test_a_day_checks_in_once_however_many_taps_arrive(buyer):
    outcomes = Counter(_outcome(result) for result in race([buyer] * 8, lambda actor: loyalty.check_in(actor=actor)))
    assert outcomes == {"placed": 1, "loyalty.already_checked_in": 7}
    assert Member.objects.get(pk=buyer.pk).balance == 5
