"""The leader centre (团长中心), phone first: applying to run a pickup point, today's work, a batch with its
arrival (确认到货, reporting what came short or damaged), checking pickup codes (核销) typed or scanned, the
point's customers' orders, the campaigns to share (分享) and the commission earned (收益).

Every page but the application and the earnings needs an approved leader; anyone else is told how to become
one. The earnings stay open to a suspended leader, who keeps what they earned. The rules are the community
services': their errors show as messages, or beside the field they name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from jishi.accounts import selectors as accounts
from jishi.accounts.auth import actor_of
from jishi.community import selectors, services
from jishi.community.errors import NotALeader, RealNameRequired
from jishi.community.models import Batch, BatchStatus, Leader, LeaderStatus, Pickup, PickupStatus
from jishi.core.errors import DomainError
from jishi.core.money import Money
from jishi.core.permissions import AUTHENTICATED
from jishi.ledger.models import AccountKind, JournalLine
from jishi.policies.selectors import platform_settings
from jishi.web.leader.forms import ArrivalForm, BankAccountForm, CodeForm, LeaderApplyForm, WithdrawForm
from jishi.web.pages import page

ORDER_TABS = (
    (PickupStatus.READY, gettext_lazy("Ready to collect")),
    (PickupStatus.SENT, gettext_lazy("Awaiting arrival")),
    (PickupStatus.WAITING, gettext_lazy("Before cut-off")),
    (PickupStatus.COLLECTED, gettext_lazy("Collected")),
)
ORDERS_SHOWN = 200


def batch_number(batch_id: int) -> str:
    """As the shop's dispatch list and the orders' shipping record write it: B00000042."""
    return f"B{batch_id:08d}"


def _leader(request: HttpRequest) -> Leader | None:
    """The signed-in user's approved leadership with its point, or None."""
    try:
        return selectors.leader_of(actor_of(request))
    except NotALeader:
        return None


def _not_a_leader(request: HttpRequest) -> HttpResponse:
    """The centre's pages for anyone not an approved leader: where their application stands, and the way to
    apply."""
    application = selectors.application_of(actor_of(request))
    return render(request, "leader/not_leader.html", {"application": application}, status=403)


# Rows the pages show ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    title: str
    sku_label: str
    units: int  # what the resident collects: bought, less what was refunded
    refunded: int


@dataclass(frozen=True)
class Card:
    """One customer's order at the point, as the leader calls it out."""

    pickup: Pickup
    items: list[Item]

    @property
    def order(self) -> Any:
        return self.pickup.order

    @property
    def units(self) -> int:
        return sum(item.units for item in self.items)

    @property
    def overdue(self) -> bool:
        """Flagged as not collected in time (the leader and the shop were told), and still waiting."""
        return self.pickup.flagged_at is not None and self.pickup.status == PickupStatus.READY


def _card(pickup: Pickup) -> Card:
    lines = pickup.order.lines.all()  # prefetched by the selectors
    return Card(
        pickup,
        [
            Item(line.title, line.sku_label, line.quantity - line.refunded_quantity, line.refunded_quantity)
            for line in lines
        ],
    )


@dataclass(frozen=True)
class BatchRow:
    batch: Batch
    number: str
    orders: int


def _batch_rows(batches: list[Batch]) -> list[BatchRow]:
    counts = selectors.batch_order_counts([b.pk for b in batches])
    return [BatchRow(b, batch_number(b.pk), counts.get(b.pk, 0)) for b in batches]


# Applying --------------------------------------------------------------------------------------------------


def _initial(application: Leader | None) -> dict[str, Any]:
    """A rejected applicant's point as they gave it, to correct and send again."""
    if application is None or not hasattr(application, "point"):
        return {}
    point = application.point
    fields = ("name", "kind", "province", "city", "district", "detail", "hours", "capacity")
    return {name: getattr(point, name) for name in fields} | {
        "latitude": point.latitude,
        "longitude": point.longitude,
    }


