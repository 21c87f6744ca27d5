"""Permissions of the shipping domain."""

from jishi.core.permissions import PUBLIC
from jishi.merchants.permissions import MERCHANT_ORDERS

SHIPPING_MANAGE = MERCHANT_ORDERS
# Aggregators are not users: a tracking callback is trusted by its signature, checked in the service.
TRACKING_CALLBACK = PUBLIC
