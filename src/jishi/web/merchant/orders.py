"""Merchant centre: the merchant's orders and shipping them."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.aftersales.selectors import open_request_of_order
from jishi.core.errors import DomainError
from jishi.core.pagination import paginate
from jishi.orders import selectors, services
from jishi.orders.permissions import ORDER_FULFIL
from jishi.orders.states import OrderStatus
from jishi.payments.selectors import order_money
from jishi.shipping.carriers import CARRIERS
from jishi.shipping.selectors import tracking_of_order
from jishi.web.forms import ShipForm
from jishi.web.merchant.pet_orders import pet_order
from jishi.web.pages import page, page_number


@page(ORDER_FULFIL)
def order_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", OrderStatus.PAID)
    status = status if status in OrderStatus.values else ""
    result = paginate(
        selectors.order_list_for_merchant(actor_of(request), status=status or None),
        page=page_number(request),
        page_size=20,
    )
    return render(
        request,
        "merchant/orders.html",
        {"page": result, "order_status": status, "order_statuses": OrderStatus.choices},
    )


def _render_order(
    request: HttpRequest, number: str, form: ShipForm, *, status: int = 200, phone: str = ""
) -> HttpResponse:
    """The order with the receiver's number masked, or whole when ``phone`` (just revealed) is given."""
    order = selectors.order_get_for_merchant(actor_of(request), number)
    context = {
        "order": order,
        "phone": phone or order.masked_receiver_phone,
        "reveal_phone": not phone and order.in_fulfilment,
        "form": form,
        "carriers": CARRIERS,
        "tracking": tracking_of_order(order),  # the courier's events, newest first, once shipped
        "money": order_money(order),
        "aftersales_url": "merchant:aftersales_detail",
        "aftersales": open_request_of_order(order),
        "pet_sales": pet_order(order, form),  # the pets it sold: certificate, hand-over, journey, arrival, claims
    }
    response = render(request, "merchant/order.html", context, status=status)
    if phone:
        response["Cache-Control"] = "private, no-store"
    return response


@page(ORDER_FULFIL)
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _render_order(request, number, ShipForm())


@require_POST
@page(ORDER_FULFIL)
def order_phone(request: HttpRequest, number: str) -> HttpResponse:
    """Show the receiver's whole number on this page, once (audited); reloading shows it masked again."""
    phone = services.receiver_phone_reveal(actor=actor_of(request), order_number=number)
    return _render_order(request, number, ShipForm(), phone=phone)


@require_POST
@page(ORDER_FULFIL)
def order_ship(request: HttpRequest, number: str) -> HttpResponse:
    form = ShipForm(request.POST)
    if form.is_valid():
        try:
            services.order_ship(actor=actor_of(request), order_number=number, **form.cleaned_data)
        except DomainError as exc:
            if exc.status == 404:
                raise
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Shipped. The buyer can follow the parcel now."))
            return redirect("merchant:order", number)
    return _render_order(request, number, form, status=422)
