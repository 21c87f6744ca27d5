"""The buyer's after-sales pages: asking, following a request, answering the shop.

Each view parses the form, calls one service and renders; a service's
error comes back as a message on the page the form was on (``page``).
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.aftersales import selectors, services
from jishi.aftersales.errors import InvalidRequest
from jishi.aftersales.permissions import AFTERSALES_REQUEST
from jishi.aftersales.states import Party, Reason
from jishi.core.api import parse_amount
from jishi.core.pagination import paginate
from jishi.orders import selectors as orders
from jishi.orders.states import OrderStatus
from jishi.web.aftersales import detail_context, with_photo
from jishi.web.pages import page, page_number


@page(AFTERSALES_REQUEST)
def request_new(request: HttpRequest, number: str) -> HttpResponse:
    order = orders.order_get_for_buyer(actor_of(request), number)
    kinds = [(kind, kind.label) for kind in selectors.kinds_for(order)]
    if request.method == "POST":
        lines = [
            services.LineInput(line.pk, int(raw))
            for line in order.lines.all()
            if (raw := request.POST.get(f"quantity_{line.pk}", "0")).isdecimal() and int(raw) > 0
        ]
        amount_text = request.POST.get("amount", "").strip()
        created = services.request_create(
            actor=actor_of(request),
            order_number=order.number,
            data=services.RequestInput(
                kind=request.POST.get("kind", ""),
                reason=request.POST.get("reason", ""),
                description=request.POST.get("description", ""),
                lines=lines,
                amount=parse_amount(amount_text, "amount") if amount_text else None,
            ),
            photo=request.FILES.get("file"),
        )
        messages.success(request, _("Your request was sent to the shop."))
        return redirect("buyer:aftersales", created.number)
    context = {
        "order": order,
        "kinds": kinds,
        "reasons": Reason.choices,
        "lines": [(line, f"quantity_{line.pk}") for line in order.lines.all()],
    }
    return render(request, "buyer/aftersales/new.html", context)


@page(AFTERSALES_REQUEST)
def request_list(request: HttpRequest) -> HttpResponse:
    result = paginate(selectors.requests_for_buyer(actor_of(request)), page=page_number(request), page_size=20)
    return render(request, "buyer/aftersales/list.html", {"page": result, "statuses": OrderStatus.choices})


@page(AFTERSALES_REQUEST)
def request_detail(request: HttpRequest, number: str) -> HttpResponse:
    found = selectors.request_get_for_buyer(actor_of(request), number)
    return render(request, "buyer/aftersales/detail.html", detail_context(found, Party.BUYER))


@require_POST
@page(AFTERSALES_REQUEST)
def request_act(request: HttpRequest, number: str) -> HttpResponse:
    """The buyer's buttons: send the goods back, escalate, withdraw."""
    actor, action = actor_of(request), request.POST.get("action", "")
    if action == "ship_back":
        shipment = services.Shipment(request.POST.get("carrier", ""), request.POST.get("tracking_number", ""))
        services.request_ship_back(actor=actor, number=number, shipment=shipment)
    elif action == "escalate":
        with_photo(request, number)
        services.request_escalate(actor=actor, number=number, note=request.POST.get("note", ""))
    elif action == "withdraw":
        services.request_withdraw(actor=actor, number=number)
    else:
        raise InvalidRequest(field="action")
    messages.success(request, _("Done."))
    return redirect("buyer:aftersales", number)
