"""Operator console: who holds an operator role, and granting, changing or revoking one (administrators only)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.accounts import selectors as accounts_selectors
from jishi.accounts import services as accounts
from jishi.accounts.auth import actor_of
from jishi.accounts.permissions import ROLE_GRANT
from jishi.accounts.roles import OperatorRole
from jishi.core.errors import InvalidInput
from jishi.core.pagination import paginate
from jishi.web.pages import page, page_number


@page(ROLE_GRANT)
def operators(request: HttpRequest) -> HttpResponse:
    operators_page = paginate(
        accounts_selectors.operators_for(actor_of(request)), page=page_number(request), page_size=50
    )
    context = {"page": operators_page, "roles": OperatorRole.choices}
    return render(request, "operator/operators.html", context)


@require_POST
@page(ROLE_GRANT)
def operator_grant(request: HttpRequest) -> HttpResponse:
    """Give the account with this exact mobile number or e-mail address a role (or change the one it has)."""
    actor = actor_of(request)
    user = accounts_selectors.user_find_for_role(actor, request.POST.get("identifier", "")[:254])
    role = request.POST.get("role", "")
    if role not in OperatorRole.values:  # revoking is the list's button, not this form
        raise InvalidInput(_("Choose one of the operator roles."), code="accounts.invalid_role", field="role")
    accounts.operator_role_set(actor=actor, user_id=user.pk, role=role)
    messages.success(
        request, _("%(user)s is now: %(role)s.") % {"user": user.masked_identifier, "role": OperatorRole(role).label}
    )
    return redirect("operator:operators")


@require_POST
@page(ROLE_GRANT)
def operator_role(request: HttpRequest, user_id: int) -> HttpResponse:
    """Change the role of someone on the list, or revoke it (an empty role)."""
    role = request.POST.get("role", "")
    user = accounts.operator_role_set(actor=actor_of(request), user_id=user_id, role=role)
    if role:
        messages.success(
            request,
            _("%(user)s is now: %(role)s.") % {"user": user.masked_identifier, "role": OperatorRole(role).label},
        )
    else:
        messages.success(request, _("%(user)s no longer has an operator role.") % {"user": user.masked_identifier})
    return redirect("operator:operators")
