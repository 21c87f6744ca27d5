"""The platform's arbitration desk: requests escalated by a buyer or left by a silent shop."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.aftersales import selectors, services
from jishi.aftersales.errors import InvalidRequest
from jishi.aftersales.permissions import AFTERSALES_ARBITRATE
from jishi.aftersales.states import Party, Status
from jishi.core.api import parse_amount
from jishi.core.pagination import paginate
from jishi.web.aftersales import detail_context
from jishi.web.pages import page, page_number, posted


@page(AFTERSALES_ARBITRATE)
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", Status.ARBITRATION)
    status = status if status in Status.values else Status.ARBITRATION
    result = paginate(selectors.arbitrations(actor_of(request), status=status), page=page_number(request), page_size=20)
    return render(
        request, "operator/arbitration_queue.html", {"page": result, "status": status, "statuses": Status.choices}
    )


@page(AFTERSALES_ARBITRATE)
def detail(request: HttpRequest, number: str) -> HttpResponse:
    found = selectors.request_get_for_operator(actor_of(request), number)
    context = detail_context(found, Party.OPERATOR)
    context["return_address"] = found.return_address or selectors.return_address_for(found.merchant_id)
    context["posted"] = posted(request)
    return render(request, "operator/arbitration.html", context)


@require_POST
@page(AFTERSALES_ARBITRATE)
def decide(request: HttpRequest, number: str) -> HttpResponse:
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
        return_address=request.POST.get("return_address", ""),
        without_return=bool(request.POST.get("without_return")),
    )
    messages.success(request, _("The ruling was recorded and carried out."))
    return redirect("operator:arbitration", number)
