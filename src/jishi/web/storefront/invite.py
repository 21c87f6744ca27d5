"""The invite link's landing page (邀请有礼): who invited the visitor, what they both get, and the way to sign up
with the code — which the page keeps in a cookie, so the sign-up that follows still has it."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jishi.core.permissions import PUBLIC
from jishi.loyalty import selectors as loyalty
from jishi.loyalty.selectors import masked_name
from jishi.web.buyer.member import device_of, keep_device, remember_invite
from jishi.web.pages import page


@page(PUBLIC)
def invite_landing(request: HttpRequest, code: str) -> HttpResponse:
    """你的好友邀请你加入集市: a friendly page with a sign-up button carrying the code; a code nobody has is a 404
    page that still leads to the shop. Gives the browser its device cookie."""
    inviter = loyalty.inviter_by_code(code)
    device, fresh = device_of(request)
    rules = loyalty.rules()
    normalised = "".join(code.split()).upper()
    context = {
        "code": normalised,
        "inviter": masked_name(inviter) if inviter is not None else "",
        "valid": inviter is not None,
        "own": inviter is not None and inviter.pk == request.user.pk,
        "rules": rules,
    }
    response = render(request, "storefront/invite.html", context, status=200 if inviter is not None else 404)
    if inviter is not None and not request.user.is_authenticated:
        remember_invite(response, normalised)
    return keep_device(response, device, fresh=fresh)
