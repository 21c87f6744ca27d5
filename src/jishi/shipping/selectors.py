"""Reads of the shipping domain: templates, the fee for one parcel, where a shop does not deliver, and tracking."""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from jishi.core import regions
from jishi.core.actors import Actor
from jishi.core.errors import InvalidInput
from jishi.core.money import Money
from jishi.core.permissions import check
from jishi.merchants.selectors import merchant_for
from jishi.orders.models import Fulfilment, Order
from jishi.orders.selectors import order_get_for_buyer, order_get_for_merchant
from jishi.policies.selectors import platform_settings
from jishi.shipping.errors import NotDelivered
from jishi.shipping.fees import Parcel, Priced, Rule, Table, TemplateInput, checked, price, province_of
from jishi.shipping.models import FeeBasis, FeeTemplate, TrackingEvent, TrackingSubscription
from jishi.shipping.permissions import SHIPPING_MANAGE


def fee_templates_for(merchant_ids: Iterable[int]) -> dict[int, FeeTemplate]:
    """The templates of these merchants with their rules (two queries); merchants without one are absent."""
    templates = FeeTemplate.objects.filter(merchant_id__in=set(merchant_ids)).prefetch_related("rules")
    return {template.merchant_id: template for template in templates}


def fee_template_for_merchant(merchant_id: int) -> FeeTemplate | None:
    return fee_templates_for([merchant_id]).get(merchant_id)


def table_of(template: FeeTemplate) -> Table:
    """The saved template as the fees are worked out from (its rules prefetched, or one query)."""
    currency = template.currency
    return Table(
        basis=template.basis,
        rules=tuple(
            Rule(tuple(rule.provinces), Money(rule.first_fee_minor, currency), Money(rule.extra_fee_minor, currency))
            for rule in template.rules.all()
        ),
        free_above=template.free_above,
        not_served=tuple(template.not_served or ()),
    )


def default_table() -> Table | None:
    """What a shop without a fee template charges: the platform settings' default (policies), per item, the
    first and each other, free at or above its threshold; None (delivered free) while both fees are 0, the
    default until an administrator sets one. No query while the settings are cached."""
    policy = platform_settings()
    if policy.shipping_free:
        return None
    return Table(
        basis=FeeBasis.ITEM,
        rules=(Rule((), policy.shipping_first_fee, policy.shipping_extra_fee),),
        free_above=policy.shipping_free_above,
    )


def shipping_price(template: FeeTemplate | None, *, province: str, parcel: Parcel) -> Priced:
    """Whether the merchant delivers ``parcel`` to ``province`` and for what fee (see :func:`fees.price`); a
    merchant without a template (None) charges the platform's default (:func:`default_table`)."""
    return price(table_of(template) if template is not None else default_table(), province=province, parcel=parcel)


def shipping_fee(template: FeeTemplate | None, *, province: str, parcel: Parcel) -> Money:
    """The delivery fee for ``parcel`` to ``province`` (any GB/T 2260 code inside it, or its name).

    No template: the platform's default (:func:`default_table`; free until
    an administrator sets one). Goods at or above the free threshold: free. By weight,
    every started kilogram counts and the first costs ``first_fee``. The fee
    ignores the areas not served: ask :func:`delivery_check` (checkout) or
    :func:`shipping_price` whether the parcel can go there at all.
    """
    table = table_of(template) if template is not None else default_table()
    if table is None:
        return Money.zero(parcel.goods_total.currency)
    priced = price(replace(table, not_served=()), province=province, parcel=parcel)
    assert priced.fee is not None  # every province is served once none is excluded
    return priced.fee


def delivery_check(templates: Mapping[int, FeeTemplate], shops: Iterable[tuple[int, str]], *, province: str) -> None:
    """Refuse a delivery to ``province`` that any of ``shops`` (merchant id, name) does not serve.

    ``templates`` are theirs (:func:`fee_templates_for`); no query. Raises
    NotDelivered (422, field ``address``) naming every such shop and the
    province, with ``params`` ``merchant_ids`` and ``province``.
    """
    found = province_of(province)
    if found is None:
        return
    refusing = [
        (merchant_id, name)
        for merchant_id, name in shops
        if (template := templates.get(merchant_id)) is not None and found.code in (template.not_served or ())
    ]
    if not refusing:
        return
    names = pgettext("list separator", ", ").join(name for _merchant_id, name in refusing)
    message = ngettext(
        "%(shops)s does not deliver to %(province)s. Choose another address or leave its items out.",
        "%(shops)s do not deliver to %(province)s. Choose another address or leave their items out.",
        len(refusing),
    )
    raise NotDelivered(
        message % {"shops": names, "province": found.name},
        field="address",
        params={"merchant_ids": [merchant_id for merchant_id, _name in refusing], "province": found.code},
    )


