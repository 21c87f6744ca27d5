"""Permissions of the ledger domain."""

from jishi.accounts.roles import OperatorRole
from jishi.core.permissions import Permission
from jishi.merchants.permissions import MERCHANT_FINANCE

# A merchant's own balances, entries, bank account and withdrawals.
FINANCE_OWN = MERCHANT_FINANCE
# The platform's books: every merchant's balances, payout approval, reconciliation.
FINANCE_OPERATE = Permission(
    "ledger.finance", lambda actor: actor.operator_role in {OperatorRole.FINANCE, OperatorRole.ADMIN}
)
# Reading balances while supporting a merchant.
FINANCE_VIEW = Permission(
    "ledger.finance_view",
    lambda actor: actor.operator_role in {OperatorRole.FINANCE, OperatorRole.SUPPORT, OperatorRole.ADMIN},
)
