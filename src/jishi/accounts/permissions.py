"""Permissions of the accounts domain."""

from jishi.accounts.roles import OperatorRole
from jishi.core.permissions import Permission

KYC_REVIEW = Permission(
    "accounts.kyc_review",
    lambda actor: actor.operator_role in {OperatorRole.REVIEWER, OperatorRole.ADMIN},
)
OPERATOR = Permission("accounts.operator", lambda actor: bool(actor.operator_role))
