"""Merchant centre beyond products and orders: figures, finance, exports, team and qualifications."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.analytics import selectors as analytics
from jishi.analytics.permissions import SHOP_FIGURES
from jishi.core.api import parse_amount
from jishi.core.errors import DomainError, InvalidInput
from jishi.core.images import read_upload
from jishi.core.pagination import paginate
from jishi.ledger import selectors as ledger_selectors
from jishi.ledger import services as ledger
from jishi.ledger.models import MERCHANT_KINDS, AccountKind
from jishi.ledger.permissions import FINANCE_OWN
from jishi.merchants import selectors as merchant_selectors
from jishi.merchants import services as merchants
from jishi.merchants.permissions import MERCHANT_MEMBER, MERCHANT_TEAM
from jishi.merchants.roles import StaffRole
from jishi.orders import selectors as order_selectors
from jishi.orders.permissions import ORDER_FULFIL
from jishi.web.figures import dashboard_context, ledger_download, orders_download
from jishi.web.forms import BankAccountForm, InviteForm, QualificationForm, WithdrawForm
from jishi.web.pages import page, page_number


@page(SHOP_FIGURES)
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    context = dashboard_context(request, lambda start, end: analytics.shop_figures(actor, start, end))
    context["balances"] = ledger_selectors.my_balances(actor) if FINANCE_OWN.allows(actor) else None
    context["can_export_ledger"] = FINANCE_OWN.allows(actor)
    context["can_export_orders"] = ORDER_FULFIL.allows(actor)
    return render(request, "merchant/dashboard.html", context)


@page(ORDER_FULFIL)
def export_orders(request: HttpRequest, fmt: str) -> HttpResponse:
    return orders_download(request, order_selectors.order_list_for_merchant(actor_of(request)), fmt)


@page(FINANCE_OWN)
def export_ledger(request: HttpRequest, fmt: str) -> HttpResponse:
    return ledger_download(request, ledger_selectors.my_lines(actor_of(request)), fmt)


# Finance ---------------------------------------------------------------------------------------


def _finance_page(
    request: HttpRequest, *, bank_form: BankAccountForm | None = None, withdraw_form: WithdrawForm | None = None
) -> HttpResponse:
    actor = actor_of(request)
    account = ledger_selectors.my_payout_account(actor)
    kind = request.GET.get("account", "")
    lines = ledger_selectors.my_lines(actor, kind=kind if kind in MERCHANT_KINDS else None)
    context: dict[str, Any] = {
        "balances": ledger_selectors.my_balances(actor),
        "bank_account": account,
        "bank_form": bank_form
        or BankAccountForm(initial={"holder": account.holder, "bank": account.bank} if account else None),
        "withdraw_form": withdraw_form or WithdrawForm(),
        "payouts": ledger_selectors.my_payouts(actor)[:10],
        "page": paginate(lines, page=page_number(request), page_size=30),
        "account_filter": kind,
        "account_kinds": [(k, AccountKind(k).label) for k in sorted(MERCHANT_KINDS)],
    }
    return render(request, "merchant/finance.html", context)


@page(FINANCE_OWN)
def finance(request: HttpRequest) -> HttpResponse:
    return _finance_page(request)


@require_POST
@page(FINANCE_OWN)
def bank_account(request: HttpRequest) -> HttpResponse:
    form = BankAccountForm(request.POST)
    if form.is_valid():
        try:
            ledger.payout_account_set(actor=actor_of(request), **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Bank account saved. The owner has been told."))
            return redirect("merchant:finance")
    return _finance_page(request, bank_form=form)


@require_POST
@page(FINANCE_OWN)
def withdraw(request: HttpRequest) -> HttpResponse:
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            payout = ledger.payout_request(
                actor=actor_of(request), amount=parse_amount(form.cleaned_data["amount"], "amount")
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Withdrawal %(number)s requested.") % {"number": payout.number})
            return redirect("merchant:finance")
    return _finance_page(request, withdraw_form=form)


# Team and qualifications -----------------------------------------------------------------------


def _team_page(request: HttpRequest, form: InviteForm | None = None) -> HttpResponse:
    actor = actor_of(request)
    merchant = merchant_selectors.merchant_for(actor)
    members = list(merchant_selectors.team_of(actor))
    context = {
        "members": members,
        "managers": [m for m in members if m.role == StaffRole.MANAGER],
        "staff_roles": [(role.value, role.label) for role in (StaffRole.MANAGER, StaffRole.STAFF)],
        "invitations": merchant.invitations.select_related("invited_by")[:30],
        "form": form or InviteForm(),
    }
    return render(request, "merchant/team.html", context)


@page(MERCHANT_TEAM)
def team(request: HttpRequest) -> HttpResponse:
    return _team_page(request)


@require_POST
@page(MERCHANT_TEAM)
def invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = merchants.invitation_create(actor=actor_of(request), **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Invitation sent to %(contact)s.") % {"contact": invitation.contact_masked})
            return redirect("merchant:team")
    return _team_page(request, form)


@require_POST
@page(MERCHANT_TEAM)
def member_role(request: HttpRequest, user_id: int) -> HttpResponse:
    """Make a member a manager or staff."""
    membership = merchants.member_role_set(actor=actor_of(request), user_id=user_id, role=request.POST.get("role", ""))
    messages.success(
        request,
        _("%(member)s is now: %(role)s.") % {"member": membership.user, "role": membership.get_role_display()},
    )
    return redirect("merchant:team")


@require_POST
@page(MERCHANT_TEAM)
def member_remove(request: HttpRequest, user_id: int) -> HttpResponse:
    """Take a member off the team (the button asks for confirmation first)."""
    merchants.member_remove(actor=actor_of(request), user_id=user_id)
    messages.success(request, _("Removed from the team. They no longer see the shop."))
    return redirect("merchant:team")


@require_POST
@page(MERCHANT_TEAM)
def ownership_transfer(request: HttpRequest) -> HttpResponse:
    """Pass the ownership to a manager after the owner re-enters their password; the owner becomes a manager."""
    chosen = request.POST.get("user_id", "")
    if not (chosen.isascii() and chosen.isdecimal()):
        raise InvalidInput(_("Choose the manager who takes over."), code="merchants.invalid_member", field="user_id")
    successor = merchants.ownership_transfer(
        actor=actor_of(request), user_id=int(chosen), password=request.POST.get("password", "")
    )
    messages.success(request, _("%(member)s now owns the shop; you are a manager.") % {"member": successor.user})
    return redirect("merchant:orders")


@page(MERCHANT_MEMBER)
def leave(request: HttpRequest) -> HttpResponse:
    """Leave the shop one works for: a confirmation page, and its post."""
    actor = actor_of(request)
    if request.method == "POST":
        merchants.member_leave(actor=actor)
        messages.success(request, _("You have left the shop."))
        return redirect("/")
    return render(request, "merchant/leave.html", {"membership": actor.membership})


def _qualifications_page(request: HttpRequest, form: QualificationForm | None = None) -> HttpResponse:
    merchant = merchant_selectors.merchant_for(actor_of(request))
    context = {"qualifications": merchant.qualifications.all(), "form": form or QualificationForm()}
    return render(request, "merchant/qualifications.html", context)


@page(MERCHANT_TEAM)
def qualifications(request: HttpRequest) -> HttpResponse:
    return _qualifications_page(request)


@require_POST
@page(MERCHANT_TEAM)
def qualification_add(request: HttpRequest) -> HttpResponse:
    form = QualificationForm(request.POST, request.FILES)
    if form.is_valid():
        data = dict(form.cleaned_data)
        image = data.pop("image")
        try:
            merchants.qualification_add(
                actor=actor_of(request),
                data=merchants.QualificationInput(**data, image=read_upload(image) if image else b""),
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Qualification added."))
            return redirect("merchant:qualifications")
    return _qualifications_page(request, form)
