"""After-sales API: buyers ask and escalate, shops answer, the platform arbitrates; evidence for all three."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import Field, File, Form, Query, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.aftersales import selectors, services
from jishi.aftersales.errors import AftersalesNotFound
from jishi.aftersales.models import AftersalesRequest, Evidence
from jishi.aftersales.permissions import AFTERSALES_ARBITRATE, AFTERSALES_REQUEST, MERCHANT_AFTERSALES
from jishi.core.api import (
    Amount,
    BodyId,
    Id,
    MoneyOut,
    PageNumber,
    PageSize,
    PublicNumber,
    Router,
    StrictIn,
    errors,
    money_out,
    parse_amount,
)
from jishi.core.pagination import paginate
from jishi.core.permissions import requires

router = Router(tags=["after-sales"], auth=SIGNED_IN)
merchant_router = Router(tags=["merchant"], auth=SIGNED_IN)
operator_router = Router(tags=["operator after-sales"], auth=SIGNED_IN)

StatusName = Literal[
    "requested", "awaiting_return", "return_shipped", "rejected", "arbitration", "refunded", "exchanged", "closed"
]
Text60 = Annotated[str, Field(min_length=1, max_length=60)]
Text500 = Annotated[str, Field(max_length=500)]
Carrier = Annotated[str, Field(min_length=1, max_length=40)]
Tracking = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")]


class LineIn(StrictIn):
    order_line_id: BodyId
    quantity: Annotated[int, Field(ge=1, le=10_000, strict=True)]


class RequestCreateIn(StrictIn):
    order_number: PublicNumber
    kind: Literal["refund", "return", "exchange"]
    reason: Text60
    description: Text500 = ""
    lines: Annotated[list[LineIn], Field(min_length=1, max_length=50)]
    amount: Amount | None = Field(None, description="What to get back; the most the lines allow when left out")


class AcceptIn(StrictIn):
    return_address: Annotated[str, Field(max_length=200)] = ""
    note: Text500 = ""


class ReasonIn(StrictIn):
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class NoteIn(StrictIn):
    note: Annotated[str, Field(min_length=1, max_length=500)]


class ShipmentIn(StrictIn):
    carrier: Carrier
    tracking_number: Tracking


class ReceiveIn(StrictIn):
    replacement_carrier: Annotated[str, Field(max_length=40)] = ""
    replacement_tracking: Annotated[str, Field(max_length=40, pattern=r"^[A-Za-z0-9-]*$")] = ""


class DecideIn(StrictIn):
    for_buyer: Annotated[bool, Field(strict=True)]
    note: Annotated[str, Field(min_length=1, max_length=500)]
    amount: Amount | None = None
    return_address: Annotated[
        str, Field(max_length=200, description="Where the goods go back; the shop's default when empty")
    ] = ""
    without_return: Annotated[bool, Field(strict=True, description="Refund a return without the goods coming back")] = (
        False
    )


class LineOut(Schema):
    order_line_id: int
    title: str
    sku_label: str
    quantity: int


class EventOut(Schema):
    from_status: str
    to_status: str
    party: str
    note: str
    created_at: dt.datetime


class EvidenceOut(Schema):
    id: int
    party: str
    content_type: str
    message: str
    url: str
    created_at: dt.datetime


class AftersalesOut(Schema):
    number: str
    order_number: str
    merchant: str
    kind: str
    status: str
    reason: str = Field(description="A code from the list (not_needed, damaged, …) or the buyer's own words")
    reason_display: str = Field(description="The reason in the reader's language")
    description: str
    amount: MoneyOut
    respond_by: dt.datetime | None
    return_address: str
    return_carrier: str
    return_tracking: str
    replacement_carrier: str
    replacement_tracking: str
    merchant_reply: str
    decision: str
    refund_number: str
    created_at: dt.datetime
    closed_at: dt.datetime | None


class AftersalesDetailOut(AftersalesOut):
    lines: list[LineOut]
    events: list[EventOut]
    evidence: list[EvidenceOut]


class AftersalesPageOut(Schema):
    items: list[AftersalesOut]
    count: int
    page: int
    page_size: int


def _fields(request: AftersalesRequest) -> dict[str, Any]:
    return {
        "number": request.number,
        "order_number": request.order.number,
        "merchant": request.merchant.name,
        "kind": request.kind,
        "status": request.status,
        "reason": request.reason,
        "reason_display": request.reason_display,
        "description": request.description,
        "amount": money_out(request.amount),
        "respond_by": request.respond_by,
        "return_address": request.return_address,
        "return_carrier": request.return_carrier,
        "return_tracking": request.return_tracking,
        "replacement_carrier": request.replacement_carrier,
        "replacement_tracking": request.replacement_tracking,
        "merchant_reply": request.merchant_reply,
        "decision": request.decision,
        "refund_number": request.refund_number,
        "created_at": request.created_at,
        "closed_at": request.closed_at,
    }


def evidence_out(evidence: Evidence, number: str) -> EvidenceOut:
    """One piece of evidence; its file (if any) is served only to the two sides and arbitrators."""
    url = reverse("api:aftersales_evidence_file", args=[number, evidence.pk]) if evidence.file else ""
    return EvidenceOut(
        id=evidence.pk,
        party=evidence.party,
        content_type=evidence.content_type,
        message=evidence.message,
        url=url,
        created_at=evidence.created_at,
    )


def detail_out(request: AftersalesRequest) -> AftersalesDetailOut:
    return AftersalesDetailOut(
        **_fields(request),
        lines=[
            LineOut(
                order_line_id=item.order_line_id,
                title=item.order_line.title,
                sku_label=item.order_line.sku_label,
                quantity=item.quantity,
            )
            for item in request.lines.all()
        ],
        events=[
            EventOut(
                from_status=e.from_status,
                to_status=e.to_status,
                party=e.party,
                note=e.note_shown,
                created_at=e.created_at,
            )
            for e in request.events.all()
        ],
        evidence=[evidence_out(e, request.number) for e in request.evidence.all()],
    )


def _page(requests: object, page: int, page_size: int) -> AftersalesPageOut:
    result = paginate(requests, page=page, page_size=page_size)  # type: ignore[arg-type]
    return AftersalesPageOut(
        items=[AftersalesOut(**_fields(r)) for r in result.items], count=result.count, page=page, page_size=page_size
    )


# Buyers ----------------------------------------------------------------------------------------


@router.post("", response={201: AftersalesDetailOut, **errors(401, 403, 404, 409)})
@requires(AFTERSALES_REQUEST)
def aftersales_create(request: HttpRequest, payload: RequestCreateIn) -> Status:
    """Ask for a refund (order not shipped), a return and refund, or an exchange (order delivered).

    409 ``aftersales.not_eligible`` for the wrong kind at the order's stage,
    409 ``aftersales.already_open`` while another request is open; the
    order is held (not shipped, not settled) until the request is settled.
    """
    actor = actor_of(request)
    created = services.request_create(
        actor=actor,
        order_number=payload.order_number,
        data=services.RequestInput(
            kind=payload.kind,
            reason=payload.reason,
            description=payload.description,
            lines=[services.LineInput(line.order_line_id, line.quantity) for line in payload.lines],
            amount=parse_amount(payload.amount, "amount") if payload.amount is not None else None,
        ),
    )
    return Status(201, detail_out(selectors.request_get_for_buyer(actor, created.number)))


@router.get("", response={200: AftersalesPageOut, **errors(401, 403)})
@requires(AFTERSALES_REQUEST)
def aftersales_list(request: HttpRequest, page: PageNumber = 1, page_size: PageSize = 20) -> AftersalesPageOut:
    """The buyer's after-sales requests, newest first."""
    return _page(selectors.requests_for_buyer(actor_of(request)), page, page_size)


