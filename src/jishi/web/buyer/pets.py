"""The pets of a buyer's order (宠物订单): a box per pet on the order page, and its forms.

Each box shows the pet's public verify page (link and QR) with the log's
checkpoint kept at purchase; how it travels, chosen among the ways its seller
offers until it is sent; whether its quarantine certificate is in (never the
file itself); its journey like a courier's tracking; then the arrival form,
which also confirms receipt of the order; then the health guarantee's
deadlines, the claim form and the claims filed, each an after-sales request.

A form the services refuse comes back on the order page with the error
beside its field (``page``'s show-again, the ``kept`` and ``error_for`` tags).
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from dataclasses import dataclass, field, replace
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.core.api import parse_amount
from jishi.core.errors import DomainError
from jishi.orders.permissions import ORDER_BUY
from jishi.orders.states import OrderStatus
from jishi.pets import selectors, services
from jishi.pets.errors import InvalidDocument, InvalidSale, SaleNotFound
from jishi.pets.models import ClaimKind, Delivery, PetSale
from jishi.web.pages import page

TRAVELS = frozenset({Delivery.PET_COURIER, Delivery.AIR_CARGO})


class DeliveryForm(forms.Form):
    delivery = forms.ChoiceField(choices=Delivery.choices)


class ArrivalForm(forms.Form):
    condition = forms.ChoiceField(
        choices=[("healthy", gettext_lazy("Healthy")), ("unwell", gettext_lazy("Unwell"))],
        error_messages={"required": gettext_lazy("Say how the pet arrived.")},
    )
    note = forms.CharField(max_length=500, required=False)


class ClaimForm(forms.Form):
    kind = forms.ChoiceField(choices=ClaimKind.choices, error_messages={"required": gettext_lazy("Choose a kind.")})
    description = forms.CharField(
        max_length=500, error_messages={"required": gettext_lazy("Say what happened to the pet.")}
    )
    amount = forms.RegexField(
        required=False,
        regex=r"^\d{1,8}(\.\d{1,2})?$",
        error_messages={"invalid": gettext_lazy("An amount in yuan, such as 800 or 800.50.")},
    )


def checked(form: forms.Form) -> dict[str, Any]:
    """The form's cleaned data; its first error, on its field, as the refusal the page shows again."""
    if form.is_valid():
        return form.cleaned_data
    name, errors = next(iter(form.errors.items()))
    raise InvalidSale(errors[0], field=None if name == "__all__" else name)


def uploads(request: HttpRequest, name: str, limit: int | None = None) -> list[bytes]:
    """The files of ``name``: at most nine, each within ``limit`` bytes (a photo's limit by default)."""
    files = request.FILES.getlist(name)
    if len(files) > services.MAX_PHOTOS:
        raise InvalidSale(_("Up to 9 files."), field=name)
    limit = limit or settings.JISHI_IMAGE_MAX_BYTES
    if any((upload.size or 0) > limit for upload in files):
        raise InvalidDocument(field=name)
    return [bytes(upload.read()) for upload in files]


def from_order_page(request: HttpRequest, url: str) -> None:
    """A refused form comes back on the order page, also when the browser kept the Referer to itself."""
    if not request.META.get("HTTP_REFERER"):
        request.META["HTTP_REFERER"] = request.build_absolute_uri(url)
        request.__dict__.pop("headers", None)  # read from META once and cached


def qr_of(url: str) -> SafeString:
    svg = segno.make_qr(url, error="m").svg_inline(scale=3, border=2, dark="#1f2329", omitsize=True)
    return mark_safe(svg)  # noqa: S308 - segno's own paths


def photo_response(sale: PetSale, photo_id: int) -> HttpResponse:
    """One arrival photo of ``sale`` (whose viewer the caller has checked), never cached or sniffed."""
    photo = next((p for p in sale.arrival_photos.all() if p.pk == photo_id), None)
    if photo is None:
        raise SaleNotFound
    with photo.image.open("rb") as stored:  # a photo re-encoded on upload: a few hundred kilobytes
        content = stored.read()
    kind = mimetypes.guess_type(photo.image.name or "")[0] or "application/octet-stream"
    response = HttpResponse(content, content_type=kind)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


@dataclass(frozen=True)
class Deadline:
    """Until when one kind of claim may be made, and whether that is still ahead."""

    kind: str
    label: str
    until: dt.datetime | None
    open: bool


@dataclass(frozen=True)
class SaleBox:
    """What the buyer's order page shows of one pet bought."""

    sale: PetSale
    verify_url: str
    qr: SafeString
    offered: list[tuple[str, str]]
    travels: bool
    can_choose: bool
    can_confirm: bool
    confirm_by: dt.datetime | None
    guarantees: list[Deadline] = field(default_factory=list)
    claim_kinds: list[Deadline] = field(default_factory=list)
    can_claim: bool = False
    photo_ids: list[int] = field(default_factory=list)

    @property
    def arrival_hours(self) -> int:
        return int(settings.JISHI_PET_ARRIVAL_HOURS)

    @property
    def form_ids(self) -> dict[str, str]:
        """The ``_form`` of each of the box's forms, which tells them apart when one comes back refused."""
        return {name: f"petsale-{self.sale.pk}-{name}" for name in ("delivery", "arrival", "claim")}


