import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from jishi.loyalty import services as loyalty
from jishi.loyalty.models import EntryKind

_granted = iter(range(1, 10**9))


def grant(user: Any, points: int, *, at: dt.datetime | None = None) -> Any:
    """Give ``user`` a lot of ``points`` earned at ``at`` (now), expiring 12 months later, as an earning would."""
    at = at or timezone.now()
    return loyalty._post(
        user.pk, EntryKind.EARN_REVIEW, points, f"test:grant:{next(_granted)}", expires_at=at + loyalty.YEAR
    )


@pytest.fixture
def rich_buyer(buyer: Any, home: Any) -> Any:
    """The buyer with 1,000 points and a default address."""
    grant(buyer, 1000)
    return buyer
