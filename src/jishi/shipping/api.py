"""Shipping API: the merchant's fee template, and the couriers the forms suggest."""

from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Schema

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.core import regions
from jishi.core.api import Amount, MoneyOut, Router, StrictIn, errors, money_out, parse_amount
from jishi.core.money import Money
from jishi.core.permissions import PUBLIC, requires
from jishi.merchants.selectors import merchant_of
from jishi.shipping import selectors, services
from jishi.shipping.carriers import CARRIERS
from jishi.shipping.models import FeeTemplate
from jishi.shipping.permissions import SHIPPING_MANAGE

router = Router(tags=["merchant"], auth=SIGNED_IN)
CODE = "shipping.invalid_amount"

Province = Annotated[str, Field(pattern=r"^\d{2}0000$", examples=["650000"], description="GB/T 2260 province code")]


class RuleIn(StrictIn):
    provinces: Annotated[list[Province], Field(max_length=40, description="Empty: every other province")] = []
    first_fee: Amount
    extra_fee: Amount = "0"


class TemplateIn(StrictIn):
    basis: Literal["item", "weight"]
    free_above: Amount | None = None
    rules: Annotated[list[RuleIn], Field(min_length=1, max_length=40)]


class RuleOut(Schema):
    provinces: list[str]
    province_names: list[str]
    first_fee: MoneyOut
    extra_fee: MoneyOut


class TemplateOut(Schema):
    basis: str
    free_above: MoneyOut | None
    rules: list[RuleOut]


def template_out(template: FeeTemplate | None) -> TemplateOut:
    if template is None:  # no template: everything ships free
        return TemplateOut(basis="item", free_above=None, rules=[])
    return TemplateOut(
        basis=template.basis,
        free_above=money_out(template.free_above) if template.free_above is not None else None,
        rules=[
            RuleOut(
                provinces=rule.provinces,
                province_names=[regions.name_of(code) for code in rule.provinces],
                first_fee=money_out(Money(rule.first_fee_minor, template.currency)),
                extra_fee=money_out(Money(rule.extra_fee_minor, template.currency)),
            )
            for rule in template.rules.all()
        ],
    )


@router.get("/shipping-template", response={200: TemplateOut, **errors(401, 403)})
@requires(SHIPPING_MANAGE)
def template_detail(request: HttpRequest) -> TemplateOut:
    """The merchant's delivery fees. No rules means delivery is free."""
    merchant = merchant_of(actor_of(request))
    assert merchant is not None
    return template_out(selectors.fee_template_for_merchant(merchant.pk))


@router.put("/shipping-template", response={200: TemplateOut, **errors(401, 403)})
@requires(SHIPPING_MANAGE)
def template_set(request: HttpRequest, payload: TemplateIn) -> TemplateOut:
    """Replace the fee template: one rule without provinces (the default) plus rules for named provinces."""
    data = services.TemplateInput(
        basis=payload.basis,
        free_above=parse_amount(payload.free_above, "free_above", code=CODE) if payload.free_above else None,
        rules=[
            services.RuleInput(
                provinces=rule.provinces,
                first_fee=parse_amount(rule.first_fee, f"rules.{index}.first_fee", code=CODE),
                extra_fee=parse_amount(rule.extra_fee, f"rules.{index}.extra_fee", code=CODE),
            )
            for index, rule in enumerate(payload.rules)
        ],
    )
    return template_out(services.fee_template_set(actor=actor_of(request), data=data))


carriers_router = Router(tags=["shipping"])


@carriers_router.get("", response={200: list[str], **errors()})
@requires(PUBLIC)
def carrier_list(request: HttpRequest) -> list[str]:
    """The couriers the forms suggest for a shipment, a return or a replacement (another name may be typed)."""
    return list(CARRIERS)
