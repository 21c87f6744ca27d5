"""After-sales page parts that the buyer's, the shop's and the platform's pages share, and the evidence form.

Every party posts evidence to the same form; the service decides whose side it is on.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.aftersales import services
from jishi.aftersales.models import AftersalesRequest
from jishi.aftersales.permissions import AFTERSALES_REQUEST
from jishi.aftersales.states import OPEN, Party
from jishi.shipping.carriers import CARRIERS
from jishi.web.pages import page


def detail_context(request: AftersalesRequest, party: Party) -> dict[str, object]:
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


def with_photo(request: HttpRequest, number: str) -> None:
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
    target = {Party.BUYER: "buyer:aftersales", Party.MERCHANT: "merchant:aftersales_detail"}
    return redirect(target.get(Party(found.party), "operator:arbitration"), number)
