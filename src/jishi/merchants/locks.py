"""Row locks on memberships: the one place in merchants that takes them.

On SQLite ``select_for_update`` is a no-op, which is fine: transactions
there begin IMMEDIATE, so writers are serialised anyway.
"""

from jishi.merchants.models import Membership


def team_lock(merchant_id: int) -> dict[int, Membership]:
    """The merchant's memberships by user id, their rows held (in id order) until the transaction ends.

    On PostgreSQL a transaction that waited for these rows reads them as the
    other one left them: a second ownership transfer sees the first one's owner.
    """
    rows = Membership.objects.select_for_update().filter(merchant_id=merchant_id).order_by("pk")
    return {membership.user_id: membership for membership in rows}


def membership_lock(user_id: int) -> Membership | None:
    """The user's membership, its row held until the transaction ends; None when they work for no merchant."""
    return Membership.objects.select_for_update().filter(user_id=user_id).first()
