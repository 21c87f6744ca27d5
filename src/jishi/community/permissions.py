"""Permissions of the community group-buying domain."""

from jishi.accounts.roles import OperatorRole
from jishi.core.permissions import Permission
from jishi.merchants.permissions import MERCHANT_MARKETING

# A shop's community campaigns: its owner and managers, like its other promotions.
SHOP_COMMUNITY = MERCHANT_MARKETING
# Reviewing and suspending group leaders: reviewers and administrators.
LEADER_REVIEW = Permission(
    "community.leader_review", lambda actor: actor.operator_role in (OperatorRole.REVIEWER, OperatorRole.ADMIN)
)
# The platform's group-buy settings (the default group window, leader commission and pickup deadline), a system
# setting like the platform's own promotions: administrators only.
GROUP_BUY_SETTINGS = Permission("community.settings", lambda actor: actor.operator_role == OperatorRole.ADMIN)
