"""Property: whatever the earnings, spends, take-backs and expiries, the balance is the sum of the entries and the
open lots hold exactly what is left to spend."""

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from jishi.loyalty import services
from jishi.loyalty.errors import PointsInsufficient
from jishi.loyalty.models import EntryKind, PointsEntry
from jishi.loyalty.selectors import balance_of
from tests import factories
from tests.fuzzing import fuzzed

pytestmark = pytest.mark.django_db

steps = st.lists(
    st.tuples(
        st.sampled_from(["earn", "spend", "take_back", "wait"]),
        st.integers(min_value=1, max_value=2_000),  # points, or days for a wait
    ),
    min_size=1,
    max_size=25,
)


@fuzzed(40)
@given(plan=steps)
def test_the_balance_is_the_sum_of_the_entries_after_any_sequence(plan):
    with transaction.atomic():
        user = factories.user()
        now = timezone.now()
        expected = 0
        for number, (step, amount) in enumerate(plan):
            key = f"p:{number}"
            if step == "earn":
                services._post(user.pk, EntryKind.EARN_ORDER, amount, key, expires_at=now + services.YEAR)
                expected += amount
            elif step == "spend":
                try:
                    services._post(user.pk, EntryKind.SPEND, -amount, key, guarded=True)
                    expected -= amount
                except PointsInsufficient:
                    assert expected < amount
            elif step == "take_back":
                services._post(user.pk, EntryKind.REVERSE, -amount, key)
                expected -= amount
            else:
                now += dt.timedelta(days=amount % 400)
                lots = PointsEntry.objects.filter(member_id=user.pk, remaining__gt=0, expires_at__lte=now)
                expected -= lots.aggregate(s=Sum("remaining"))["s"] or 0
                services.points_expire_due(user_id=user.pk, now=now)
            _check(user.pk, expected)
        transaction.set_rollback(True)


def _check(user_id: int, expected: int) -> None:
    balance = balance_of(user_id)
    entries = PointsEntry.objects.filter(member_id=user_id)
    assert balance == expected == (entries.aggregate(s=Sum("points"))["s"] or 0)
    assert (entries.aggregate(s=Sum("remaining"))["s"] or 0) == max(balance, 0)
    assert not entries.filter(remaining__lt=0).exists()