@router.get("/{number}", response={200: AftersalesDetailOut, **errors(401, 403, 404)})
@requires(AFTERSALES_REQUEST)
def aftersales_detail(request: HttpRequest, number: PublicNumber) -> AftersalesDetailOut:
    """One of the buyer's requests with its timeline and both sides' evidence."""
    return detail_out(selectors.request_get_for_buyer(actor_of(request), number))


@router.post("/{number}/ship-back", response={200: AftersalesDetailOut, **errors(401, 403, 404, 409)})
@requires(AFTERSALES_REQUEST)
def aftersales_ship_back(request: HttpRequest, number: PublicNumber, payload: ShipmentIn) -> AftersalesDetailOut:
    """The goods are on their way back to the shop's return address."""
    actor = actor_of(request)
    services.request_ship_back(
        actor=actor, number=number, shipment=services.Shipment(payload.carrier, payload.tracking_number)
    )
    return detail_out(selectors.request_get_for_buyer(actor, number))


@router.post("/{number}/escalate", response={200: AftersalesDetailOut, **errors(401, 403, 404, 409)})
@requires(AFTERSALES_REQUEST)
def aftersales_escalate(request: HttpRequest, number: PublicNumber, payload: NoteIn) -> AftersalesDetailOut:
    """Ask the platform to decide a request the shop rejected."""
    actor = actor_of(request)
    services.request_escalate(actor=actor, number=number, note=payload.note)
    return detail_out(selectors.request_get_for_buyer(actor, number))


