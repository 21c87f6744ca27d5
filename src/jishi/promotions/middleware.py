"""The flash sale's door: a late buyer is turned away before the session, the sign-in and the API run."""

import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from jishi.core.idempotency import HEADER as IDEMPOTENCY_HEADER
from jishi.promotions.errors import FlashSoldOut
from jishi.promotions.services import flash_sold_out

PLACE_PATH = "/api/v1/checkout/place"


def _flash_item_id(body: bytes) -> int | None:
    """The flash item a place request names (``buy_now.flash_item_id``), if it is well formed; else None."""
    try:
        data = json.loads(body)
        item_id = data["buy_now"]["flash_item_id"]
    except (ValueError, TypeError, KeyError):
        return None
    return item_id if isinstance(item_id, int) and not isinstance(item_id, bool) and item_id > 0 else None


class FlashGateMiddleware:
    """A flash sale's burst is a thousand buyers for a hundred units: once the hot counter (Redis) says none is
    left, a place request for that item is answered 409 ``promotions.flash_sold_out`` here, with one cache read
    and no query, so the buyers still being served are not kept waiting behind the ones being turned away.

    Anything the counter does not settle (no Redis, units left, a malformed body) goes on to checkout, whose
    guards inside the writes decide. So does a request with an ``Idempotency-Key``: it may be the repeat of a
    placement that succeeded, which must get its first answer back, not "sold out".
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method == "POST"
            and request.path == PLACE_PATH
            and settings.REDIS_URL
            and IDEMPOTENCY_HEADER not in request.headers
        ):
            item_id = _flash_item_id(request.body)
            if item_id is not None and flash_sold_out(item_id=item_id):
                return JsonResponse(FlashSoldOut(field="quantity").as_dict(), status=FlashSoldOut.status)
        return self.get_response(request)
