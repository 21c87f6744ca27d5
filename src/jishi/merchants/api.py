"""Merchants API: public shop pages."""

from django.http import HttpRequest
from ninja import Router, Schema

from jishi.core.api import errors
from jishi.core.permissions import PUBLIC, requires
from jishi.merchants import selectors

router = Router(tags=["merchants"])


class MerchantOut(Schema):
    id: int
    name: str
    kind: str
    city: str
    description: str


@router.get("", response={200: list[MerchantOut], **errors()})
@requires(PUBLIC)
def merchant_list(request: HttpRequest) -> list[MerchantOut]:
    return [MerchantOut.model_validate(m, from_attributes=True) for m in selectors.merchant_public_list()[:200]]


@router.get("/{merchant_id}", response={200: MerchantOut, **errors(404)})
@requires(PUBLIC)
def merchant_detail(request: HttpRequest, merchant_id: int) -> MerchantOut:
    return MerchantOut.model_validate(selectors.merchant_public_get(merchant_id), from_attributes=True)
