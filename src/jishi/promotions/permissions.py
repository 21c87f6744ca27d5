"""Permissions of the promotions domain."""

from jishi.accounts.roles import OperatorRole
from jishi.core.permissions import Permission
from jishi.merchants.permissions import MERCHANT_MARKETING

# A shop's own coupons and promotions: its owner and managers.
SHOP_PROMOTIONS = MERCHANT_MARKETING
# The platform's coupons cost the platform money: administrators only.
PLATFORM_PROMOTIONS = Permission("promotions.platform_manage", lambda actor: actor.operator_role == OperatorRole.ADMIN)
