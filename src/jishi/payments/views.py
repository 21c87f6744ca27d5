"""Our pages on the way to a gateway: a gateway that wants a POSTed form gets one from the buyer's browser."""

from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jishi.core.permissions import PUBLIC, requires
from jishi.payments.gateways.unionpay import FORM_MAX_AGE, FORM_SALT, UnionPayGateway


@require_GET
@requires(PUBLIC)  # the form is what the buyer's browser hands the gateway anyway; only we can have signed it
def unionpay_form(request: HttpRequest, token: str) -> HttpResponse:
    try:
        form = signing.loads(token, salt=FORM_SALT, max_age=FORM_MAX_AGE)
    except signing.BadSignature:
        raise Http404 from None
    response = render(
        request,
        "payments/post_form.html",
        {"action": form["action"], "fields": sorted(form["fields"].items()), "gateway": UnionPayGateway.label},
    )
    response["Cache-Control"] = "no-store"
    return response
