"""Permissions of the after-sales domain. Scope (whose requests) comes from the selectors."""

from jishi.accounts.roles import OperatorRole
from jishi.core.permissions import AUTHENTICATED, Permission
from jishi.merchants.permissions import has_capability
from jishi.merchants.roles import Capability

AFTERSALES_REQUEST = AUTHENTICATED
MERCHANT_AFTERSALES = Permission("merchants.aftersales", lambda actor: has_capability(actor, Capability.AFTERSALES))
# Support decides disputes; admins may do everything support does.
AFTERSALES_ARBITRATE = Permission(
    "aftersales.arbitrate", lambda actor: actor.operator_role in {OperatorRole.SUPPORT, OperatorRole.ADMIN}
)