@page(AUTHENTICATED)
def apply(request: HttpRequest) -> HttpResponse:
    """申请成为团长: the application form, and where an earlier application stands. A rejected applicant may
    apply again; without a verified real name the service refuses, and the page leads to the verification."""
    user = actor_of(request)
    application = selectors.application_of(user)
    can_apply = application is None or application.status == LeaderStatus.REJECTED
    form = LeaderApplyForm(request.POST or None, initial=_initial(application))
    if request.method == "POST" and can_apply and form.is_valid():
        try:
            services.leader_apply(actor=user, data=form.to_input())
        except RealNameRequired as exc:
            messages.error(request, exc.message)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Application sent. We will tell you when it has been reviewed."))
            return redirect("leader:apply")
    context = {
        "application": application,
        "leader": application if application and application.status == LeaderStatus.APPROVED else None,
        "can_apply": can_apply,
        "form": form,
        "verified": accounts.real_name_verified(user.pk),
        "real_name_required": RealNameRequired.default_message,
    }
    return render(request, "leader/apply.html", context)


# Today's work ----------------------------------------------------------------------------------------------


def _start_of_today() -> dt.datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


@page(AUTHENTICATED)
def home(request: HttpRequest) -> HttpResponse:
    """团长中心: the batches on their way (待团长收货) and those that arrived today, the orders ready to collect
    (待自提) and collected today, the point, and the two things a leader does most."""
    leader = _leader(request)
    if leader is None:
        return _not_a_leader(request)
    today = _start_of_today()
    arrived = selectors.batches_of_point(leader, status=BatchStatus.ARRIVED)
    ready = selectors.pickups_of_point(leader, status=PickupStatus.READY)
    context = {
        "leader": leader,
        "point": leader.point,
        "on_the_way": _batch_rows(list(selectors.batches_of_point(leader, status=BatchStatus.SENT))),
        "arrived_today": _batch_rows([b for b in arrived if b.arrived_at and b.arrived_at >= today]),
        "ready": ready.count(),
        "overdue": ready.filter(flagged_at__isnull=False).count(),
        "collected_today": selectors.pickups_of_point(leader, status=PickupStatus.COLLECTED)
        .filter(collected_at__gte=today)
        .count(),
    }
    return render(request, "leader/home.html", context)


# A batch and its arrival -----------------------------------------------------------------------------------


def _arrival_message(short: int) -> str:
    if not short:
        return _("Arrival confirmed. The residents were told to collect.")
    return ngettext(
        "Arrival confirmed. %(n)s unit reported short or damaged was refunded; the residents were told to collect.",
        "Arrival confirmed. %(n)s units reported short or damaged were refunded; the residents were told to collect.",
        short,
    ) % {"n": short}


@page(AUTHENTICATED)
def batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    """A batch: what it carries per SKU and its orders with their lines; while sent, 确认到货 with what came short
    or damaged per line (缺货/破损), refunded at once. Another point's batch is a 404."""
    leader = _leader(request)
    if leader is None:
        return _not_a_leader(request)
    found = selectors.batch_of_leader(leader, batch_id)
    pickups = selectors.pickups_of_batch(found.pk)
    lines = [line for pickup in pickups for line in pickup.order.lines.all()]
    posted = request.POST if request.method == "POST" else None  # an empty post still confirms
    form = ArrivalForm(posted, lines=lines)
    if request.method == "POST" and form.is_valid():
        try:
            services.batch_arrive(
                actor=actor_of(request),
                batch_id=found.pk,
                shortages=tuple(services.Shortage(line_id, units) for line_id, units in form.shortages()),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _arrival_message(sum(units for _line, units in form.shortages())))
        return redirect("leader:batch", found.pk)
    context = {
        "leader": leader,
        "batch": found,
        "number": batch_number(found.pk),
        "lines": selectors.dispatch_list(found),
        "cards": [
            (_card(pickup), [(line, form[form.name_of(line)]) for line in pickup.order.lines.all()])
            for pickup in pickups
        ],
        "form": form,
        "arriving": found.status == BatchStatus.SENT,
    }
    return render(request, "leader/batch.html", context, status=422 if form.errors else 200)


# Pickup codes ----------------------------------------------------------------------------------------------


def _handed(leader: Leader, number: str) -> Card | None:
    """The order just handed over at the leader's point, by its number (another point's is never found)."""
    if not number.isdecimal():
        return None
    pickups = selectors.pickups_of_point(leader, status=PickupStatus.COLLECTED).filter(order__number=number)
    found = pickups.first()
    return _card(found) if found else None


