"""Permissions of the orders domain. Scope (whose orders) comes from the selectors."""

from jishi.core.permissions import AUTHENTICATED
from jishi.merchants.permissions import MERCHANT_ORDERS

ORDER_BUY = AUTHENTICATED
ORDER_FULFIL = MERCHANT_ORDERS
