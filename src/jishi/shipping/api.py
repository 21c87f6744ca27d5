"""Shipping API: the merchant's fee template, the couriers the forms suggest, parcel tracking and its callback."""

import datetime as dt
import json
from typing import Annotated, Literal

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import Field, Schema

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.core import regions
from jishi.core.api import Amount, MoneyOut, PublicNumber, Router, StrictIn, errors, money_out, parse_amount
from jishi.core.money import Money
from jishi.core.permissions import PUBLIC, requires
from jishi.merchants.selectors import merchant_of
from jishi.orders.permissions import ORDER_BUY, ORDER_FULFIL
from jishi.shipping import selectors, services
from jishi.shipping.carriers import CARRIERS, detect_carrier
from jishi.shipping.fees import Parcel, Priced
from jishi.shipping.models import FeeTemplate
from jishi.shipping.permissions import SHIPPING_MANAGE, TRACKING_CALLBACK
from jishi.shipping.selectors import Tracking
from jishi.shipping.tracking import ACCEPTED

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
    not_served: Annotated[
        list[Province],
        Field(max_length=40, description="Provinces the shop does not deliver to (checkout refuses them)"),
    ] = []


class RuleOut(Schema):
    provinces: list[str]
    province_names: list[str]
    first_fee: MoneyOut
    extra_fee: MoneyOut


class TemplateOut(Schema):
    basis: str
    free_above: MoneyOut | None
    rules: list[RuleOut]
    not_served: list[str]
    not_served_names: list[str]


class ShippingPreviewIn(StrictIn):
    province: Province
    items: Annotated[int, Field(ge=1, le=9999, strict=True)] = 1
    grams: Annotated[int, Field(ge=0, le=1_000_000, strict=True, description="Total weight in grams")] = 0
    goods_total: Amount = "0"
    template: Annotated[TemplateIn | None, Field(description="This template, unsaved; none: the saved one")] = None


class ShippingPreviewOut(Schema):
    province: str
    province_name: str
    delivers: bool
    fee: MoneyOut | None = Field(description="None where the shop does not deliver")
    free: bool = Field(description="The goods total reached the free-delivery threshold")
    rule: int | None = Field(description="The index of the rule that set the fee (none: free or not delivered)")


def template_out(template: FeeTemplate | None) -> TemplateOut:
    if template is None:  # no template: everything ships free
        return TemplateOut(basis="item", free_above=None, rules=[], not_served=[], not_served_names=[])
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
        not_served=template.not_served,
        not_served_names=[regions.name_of(code) for code in template.not_served],
    )


