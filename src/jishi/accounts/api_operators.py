"""Operator roles API: who holds a role, and granting, changing or revoking one (administrators only)."""

import datetime as dt
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Schema

from jishi.accounts import selectors, services
from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.accounts.models import User
from jishi.accounts.permissions import ROLE_GRANT
from jishi.core.api import Id, PageNumber, Router, StrictIn, errors
from jishi.core.pagination import paginate
from jishi.core.permissions import requires

router = Router(tags=["operator roles"], auth=SIGNED_IN)

# "" revokes the role.
RoleChoice = Literal["", "reviewer", "finance", "support", "catalog", "admin"]


class OperatorRoleOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    operator_role: str
    is_active: bool
    date_joined: dt.datetime


class OperatorRoleGrantIn(StrictIn):
    identifier: Annotated[
        str, Field(min_length=1, max_length=254, description="The user's whole e-mail address or mobile number")
    ]
    role: RoleChoice


class OperatorRoleChangeIn(StrictIn):
    role: RoleChoice


def operator_role_out(user: User) -> OperatorRoleOut:
    return OperatorRoleOut(
        id=user.pk,
        name=user.display_name,
        email=user.masked_email,
        phone=user.masked_phone,
        operator_role=user.operator_role,
        is_active=user.is_active,
        date_joined=user.date_joined,
    )


@router.get("/operators", response={200: list[OperatorRoleOut], **errors(401, 403)})
@requires(ROLE_GRANT)
def operator_list(request: HttpRequest, page: PageNumber = 1) -> list[OperatorRoleOut]:
    """Everyone holding an operator role (disabled accounts too), by role, 100 a page, details masked."""
    operators = selectors.operators_for(actor_of(request))
    return [operator_role_out(user) for user in paginate(operators, page=page, page_size=100).items]


@router.post("/operators", response={200: OperatorRoleOut, **errors(401, 403, 404, 409)})
@requires(ROLE_GRANT)
def operator_role_grant(request: HttpRequest, payload: OperatorRoleGrantIn) -> OperatorRoleOut:
    """Give the user with this exact e-mail address or mobile number a role, change it, or revoke it (``""``).

    An unknown identifier is 422 ``accounts.identifier_unknown``; a disabled
    account cannot be given a role (409 ``accounts.user_disabled``), and the
    last administrator cannot be demoted (409 ``accounts.last_admin``). Audited.
    """
    actor = actor_of(request)
    user = selectors.user_find_for_role(actor, payload.identifier)
    return operator_role_out(services.operator_role_set(actor=actor, user_id=user.pk, role=payload.role))


@router.post("/operators/{user_id}/role", response={200: OperatorRoleOut, **errors(401, 403, 404, 409)})
@requires(ROLE_GRANT)
def operator_role_change(request: HttpRequest, user_id: Id, payload: OperatorRoleChangeIn) -> OperatorRoleOut:
    """Change or revoke (``""``) the role of a user listed by ``GET /operators``. Audited."""
    user = services.operator_role_set(actor=actor_of(request), user_id=user_id, role=payload.role)
    return operator_role_out(user)
