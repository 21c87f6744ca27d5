"""A pet sold: how it travels, the quarantine gate, its journey, its arrival and its health-guarantee claims.

When its order is paid the pet leaves the market and a sale opens, keeping
the log's checkpoint of that moment. A pet travels by courier or air only
with its quarantine certificate (动物检疫合格证明): shipping the order is
refused until the seller uploads one (orders' SHIP_CHECKS). The buyer
confirms how it arrived within JISHI_PET_ARRIVAL_HOURS. A claim (injured in
transit, dead on arrival, ill within the guarantee) is an after-sales
compensation request: the seller answers, the platform arbitrates, and the
refund comes out of the order's money, which stays in escrow until the
guarantee has run (orders' AFTERSALES_WINDOWS).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jishi.aftersales import services as aftersales
from jishi.aftersales.states import Kind
from jishi.core.actors import Actor, user_of
from jishi.core.images import InvalidImage, process_upload
from jishi.core.money import Money
from jishi.core.permissions import check
from jishi.orders import services as orders
from jishi.orders.permissions import ORDER_BUY, ORDER_FULFIL
from jishi.orders.states import OrderStatus
from jishi.pets import selectors
from jishi.pets.errors import (
    ArrivalNotConfirmed,
    ClaimTooLate,
    InvalidDocument,
    InvalidSale,
    NotShipped,
    QuarantineRequired,
)
from jishi.pets.models import (
    ArrivalPhoto,
    ClaimKind,
    Delivery,
    Pet,
    PetClaim,
    PetSale,
    TransitEvent,
    TransitKind,
)
from jishi.pets.services.records import document_content

CONDITIONS = ("healthy", "unwell")
MAX_PHOTOS = 9
TRAVELS = frozenset({Delivery.PET_COURIER, Delivery.AIR_CARGO})
# The carrier a collected pet's order shows, as a Chinese shop would write it (kept as text on the order, it reads
# the same to every reader, like a carrier's name).
HANDED_OVER = "当面交接"


def delivery_offered(pet: Pet) -> list[str]:
    ways = ((Delivery.PET_COURIER, pet.by_pet_courier), (Delivery.AIR_CARGO, pet.by_air_cargo))
    return [way for way, offered in (*ways, (Delivery.COLLECTION, pet.by_collection)) if offered]


def sales_open(sender: Any = None, *, orders: list[Any], **_kwargs: Any) -> None:
    """Open a sale for every pet among the lines of ``orders`` and take it off the market (payments'
    ``orders_paid``, inside the payment's transaction). One query when no order bought a pet; repeats change
    nothing."""
    by_order = {order.pk: order for order in orders}
    bought = selectors.pets_of_orders(list(by_order))
    if not bought:
        return
    checkpoint = selectors.checkpoint_latest()
    for order_id, pet in bought:
        PetSale.objects.get_or_create(
            pet=pet,
            defaults={
                "order": by_order[order_id],
                "delivery": delivery_offered(pet)[0],
                "checkpoint_size": checkpoint.tree_size if checkpoint else None,
            },
        )
    Pet.objects.filter(pk__in=[pet.pk for _, pet in bought]).update(is_live=False)


def ship_check(order: Any) -> None:
    """orders' SHIP_CHECKS: a pet travels by courier or air only with its quarantine certificate."""
    if PetSale.objects.filter(order=order, delivery__in=TRAVELS, quarantine_uploaded_at__isnull=True).exists():
        raise QuarantineRequired(field="quarantine_document")


def escrow_window(order: Any) -> dt.timedelta | None:
    """orders' AFTERSALES_WINDOWS: a pet order's money waits until its health guarantee has run."""
    pets = Pet.objects.filter(sale__order=order).values_list("illness_guarantee_days", "transit_guarantee_hours")
    windows = [max(dt.timedelta(days=days), dt.timedelta(hours=hours)) for days, hours in pets]
    return max(windows, default=None)


def sale_delivery_set(*, actor: Actor, sale_id: int, delivery: str) -> PetSale:
    """The buyer chooses how the pet reaches them, among the ways its listing offers, before it is sent."""
    check(actor, ORDER_BUY)
    with transaction.atomic():
        sale = selectors.sale_for_buyer(actor, sale_id)
        if delivery not in delivery_offered(sale.pet):
            raise InvalidSale(_("The seller does not offer this way."), field="delivery")
        if sale.order.status != OrderStatus.PAID:
            raise InvalidSale(_("The pet is on its way already."), code="pets.sale_shipped", field="delivery")
        sale.delivery = delivery
        sale.save(update_fields=["delivery"])
    return sale


def quarantine_upload(*, actor: Actor, sale_id: int, number: str, document: bytes) -> PetSale:
    """The seller hands in the animal's quarantine certificate (a photo or a PDF and its number)."""
    check(actor, ORDER_FULFIL)
    number = " ".join(number.split())
    if not number or len(number) > 40:
        raise InvalidSale(_("Give the certificate's number."), field="quarantine_number")
    content, kind = document_content(document)
    with transaction.atomic():
        sale = selectors.sale_for_merchant(actor, sale_id)
        if sale.quarantine_document:
            sale.quarantine_document.delete(save=False)
        sale.quarantine_document.save(content.name or "certificate", content, save=False)
        sale.quarantine_number, sale.quarantine_document_type = number, kind
        sale.quarantine_uploaded_at = timezone.now()
        sale.save()
    return sale


def _arrival_window(sale: PetSale, arrived: dt.datetime) -> None:
    sale.arrived_at = arrived
    sale.save(update_fields=["arrived_at"])
    orders.order_confirm_by_set(
        order_id=sale.order_id, confirm_by=arrived + dt.timedelta(hours=settings.JISHI_PET_ARRIVAL_HOURS)
    )


def _clean_place(place: str, note: str) -> tuple[str, str]:
    place, note = " ".join(place.split()), " ".join(note.split())
    if not place or len(place) > 100:
        raise InvalidSale(_("Say where the pet is."), field="place")
    if len(note) > 200:
        raise InvalidSale(field="note")
    return place, note


def transit_event_add(
    *, actor: Actor, sale_id: int, kind: str, at: dt.datetime, place: str, note: str = ""
) -> TransitEvent:
    """The seller records a step of the journey (handed to the carrier, a checkpoint, arrived) once the order is
    sent. Arrival starts the buyer's window to confirm the animal's condition."""
    check(actor, ORDER_FULFIL)
    place, note = _clean_place(place, note)
    if kind not in TransitKind.values:
        raise InvalidSale(field="kind")
    with transaction.atomic():
        sale = selectors.sale_for_merchant(actor, sale_id)
        if sale.order.status != OrderStatus.SHIPPED:
            raise NotShipped(_("Send the order first; then record its journey."))
        if sale.arrived_at is not None:
            raise InvalidSale(_("The pet has arrived already."), code="pets.arrived", field="kind")
        shipped_at = sale.order.shipped_at or timezone.now()
        if at > timezone.now() + dt.timedelta(minutes=5) or at < shipped_at - dt.timedelta(days=1):
            raise InvalidSale(_("The time is before the order was sent or in the future."), field="at")
        event = TransitEvent.objects.create(
            sale=sale, kind=kind, at=at, place=place, note=note, recorded_by=user_of(actor)
        )
        if kind == TransitKind.ARRIVED:
            _arrival_window(sale, at)
    return event


def sale_hand_over(*, actor: Actor, sale_id: int, place: str) -> PetSale:
    """The buyer collected the pet from the seller in person: the order is sent and the pet has arrived."""
    check(actor, ORDER_FULFIL)
    place, _note = _clean_place(place, "")
    with transaction.atomic():
        sale = selectors.sale_for_merchant(actor, sale_id)
        if sale.delivery != Delivery.COLLECTION:
            raise InvalidSale(_("This pet travels by carrier: send the order with its tracking number."))
        order = orders.order_ship(actor=actor, order_number=sale.order.number, carrier=HANDED_OVER, tracking_number="-")
        now = timezone.now()
        for kind in (TransitKind.HANDED_OVER, TransitKind.ARRIVED):
            TransitEvent.objects.create(sale=sale, kind=kind, at=now, place=place, recorded_by=user_of(actor))
        sale.order = order
        _arrival_window(sale, now)
    return sale


def _photo(data: bytes) -> ContentFile[bytes]:
    try:
        return process_upload(data, name_stem=secrets.token_hex(10)).original
    except InvalidImage:
        raise InvalidDocument(_("Upload photos as JPEG, PNG or WebP."), field="photos") from None


def arrival_confirm(*, actor: Actor, sale_id: int, condition: str, note: str = "", photos: list[bytes]) -> PetSale:
    """The buyer says how the pet arrived, with photos, and so confirms receipt of the order. A pet that arrived
    unwell needs a photo; a claim follows it. Raises InvalidSale, InvalidDocument, ArrivalNotConfirmed."""
    check(actor, ORDER_BUY)
    note = " ".join(note.split())
    if condition not in CONDITIONS:
        raise InvalidSale(field="condition")
    if len(note) > 500:
        raise InvalidSale(field="note")
    if len(photos) > MAX_PHOTOS or (condition == "unwell" and not photos):
        raise InvalidSale(_("Add photos of how the pet arrived (up to 9)."), field="photos")
    contents = [_photo(data) for data in photos]
    with transaction.atomic():
        sale = selectors.sale_for_buyer(actor, sale_id)
        if sale.confirmed_at is not None:
            return sale
        if sale.order.status != OrderStatus.SHIPPED:
            raise NotShipped(field="condition")
        for content in contents:
            ArrivalPhoto(sale=sale).image.save(content.name or "photo", content, save=True)
        sale.condition, sale.condition_note, sale.confirmed_at = condition, note, timezone.now()
        sale.arrived_at = sale.arrived_at or sale.confirmed_at
        sale.save(update_fields=["condition", "condition_note", "confirmed_at", "arrived_at"])
        orders.order_confirm_receipt(actor=actor, order_number=sale.order.number)
    return sale


def claim_deadline(sale: PetSale, kind: str) -> dt.datetime | None:
    """Until when a claim of ``kind`` may be made: the guarantee's hours or days from the pet's arrival."""
    arrived = sale.arrived_at or sale.order.delivered_at
    if arrived is None:
        return None
    pet = sale.pet
    if kind == ClaimKind.ILLNESS:
        return arrived + dt.timedelta(days=pet.illness_guarantee_days)
    return arrived + dt.timedelta(hours=pet.transit_guarantee_hours)


def claim_file(
    *,
    actor: Actor,
    sale_id: int,
    kind: str,
    description: str,
    amount: Money | None = None,
    evidence: list[bytes],
) -> PetClaim:
    """The buyer claims under the pet's health guarantee, with photos and a vet's report, before its deadline.

    The claim is an after-sales compensation request on the pet's order line: the seller agrees (the refund is
    made at once) or refuses, and the buyer can ask the platform to arbitrate. ``amount`` defaults to all that
    was paid for the pet. Raises InvalidSale, ClaimTooLate, ArrivalNotConfirmed, and after-sales' errors.
    """
    check(actor, ORDER_BUY)
    if kind not in ClaimKind.values:
        raise InvalidSale(field="kind")
    if not evidence or len(evidence) > MAX_PHOTOS:
        raise InvalidSale(_("Add photos or a vet's report (up to 9 files)."), field="evidence")
    with transaction.atomic():
        sale = selectors.sale_for_buyer(actor, sale_id)
        deadline = claim_deadline(sale, kind)
        if deadline is None or sale.order.status not in (OrderStatus.DELIVERED,):
            raise ArrivalNotConfirmed(field="kind")
        if timezone.now() > deadline:
            raise ClaimTooLate(
                _("This guarantee ran until %(deadline)s.")
                % {"deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")},
                field="kind",
            )
        line = selectors.order_line_of_pet(sale)
        request = aftersales.request_create(
            actor=actor,
            order_number=sale.order.number,
            data=aftersales.RequestInput(
                kind=Kind.CLAIM,
                reason=str(ClaimKind(kind).label),
                lines=[aftersales.LineInput(order_line_id=line.pk, quantity=1)],
                description=description,
                amount=amount,
            ),
        )
        for data in evidence:
            aftersales.evidence_add(actor=actor, number=request.number, upload=ContentFile(data, name="evidence"))
        return PetClaim.objects.create(sale=sale, kind=kind, request_number=request.number)
