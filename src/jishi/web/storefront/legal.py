"""The terms (用户协议) and privacy policy (隐私政策) in force, for anyone: the version, its date and its text.

Before an administrator publishes a first version the page says so, with a 200: the sign-up page and the footer
link here on every deployment, and a link that answers 404 would look broken.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jishi.core.permissions import PUBLIC
from jishi.policies import selectors
from jishi.policies.models import LegalKind
from jishi.web.pages import page


def _legal_page(request: HttpRequest, kind: LegalKind) -> HttpResponse:
    document = selectors.legal_in_force(kind)
    return render(request, "storefront/legal.html", {"kind": kind.value, "title": kind.label, "document": document})


@page(PUBLIC)
def terms(request: HttpRequest) -> HttpResponse:
    """The user agreement in force."""
    return _legal_page(request, LegalKind.TERMS)


@page(PUBLIC)
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy policy in force."""
    return _legal_page(request, LegalKind.PRIVACY)
