"""Writes of the merchants domain (self-service onboarding arrives with the marketplace issue)."""

from typing import Any

from django.db import IntegrityError, transaction

from jishi.core import audit
from jishi.merchants.errors import AlreadyStaff
from jishi.merchants.models import Membership, Merchant, StaffRole


@transaction.atomic
def merchant_create(*, actor: Any, name: str, kind: str, owner: Any, description: str = "", city: str = "") -> Merchant:
    """Create an active merchant with ``owner`` as its owner. Used by operators and the demo loader."""
    merchant = Merchant.objects.create(name=name, kind=kind, description=description, city=city)
    membership_add(actor=actor, merchant=merchant, user=owner, role=StaffRole.OWNER)
    audit.record(actor=actor, action="merchant.create", target=merchant, after={"name": name, "kind": kind})
    return merchant


@transaction.atomic
def membership_add(*, actor: Any, merchant: Merchant, user: Any, role: str) -> Membership:
    """Make ``user`` staff of ``merchant``. Raises AlreadyStaff if they work for any merchant."""
    try:
        with transaction.atomic():
            membership = Membership.objects.create(merchant=merchant, user=user, role=role)
    except IntegrityError as exc:
        raise AlreadyStaff from exc
    audit.record(actor=actor, action="merchant.staff_add", target=merchant, after={"user": user.pk, "role": role})
    return membership
