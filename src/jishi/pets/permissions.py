"""Permissions of the pet-trading domain."""

from jishi.accounts.roles import OperatorRole
from jishi.core.permissions import Permission

# Erasing a record's personal data at a person's request: support and administrators, audited.
RECORD_ERASE = Permission(
    "pets.record_erase", lambda actor: actor.operator_role in {OperatorRole.SUPPORT, OperatorRole.ADMIN}
)
