"""Sign-up, log-in, 忘记密码 and the buyer's own pages: 账户与安全, addresses, real-name verification."""

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from jishi.accounts import selectors, services
from jishi.accounts.auth import actor_of
from jishi.accounts.errors import CodeExpired
from jishi.aftersales import selectors as aftersales
from jishi.core import crypto
from jishi.core.api import client_ip
from jishi.core.errors import DomainError, InvalidInput, RateLimited
from jishi.core.masking import mask_email, mask_phone
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
    """账户与安全: nickname and avatar, password, mobile number and e-mail, real-name status, addresses."""
    user = actor_of(request)
    context = {
        "verification": selectors.kyc_current_for(user),
        "addresses": selectors.address_list_for(user)[:3],
        "pending": {channel: _masked(_pending(request, _CONTACT_KEY + channel)) for channel in CHANNELS},
        "contacts": [("phone", _("Mobile number"), user.masked_phone), ("email", _("E-mail"), user.masked_email)],
    }
    return render(request, "buyer/account/profile.html", context)


# 账户与安全 and 忘记密码: the forms post here; a refused one shows the page again with the error --------------

CHANNELS = ("phone", "email")
_CONTACT_KEY = "jishi.account.contact."  # + channel: the new number or address a code was sent to, sealed
_RESET_KEY = "jishi.account.reset"  # the number or address a reset code was asked for, sealed
_SESSION_CONTEXT = "web.account.pending"


def _remember(request: HttpRequest, key: str, value: str) -> None:
    request.session[key] = crypto.seal(value, context=_SESSION_CONTEXT)


def _pending(request: HttpRequest, key: str) -> str:
    sealed = request.session.get(key, "")
    try:
        return crypto.unseal(sealed, context=_SESSION_CONTEXT) if sealed else ""
    except ValueError:  # sealed under an older key: ask again
        return ""


def _masked(value: str) -> str:
    if not value:
        return ""
    return mask_email(value) if "@" in value else mask_phone(value)


def _same_twice(request: HttpRequest) -> str:
    password = request.POST.get("new_password", "")
    if password != request.POST.get("new_password_again", ""):
        raise InvalidInput(
            _("The two new passwords are not the same."), code="accounts.password_mismatch", field="new_password_again"
        )
    return password


def _channel(channel: str) -> str:
    if channel not in CHANNELS:
        raise Http404
    return channel


@require_POST
@page(AUTHENTICATED)
def profile_save(request: HttpRequest) -> HttpResponse:
    services.profile_update(actor=actor_of(request), display_name=request.POST.get("display_name", ""))
    messages.success(request, _("Profile saved."))
    return redirect("buyer:account")


@require_POST
@page(AUTHENTICATED)
def avatar_save(request: HttpRequest) -> HttpResponse:
    if request.POST.get("remove"):
        services.avatar_remove(actor=actor_of(request))
        messages.success(request, _("Avatar removed."))
    else:
        services.avatar_set(actor=actor_of(request), upload=request.FILES.get("avatar"))
        messages.success(request, _("Avatar saved."))
    return redirect("buyer:account")


@require_POST
@page(AUTHENTICATED)
def password_change(request: HttpRequest) -> HttpResponse:
    new_password = _same_twice(request)
    user = services.password_change(
        actor=actor_of(request), current_password=request.POST.get("current_password", ""), new_password=new_password
    )
    update_session_auth_hash(request, user)  # this browser stays signed in; every other session has ended
    messages.success(request, _("Password changed. You have been signed out everywhere else."))
    return redirect("buyer:account")


@require_POST
@page(AUTHENTICATED)
def contact_code(request: HttpRequest, channel: str) -> HttpResponse:
    value = services.contact_change_request(
        actor=actor_of(request),
        channel=_channel(channel),
        value=request.POST.get("value", ""),
        password=request.POST.get("password", ""),
        ip=client_ip(request),
    )
    _remember(request, _CONTACT_KEY + channel, value)
    messages.success(request, _("We sent a code to %(to)s. It is valid for 15 minutes.") % {"to": _masked(value)})
    return redirect(f"{reverse('buyer:account')}#{channel}")


@require_POST
@page(AUTHENTICATED)
def contact_confirm(request: HttpRequest, channel: str) -> HttpResponse:
    key = _CONTACT_KEY + _channel(channel)
    if request.POST.get("cancel"):
        request.session.pop(key, None)
        return redirect(f"{reverse('buyer:account')}#{channel}")
    value = _pending(request, key)
    if not value:
        raise CodeExpired(field="code")
    services.contact_change_confirm(
        actor=actor_of(request), channel=channel, value=value, code=request.POST.get("code", ""), ip=client_ip(request)
    )
    request.session.pop(key, None)
    if channel == "phone":
        messages.success(request, _("Your mobile number is changed."))
    else:
        messages.success(request, _("Your e-mail address is changed."))
    return redirect("buyer:account")


@page(PUBLIC)
def password_reset(request: HttpRequest) -> HttpResponse:
    """忘记密码: a code to the account's mobile number or e-mail, then the code and a new password."""
    pending = _pending(request, _RESET_KEY)
    step = request.POST.get("_form", "")
    if request.method == "POST" and step == "restart":
        request.session.pop(_RESET_KEY, None)
        return redirect("buyer:password_reset")
    if request.method == "POST" and step in ("request", "resend"):
        identifier = pending if step == "resend" else request.POST.get("identifier", "").strip()
        services.password_reset_request(identifier=identifier, ip=client_ip(request))
        _remember(request, _RESET_KEY, identifier)
        messages.success(request, _("If an account uses it, a code is on its way. It is valid for 15 minutes."))
        return redirect("buyer:password_reset")
    if request.method == "POST" and step == "confirm":
        if not pending:
            raise CodeExpired(field="code")
        new_password = _same_twice(request)
        services.password_reset_confirm(
            identifier=pending, code=request.POST.get("code", ""), new_password=new_password, ip=client_ip(request)
        )
        request.session.pop(_RESET_KEY, None)
        messages.success(request, _("Your new password is set. Log in with it."))
        return redirect("buyer:login")
    return render(request, "buyer/account/password_reset.html", {"pending": _masked(pending)})


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