@page(AUTHENTICATED)
def verify(request: HttpRequest) -> HttpResponse:
    """核销提货码: the resident's 6-digit code, typed or scanned from their QR code; the order is delivered and
    shown, large, to hand over. Wrong, used and early codes, and too many wrong ones, are said plainly."""
    leader = _leader(request)
    if leader is None:
        return _not_a_leader(request)
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                pickup = services.pickup_verify(actor=actor_of(request), code=form.cleaned_data["code"])
            except DomainError as exc:
                messages.error(request, exc.message)
                status = 429 if exc.status == 429 else 422
            else:
                number = pickup.order.number
                messages.success(request, _("Code accepted: hand over order %(number)s.") % {"number": number})
                return redirect(f"{reverse('leader:verify')}?handed={number}")
        else:
            status = 422
    handed = _handed(leader, request.GET.get("handed", "")) if request.method == "GET" else None
    if handed is not None:  # the keyboard would cover what to hand over
        form.fields["code"].widget.attrs.pop("autofocus", None)
    return render(request, "leader/verify.html", {"leader": leader, "form": form, "handed": handed}, status=status)


# The point's orders ----------------------------------------------------------------------------------------


@page(AUTHENTICATED)
def orders(request: HttpRequest) -> HttpResponse:
    """顾客与订单: the point's customers' orders by where they are — ready to collect (待自提), on their way,
    before the cut-off, collected — newest first, each with its receiver and items."""
    leader = _leader(request)
    if leader is None:
        return _not_a_leader(request)
    wanted = request.GET.get("status", "")
    status = next((value for value, _label in ORDER_TABS if value == wanted), PickupStatus.READY)
    tabs = [
        {
            "status": value,
            "label": label,
            "count": selectors.pickups_of_point(leader, status=value).count(),
            "active": value == status,
        }
        for value, label in ORDER_TABS
    ]
    cards = [_card(pickup) for pickup in selectors.pickups_of_point(leader, status=status)[:ORDERS_SHOWN]]
    context = {"leader": leader, "tabs": tabs, "status": status, "cards": cards, "limit": ORDERS_SHOWN}
    return render(request, "leader/orders.html", context)


# Sharing ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShareCard:
    """A campaign the point receives now, with the leader's link to it and the link's QR code."""

    campaign: Any
    orders_via_link: int
    rate: Decimal  # the leader's commission on it, in per cent
    url: str
    qr: SafeString


def _share_card(request: HttpRequest, leader: Leader, shareable: selectors.Shareable, default_bp: int) -> ShareCard:
    campaign = shareable.campaign
    url = request.build_absolute_uri(selectors.share_path(campaign.pk, leader.pk))
    rate_bp = campaign.leader_rate_bp if campaign.leader_rate_bp is not None else default_bp
    qr = segno.make(url, error="m").svg_inline(scale=4, border=2, dark="#1f2329", omitsize=True)
    return ShareCard(
        campaign=campaign,
        orders_via_link=shareable.orders_via_link,
        rate=(Decimal(rate_bp) / 100).normalize(),
        url=url,
        qr=mark_safe(qr),  # noqa: S308 - segno's paths
    )


@page(AUTHENTICATED)
def share(request: HttpRequest) -> HttpResponse:
    """分享: the campaigns the point receives now, soonest cut-off first, each with the leader's share link — to
    copy into a chat or to print as a QR code — and the orders it brought. Orders through it earn the leader's
    commission wherever they are collected."""
    leader = _leader(request)
    if leader is None:
        return _not_a_leader(request)
    default_bp = selectors.default_leader_rate_bp()
    shareables = selectors.campaigns_to_share(leader, now=timezone.now())
    cards = [_share_card(request, leader, s, default_bp) for s in shareables]
    return render(request, "leader/share.html", {"leader": leader, "cards": cards})


# Earnings --------------------------------------------------------------------------------------------------


