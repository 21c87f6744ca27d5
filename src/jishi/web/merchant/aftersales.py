"""The shop's after-sales pages: the queue of requests and the answer to one."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.aftersales import selectors, services
from jishi.aftersales.errors import InvalidRequest
from jishi.aftersales.permissions import MERCHANT_AFTERSALES
from jishi.aftersales.states import Party, Status
from jishi.core.pagination import paginate
from jishi.merchants.selectors import merchant_for
from jishi.merchants.services import merchant_return_address_set
from jishi.web.aftersales import detail_context, with_photo
from jishi.web.pages import page, page_number


@page(MERCHANT_AFTERSALES)
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    result = paginate(
        selectors.requests_for_merchant(actor_of(request), status=status), page=page_number(request), page_size=20
    )
    context = {
        "page": result,
        "status": status,
        "statuses": Status.choices,
        "return_address": merchant_for(actor_of(request)).return_address,
    }
    return render(request, "merchant/aftersales/queue.html", context)


@require_POST
@page(MERCHANT_AFTERSALES)
def return_address(request: HttpRequest) -> HttpResponse:
    merchant_return_address_set(actor=actor_of(request), address=request.POST.get("return_address", ""))
    messages.success(request, _("The return address was saved."))
    return redirect("merchant:aftersales")


@page(MERCHANT_AFTERSALES)
def detail(request: HttpRequest, number: str) -> HttpResponse:
    found = selectors.request_get_for_merchant(actor_of(request), number)
    context = detail_context(found, Party.MERCHANT)
    context["return_address"] = found.return_address or selectors.return_address_for(found.merchant_id)
    return render(request, "merchant/aftersales/detail.html", context)


@require_POST
@page(MERCHANT_AFTERSALES)
def act(request: HttpRequest, number: str) -> HttpResponse:
    """The shop's buttons: accept, reject, confirm the goods are back."""
    actor, action = actor_of(request), request.POST.get("action", "")
    if action == "accept":
        services.request_accept(
            actor=actor,
            number=number,
            return_address=request.POST.get("return_address", ""),
            note=request.POST.get("note", ""),
        )
    elif action == "reject":
        with_photo(request, number)
        services.request_reject(actor=actor, number=number, reason=request.POST.get("reason", ""))
    elif action == "receive":
        carrier, tracking = request.POST.get("carrier", ""), request.POST.get("tracking_number", "")
        replacement = services.Shipment(carrier, tracking) if carrier or tracking else None
        services.request_receive(actor=actor, number=number, replacement=replacement)
    else:
        raise InvalidRequest(field="action")
    messages.success(request, _("Done."))
    return redirect("merchant:aftersales_detail", number)
