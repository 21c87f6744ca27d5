"""Row locks on payouts: the one place in the ledger that takes them.

On SQLite ``select_for_update`` is a no-op, which is fine: transactions
there begin IMMEDIATE, so writers are serialised anyway.
"""

from jishi.ledger.models import Payout
from jishi.ledger.states import PayoutStatus


def approved_payout_lock(payout_id: int) -> Payout | None:
    """The approved payout, its row held until the transaction ends, so one worker pays it; None otherwise."""
    return Payout.objects.select_for_update().filter(pk=payout_id, status=PayoutStatus.APPROVED).first()
