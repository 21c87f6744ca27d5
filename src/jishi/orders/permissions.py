"""Permissions of the orders domain. Scope (whose orders) comes from the selectors."""

from jishi.accounts.roles import OperatorRole
from jishi.core.permissions import AUTHENTICATED, Permission
from jishi.merchants.permissions import MERCHANT_ORDERS

ORDER_BUY = AUTHENTICATED
ORDER_FULFIL = MERCHANT_ORDERS

# Search and read every merchant's orders: support answers buyers, finance checks money, admins all.
ORDER_OVERSEE = Permission(
    "orders.oversee",
    lambda actor: actor.operator_role in {OperatorRole.SUPPORT, OperatorRole.FINANCE, OperatorRole.ADMIN},
)
