"""Row locks on users: the one place in accounts that takes them.

On SQLite ``select_for_update`` is a no-op, which is fine: transactions
there begin IMMEDIATE, so writers are serialised anyway.
"""

from jishi.accounts.models import User


def user_lock(user_id: int) -> User | None:
    """The user, their row held until the transaction ends, so two operators' changes queue; None if missing."""
    return User.objects.select_for_update().filter(pk=user_id).first()
