"""Public numbers for orders and payments: not sequential, not guessable.

A number is the day it was made (``yymmdd``) followed by twelve random
digits from the system's CSPRNG, so knowing one order number tells nothing
about any other, and support staff can still read the date off it.
"""

import secrets

from django.utils import timezone


def public_number() -> str:
    """An 18-digit number: ``yymmdd`` plus 12 random digits (10¹² per day)."""
    return f"{timezone.localdate():%y%m%d}{secrets.randbelow(10**12):012d}"
