"""Permissions of the shipping domain."""

from jishi.core.permissions import Permission
from jishi.merchants.permissions import active_membership

SHIPPING_MANAGE = Permission("shipping.manage", lambda actor: active_membership(actor) is not None)
