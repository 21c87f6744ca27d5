"""Counting storefront visitors for the dashboards' conversion rate.

A visitor is a random id in a first-party cookie (a year long), not a
person: nothing links it to an account. Crawlers and htmx fragment
requests are not visits.
"""

import re
import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from jishi.analytics.services import visit_record
from jishi.web.pages import is_htmx

COOKIE = "jishi_v"
_VISITOR = re.compile(r"^[0-9a-f]{32}$")
_CRAWLER = re.compile(r"bot|crawl|spider|slurp|headless", re.IGNORECASE)


def counted(request: HttpRequest, response: HttpResponse, *, merchant_id: int | None = None) -> HttpResponse:
    """Record the page view as today's visit (to the site and, for a product, its shop) and return ``response``."""
    if is_htmx(request) or _CRAWLER.search(request.headers.get("User-Agent", "")):
        return response
    visitor = request.COOKIES.get(COOKIE, "")
    if not _VISITOR.match(visitor):
        visitor = secrets.token_hex(16)
        response.set_cookie(
            COOKIE,
            visitor,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    visit_record(visitor=visitor, merchant_id=merchant_id)
    return response
