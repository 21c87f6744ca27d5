"""Row locks on users: the one place in accounts that takes them.

On SQLite ``select_for_update`` is a no-op, which is fine: transactions
there begin IMMEDIATE, so writers are serialised anyway.
"""

from jishi.accounts.models import User
from jishi.accounts.roles import OperatorRole


def user_lock(user_id: int) -> User | None:
    """The user, their row held until the transaction ends, so two operators' changes queue; None if missing."""
    return User.objects.select_for_update().filter(pk=user_id).first()


def active_admins_lock() -> list[User]:
    """The active administrators, their rows held (in id order) until the transaction ends.

    On PostgreSQL a transaction that waited for these rows reads them as the
    other one left them, so an administrator demoted meanwhile is not counted.
    """
    admins = User.objects.select_for_update().filter(operator_role=OperatorRole.ADMIN, is_active=True)
    return list(admins.order_by("pk"))
