"""Permissions of the group-buying domain."""

from jishi.merchants.permissions import MERCHANT_MARKETING

# A shop's 拼团 campaigns: its owner and managers, like its other promotions.
SHOP_GROUPBUY = MERCHANT_MARKETING
