"""Writes of the after-sales domain: requests, the shop's answer, returns, escalation and arbitration.

Every status change goes through the kernel, ``core.states.move`` with
:data:`MACHINE` (a compare-and-set on the current status, a timeline row,
the order released once the request is settled). Money moves only through ``payments.services.refund_create``
with the request's number as the reference, so a request refunds at most
once however its last step is reached (the shop, the deadline sweep or an
arbitrator), and the ledger's lock on the order keeps every refund within
what was paid.
"""

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jishi.aftersales import selectors
from jishi.aftersales.errors import (
    AlreadyOpen,
    InvalidEvidence,
    InvalidRequest,
    InvalidTransition,
    NoReturnAddress,
    NotEligible,
    OrderLineNotFound,
)
from jishi.aftersales.models import AftersalesEvent, AftersalesLine, AftersalesRequest, Evidence
from jishi.aftersales.permissions import AFTERSALES_REQUEST
from jishi.aftersales.states import MONEY_ONLY, OPEN, TRANSITIONS, Kind, Party, Status
from jishi.core import audit, ids
from jishi.core.actors import Actor, actor_id, user_of
from jishi.core.images import InvalidImage, document_upload
from jishi.core.masking import mask_personal_data
from jishi.core.money import Money
from jishi.core.permissions import check
from jishi.core.phrases import phrase, stored
from jishi.core.states import Machine, Move, move
from jishi.inventory.services import stock_return
from jishi.ledger.selectors import order_figures
from jishi.merchants.selectors import merchant_owner
from jishi.notifications.services import notify
from jishi.orders.locks import order_lock
from jishi.orders.selectors import line_units_cost, order_get_for_buyer
from jishi.orders.services import order_close_refunded, order_hold, order_lines_settle_aftersales
from jishi.orders.states import ActorRole
from jishi.payments.services import refund_create
from jishi.policies.selectors import platform_settings
from jishi.promotions.services import coupons_give_back_refunded

MAX_EVIDENCE_PER_PARTY = 9
_ROLES = {
    Party.BUYER: ActorRole.BUYER,
    Party.MERCHANT: ActorRole.MERCHANT,
    Party.OPERATOR: ActorRole.OPERATOR,
    Party.SYSTEM: ActorRole.SYSTEM,
}


@dataclass(frozen=True)
class LineInput:
    order_line_id: int
    quantity: int


@dataclass(frozen=True)
class RequestInput:
    kind: str
    reason: str
    lines: list[LineInput]
    description: str = ""
    amount: Money | None = None  # what the buyer asks back; None asks for the most the lines allow


@dataclass(frozen=True)
class Shipment:
    carrier: str
    tracking_number: str


@dataclass
class _Plan:
    lines: list[tuple[Any, int]] = field(default_factory=list)
    most: int = 0


def _now() -> dt.datetime:
    return timezone.now()


def _hours(hours: int) -> dt.datetime:
    return _now() + dt.timedelta(hours=hours)


def _turn() -> dt.datetime:
    """When a party's turn ends: the platform's after-sales turn days (policies) from now."""
    return _hours(platform_settings().aftersales_turn_days * 24)


