"""Our pages on the way to a gateway: a POSTed form for UnionPay, a QR code for WeChat Pay's Native payments."""

import segno
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from jishi.core.permissions import PUBLIC, requires
from jishi.payments.gateways.unionpay import FORM_MAX_AGE, FORM_SALT, UnionPayGateway
from jishi.payments.gateways.wechatpay import QR_MAX_AGE, QR_SALT
from jishi.payments.selectors import intent_is_open


def _closed(request: HttpRequest, back: str) -> HttpResponse:
    """The page of a payment that was cancelled, paid or ran out of time meanwhile: nothing to pay any more."""
    response = render(request, "payments/closed.html", {"back": back}, status=410)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@requires(PUBLIC)  # the form is what the buyer's browser hands the gateway anyway; only we can have signed it
def unionpay_form(request: HttpRequest, token: str) -> HttpResponse:
    try:
        form = signing.loads(token, salt=FORM_SALT, max_age=FORM_MAX_AGE)
    except signing.BadSignature:
        raise Http404 from None
    if not intent_is_open(form["fields"]["orderId"]):
        return _closed(request, form["fields"]["frontUrl"])
    response = render(
        request,
        "payments/post_form.html",
        {"action": form["action"], "fields": sorted(form["fields"].items()), "gateway": UnionPayGateway.label},
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@requires(PUBLIC)  # shows what WeChat Pay gave us for this trade; only we can have signed it
def wechatpay_qr(request: HttpRequest, token: str) -> HttpResponse:
    try:
        page = signing.loads(token, salt=QR_SALT, max_age=QR_MAX_AGE)
    except signing.BadSignature:
        raise Http404 from None
    if not intent_is_open(page.get("out_trade_no", "")):
        return _closed(request, page["return_url"])
    qr = segno.make(page["code_url"], error="m")
    response = render(
        request,
        "payments/wechatpay_qr.html",
        {
            "qr": mark_safe(qr.svg_inline(scale=6, dark="#1f2329")),  # noqa: S308 - paths segno drew, no text of ours
            "amount": page["amount"],
            "return_url": page["return_url"],
        },
    )
    response["Cache-Control"] = "no-store"
    return response