def shipping_preview(*, actor: Actor, data: TemplateInput | None, province: str, parcel: Parcel) -> Priced:
    """Price a sample parcel against ``data`` as if saved, or against the actor's saved template when None.

    Nothing is written. ``province`` is a province on the national list (by
    code or name). Raises InvalidFeeTemplate (as saving ``data`` would),
    InvalidInput ``core.invalid_region`` (field ``province``), PermissionDenied.
    """
    check(actor, SHIPPING_MANAGE)
    if regions.province_named(province) is None:
        raise InvalidInput(_("Choose a province from the list."), code="core.invalid_region", field="province")
    if data is not None:
        return price(checked(data), province=province, parcel=parcel)
    template = fee_template_for_merchant(merchant_for(actor).pk)
    return shipping_price(template, province=province, parcel=parcel)


@dataclass(frozen=True)
class ParcelFacts:
    """What an aggregator is told about an order's parcel, besides its courier and number."""

    origin: str  # the shop's city
    destination: str  # the receiver's city
    courier: str  # the courier's name as the order keeps it
    phone: str  # the receiver's phone (顺丰 answers only with it)
    shipped_at: dt.datetime


@dataclass(frozen=True)
class Tracking:
    """An order's parcel as the buyer and the shop see it: the courier, the number and the events, newest first."""

    carrier: str
    number: str
    state: str  # the subscription's SubscriptionState; empty before one exists
    events: list[TrackingEvent]


def order_for_tracking(order_id: int) -> Order | None:
    """The order (with its merchant) whose parcel is followed; None when it does not exist."""
    return Order.objects.select_related("merchant").filter(pk=order_id).first()


def order_to_track(order_id: int) -> Order | None:
    """The order if it was sent to an address with a tracking number (a pickup batch is not a parcel), else None."""
    return (
        Order.objects.filter(pk=order_id, fulfilment=Fulfilment.DELIVERY, shipped_at__isnull=False)
        .exclude(tracking_number="")
        .first()
    )


def parcel_facts(order_id: int) -> ParcelFacts | None:
    order = order_for_tracking(order_id)
    if order is None:
        return None
    return ParcelFacts(
        origin=order.merchant.city,
        destination=order.city,
        courier=order.carrier,
        phone=order.receiver_phone,
        shipped_at=order.shipped_at or order.placed_at,
    )


def subscriptions_for_number(*, adapter: str, number: str) -> list[TrackingSubscription]:
    """The parcels ``adapter`` follows under ``number`` (two orders sent in one parcel share it), oldest first."""
    return list(TrackingSubscription.objects.filter(adapter=adapter, number=number).order_by("pk"))


def tracking_of_order(order: Order) -> Tracking | None:
    """The tracking of an order the caller already scoped to its actor (two queries); None before it shipped
    (and for a pickup order, whose batch is no parcel)."""
    if not order.tracking_number or order.shipped_at is None or order.fulfilment != Fulfilment.DELIVERY:
        return None
    subscription = TrackingSubscription.objects.filter(order_id=order.pk).first()
    events = list(subscription.events.order_by("-time", "-id")) if subscription is not None else []
    return Tracking(
        carrier=order.carrier,
        number=order.tracking_number,
        state=subscription.state if subscription is not None else "",
        events=events,
    )


def tracking_for_buyer(actor: Actor, number: str) -> Tracking | None:
    """The tracking of one of the buyer's orders; someone else's order raises OrderNotFound (404)."""
    return tracking_of_order(order_get_for_buyer(actor, number))


def tracking_for_merchant(actor: Actor, number: str) -> Tracking | None:
    """The tracking of one of the actor's merchant's orders; another merchant's raises OrderNotFound (404)."""
    return tracking_of_order(order_get_for_merchant(actor, number))
