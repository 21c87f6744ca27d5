"""Permissions of the orders domain. Scope (whose orders) comes from the selectors."""

from jishi.core.permissions import AUTHENTICATED, Permission
from jishi.merchants.permissions import active_membership

ORDER_BUY = AUTHENTICATED
ORDER_FULFIL = Permission("orders.fulfil", lambda actor: active_membership(actor) is not None)
