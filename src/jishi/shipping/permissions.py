"""Permissions of the shipping domain."""

from jishi.merchants.permissions import MERCHANT_ORDERS

SHIPPING_MANAGE = MERCHANT_ORDERS
