"""Permissions of the loyalty domain."""

from jishi.accounts.roles import OperatorRole
from jishi.core.permissions import Permission

# The points and tier rules: administrators, audited.
LOYALTY_SETTINGS = Permission("loyalty.settings", lambda actor: actor.operator_role == OperatorRole.ADMIN)
