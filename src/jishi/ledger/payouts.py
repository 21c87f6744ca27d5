"""Payout adapters: how money reaches a merchant's bank account.

An adapter verifies a bank account and pays a withdrawal. ``pay`` must be
idempotent per payout number (the bank's own idempotency key), so a retry
never pays twice. The sandbox adapter keeps no money and moves none: it
accepts every well-formed account and pays every withdrawal, except to
account numbers ending in ``0000``, which it refuses, so tests and demos
can show a failed payout.
"""

import hashlib
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from jishi.core.money import Money


@dataclass(frozen=True)
class PayoutResult:
    ok: bool
    reference: str = ""
    message: str = ""


class PayoutAdapter(Protocol):
    def verify_account(self, *, holder: str, bank: str, number: str) -> bool: ...

    def pay(self, *, number: str, amount: Money, account_number: str) -> PayoutResult: ...


class SandboxPayoutAdapter:
    REFUSED_SUFFIX = "0000"

    def verify_account(self, *, holder: str, bank: str, number: str) -> bool:
        return number.isdecimal() and 12 <= len(number) <= 30

    def pay(self, *, number: str, amount: Money, account_number: str) -> PayoutResult:
        if account_number.endswith(self.REFUSED_SUFFIX):
            return PayoutResult(ok=False, message="sandbox: the receiving bank refused the transfer")
        reference = "SBXP" + hashlib.sha256(number.encode()).hexdigest()[:20].upper()
        return PayoutResult(ok=True, reference=reference)


def adapter() -> PayoutAdapter:
    """The configured payout adapter (``JISHI_PAYOUT_ADAPTER``, a dotted path)."""
    adapter_class = import_string(settings.JISHI_PAYOUT_ADAPTER)
    return adapter_class()
