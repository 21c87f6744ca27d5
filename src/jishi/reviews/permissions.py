"""Permissions of the reviews domain."""

from jishi.accounts.roles import OperatorRole
from jishi.core.permissions import Permission
from jishi.merchants.permissions import MERCHANT_AFTERSALES

# A shop answers its reviews with the staff who answer its buyers after the sale.
REVIEW_REPLY = MERCHANT_AFTERSALES

# The moderation queue and the blocked words: content reviewers and administrators, audited.
REVIEW_MODERATE = Permission(
    "reviews.moderate", lambda actor: actor.operator_role in {OperatorRole.REVIEWER, OperatorRole.ADMIN}
)
