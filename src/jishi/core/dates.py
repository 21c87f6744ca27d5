"""The dates Jishi accepts from people: a sane window, so no date arithmetic on them can overflow.

A report, a filter or a rule's start is from 2000-01-01 to a year from
today (Shanghai time); a document's expiry date may lie further ahead, to
the end of 2099. Python's dates end at 9999-12-31, and ``end + 1 day`` on
the last one raises.
"""

import datetime as dt

from django.utils import timezone

EARLIEST = dt.date(2000, 1, 1)
LATEST_EXPIRY = dt.date(2099, 12, 31)


def latest() -> dt.date:
    """The last day a report, filter or rule may name: a year from today."""
    return timezone.localdate() + dt.timedelta(days=366)


def in_window(day: dt.date, *, until: dt.date | None = None) -> bool:
    """Whether ``day`` (a date, or a datetime's date) lies from 2000-01-01 to ``until`` (default: a year from today)."""
    if isinstance(day, dt.datetime):
        day = day.date()
    return EARLIEST <= day <= (until or latest())
