"""After-sales pages: the buyer's requests, the shop's queue and the platform's arbitration desk.

Each view parses the form, calls one service and renders; a service's
error comes back as a message on the page the form was on (``page``).
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.aftersales import selectors, services
from jishi.aftersales.errors import InvalidRequest
from jishi.aftersales.models import AftersalesRequest
from jishi.aftersales.permissions import AFTERSALES_ARBITRATE, AFTERSALES_REQUEST, MERCHANT_AFTERSALES
from jishi.aftersales.states import OPEN, Party, Status
from jishi.core.api import parse_amount
from jishi.core.pagination import paginate
from jishi.orders import selectors as orders
from jishi.orders.states import OrderStatus
from jishi.web.pages import page, page_number
from jishi.web.views.merchant_orders import CARRIERS

REASONS = [
    gettext_lazy("No longer needed"),
    gettext_lazy("Wrong item or option"),
    gettext_lazy("Damaged or defective"),
    gettext_lazy("Not as described"),
    gettext_lazy("Missing items"),
    gettext_lazy("Not shipped in time"),
    gettext_lazy("Other"),
]


def _detail_context(request: AftersalesRequest, party: Party) -> dict[str, object]:
    evidence = list(request.evidence.all())
    sides = [(Party.BUYER, _("Buyer")), (Party.MERCHANT, _("Shop")), (Party.OPERATOR, _("Platform"))]
    return {
        "item": request,
        "party": party,
        "is_open": request.status in OPEN,
        "evidence_sides": [
            (side, label, [e for e in evidence if e.party == side])
            for side, label in sides
            if side != Party.OPERATOR or any(e.party == side for e in evidence)
        ],
        "carriers": CARRIERS,
    }


def _with_photo(request: HttpRequest, number: str) -> None:
    """A form that also carries a photo or PDF (rejecting, escalating) keeps it as evidence first."""
    if request.FILES.get("file") is not None:
        services.evidence_add(actor=actor_of(request), number=number, upload=request.FILES["file"])


@require_POST
@page(AFTERSALES_REQUEST)
def evidence_add(request: HttpRequest, number: str) -> HttpResponse:
    """Evidence from whichever side the actor is on (the service decides), back to the page it came from."""
    found = services.evidence_add(
        actor=actor_of(request),
        number=number,
        upload=request.FILES.get("file"),
        message=request.POST.get("message", ""),
    )
    messages.success(request, _("Evidence added."))
    target = {Party.BUYER: "web:aftersales", Party.MERCHANT: "web:merchant_aftersales_detail"}
    return redirect(target.get(Party(found.party), "web:arbitration"), number)


# The buyer -------------------------------------------------------------------------------------


@page(AFTERSALES_REQUEST)
def request_new(request: HttpRequest, number: str) -> HttpResponse:
    order = orders.order_get_for_buyer(actor_of(request), number)
    kinds = [(kind, kind.label) for kind in selectors.kinds_for(order)]
    if request.method == "POST":
        lines = [
            services.LineInput(line.pk, int(raw))
            for line in order.lines.all()
            if (raw := request.POST.get(f"quantity_{line.pk}", "0")).isdigit() and int(raw) > 0
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
        return redirect("web:aftersales", created.number)
    return render(request, "web/aftersales/new.html", {"order": order, "kinds": kinds, "reasons": REASONS})


@page(AFTERSALES_REQUEST)
def request_list(request: HttpRequest) -> HttpResponse:
    result = paginate(selectors.requests_for_buyer(actor_of(request)), page=page_number(request), page_size=20)
    return render(request, "web/aftersales/list.html", {"page": result, "statuses": OrderStatus.choices})


@page(AFTERSALES_REQUEST)
def request_detail(request: HttpRequest, number: str) -> HttpResponse:
    found = selectors.request_get_for_buyer(actor_of(request), number)
    return render(request, "web/aftersales/buyer.html", _detail_context(found, Party.BUYER))


@require_POST
@page(AFTERSALES_REQUEST)
def request_act(request: HttpRequest, number: str) -> HttpResponse:
    """The buyer's buttons: send the goods back, escalate, withdraw."""
    actor, action = actor_of(request), request.POST.get("action", "")
    if action == "ship_back":
        shipment = services.Shipment(request.POST.get("carrier", ""), request.POST.get("tracking_number", ""))
        services.request_ship_back(actor=actor, number=number, shipment=shipment)
    elif action == "escalate":
        _with_photo(request, number)
        services.request_escalate(actor=actor, number=number, note=request.POST.get("note", ""))
    elif action == "withdraw":
        services.request_withdraw(actor=actor, number=number)
    else:
        raise InvalidRequest(field="action")
    messages.success(request, _("Done."))
    return redirect("web:aftersales", number)


# The shop --------------------------------------------------------------------------------------


@page(MERCHANT_AFTERSALES)
def merchant_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    result = paginate(
        selectors.requests_for_merchant(actor_of(request), status=status), page=page_number(request), page_size=20
    )
    return render(
        request, "web/aftersales/merchant_queue.html", {"page": result, "status": status, "statuses": Status.choices}
    )


@page(MERCHANT_AFTERSALES)
def merchant_detail(request: HttpRequest, number: str) -> HttpResponse:
    found = selectors.request_get_for_merchant(actor_of(request), number)
    context = _detail_context(found, Party.MERCHANT)
    context["return_address"] = found.return_address or selectors.last_return_address(found.merchant_id)
    return render(request, "web/aftersales/merchant.html", context)


@require_POST
@page(MERCHANT_AFTERSALES)
def merchant_act(request: HttpRequest, number: str) -> HttpResponse:
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
        _with_photo(request, number)
        services.request_reject(actor=actor, number=number, reason=request.POST.get("reason", ""))
    elif action == "receive":
        carrier, tracking = request.POST.get("carrier", ""), request.POST.get("tracking_number", "")
        replacement = services.Shipment(carrier, tracking) if carrier or tracking else None
        services.request_receive(actor=actor, number=number, replacement=replacement)
    else:
        raise InvalidRequest(field="action")
    messages.success(request, _("Done."))
    return redirect("web:merchant_aftersales_detail", number)


# The platform ----------------------------------------------------------------------------------


@page(AFTERSALES_ARBITRATE)
def arbitration_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", Status.ARBITRATION)
    status = status if status in Status.values else Status.ARBITRATION
    result = paginate(selectors.arbitrations(actor_of(request), status=status), page=page_number(request), page_size=20)
    return render(
        request, "web/aftersales/arbitration_queue.html", {"page": result, "status": status, "statuses": Status.choices}
    )


@page(AFTERSALES_ARBITRATE)
def arbitration_detail(request: HttpRequest, number: str) -> HttpResponse:
    found = selectors.request_get_for_operator(actor_of(request), number)
    return render(request, "web/aftersales/arbitration.html", _detail_context(found, Party.OPERATOR))


@require_POST
@page(AFTERSALES_ARBITRATE)
def arbitration_decide(request: HttpRequest, number: str) -> HttpResponse:
    ruling = request.POST.get("ruling", "")
    if ruling not in ("buyer", "merchant"):
        raise InvalidRequest(_("Choose whom the ruling is for."), field="ruling")
    amount_text = request.POST.get("amount", "").strip()
    services.request_decide(
        actor=actor_of(request),
        number=number,
        for_buyer=ruling == "buyer",
        note=request.POST.get("note", ""),
        amount=parse_amount(amount_text, "amount") if amount_text else None,
    )
    messages.success(request, _("The ruling was recorded and carried out."))
    return redirect("web:arbitration", number)