def template_input(payload: TemplateIn) -> services.TemplateInput:
    """The body as the service takes it; an amount that does not parse is a 422 on its field."""
    return services.TemplateInput(
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
        not_served=payload.not_served,
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
    data = template_input(payload)
    return template_out(services.fee_template_set(actor=actor_of(request), data=data))


def preview_out(priced: Priced) -> ShippingPreviewOut:
    assert priced.province is not None  # the preview takes provinces on the list only
    return ShippingPreviewOut(
        province=priced.province.code,
        province_name=priced.province.name,
        delivers=priced.delivers,
        fee=money_out(priced.fee) if priced.fee is not None else None,
        free=priced.free,
        rule=priced.rule,
    )


@router.post("/shipping-template/preview", response={200: ShippingPreviewOut, **errors(401, 403)})
@requires(SHIPPING_MANAGE)
def template_preview(request: HttpRequest, payload: ShippingPreviewIn) -> ShippingPreviewOut:
    """What a sample parcel would cost: against ``template`` as if it were saved (nothing is), or the saved one."""
    parcel = Parcel(
        items=payload.items,
        grams=payload.grams,
        goods_total=parse_amount(payload.goods_total, "goods_total", code=CODE),
    )
    priced = selectors.shipping_preview(
        actor=actor_of(request),
        data=template_input(payload.template) if payload.template is not None else None,
        province=payload.province,
        parcel=parcel,
    )
    return preview_out(priced)


carriers_router = Router(tags=["shipping"])


@carriers_router.get("", response={200: list[str], **errors()})
@requires(PUBLIC)
def carrier_list(request: HttpRequest) -> list[str]:
    """The couriers the forms suggest for a shipment, a return or a replacement (another name may be typed)."""
    return list(CARRIERS)


class CarrierGuessOut(Schema):
    name: str | None = Field(description="The courier's name as forms offer it; none when the number's shape is unsure")
    code: str | None = Field(description="Its 快递100 company code")


@carriers_router.get("/detect", response={200: CarrierGuessOut, **errors()}, url_name="carrier_detect")
@requires(PUBLIC)
def carrier_detect(request: HttpRequest, number: Annotated[str, Field(min_length=1, max_length=40)]) -> CarrierGuessOut:
    """The courier a tracking number looks like. Shapes overlap, and the first rule wins: a guess to confirm."""
    carrier = detect_carrier(number)
    return CarrierGuessOut(name=carrier.name if carrier else None, code=carrier.code if carrier else None)


class TrackingEventOut(Schema):
    time: dt.datetime
    status: str = Field(description="collected, in_transit, out_for_delivery, delivered, problem or returned")
    status_label: str
    description: str
    location: str


class TrackingOut(Schema):
    carrier: str
    number: str = Field(description="Empty until the order has shipped")
    state: str = Field(description="pending, subscribed, failed (not tracked), ended; empty before a subscription")
    events: list[TrackingEventOut] = Field(description="Newest first")


def tracking_out(found: Tracking | None) -> TrackingOut:
    if found is None:
        return TrackingOut(carrier="", number="", state="", events=[])
    return TrackingOut(
        carrier=found.carrier,
        number=found.number,
        state=found.state,
        events=[
            TrackingEventOut(
                time=event.time,
                status=event.status,
                status_label=str(event.get_status_display()),
                description=event.description,
                location=event.location,
            )
            for event in found.events
        ],
    )


orders_tracking_router = Router(tags=["orders"], auth=SIGNED_IN)


@orders_tracking_router.get("/{number}/tracking", response={200: TrackingOut, **errors(401, 403, 404)})
@requires(ORDER_BUY)
def order_tracking(request: HttpRequest, number: PublicNumber) -> TrackingOut:
    """Where the parcel of one of the buyer's orders is: the courier's events, newest first. Another's order is 404."""
    return tracking_out(selectors.tracking_for_buyer(actor_of(request), number))


@router.get("/orders/{number}/tracking", response={200: TrackingOut, **errors(401, 403, 404)})
@requires(ORDER_FULFIL)
def merchant_order_tracking(request: HttpRequest, number: PublicNumber) -> TrackingOut:
    """Where the parcel of one of the merchant's orders is, newest event first."""
    return tracking_out(selectors.tracking_for_merchant(actor_of(request), number))


tracking_router = Router(tags=["shipping"])
# A callback with the whole history of a long journey is tens of kilobytes; far more is not one.
MAX_CALLBACK_BYTES = 256 * 1024


def _callback_body(request: HttpRequest) -> bytes | None:
    """The body as received, or None when it is too large to be a callback (it is then not read)."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isascii() or not length.isdecimal() or int(length) > MAX_CALLBACK_BYTES:
        return None
    try:
        body = request.body
    except RequestDataTooBig:
        return None
    return body if len(body) <= MAX_CALLBACK_BYTES else None


@tracking_router.post(
    "/callback/{adapter}",
    auth=None,
    include_in_schema=False,
    url_name="tracking_callback",
)
@requires(TRACKING_CALLBACK)
def tracking_callback(request: HttpRequest, adapter: Annotated[str, Field(max_length=20)]) -> HttpResponse:
    """A tracking aggregator's callback (快递100's form: ``param`` and ``sign``), answered as it expects.

    Verified before anything changes; the same callback twice records its
    events once. A bad signature is 403 ``shipping.bad_signature``, an
    unreadable body 400, an unknown adapter or a number no order shipped with
    404 — each ``{code, message, field}``, never a 500.
    """
    services.tracking_callback_receive(adapter_code=adapter, body=_callback_body(request), headers=request.headers)
    return HttpResponse(json.dumps(ACCEPTED, ensure_ascii=False), content_type="application/json")