def _text(value: str, name: str, *, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if (required and not text) or len(text) > limit:
        raise InvalidRequest(_("Enter up to %(limit)d characters.") % {"limit": limit}, field=name)
    return text


def _shipment(shipment: Shipment, prefix: str) -> tuple[str, str]:
    carrier = _text(shipment.carrier, f"{prefix}carrier", limit=40)
    tracking = _text(shipment.tracking_number, f"{prefix}tracking_number", limit=40)
    if not tracking.isascii():
        raise InvalidRequest(_("A tracking number is letters and digits."), field=f"{prefix}tracking_number")
    return carrier, tracking


# Transitions ---------------------------------------------------------------------------------


def _record(step: Move[AftersalesRequest, Status]) -> None:
    request = step.obj
    AftersalesEvent.objects.create(
        request=request,
        from_status=step.source,
        to_status=step.target,
        actor_id=actor_id(step.actor),
        party=step.context["party"],
        note=step.reason[:500],
        note_phrase=stored(step.reason),
    )
    if step.context["party"] == Party.MERCHANT:  # the shop's answers move money or goods: audited like rulings
        audit.record(
            actor=step.actor,
            action=f"aftersales.shop_{step.target}",
            target=request,
            before={"status": step.source},
            after={
                "status": step.target,
                "amount_minor": request.amount_minor,
                "return_address": mask_personal_data(request.return_address),
            },
            reason=step.reason,
        )
    if step.target not in OPEN:
        order_hold(
            order_id=request.order_id,
            held=False,
            actor=step.actor,
            role=_ROLES[step.context["party"]],
            reason=phrase(gettext_lazy("After-sales %(number)s settled"), number=request.number),
        )
    _announce(request, step.target)


def _settled_fields(to: Status) -> dict[str, Any]:
    return {} if to in OPEN else {"closed_at": _now(), "respond_by": None}


MACHINE = Machine(
    status=Status, transitions=TRANSITIONS, invalid=InvalidTransition, record=_record, changes=_settled_fields
)


def _announce(request: AftersalesRequest, to: Status) -> None:
    """Tell whoever's turn it now is (or the buyer, when it is settled)."""
    title = phrase(gettext_lazy("After-sales %(number)s: %(status)s"), number=request.number, status=Status(to).label)
    if to in (Status.REQUESTED, Status.RETURN_SHIPPED):
        owner = merchant_owner(request.merchant)
        if owner is not None:
            notify(owner, "aftersales_merchant", title, link=f"/merchant/aftersales/{request.number}/")
    elif to != Status.ARBITRATION:
        notify(request.buyer_id, "aftersales_buyer", title, link=f"/aftersales/{request.number}/")


# The buyer asks ------------------------------------------------------------------------------


def _eligible(order: Any, kind: Kind) -> None:
    if kind in selectors.kinds_for(order):
        return
    if kind == Kind.REFUND:
        raise NotEligible(_("A refund without return is for orders not shipped yet."), field="kind")
    raise NotEligible(
        _("Returns, exchanges and compensation are for delivered orders within the after-sales window."), field="kind"
    )


def _plan(order: Any, kind: Kind, wanted: list[LineInput]) -> _Plan:
    if not wanted or len(wanted) > 50:
        raise InvalidRequest(_("Choose what the request is about."), field="lines")
    lines = {line.pk: line for line in order.lines.all()}
    claimed = selectors.claimed_quantities(list(lines))
    plan, seen = _Plan(), set()
    for index, item in enumerate(wanted):
        line = lines.get(item.order_line_id)
        if line is None:  # another order's line, or none at all
            raise OrderLineNotFound(field=f"lines.{index}.order_line_id")
        if item.order_line_id in seen:
            raise InvalidRequest(field=f"lines.{index}.order_line_id")
        seen.add(item.order_line_id)
        left = line.quantity - claimed.get(line.pk, 0)
        if not 1 <= item.quantity <= left:
            raise InvalidRequest(
                _("At most %(left)d of this item can be asked for.") % {"left": max(left, 0)},
                field=f"lines.{index}.quantity",
            )
        plan.lines.append((line, item.quantity))
        plan.most += line_units_cost(line, item.quantity, claimed.get(line.pk, 0))
    everything = not claimed and len(plan.lines) == len(lines) and all(q == line.quantity for line, q in plan.lines)
    if kind == Kind.REFUND and everything:
        plan.most += order.shipping_minor  # nothing was sent: the shipping comes back too
    return plan


def _amount(order: Any, kind: Kind, plan: _Plan, asked: Money | None) -> int:
    if kind == Kind.EXCHANGE:
        return 0
    figures = order_figures(order)
    most = min(plan.most, figures.paid - figures.refunded)
    amount = asked.minor if asked is not None else most
    if (asked is not None and asked.currency != order.currency) or not 0 < amount <= most:
        raise InvalidRequest(
            _("The refund can be from 0.01 to %(most)s.") % {"most": Money(max(most, 0), order.currency).format()},
            field="amount",
        )
    return amount


@transaction.atomic
def request_create(*, actor: Actor, order_number: str, data: RequestInput, photo: Any = None) -> AftersalesRequest:
    """The buyer asks for a refund (not shipped), a return and refund, or an exchange on their order.

    The order is held until the request is settled: not shipped, not
    completed, its money not settled. A ``photo`` (an upload) is kept as
    the first evidence, or nothing is written. Raises OrderNotFound (not
    the actor's), NotEligible, AlreadyOpen, InvalidRequest, InvalidEvidence.
    """
    check(actor, AFTERSALES_REQUEST)
    order = order_get_for_buyer(actor, order_number)
    try:
        kind = Kind(data.kind)
    except ValueError:
        raise InvalidRequest(field="kind") from None
    _eligible(order, kind)
    if selectors.open_request_of_order(order) is not None:
        raise AlreadyOpen
    reason = _text(data.reason, "reason", limit=60)
    description = _text(data.description, "description", limit=500, required=False)
    plan = _plan(order, kind, data.lines)
    amount = _amount(order, kind, plan, data.amount)
    try:
        with transaction.atomic():
            request = AftersalesRequest.objects.create(
                number=ids.public_number(),
                order=order,
                buyer=user_of(actor),
                merchant_id=order.merchant_id,
                kind=kind,
                reason=reason,
                description=description,
                amount_minor=amount,
                currency=order.currency,
                respond_by=_hours(settings.JISHI_AFTERSALES_RESPOND_HOURS),
            )
    except IntegrityError:  # a concurrent request on the same order won
        raise AlreadyOpen from None
    AftersalesLine.objects.bulk_create(
        AftersalesLine(request=request, order_line=line, quantity=quantity) for line, quantity in plan.lines
    )
    AftersalesEvent.objects.create(
        request=request, to_status=Status.REQUESTED, actor=user_of(actor), party=Party.BUYER, note=description or reason
    )
    held = order_hold(
        order_id=order.pk,
        held=True,
        status=order.status,
        actor=actor,
        role=ActorRole.BUYER,
        reason=phrase(gettext_lazy("After-sales %(number)s opened"), number=request.number),
    )
    if not held:  # shipped or completed meanwhile
        raise NotEligible(field="kind")
    if photo is not None:
        evidence_add(actor=actor, number=request.number, upload=photo)
    _announce(request, Status.REQUESTED)
    return request


# Settling with money --------------------------------------------------------------------------


def _refund(request: AftersalesRequest, *, actor: Actor, party: Party, note: str) -> AftersalesRequest:
    """Refund what the request asks through the original gateway; restock the goods; close a fully refunded order."""
    order = request.order
    refund = refund_create(
        order=order,
        amount=request.amount,
        reason=_("After-sales %(number)s") % {"number": request.number},
        reference=f"aftersales:{request.number}",
    )
    if not move(
        MACHINE,
        request,
        Status.REFUNDED,
        actor=actor,
        context={"party": party},
        reason=note,
        fields={"refund_number": refund.number},
    ):
        return request
    order_lines_settle_aftersales(lines=_request_lines(request), refunded=True, returned=bool(request.return_tracking))
    if request.kind == Kind.REFUND or request.return_tracking:  # never shipped, or sent back: sellable again
        stock_return(
            actor=actor,
            lines={request.number: [(item.order_line.sku_id, item.quantity) for item in request.lines.all()]},
        )
    figures = order_figures(order)
    if figures.paid == figures.refunded:
        order_close_refunded(
            order_id=order.pk,
            actor=actor,
            role=_ROLES[party],
            reason=phrase(gettext_lazy("Refunded in full (after-sales %(number)s)"), number=request.number),
        )
        coupons_give_back_refunded(checkout_number=order.checkout_number, now=_now())
    return request


# The shop answers ----------------------------------------------------------------------------


@transaction.atomic
def request_accept(*, actor: Actor, number: str, return_address: str = "", note: str = "") -> AftersalesRequest:
    """The shop agrees: a refund is made at once; a return or exchange waits for the goods at ``return_address``.

    Without ``return_address`` the shop's default return address is used.
    Accepting again changes nothing. Raises AftersalesNotFound,
    InvalidTransition, InvalidRequest, NoReturnAddress.
    """
    request = selectors.request_get_for_merchant(actor, number)
    note = _text(note, "note", limit=500, required=False)
    if request.kind in MONEY_ONLY:
        if request.status == Status.REFUNDED:
            return request
        return _refund(
            request, actor=actor, party=Party.MERCHANT, note=note or phrase(gettext_lazy("Refund agreed by the shop"))
        )
    address = _text(return_address, "return_address", limit=200, required=False)
    address = address or selectors.return_address_for(request.merchant_id)
    if not address:
        raise NoReturnAddress
    request.return_address = address
    move(
        MACHINE,
        request,
        Status.AWAITING_RETURN,
        actor=actor,
        context={"party": Party.MERCHANT},
        reason=note or phrase(gettext_lazy("Return agreed")),
        fields={
            "return_address_sealed": request.return_address_sealed,
            "merchant_reply": note,
            "respond_by": _turn(),
        },
    )
    return request


@transaction.atomic
def request_reject(*, actor: Actor, number: str, reason: str) -> AftersalesRequest:
    """The shop refuses a request, or refuses goods sent back as not what was sold. The buyer may escalate.

    Raises AftersalesNotFound, InvalidTransition, InvalidRequest (no reason).
    """
    request = selectors.request_get_for_merchant(actor, number)
    reason = _text(reason, "reason", limit=500)
    move(
        MACHINE,
        request,
        Status.REJECTED,
        actor=actor,
        context={"party": Party.MERCHANT},
        reason=reason,
        fields={"merchant_reply": reason, "respond_by": _turn()},
    )
    return request


@transaction.atomic
def request_receive(*, actor: Actor, number: str, replacement: Shipment | None = None) -> AftersalesRequest:
    """The shop has the goods back: a return is refunded; an exchange is settled by shipping the replacement.

    Raises AftersalesNotFound, InvalidTransition, InvalidRequest (an exchange without the replacement's shipment).
    """
    request = selectors.request_get_for_merchant(actor, number)
    return _received(request, actor=actor, party=Party.MERCHANT, replacement=replacement)


def _received(
    request: AftersalesRequest, *, actor: Actor, party: Party, replacement: Shipment | None
) -> AftersalesRequest:
    if request.status != Status.RETURN_SHIPPED:
        if request.status in (Status.REFUNDED, Status.EXCHANGED):
            return request
        raise InvalidTransition(params={"from": request.status})
    if request.kind == Kind.RETURN:
        return _refund(request, actor=actor, party=party, note=phrase(gettext_lazy("Goods received back")))
    if replacement is None:
        raise InvalidRequest(_("Give the replacement's carrier and tracking number."), field="replacement_carrier")
    carrier, tracking = _shipment(replacement, "replacement_")
    if move(
        MACHINE,
        request,
        Status.EXCHANGED,
        actor=actor,
        context={"party": party},
        reason=f"{carrier} {tracking}",
        fields={"replacement_carrier": carrier, "replacement_tracking": tracking},
    ):
        order_lines_settle_aftersales(lines=_request_lines(request), refunded=False, returned=True)
    return request


def _request_lines(request: AftersalesRequest) -> list[tuple[int, int]]:
    return list(request.lines.order_by("order_line_id").values_list("order_line_id", "quantity"))


# The buyer acts ------------------------------------------------------------------------------


@transaction.atomic
def request_ship_back(*, actor: Actor, number: str, shipment: Shipment) -> AftersalesRequest:
    """The buyer sent the goods back to the shop's return address. Raises InvalidTransition, InvalidRequest."""
    request = selectors.request_get_for_buyer(actor, number)
    carrier, tracking = _shipment(shipment, "")
    move(
        MACHINE,
        request,
        Status.RETURN_SHIPPED,
        actor=actor,
        context={"party": Party.BUYER},
        reason=f"{carrier} {tracking}",
        fields={
            "return_carrier": carrier,
            "return_tracking": tracking,
            "respond_by": _turn(),
        },
    )
    return request


@transaction.atomic
def request_escalate(*, actor: Actor, number: str, note: str) -> AftersalesRequest:
    """The buyer asks the platform to decide a rejected request. Raises InvalidTransition, InvalidRequest."""
    request = selectors.request_get_for_buyer(actor, number)
    note = _text(note, "note", limit=500)
    move(
        MACHINE,
        request,
        Status.ARBITRATION,
        actor=actor,
        context={"party": Party.BUYER},
        reason=note,
        fields={"respond_by": None},
    )
    return request


@transaction.atomic
def request_withdraw(*, actor: Actor, number: str) -> AftersalesRequest:
    """The buyer withdraws a request that has not moved money or goods. Idempotent. Raises InvalidTransition."""
    request = selectors.request_get_for_buyer(actor, number)
    if request.status in (Status.RETURN_SHIPPED, Status.ARBITRATION):
        raise InvalidTransition(params={"from": request.status, "to": Status.CLOSED})
    move(
        MACHINE,
        request,
        Status.CLOSED,
        actor=actor,
        context={"party": Party.BUYER},
        reason=phrase(gettext_lazy("Withdrawn by the buyer")),
    )
    return request


# The platform decides ------------------------------------------------------------------------


@transaction.atomic
def request_decide(
    *,
    actor: Actor,
    number: str,
    for_buyer: bool,
    note: str,
    amount: Money | None = None,
    return_address: str = "",
    without_return: bool = False,
) -> AftersalesRequest:
    """An arbitrator rules on an escalated request, through the same steps the shop would have taken.

    For the shop, the request closes. For the buyer: a refund is made
    (``amount`` may lower it); goods not yet sent back go back to
    ``return_address``, else to the shop's, unless the ruling is a refund
    ``without_return`` (a return only); an exchange whose goods are back
    waits for the replacement. Every ruling changes the request's status or
    raises, and nothing is written when it raises. Audited. Raises
    AftersalesNotFound, InvalidTransition, InvalidRequest, NoReturnAddress.
    """
    request = selectors.request_get_for_operator(actor, number)
    note = _text(note, "note", limit=500)
    return_address = _text(return_address, "return_address", limit=200, required=False)
    order_lock(request.order_id)  # two arbitrators ruling at once: the second finds it ruled
    request.refresh_from_db(fields=["status"])
    if request.status != Status.ARBITRATION:
        raise InvalidTransition(params={"from": request.status})
    if without_return and (not for_buyer or request.kind != Kind.RETURN or request.return_tracking):
        raise InvalidRequest(
            _("Only a return whose goods were not sent back can be refunded without them."), field="without_return"
        )
    before = {
        "status": request.status,
        "amount_minor": request.amount_minor,
        "return_address": mask_personal_data(request.return_address),
    }
    if amount is not None:
        if (
            request.kind == Kind.EXCHANGE
            or amount.currency != request.currency
            or not 0 < amount.minor <= request.amount_minor
        ):
            raise InvalidRequest(field="amount")
        request.amount_minor = amount.minor
    request.decision = note
    AftersalesRequest.objects.filter(pk=request.pk).update(
        amount_minor=request.amount_minor, decision=note, decided_by=actor
    )
    if not for_buyer:
        move(MACHINE, request, Status.CLOSED, actor=actor, context={"party": Party.OPERATOR}, reason=note)
    elif request.kind in MONEY_ONLY or (request.kind == Kind.RETURN and (request.return_tracking or without_return)):
        _refund(request, actor=actor, party=Party.OPERATOR, note=note)
    elif request.return_tracking:  # an exchange whose goods are back: the shop owes the replacement
        move(
            MACHINE,
            request,
            Status.RETURN_SHIPPED,
            actor=actor,
            context={"party": Party.OPERATOR},
            reason=note,
            fields={"respond_by": _turn()},
        )
    else:
        address = return_address or request.return_address or selectors.return_address_for(request.merchant_id)
        if not address:
            raise NoReturnAddress(_("The shop has no return address: give one, or refund without a return."))
        _await_return(request, address, actor=actor, party=Party.OPERATOR, note=note)
    audit.record(
        actor=actor,
        action="aftersales.decided",
        target=request,
        before=before,
        after={
            "status": request.status,
            "amount_minor": request.amount_minor,
            "return_address": mask_personal_data(request.return_address),
            "for_buyer": for_buyer,
            "without_return": without_return,
        },
        reason=note,
    )
    return request


def _await_return(request: AftersalesRequest, address: str, *, actor: Actor, party: Party, note: str) -> None:
    request.return_address = address
    move(
        MACHINE,
        request,
        Status.AWAITING_RETURN,
        actor=actor,
        context={"party": party},
        reason=note,
        fields={
            "return_address_sealed": request.return_address_sealed,
            "respond_by": _turn(),
        },
    )


# Deadlines -----------------------------------------------------------------------------------


@transaction.atomic
def request_act_on_deadline(*, request_id: int) -> AftersalesRequest | None:
    """Do what the silent party would have had to do once its deadline passed (the sweep calls it). Idempotent.

    A shop that does not answer has agreed; a shop that does not confirm
    the goods it got back has received them; a buyer who does not send the
    goods back or escalate a rejection has let the request go.
    """
    request = (
        AftersalesRequest.objects.select_related("order", "merchant")
        .filter(pk=request_id, respond_by__lte=_now(), status__in=OPEN - {Status.ARBITRATION})
        .first()
    )
    if request is None:
        return None
    status, system = Status(request.status), Party.SYSTEM
    if status == Status.REQUESTED and request.kind in MONEY_ONLY:
        _refund(
            request,
            actor=None,
            party=system,
            note=phrase(gettext_lazy("The shop did not answer in time: refund agreed")),
        )
    elif status == Status.REQUESTED and (address := selectors.return_address_for(request.merchant_id)):
        _await_return(
            request,
            address,
            actor=None,
            party=system,
            note=phrase(gettext_lazy("The shop did not answer in time: return agreed")),
        )
    elif status == Status.REQUESTED:  # agreed, but no address to send the goods to: the platform sorts it out
        _moved_by_system(
            request,
            Status.ARBITRATION,
            phrase(gettext_lazy("The shop did not answer in time and has given no return address")),
        )
    elif status == Status.RETURN_SHIPPED and request.kind == Kind.RETURN:
        _refund(
            request, actor=None, party=system, note=phrase(gettext_lazy("The shop did not confirm the goods in time"))
        )
    elif status == Status.RETURN_SHIPPED:
        _moved_by_system(request, Status.ARBITRATION, phrase(gettext_lazy("No replacement was sent in time")))
    else:  # AWAITING_RETURN or REJECTED: the buyer let it go
        _moved_by_system(request, Status.CLOSED, phrase(gettext_lazy("Closed: the deadline passed")))
    return request


def _moved_by_system(request: AftersalesRequest, target: Status, reason: str) -> None:
    move(MACHINE, request, target, actor=None, context={"party": Party.SYSTEM}, reason=reason)


def requests_act_on_deadlines() -> int:
    """Act on every request whose deadline has passed (the sweep). Returns how many."""
    request_ids = selectors.requests_due(now=_now())
    for request_id in request_ids:
        request_act_on_deadline(request_id=request_id)
    return len(request_ids)


# Evidence ------------------------------------------------------------------------------------


def _evidence_file(upload: Any) -> tuple[ContentFile[bytes], str]:
    if (upload.size or 0) > settings.JISHI_IMAGE_MAX_BYTES:
        raise InvalidEvidence(field="file")
    try:
        return document_upload(bytes(upload.read()), name_stem=secrets.token_hex(10))
    except InvalidImage:
        raise InvalidEvidence(field="file") from None


@transaction.atomic
def evidence_add(*, actor: Actor, number: str, upload: Any = None, message: str = "") -> Evidence:
    """Put a photo, a PDF or a message before the other side and the platform, while the request is open.

    Photos are re-encoded (nothing but pixels survives); a PDF must look
    like one. Raises AftersalesNotFound, InvalidEvidence, InvalidTransition (settled).
    """
    request, party = selectors.request_get_for_party(actor, number)
    if request.status not in OPEN:
        raise InvalidTransition(params={"from": request.status})
    message = (message or "").strip()
    if len(message) > 500 or (upload is None and not message):
        raise InvalidEvidence(field="message")
    evidence = Evidence(request=request, party=party, uploaded_by=user_of(actor), message=message)
    if upload is not None:
        if Evidence.objects.filter(request=request, party=party).exclude(file="").count() >= MAX_EVIDENCE_PER_PARTY:
            raise InvalidEvidence(
                _("At most %(count)d files per side.") % {"count": MAX_EVIDENCE_PER_PARTY}, field="file"
            )
        content, evidence.content_type = _evidence_file(upload)
        evidence.file.save(content.name or "evidence", content, save=False)
    evidence.save()
    return evidence
