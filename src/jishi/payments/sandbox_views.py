"""The sandbox gateway's hosted pay page. It stands for the gateway's own site, so it has its own look."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from jishi.core.permissions import PUBLIC, requires
from jishi.payments import sandbox
from jishi.payments.states import SandboxTradeStatus


@require_http_methods(["GET", "POST"])
@requires(PUBLIC)  # a gateway page: whoever holds the link may pay, as on the real ones
def pay(request: HttpRequest, trade_no: str) -> HttpResponse:
    trade = sandbox.trade_get(trade_no)
    if request.method == "POST":
        if request.POST.get("action") == "pay":
            return HttpResponseRedirect(sandbox.trade_pay(trade_no=trade.trade_no))
        return HttpResponseRedirect(trade.return_url)
    return render(
        request,
        "payments/sandbox_pay.html",
        {
            "trade": trade,
            "paid": trade.status == SandboxTradeStatus.SUCCESS,
            "closed": trade.status == SandboxTradeStatus.CLOSED
            or (trade.status == SandboxTradeStatus.WAITING and trade.expires_at and trade.expires_at <= timezone.now()),
        },
    )
