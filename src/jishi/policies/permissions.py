"""Permissions of the platform policies."""

from jishi.accounts.roles import OperatorRole
from jishi.core.permissions import Permission

# The platform's settings (time-outs, after-sales windows, payment methods, default commission and shipping fee)
# and the terms and privacy policy: system settings, administrators only, audited.
PLATFORM_SETTINGS = Permission("policies.settings", lambda actor: actor.operator_role == OperatorRole.ADMIN)
