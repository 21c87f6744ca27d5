"""The pickup card of a buyer's order collected at a pickup point (自提): the point, where the pickup stands and,
once paid, its 6-digit code (提货码) large, with a QR code of just the code for the leader to scan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import segno
from django.utils.safestring import SafeString, mark_safe

from jishi.community import selectors, services
from jishi.community.models import PickupStatus
from jishi.orders.models import Fulfilment

CODE_SHOWN = frozenset({PickupStatus.WAITING, PickupStatus.SENT, PickupStatus.READY})


@dataclass(frozen=True)
class PickupCard:
    point: Any
    pickup: Any  # None until the order is paid
    code: str = ""  # while the goods wait to be collected
    qr: SafeString | str = ""


def pickup_card(order: Any) -> PickupCard | None:
    """The card for a pickup order, None for one delivered to an address. The code is the buyer's alone: only
    their order page calls this."""
    if order.fulfilment != Fulfilment.PICKUP or order.pickup_point_id is None:
        return None
    pickup = selectors.pickup_of_order(order.pk)
    if pickup is None:  # not paid yet: no code
        return PickupCard(point=selectors.point_get(order.pickup_point_id), pickup=None)
    if pickup.status not in CODE_SHOWN:
        return PickupCard(point=pickup.point, pickup=pickup)
    code = services.pickup_code(pickup)
    # make_qr, not make: a code this short would otherwise become a Micro QR, which phones and leaders' scanners
    # (BarcodeDetector among them) do not read.
    qr = segno.make_qr(code, error="m").svg_inline(scale=6, border=2, dark="#1f2329", omitsize=True)
    return PickupCard(point=pickup.point, pickup=pickup, code=code, qr=mark_safe(qr))  # noqa: S308 - segno's paths
