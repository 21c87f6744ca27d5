"""Granting, changing and revoking operator roles: administrators only, and never the last administrator.

Re-exported from ``accounts.services``. A role is read from the user's row
on every request (the session keeps only the user's id), so a change takes
effect on the user's very next request.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from jishi.accounts import errors
from jishi.accounts.locks import active_admins_lock, user_lock
from jishi.accounts.models import User
from jishi.accounts.permissions import ROLE_GRANT
from jishi.accounts.roles import OperatorRole
from jishi.core import audit
from jishi.core.errors import InvalidInput, PermissionDenied
from jishi.core.permissions import check


def operator_role_set(*, actor: User, user_id: int, role: str) -> User:
    """Give ``user_id`` the operator ``role``, change it, or revoke it with ``role=""``. Audited.

    Idempotent: setting the role a user already holds changes nothing and
    writes no audit entry. The active administrators' rows are locked before
    they are counted, inside the one transaction that writes (on SQLite the
    transaction takes the write lock as it begins), so two administrators
    demoting each other at once leave one of them an administrator: the
    second finds it is no longer one.

    Raises PermissionDenied, InvalidInput (unknown role), UserNotFound,
    UserDisabled (granting to a disabled account), LastAdministrator.
    """
    check(actor, ROLE_GRANT)
    if role and role not in OperatorRole.values:
        raise InvalidInput(_("Choose one of the operator roles."), code="accounts.invalid_role", field="role")
    with transaction.atomic():
        admins = {admin.pk for admin in active_admins_lock()}
        if actor.pk not in admins:  # demoted or disabled since this request began
            raise PermissionDenied
        user = user_lock(user_id)
        if user is None:
            raise errors.UserNotFound
        before = user.operator_role
        if before == role:
            return user
        if role and not user.is_active:
            raise errors.UserDisabled(field="identifier")
        if user.pk in admins and role != OperatorRole.ADMIN and len(admins) == 1:
            raise errors.LastAdministrator(field="role")
        user.operator_role = role
        changed: dict[str, object] = {"operator_role": role}
        if before == OperatorRole.ADMIN and (user.is_staff or user.is_superuser):
            # Django's raw-data admin is for administrators only: it goes with the role
            user.is_staff = user.is_superuser = False
            changed |= {"is_staff": False, "is_superuser": False}
        user.save(update_fields=list(changed))
        audit.record(
            actor=actor,
            action="accounts.operator_role",
            target=user,
            before={"operator_role": before},
            after=changed,
        )
    return user
