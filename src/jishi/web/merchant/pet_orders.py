"""The pets of a shop's order (宠物订单) on the merchant's order page: a box per pet, and its forms.

Each box shows how the buyer chose to receive the pet; the quarantine
certificate (动物检疫合格证明), without which sending by courier or air is
refused; for collection in person, a hand-over form in place of the courier
shipping form; once sent, the journey with a form to record its steps; the
buyer's arrival report with its photos (private files, served here to the
shop's staff only) and the buyer's claims, each an after-sales request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.orders.permissions import ORDER_FULFIL
from jishi.orders.states import OrderStatus
from jishi.pets import selectors, services
from jishi.pets.errors import InvalidDocument, SaleNotFound
from jishi.pets.models import Delivery, PetSale, TransitKind
from jishi.web.buyer.pets import TRAVELS, checked, from_order_page, photo_response, uploads
from jishi.web.pages import page


class QuarantineForm(forms.Form):
    quarantine_number = forms.CharField(
        max_length=40, error_messages={"required": gettext_lazy("Give the certificate's number.")}
    )


class TransitEventForm(forms.Form):
    kind = forms.ChoiceField(choices=TransitKind.choices)
    at = forms.DateTimeField(
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        error_messages={"required": gettext_lazy("Give the time."), "invalid": gettext_lazy("Give the time.")},
    )
    place = forms.CharField(max_length=100, error_messages={"required": gettext_lazy("Say where the pet is.")})
    note = forms.CharField(max_length=200, required=False)


class HandOverForm(forms.Form):
    place = forms.CharField(max_length=100, error_messages={"required": gettext_lazy("Say where the pet is.")})


@dataclass(frozen=True)
class ShopSaleBox:
    """What the shop's order page shows of one pet sold."""

    sale: PetSale
    travels: bool
    needs_certificate: bool
    ship_refused: bool
    can_upload: bool
    can_hand_over: bool
    can_record: bool
    shows_arrival: bool
    now: str
    photo_ids: list[int] = field(default_factory=list)

    @property
    def form_ids(self) -> dict[str, str]:
        """The ``_form`` of each of the box's forms, which tells them apart when one comes back refused."""
        return {name: f"petsale-{self.sale.pk}-{name}" for name in ("quarantine", "hand_over", "event")}

    @property
    def transit_kinds(self) -> list[tuple[str, str]]:
        return [(kind, str(label)) for kind, label in TransitKind.choices]


@dataclass(frozen=True)
class PetOrder:
    boxes: list[ShopSaleBox]
    # every pet is collected in person: the hand-over takes the place of the courier shipping form
    collection_only: bool


def _box(sale: PetSale, *, ship_refused: bool, now: dt.datetime) -> ShopSaleBox:
    status = sale.order.status
    travels = sale.delivery in TRAVELS
    missing = travels and sale.quarantine_uploaded_at is None
    return ShopSaleBox(
        sale=sale,
        travels=travels,
        needs_certificate=missing and status == OrderStatus.PAID,
        ship_refused=missing and ship_refused,
        can_upload=status == OrderStatus.PAID,
        can_hand_over=status == OrderStatus.PAID and sale.delivery == Delivery.COLLECTION,
        can_record=status == OrderStatus.SHIPPED and sale.arrived_at is None,
        shows_arrival=status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED),
        now=timezone.localtime(now).strftime("%Y-%m-%dT%H:%M"),
        photo_ids=[photo.pk for photo in sale.arrival_photos.all()] if sale.confirmed_at else [],
    )


def pet_order(order: Any, ship_form: forms.Form | None = None) -> PetOrder | None:
    """The pets of the order, None for an order without any (one query). ``ship_form`` is the courier
    shipping form as posted: refused, it marks the pets still waiting for their quarantine certificate."""
    sales = selectors.sales_of_order(order.pk)
    if not sales:
        return None
    # the quarantine gate's refusal names no field of the shipping form: it comes back as the form's own error
    refused = ship_form is not None and ship_form.is_bound and bool(ship_form.non_field_errors())
    now = timezone.now()
    boxes = [_box(sale, ship_refused=refused, now=now) for sale in sales]
    return PetOrder(boxes=boxes, collection_only=all(sale.delivery == Delivery.COLLECTION for sale in sales))


def _order_page(request: HttpRequest, number: str) -> None:
    from_order_page(request, reverse("merchant:order", args=[number]))


def _back(number: str, sale_id: int) -> HttpResponse:
    return redirect(f"{reverse('merchant:order', args=[number])}#petsale-{sale_id}")


@require_POST
@page(ORDER_FULFIL)
def pet_sale_quarantine(request: HttpRequest, number: str, sale_id: int) -> HttpResponse:
    """Upload the pet's quarantine certificate (a photo or a PDF, and its number); a new one replaces it."""
    _order_page(request, number)
    data = checked(QuarantineForm(request.POST))
    documents = uploads(request, "document", services.DOCUMENT_MAX_BYTES)
    if len(documents) != 1:
        raise InvalidDocument(field="document")
    sale = services.quarantine_upload(
        actor=actor_of(request), sale_id=sale_id, number=data["quarantine_number"], document=documents[0]
    )
    messages.success(request, _("Quarantine certificate uploaded."))
    return _back(sale.order.number, sale.pk)


@require_POST
@page(ORDER_FULFIL)
def pet_sale_event(request: HttpRequest, number: str, sale_id: int) -> HttpResponse:
    """Record a step of the pet's journey once the order is sent: handed over, in transit, arrived."""
    _order_page(request, number)
    data = checked(TransitEventForm(request.POST))
    event = services.transit_event_add(actor=actor_of(request), sale_id=sale_id, **data)
    messages.success(request, _("Added to the pet's journey."))
    return _back(event.sale.order.number, event.sale.pk)


@require_POST
@page(ORDER_FULFIL)
def pet_sale_hand_over(request: HttpRequest, number: str, sale_id: int) -> HttpResponse:
    """The buyer collected the pet in person: the order is sent and the pet has arrived."""
    _order_page(request, number)
    data = checked(HandOverForm(request.POST))
    sale = services.sale_hand_over(actor=actor_of(request), sale_id=sale_id, place=data["place"])
    messages.success(request, _("Handed over. The buyer now confirms how the pet arrived."))
    return _back(sale.order.number, sale.pk)


@page(ORDER_FULFIL)
def pet_sale_photo(request: HttpRequest, number: str, sale_id: int, photo_id: int) -> HttpResponse:
    """A photo the buyer took on arrival, for the shop's staff only; another shop gets a 404."""
    sale = selectors.sale_for_merchant(actor_of(request), sale_id)
    if sale.order.number != number:
        raise SaleNotFound
    return photo_response(sale, photo_id)
