"""Permissions of the payments domain."""

from jishi.core.permissions import AUTHENTICATED, PUBLIC

PAYMENT_MAKE = AUTHENTICATED
# Gateways are not users: a notification is trusted by its signature, checked in the service.
GATEWAY_NOTIFY = PUBLIC
