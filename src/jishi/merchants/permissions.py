"""Permissions of the merchants domain.

Merchant staff act through their role: each role carries a fixed set of
capabilities (products, orders, after-sales, finance, staff). Operator
permissions that concern merchants (reviewing applications, suspending a
shop) live here too.
"""

from typing import Any

from jishi.accounts.roles import OperatorRole
from jishi.core.actors import Actor
from jishi.core.permissions import Permission
from jishi.merchants.roles import ROLE_CAPABILITIES, Capability


def active_membership(actor: Actor) -> Any:
    """The actor's membership at an active merchant, or None (uses the joined row when loaded)."""
    try:
        membership = actor.membership  # type: ignore[union-attr]
    except Exception:  # RelatedObjectDoesNotExist, or an anonymous user
        return None
    return membership if membership.merchant.is_active else None


def has_capability(actor: Actor, capability: Capability) -> bool:
    membership = active_membership(actor)
    return membership is not None and capability in ROLE_CAPABILITIES[membership.role]


def _capability(capability: Capability) -> Permission:
    return Permission(f"merchants.{capability.value}", lambda actor: has_capability(actor, capability))


def _operator(code: str, *roles: OperatorRole) -> Permission:
    allowed = {*roles, OperatorRole.ADMIN}
    return Permission(code, lambda actor: actor.operator_role in allowed)


MERCHANT_PRODUCTS = _capability(Capability.PRODUCTS)
MERCHANT_ORDERS = _capability(Capability.ORDERS)
MERCHANT_FINANCE = _capability(Capability.FINANCE)
MERCHANT_AFTERSALES = _capability(Capability.AFTERSALES)
MERCHANT_TEAM = _capability(Capability.TEAM)
MERCHANT_MARKETING = _capability(Capability.MARKETING)

# Any signed-in user may apply to open a merchant; the service refuses those who already work for one.
MERCHANT_APPLY = Permission("merchants.apply", lambda actor: True)

APPLICATION_REVIEW = _operator("merchants.application_review", OperatorRole.REVIEWER)
MERCHANT_ADMINISTER = _operator("merchants.administer", OperatorRole.SUPPORT)
COMMISSION_MANAGE = _operator("merchants.commission_manage", OperatorRole.FINANCE)
QUALIFICATION_RULES = _operator("merchants.qualification_rules")


def _member(actor: Actor) -> bool:
    return hasattr(actor, "membership")


# Leave the merchant one works for: any member, of a suspended shop too (the service refuses the owner).
MERCHANT_MEMBER = Permission("merchants.member", _member)