@router.post("/{number}/withdraw", response={200: AftersalesDetailOut, **errors(401, 403, 404, 409)})
@requires(AFTERSALES_REQUEST)
def aftersales_withdraw(request: HttpRequest, number: PublicNumber) -> AftersalesDetailOut:
    """Withdraw a request before goods travel or the platform decides."""
    actor = actor_of(request)
    services.request_withdraw(actor=actor, number=number)
    return detail_out(selectors.request_get_for_buyer(actor, number))


@router.post("/{number}/evidence", response={201: EvidenceOut, **errors(401, 403, 404, 409)})
@requires(AFTERSALES_REQUEST)
def aftersales_evidence_add(
    request: HttpRequest, number: PublicNumber, file: File[UploadedFile | None] = None, message: Form[str] = ""
) -> Status:
    """Add a photo (JPEG, PNG, WebP), a PDF or a message, as the buyer, the shop or the platform.

    422 ``aftersales.invalid_evidence`` for anything else or over 5 MB.
    """
    evidence = services.evidence_add(actor=actor_of(request), number=number, upload=file, message=message)
    return Status(201, evidence_out(evidence, number))


@router.get(
    "/{number}/evidence/{evidence_id}",
    response={200: None, **errors(401, 403, 404)},
    url_name="aftersales_evidence_file",
)
@requires(AFTERSALES_REQUEST)
def aftersales_evidence_file(request: HttpRequest, number: PublicNumber, evidence_id: Id) -> FileResponse:
    """The file of one piece of evidence, for the buyer, the shop and arbitrators only."""
    found, _party = selectors.request_get_for_party(actor_of(request), number)
    evidence = next((e for e in found.evidence.all() if e.pk == evidence_id and e.file), None)
    if evidence is None:
        raise AftersalesNotFound
    response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline" if evidence.is_image else "attachment"
    return response


# Shops -----------------------------------------------------------------------------------------


class QueueFilters(Schema):
    status: StatusName | None = None
    page: PageNumber = 1
    page_size: PageSize = 20


@merchant_router.get("/aftersales", response={200: AftersalesPageOut, **errors(401, 403)})
@requires(MERCHANT_AFTERSALES)
def merchant_aftersales_list(request: HttpRequest, filters: Query[QueueFilters]) -> AftersalesPageOut:
    """The shop's after-sales queue, nearest deadline first."""
    requests = selectors.requests_for_merchant(actor_of(request), status=filters.status or "")
    return _page(requests, filters.page, filters.page_size)


