"""Permissions of the catalog domain."""

from jishi.accounts.roles import OperatorRole
from jishi.core.permissions import Permission
from jishi.merchants.permissions import MERCHANT_PRODUCTS

PRODUCT_MANAGE = MERCHANT_PRODUCTS
PRODUCT_REVIEW = Permission(
    "catalog.product_review", lambda actor: actor.operator_role in {OperatorRole.REVIEWER, OperatorRole.ADMIN}
)
# Categories, their icons and typed attributes: administrators and catalog managers.
CATALOG_MANAGE = Permission(
    "catalog.catalog_manage", lambda actor: actor.operator_role in {OperatorRole.CATALOG, OperatorRole.ADMIN}
)
