"""Permissions of the catalog domain."""

from jishi.accounts.roles import OperatorRole
from jishi.core.permissions import Permission
from jishi.merchants.permissions import active_membership

PRODUCT_MANAGE = Permission("catalog.product_manage", lambda actor: active_membership(actor) is not None)
PRODUCT_REVIEW = Permission(
    "catalog.product_review", lambda actor: actor.operator_role in {OperatorRole.REVIEWER, OperatorRole.ADMIN}
)