@merchant_router.get("/aftersales/{number}", response={200: AftersalesDetailOut, **errors(401, 403, 404)})
@requires(MERCHANT_AFTERSALES)
def merchant_aftersales_detail(request: HttpRequest, number: PublicNumber) -> AftersalesDetailOut:
    return detail_out(selectors.request_get_for_merchant(actor_of(request), number))


@merchant_router.post("/aftersales/{number}/accept", response={200: AftersalesDetailOut, **errors(401, 403, 404, 409)})
@requires(MERCHANT_AFTERSALES)
def merchant_aftersales_accept(request: HttpRequest, number: PublicNumber, payload: AcceptIn) -> AftersalesDetailOut:
    """Agree: a refund is made at once through the original gateway; a return or exchange needs the return address."""
    actor = actor_of(request)
    services.request_accept(actor=actor, number=number, return_address=payload.return_address, note=payload.note)
    return detail_out(selectors.request_get_for_merchant(actor, number))


@merchant_router.post("/aftersales/{number}/reject", response={200: AftersalesDetailOut, **errors(401, 403, 404, 409)})
@requires(MERCHANT_AFTERSALES)
def merchant_aftersales_reject(request: HttpRequest, number: PublicNumber, payload: ReasonIn) -> AftersalesDetailOut:
    """Refuse with a reason the buyer (and, if they escalate, the platform) will read."""
    actor = actor_of(request)
    services.request_reject(actor=actor, number=number, reason=payload.reason)
    return detail_out(selectors.request_get_for_merchant(actor, number))


@merchant_router.post("/aftersales/{number}/receive", response={200: AftersalesDetailOut, **errors(401, 403, 404, 409)})
@requires(MERCHANT_AFTERSALES)
def merchant_aftersales_receive(request: HttpRequest, number: PublicNumber, payload: ReceiveIn) -> AftersalesDetailOut:
    """The goods came back: a return is refunded (and restocked); an exchange needs the replacement's shipment."""
    actor = actor_of(request)
    replacement = (
        services.Shipment(payload.replacement_carrier, payload.replacement_tracking)
        if payload.replacement_carrier or payload.replacement_tracking
        else None
    )
    services.request_receive(actor=actor, number=number, replacement=replacement)
    return detail_out(selectors.request_get_for_merchant(actor, number))


# The platform ----------------------------------------------------------------------------------


class ArbitrationFilters(Schema):
    status: StatusName = "arbitration"
    page: PageNumber = 1
    page_size: PageSize = 20


@operator_router.get("/aftersales", response={200: AftersalesPageOut, **errors(401, 403)})
@requires(AFTERSALES_ARBITRATE)
def operator_aftersales_list(request: HttpRequest, filters: Query[ArbitrationFilters]) -> AftersalesPageOut:
    """The arbitration queue (or requests in another status), oldest first."""
    return _page(selectors.arbitrations(actor_of(request), status=filters.status), filters.page, filters.page_size)


@operator_router.get("/aftersales/{number}", response={200: AftersalesDetailOut, **errors(401, 403, 404)})
@requires(AFTERSALES_ARBITRATE)
def operator_aftersales_detail(request: HttpRequest, number: PublicNumber) -> AftersalesDetailOut:
    return detail_out(selectors.request_get_for_operator(actor_of(request), number))


@operator_router.post("/aftersales/{number}/decide", response={200: AftersalesDetailOut, **errors(401, 403, 404, 409)})
@requires(AFTERSALES_ARBITRATE)
def operator_aftersales_decide(request: HttpRequest, number: PublicNumber, payload: DecideIn) -> AftersalesDetailOut:
    """Rule for the buyer (refund, or the shop must take the goods back) or for the shop (closed). Audited."""
    actor = actor_of(request)
    services.request_decide(
        actor=actor,
        number=number,
        for_buyer=payload.for_buyer,
        note=payload.note,
        amount=parse_amount(payload.amount, "amount") if payload.amount is not None else None,
        return_address=payload.return_address,
        without_return=payload.without_return,
    )
    return detail_out(selectors.request_get_for_operator(actor, number))
