"""Permissions of the accounts domain."""

from jishi.accounts.roles import OperatorRole
from jishi.core.permissions import Permission

KYC_REVIEW = Permission(
    "accounts.kyc_review",
    lambda actor: actor.operator_role in {OperatorRole.REVIEWER, OperatorRole.ADMIN},
)
OPERATOR = Permission("accounts.operator", lambda actor: bool(actor.operator_role))
# Search users, see their masked details, disable or enable them and sign them out everywhere.
USER_MANAGE = Permission(
    "accounts.user_manage",
    lambda actor: actor.operator_role in {OperatorRole.SUPPORT, OperatorRole.ADMIN},
)
# Read the audit log. Finance reads it for payouts and bank-account changes.
AUDIT_VIEW = Permission(
    "accounts.audit_view",
    lambda actor: actor.operator_role in {OperatorRole.SUPPORT, OperatorRole.FINANCE, OperatorRole.ADMIN},
)
# Grant, change and revoke operator roles (the last administrator always stays).
ROLE_GRANT = Permission("accounts.role_grant", lambda actor: actor.operator_role == OperatorRole.ADMIN)