def _earning_leader(request: HttpRequest) -> Leader | None:
    """The signed-in user's leadership, approved or suspended (a suspended leader keeps what they earned)."""
    try:
        return selectors.earning_leader_of(actor_of(request))
    except NotALeader:
        return None


@dataclass(frozen=True)
class Posting:
    """A line of the leader's accounts as they read it: plus what came in, minus what went out."""

    memo: str
    amount: Money
    posted_at: dt.datetime
    account: str  # which balance it moved: pending, available, in transit
    order_number: str

    @property
    def credit(self) -> bool:
        return self.amount.minor > 0


def _posting(line: JournalLine) -> Posting:
    entry = line.entry
    return Posting(
        memo=entry.memo,
        amount=line.natural_amount,
        posted_at=entry.posted_at,
        account=str(AccountKind(line.account.kind).label),
        order_number=entry.order.number if entry.order is not None else "",
    )


def _earnings_page(
    request: HttpRequest,
    leader: Leader,
    *,
    bank_form: BankAccountForm | None = None,
    withdraw_form: WithdrawForm | None = None,
    status: int = 200,
) -> HttpResponse:
    earnings = selectors.earnings_of(actor_of(request))
    account = earnings.bank_account
    available = earnings.balances["merchant_available"]
    withdraw_form = withdraw_form or WithdrawForm()
    context = {
        "leader": leader,
        "balances": earnings.balances,
        "aftersales_days": platform_settings().aftersales_days,
        "bank_account": account,
        "bank_form": bank_form
        or BankAccountForm(initial={"holder": account.holder, "bank": account.bank} if account else None),
        "withdraw_form": withdraw_form,
        # the form while there is something to withdraw to a verified account, or a refused amount to correct
        "can_withdraw": bool(withdraw_form.errors)
        or (available.minor > 0 and account is not None and account.is_verified),
        "payouts": earnings.payouts,
        "postings": [_posting(line) for line in earnings.lines],
    }
    return render(request, "leader/earnings.html", context, status=status)


@page(AUTHENTICATED)
def earnings(request: HttpRequest) -> HttpResponse:
    """收益: the commission pending (booked when a resident collects, until the order settles), available to
    withdraw and on its way to the bank; the bank account, a withdrawal, the withdrawals and the latest postings."""
    leader = _earning_leader(request)
    if leader is None:
        return _not_a_leader(request)
    return _earnings_page(request, leader)


def _earnings_post(
    request: HttpRequest, form_class: type[Any], form_name: str, act: Callable[[dict[str, Any]], None]
) -> HttpResponse:
    """A form of the earnings page: ``act`` on its cleaned data, then back to the page; a form or a service that
    refuses shows the page again with the error on its field (429 when the password was tried too often)."""
    leader = _earning_leader(request)
    if leader is None:
        return _not_a_leader(request)
    form = form_class(request.POST)
    if not form.is_valid():
        return _earnings_page(request, leader, status=422, **{form_name: form})
    try:
        act(form.cleaned_data)
    except DomainError as exc:
        form.add_domain_error(exc)
        return _earnings_page(request, leader, status=429 if exc.status == 429 else 422, **{form_name: form})
    return redirect("leader:earnings")


@require_POST
@page(AUTHENTICATED)
def bank_account(request: HttpRequest) -> HttpResponse:
    """Set the bank account commission goes to; the password again first (wrong ones count as at log-in)."""

    def act(data: dict[str, Any]) -> None:
        account = services.leader_bank_account_set(actor=actor_of(request), **data)
        if account.is_verified:
            messages.success(request, _("Bank account saved. You can withdraw available commission to it."))
        else:
            messages.error(
                request, _("Bank account saved, but the bank could not verify it. Check it and save it again.")
            )

    return _earnings_post(request, BankAccountForm, "bank_form", act)


@require_POST
@page(AUTHENTICATED)
def withdraw(request: HttpRequest) -> HttpResponse:
    """Withdraw available commission to the verified bank account; finance approves it as a shop's."""

    def act(data: dict[str, Any]) -> None:
        payout = services.leader_withdraw(actor=actor_of(request), amount=data["amount"])
        messages.success(request, _("Withdrawal %(number)s requested.") % {"number": payout.number})

    return _earnings_post(request, WithdrawForm, "withdraw_form", act)
