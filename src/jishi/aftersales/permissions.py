"""Permissions of the after-sales domain. Scope (whose requests) comes from the selectors."""

from jishi.accounts.roles import OperatorRole
from jishi.core.permissions import AUTHENTICATED, Permission
from jishi.merchants.permissions import MERCHANT_AFTERSALES

__all__ = ["AFTERSALES_ARBITRATE", "AFTERSALES_REQUEST", "MERCHANT_AFTERSALES"]

AFTERSALES_REQUEST = AUTHENTICATED
# Support decides disputes; admins may do everything support does.
AFTERSALES_ARBITRATE = Permission(
    "aftersales.arbitrate", lambda actor: actor.operator_role in {OperatorRole.SUPPORT, OperatorRole.ADMIN}
)
