"""Reads of the merchants domain."""

from typing import Any

from django.db.models import QuerySet

from jishi.merchants.errors import MerchantNotFound
from jishi.merchants.models import Merchant, MerchantStatus
from jishi.merchants.permissions import active_membership


def merchant_of(actor: Any) -> Merchant | None:
    """The active merchant the actor works for, or None."""
    membership = active_membership(actor)
    return membership.merchant if membership else None


def merchant_public_list() -> QuerySet[Merchant]:
    return Merchant.objects.filter(status=MerchantStatus.ACTIVE)


def merchant_public_get(merchant_id: int) -> Merchant:
    merchant = merchant_public_list().filter(pk=merchant_id).first()
    if merchant is None:
        raise MerchantNotFound
    return merchant
