"""Sign-up, log-in and the buyer's own pages: profile, addresses, real-name verification."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from jishi.accounts import selectors, services
from jishi.accounts.auth import actor_of
from jishi.aftersales import selectors as aftersales
from jishi.core.api import client_ip
from jishi.core.errors import DomainError, RateLimited
from jishi.core.permissions import AUTHENTICATED, PUBLIC
from jishi.favourites import selectors as favourites
from jishi.loyalty import selectors as loyalty
from jishi.orders import selectors as orders
from jishi.orders.states import OrderStatus
from jishi.web.buyer.member import INVITE_COOKIE, bind_after_sign_up, invite_code_of_request
from jishi.web.buyer.reviewing import waiting_count
from jishi.web.forms import AddressForm, KycForm, LogInForm, SignUpForm
from jishi.web.pages import page


def next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


@page(PUBLIC)
def log_in(request: HttpRequest) -> HttpResponse:
    form = LogInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_log_in(
                identifier=form.cleaned_data["identifier"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
            )
        except RateLimited as exc:
            minutes = max(1, -(-exc.retry_after // 60))
            form.add_error(None, _("Too many attempts. Try again in %(n)d minutes.") % {"n": minutes})
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user, backend="jishi.accounts.backends.IdentifierBackend")
            return redirect(next_url(request))
    return render(request, "buyer/account/login.html", {"form": form, "next": next_url(request)})


@page(PUBLIC)
def sign_up(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    invite = invite_code_of_request(request)  # 邀请有礼: the code of the invite link the visitor came by
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_sign_up(**form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            login(request, user, backend="jishi.accounts.backends.IdentifierBackend")
            if bind_after_sign_up(request, user, invite):  # a refused invitation is dropped without a word
                messages.success(request, _("Welcome to Jishi! You both get points when your first order completes."))
            else:
                messages.success(request, _("Welcome to Jishi!"))
            response = redirect(next_url(request))
            if invite:
                response.delete_cookie(INVITE_COOKIE)
            return response
    context = {"form": form, "next": next_url(request), "invite": invite}
    return render(request, "buyer/account/signup.html", context)


@require_POST
@page(PUBLIC)
def log_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("storefront:home")


@page(AUTHENTICATED)
def account(request: HttpRequest) -> HttpResponse:
    user = actor_of(request)
    return render(
        request,
        "buyer/account/profile.html",
        {"verification": selectors.kyc_current_for(user), "addresses": selectors.address_list_for(user)[:3]},
    )


@page(PUBLIC)
def me(request: HttpRequest) -> HttpResponse:
    """我的: the orders by the step they are at, with counts, and the way to everything else of the account."""
    if not request.user.is_authenticated:
        return render(request, "buyer/me.html", {})
    user = actor_of(request)
    counts = orders.order_counts_for_buyer(user)
    shortcuts = [
        (OrderStatus.PENDING_PAYMENT, pgettext("my orders", "To pay"), counts.get(OrderStatus.PENDING_PAYMENT, 0)),
        (OrderStatus.GROUPING, pgettext("my orders", "To share"), counts.get(OrderStatus.GROUPING, 0)),
        (OrderStatus.PAID, pgettext("my orders", "To ship"), counts.get(OrderStatus.PAID, 0)),
        (OrderStatus.SHIPPED, pgettext("my orders", "To receive"), counts.get(OrderStatus.SHIPPED, 0)),
    ]
    balance, tier = loyalty.member_of(user.pk)
    context = {
        "shortcuts": shortcuts,
        "aftersales_open": aftersales.open_count_for_buyer(user),
        "reviews_waiting": waiting_count(user),  # 待评价
        "points_balance": balance,
        "member_tier": tier,
        "interest_counts": favourites.interest_counts(user),  # 收藏 · 关注 · 足迹
    }
    return render(request, "buyer/me.html", context)


@page(AUTHENTICATED)
def addresses(request: HttpRequest) -> HttpResponse:
    user = actor_of(request)
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.address_create(actor=user, data=services.AddressInput(**form.cleaned_data))
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Address saved."))
            return redirect("buyer:addresses")
    return render(
        request, "buyer/account/addresses.html", {"form": form, "addresses": selectors.address_list_for(user)}
    )


@page(AUTHENTICATED)
def address_edit(request: HttpRequest, address_id: int) -> HttpResponse:
    user = actor_of(request)
    address = selectors.address_get_for(user, address_id)
    initial = {f: getattr(address, f) for f in AddressForm.base_fields if f != "phone"} | {"phone": address.phone}
    form = AddressForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.address_update(actor=user, address_id=address.pk, data=services.AddressInput(**form.cleaned_data))
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Address saved."))
            return redirect("buyer:addresses")
    return render(request, "buyer/account/address_edit.html", {"form": form, "address": address})


@require_POST
@page(AUTHENTICATED)
def address_delete(request: HttpRequest, address_id: int) -> HttpResponse:
    services.address_delete(actor=actor_of(request), address_id=address_id)
    messages.success(request, _("Address deleted."))
    return redirect("buyer:addresses")


@page(AUTHENTICATED)
def verification(request: HttpRequest) -> HttpResponse:
    user = actor_of(request)
    current = selectors.kyc_current_for(user)
    form = KycForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.kyc_submit(actor=user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Submitted. We will review it shortly."))
            return redirect("buyer:verification")
    can_submit = current is None or current.status == "rejected"
    return render(
        request, "buyer/account/verification.html", {"form": form, "current": current, "can_submit": can_submit}
    )
