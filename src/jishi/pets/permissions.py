"""Permissions of the pet-trading domain."""

from jishi.accounts.roles import OperatorRole
from jishi.core.permissions import Permission

# Erasing a record's personal data at a person's request: support and administrators, audited.
RECORD_ERASE = Permission(
    "pets.record_erase", lambda actor: actor.operator_role in {OperatorRole.SUPPORT, OperatorRole.ADMIN}
)

# Signing a checkpoint now rather than at the next hourly sweep: any operator.
LOG_SIGN = Permission("pets.log_sign", lambda actor: bool(actor.operator_role))

# The species, the breed list and the blocked words: reviewers, who apply them, and administrators.
PET_RULES = Permission("pets.rules", lambda actor: actor.operator_role in {OperatorRole.REVIEWER, OperatorRole.ADMIN})