def _claim_kinds(sale: PetSale, now: dt.datetime) -> list[Deadline]:
    """Each kind of claim with its deadline: transit injury and death on arrival share the transit guarantee."""
    if sale.order.status not in (OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        return []
    kinds = []
    for kind, label in ClaimKind.choices:
        until = services.claim_deadline(sale, kind)
        kinds.append(Deadline(kind, str(label), until, until is not None and now <= until))
    return kinds


def sale_box(request: HttpRequest, sale: PetSale, now: dt.datetime) -> SaleBox:
    order, pet = sale.order, sale.pet
    verify = reverse("storefront:pet_verify", args=[pet.pk])
    kinds = _claim_kinds(sale, now)
    by_kind = {kind.kind: kind for kind in kinds}
    labels = {ClaimKind.TRANSIT_INJURY: _("Injury in transit or death on arrival"), ClaimKind.ILLNESS: _("Illness")}
    guarantees = [replace(by_kind[kind], label=label) for kind, label in labels.items() if kind in by_kind]
    confirmed = sale.confirmed_at is not None
    return SaleBox(
        sale=sale,
        verify_url=verify,
        qr=qr_of(request.build_absolute_uri(verify)),
        offered=[(way, str(Delivery(way).label)) for way in services.delivery_offered(pet)],
        travels=sale.delivery in TRAVELS,
        can_choose=order.status == OrderStatus.PAID,
        can_confirm=order.status == OrderStatus.SHIPPED and not confirmed,
        confirm_by=sale.arrived_at + dt.timedelta(hours=settings.JISHI_PET_ARRIVAL_HOURS) if sale.arrived_at else None,
        guarantees=guarantees,
        claim_kinds=kinds,
        can_claim=order.status == OrderStatus.DELIVERED and any(kind.open for kind in kinds),
        # the photos are looked up only once the buyer has said how the pet arrived
        photo_ids=[photo.pk for photo in sale.arrival_photos.all()] if confirmed else [],
    )


def pet_boxes(request: HttpRequest, order: Any) -> list[SaleBox]:
    """A box per pet the order bought: one query for an order without pets."""
    now = timezone.now()
    return [sale_box(request, sale, now) for sale in selectors.sales_of_order(order.pk)]


def claim_field(name: str | None) -> str:
    """Where the claim form shows an error of after-sales' own checks: evidence for its files, the kind for
    what concerns the claim as a whole (the order line, the reason, a request already open)."""
    if name in ("description", "amount", "evidence"):
        return name
    return "evidence" if name in ("file", "message", "photos") else "kind"


def _back(number: str, sale_id: int) -> HttpResponse:
    return redirect(f"{reverse('buyer:order', args=[number])}#petsale-{sale_id}")


@require_POST
@page(ORDER_BUY)
def pet_sale_delivery(request: HttpRequest, number: str, sale_id: int) -> HttpResponse:
    """Choose how the pet travels, among the ways its seller offers, until it is sent."""
    from_order_page(request, reverse("buyer:order", args=[number]))
    data = checked(DeliveryForm(request.POST))
    sale = services.sale_delivery_set(actor=actor_of(request), sale_id=sale_id, delivery=data["delivery"])
    messages.success(request, _("Delivery changed to %(way)s.") % {"way": Delivery(sale.delivery).label})
    return _back(sale.order.number, sale.pk)


@require_POST
@page(ORDER_BUY)
def pet_sale_arrival(request: HttpRequest, number: str, sale_id: int) -> HttpResponse:
    """Say how the pet arrived, with photos: this confirms receipt, and the health guarantee runs from arrival."""
    from_order_page(request, reverse("buyer:order", args=[number]))
    data = checked(ArrivalForm(request.POST))
    sale = services.arrival_confirm(
        actor=actor_of(request),
        sale_id=sale_id,
        condition=data["condition"],
        note=data["note"],
        photos=uploads(request, "photos"),
    )
    messages.success(request, _("Arrival confirmed. The health guarantee runs from the arrival."))
    return _back(sale.order.number, sale.pk)


@require_POST
@page(ORDER_BUY)
def pet_sale_claim(request: HttpRequest, number: str, sale_id: int) -> HttpResponse:
    """Claim under the health guarantee with photos or a vet's report: an after-sales request of the order."""
    from_order_page(request, reverse("buyer:order", args=[number]))
    data = checked(ClaimForm(request.POST))
    try:
        claim = services.claim_file(
            actor=actor_of(request),
            sale_id=sale_id,
            kind=data["kind"],
            description=data["description"],
            amount=parse_amount(data["amount"], "amount") if data["amount"] else None,
            evidence=uploads(request, "evidence"),
        )
    except DomainError as exc:
        exc.field = claim_field(exc.field)
        raise
    messages.success(request, _("Your claim was sent to the seller. Follow it here."))
    return redirect("buyer:aftersales", claim.request_number)


@page(ORDER_BUY)
def pet_sale_photo(request: HttpRequest, number: str, sale_id: int, photo_id: int) -> HttpResponse:
    """An arrival photo, for the buyer who took it (the shop has its own door); anyone else gets a 404."""
    sale = selectors.sale_for_buyer(actor_of(request), sale_id)
    if sale.order.number != number:
        raise SaleNotFound
    return photo_response(sale, photo_id)
