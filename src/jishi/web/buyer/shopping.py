"""The buyer's buying pages: cart, checkout, the cashier, orders with their timeline."""

import json
import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.accounts import selectors as accounts
from jishi.accounts import services as account_services
from jishi.accounts.auth import actor_of
from jishi.accounts.errors import AddressNotFound
from jishi.accounts.models import Address
from jishi.aftersales import selectors as aftersales
from jishi.cart import selectors as carts
from jishi.cart import services as cart_services
from jishi.cart.owner import owner_of, remember_guest_cart
from jishi.catalog import selectors as catalog
from jishi.catalog.errors import SkuNotFound
from jishi.checkout import services as checkout
from jishi.community import selectors as community
from jishi.core.api import client_ip
from jishi.core.errors import DomainError, NotFound
from jishi.core.idempotency import run_once
from jishi.core.money import CURRENCY, Money
from jishi.core.pagination import paginate
from jishi.core.permissions import AUTHENTICATED, PUBLIC
from jishi.groupbuy import selectors as groupbuy
from jishi.groupbuy import services as groupbuy_services
from jishi.loyalty import selectors as loyalty
from jishi.orders import selectors as orders
from jishi.orders import services as order_services
from jishi.orders.states import OrderKind, OrderStatus
from jishi.payments import gateways
from jishi.payments import selectors as payments
from jishi.payments import services as payment_services
from jishi.payments.addresses import notify_url, return_url
from jishi.payments.states import IntentStatus
from jishi.shipping.selectors import tracking_of_order
from jishi.web.buyer.pets import pet_boxes
from jishi.web.buyer.pickup import pickup_card
from jishi.web.buyer.reviewing import shop_rating_box, waiting_on_order
from jishi.web.forms import AddressForm
from jishi.web.pages import is_htmx, page, page_number


def _quantity(request: HttpRequest) -> int:
    raw = request.POST.get("quantity", "1")
    return int(raw) if raw.isdecimal() and len(raw) <= 3 else 0  # 0 is refused by the service with its own message


@page(PUBLIC)
def cart(request: HttpRequest) -> HttpResponse:
    return _cart(request, carts.cart_view(owner_of(request)), partial=is_htmx(request))


def _cart(request: HttpRequest, view: Any, *, partial: bool) -> HttpResponse:
    """The cart with what its shops' promotions take off and what more earns the next tier."""
    promotions = checkout.cart_promotions(actor=request.user, view=view)
    saving = Money.total((order.discount for order in promotions.values()), CURRENCY)
    context = {"cart": view, "promotions": promotions, "saving": saving}
    return render(request, "buyer/cart.html#cart" if partial else "buyer/cart.html", context)


@require_POST
@page(PUBLIC)
def cart_add(request: HttpRequest) -> HttpResponse:
    """Add the SKU picked on a product page; without JavaScript the option values pick it on the server."""
    product_id = request.POST.get("product_id", "")
    if not product_id.isdecimal():
        raise SkuNotFound
    product = catalog.product_public_get(int(product_id))
    chosen = {option.name: request.POST.get(option.name) for option in product.options.all()}
    sku = next((s for s in product.skus.all() if s.is_active and s.options == chosen), None)
    if sku is None:
        if is_htmx(request):
            return _toast(request, _("Choose the options first."), ok=False)
        messages.error(request, _("Choose the options first."))
        return redirect("storefront:product", product.pk)
    group = request.POST.get("group", "")  # 拼团: join this group (参团) of the page's campaign
    campaign = request.POST.get("campaign", "") or (request.POST.get("group_campaign", "") if group else "")
    if request.POST.get("buy_now") or campaign:  # the checkout buys this SKU alone
        quantity = cart_services.check_quantity(_quantity(request))
        query = {"sku": str(sku.pk), "qty": str(quantity)}
        if campaign.isdecimal() and len(campaign) <= 16:  # 开团, or 参团 with the group
            query |= {"campaign": campaign, **({"group": group} if group.isdecimal() and len(group) <= 16 else {})}
        return redirect(f"{reverse('buyer:checkout')}?{urlencode(query)}")
    owner = owner_of(request)
    try:
        line = cart_services.cart_line_add(owner=owner, sku_id=sku.pk, quantity=_quantity(request))
    except DomainError as exc:
        if not is_htmx(request):
            raise
        return _toast(request, exc.message, ok=False)
    remember_guest_cart(request, line.cart.token)
    if is_htmx(request):  # the shopper stays on the page: a toast, and every cart badge counts up
        response = _toast(request, _("Added to your cart."), ok=True)
        response["HX-Trigger"] = json.dumps({"cartChanged": {"count": carts.cart_count(owner_of(request))}})
        return response
    messages.success(request, _("Added to your cart."))
    return redirect("storefront:product", product.pk)


def _toast(request: HttpRequest, message: str, *, ok: bool) -> HttpResponse:
    return render(request, "buyer/_toast.html", {"message": message, "ok": ok})


@require_POST
@page(PUBLIC)
def cart_line_update(request: HttpRequest, line_id: int) -> HttpResponse:
    owner = owner_of(request)
    if request.POST.get("remove"):
        cart_services.cart_line_remove(owner=owner, line_id=line_id)
    else:  # a typed quantity, or the stepper's −/+ on the quantity shown
        step = {"-1": -1, "1": 1}.get(request.POST.get("step", ""), 0)
        cart_services.cart_line_set_quantity(owner=owner, line_id=line_id, quantity=_quantity(request) + step)
    if is_htmx(request):
        return _cart(request, carts.cart_view(owner), partial=True)
    return redirect("buyer:cart")


def _chosen_address(request: HttpRequest, addresses: list[Address]) -> Address | None:
    """The address asked for, which must be one of the user's (else 404); the first one when none is asked for."""
    wanted = request.POST.get("address") or request.GET.get("address") or ""
    if not wanted:
        return addresses[0] if addresses else None
    chosen = next((a for a in addresses if str(a.pk) == wanted), None)
    if chosen is None:
        raise AddressNotFound(field="address")
    return chosen


def _basket(request: HttpRequest) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """What the checkout buys (``_bought``), and the shops whose orders are collected at the buyer's pickup point
    (``pickup``: 社区团购 自提)."""
    bought, carried = _bought(request)
    data = request.POST if request.method == "POST" else request.GET
    pickup = sorted({int(v) for v in data.getlist("pickup") if v.isdecimal() and len(v) <= 16})[:50]
    if pickup:
        bought["pickup_merchant_ids"] = pickup
        carried = [*carried, *(("pickup", str(merchant_id)) for merchant_id in pickup)]
    return bought, carried


def _pickup_switches(user: Any, quote: Any, carried: list[tuple[str, str]]) -> dict[int, str]:
    """For each shop of the quote whose lines the buyer's pickup point can receive at a community price: the
    checkout's link that switches it between pickup there and delivery."""
    point = community.residence_of(user)
    if point is None or quote is None:
        return {}
    now = timezone.now()
    chosen = {int(value) for name, value in carried if name == "pickup"}
    switches = {}
    for group in quote.groups:
        skus = [line.sku.pk for line in group.lines]
        if group.pickup is None and len(community.community_offers(point, skus, now=now)) < len(skus):
            continue
        merchant_id = group.merchant.pk
        wanted = chosen ^ {merchant_id}
        query = [(n, v) for n, v in carried if n != "pickup"] + [("pickup", str(m)) for m in sorted(wanted)]
        switches[merchant_id] = f"{reverse('buyer:checkout')}?{urlencode([('address', quote.address.pk), *query])}"
    return switches


def _bought(request: HttpRequest) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """What the checkout buys, from the query or the form: ticked cart lines (``item``: their SKU ids), one SKU
    bought now (``sku`` and ``qty``), or the whole cart.

    Returns the service's arguments and the fields that carry the choice on to the next form.
    """
    data = request.POST if request.method == "POST" else request.GET
    sku, qty = data.get("sku", ""), data.get("qty", "")
    if sku.isdecimal() and qty.isdecimal() and len(qty) <= 3:
        ids = {
            name: int(value)
            for name in ("flash", "campaign", "group")
            if (value := data.get(name, "")).isdecimal() and len(value) <= 16
        }
        buy_now = checkout.BuyNow(
            sku_id=int(sku),
            quantity=int(qty),
            flash_item_id=ids.get("flash"),
            team_campaign_id=ids.get("campaign"),
            team_id=ids.get("group") if "campaign" in ids else None,
        )
        return {"buy_now": buy_now}, [("sku", sku), ("qty", qty), *((name, str(value)) for name, value in ids.items())]
    items = [value for value in data.getlist("item") if value.isdecimal() and len(value) <= 16][:200]
    if items or data.get("from_cart"):  # from the cart, nothing ticked means nothing, not everything
        carried = [("item", value) for value in items] or [("from_cart", "1")]
        return {"sku_ids": {int(value) for value in items}}, carried
    return {}, []


def _coupon_choice(request: HttpRequest) -> tuple[list[int] | None, list[tuple[str, str]]]:
    """The coupons the buyer chose on the checkout page (``coupon``, with ``coupons_chosen``); None: the best."""
    data = request.POST if request.method == "POST" else request.GET
    if data.get("coupons_chosen") != "1":
        return None, []
    chosen = [value for value in data.getlist("coupon") if value.isdecimal() and len(value) <= 16][:20]
    return [int(value) for value in chosen], [("coupons_chosen", "1"), *(("coupon", value) for value in chosen)]


def _quote(request: HttpRequest, user: Any, address: Address, basket: dict[str, Any]) -> tuple[Any, bool]:
    """The quote with the buyer's coupons; with the best ones instead (and why) when theirs do not apply.

    Returns the quote and whether the buyer's own choice stood.
    """
    coupon_ids, _carried = _coupon_choice(request)
    if coupon_ids is not None:
        try:
            return checkout.checkout_quote(actor=user, address_id=address.pk, coupon_ids=coupon_ids, **basket), True
        except DomainError as exc:
            if exc.field != "coupon_ids":
                raise
            messages.error(request, exc.message)
    return checkout.checkout_quote(actor=user, address_id=address.pk, **basket), False


POINTS_SWITCH = ("use_points", "1")  # 积分抵扣 is on: the checkout uses the most points the quote allows


def _points_wanted(request: HttpRequest) -> bool:
    data = request.POST if request.method == "POST" else request.GET
    return data.get(POINTS_SWITCH[0]) == POINTS_SWITCH[1]


def _with_points(
    request: HttpRequest, *, user: Any, address: Address, basket: dict[str, Any], quote: Any, chose: bool
) -> tuple[Any, str]:
    """The quote again with the most points it allows when the buyer switched 积分抵扣 on; when the points are
    refused, the quote without them and why (shown on the points row)."""
    if not _points_wanted(request) or not quote.points_most:
        return quote, ""
    coupon_ids = _coupon_choice(request)[0] if chose else None
    try:
        with_points = checkout.checkout_quote(
            actor=user, address_id=address.pk, coupon_ids=coupon_ids, points=quote.points_most, **basket
        )
    except DomainError as exc:
        if exc.field != "points":
            raise
        return quote, exc.message
    return with_points, ""


def _posted_points(request: HttpRequest) -> int:
    """The points the checkout page's quote used (its hidden ``points``), which placing must use again."""
    raw = request.POST.get("points", "")
    return int(raw) if raw.isdecimal() and len(raw) <= 12 else 0


@page(AUTHENTICATED)
def checkout_page(request: HttpRequest) -> HttpResponse:
    """Address, the order per merchant with its shipping fee, the total; placing opens the cashier."""
    user = actor_of(request)
    basket, carried = _basket(request)
    addresses = list(accounts.address_list_for(user))
    address = _chosen_address(request, addresses)
    form = AddressForm(request.POST if request.POST.get("new_address") else None)
    if form.is_bound and form.is_valid():
        try:
            created = account_services.address_create(
                actor=user, data=account_services.AddressInput(**form.cleaned_data)
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return redirect(f"{reverse('buyer:checkout')}?{urlencode([('address', created.pk), *carried])}")
    quote, chose, points_error, address_error = None, False, "", ""
    if address is not None:
        try:
            quote, chose = _quote(request, user, address, basket)
            quote, points_error = _with_points(
                request, user=user, address=address, basket=basket, quote=quote, chose=chose
            )
        except DomainError as exc:
            if exc.field != "address":
                messages.error(request, exc.message)
                return redirect("buyer:cart")
            address_error = exc.message  # a shop does not deliver there: choose or add another address here
    points_carried = [POINTS_SWITCH] if _points_wanted(request) else []
    rules = loyalty.rules() if quote is not None and quote.points_most else None
    context = {
        "addresses": addresses,
        "address": address,
        "quote": quote,
        "used": {coupon.source.id for coupon in quote.coupons} if quote else set(),
        "basket_carried": carried + points_carried,
        "points_form_carried": carried,
        "points_error": points_error,
        "address_error": address_error,
        "points_most_value": rules.value(quote.points_most) if rules and quote and quote.points_most else None,
        "points_value": rules.value(quote.points) if rules and quote and quote.points else None,
        "coupons_carried": _coupon_choice(request)[1] if chose else [],
        # before there is an address to price delivery to, the items and their total still show
        "items": checkout.checkout_items(actor=user, sku_ids=basket.get("sku_ids"), buy_now=basket.get("buy_now"))
        if quote is None
        else None,
        "pickup_switches": _pickup_switches(user, quote, carried + points_carried),
        "form": form,
        "carried": carried + points_carried,
        "request_key": uuid.uuid4().hex,
    }
    return render(request, "buyer/checkout.html", context, status=422 if form.errors else 200)


@require_POST
@page(AUTHENTICATED)
def checkout_submit(request: HttpRequest) -> HttpResponse:
    """Place the orders; a double click (same form key) opens the same cashier instead of ordering twice."""
    user = actor_of(request)
    basket, carried = _basket(request)
    address_id = request.POST.get("address", "")
    fingerprint = request.POST.get("fingerprint", "")
    note = request.POST.get("note", "")[:200]
    if not address_id.isdecimal():
        messages.error(request, _("Choose a delivery address."))
        return redirect(f"{reverse('buyer:checkout')}?{urlencode(carried)}")

    coupon_ids, chosen = _coupon_choice(request)
    points = _posted_points(request)  # the quote's own, so that the fingerprint matches
    if points:
        chosen = [*chosen, POINTS_SWITCH]

    def place() -> tuple[int, object]:
        placement = checkout.checkout_place(
            actor=user,
            address_id=int(address_id),
            fingerprint=fingerprint,
            note=note,
            coupon_ids=coupon_ids,
            points=points,
            **basket,
        )
        return 201, {"payment": placement.intent.number}

    try:
        outcome = run_once(
            owner=f"user:{user.pk}",
            scope="checkout.place",
            key=request.POST.get("request_key", "") or uuid.uuid4().hex,
            body={"address_id": int(address_id), "fingerprint": fingerprint, "note": note, "basket": carried + chosen},
            action=place,
        )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('buyer:checkout')}?{urlencode([('address', address_id), *carried, *chosen])}")
    return redirect("buyer:cashier", outcome.body["payment"])


@page(AUTHENTICATED)
def cashier(request: HttpRequest, number: str) -> HttpResponse:
    user = actor_of(request)
    intent = payments.intent_get_for_buyer(user, number)
    return render(
        request,
        "buyer/cashier.html",
        {
            "intent": intent,
            "orders": orders.orders_for_buyer_checkout(user, intent.checkout_number),
            "gateways": [(code, gateway.label) for code, gateway in gateways.offered().items()],
        },
    )


@require_POST
@page(AUTHENTICATED)
def payment_start(request: HttpRequest, number: str) -> HttpResponse:
    gateway = request.POST.get("gateway", "")
    url = payment_services.payment_start(
        actor=actor_of(request),
        intent_number=number,
        gateway_code=gateway,
        notify_url=notify_url(request, gateway),
        return_url=return_url(request, number),
        client_ip=client_ip(request),
    )
    return redirect(url)


@page(AUTHENTICATED)
def payment_return(request: HttpRequest, number: str) -> HttpResponse:
    """Back from the gateway. The browser's word proves nothing, so ask the gateway itself before showing a result."""
    intent = payments.intent_get_for_buyer(actor_of(request), number)
    payment_services.payment_sync(intent_id=intent.pk)
    intent.refresh_from_db()
    if intent.status == IntentStatus.SUCCEEDED:
        messages.success(request, _("Payment received. Thank you!"))
        return redirect(f"{reverse('buyer:orders')}?checkout={intent.checkout_number}")
    messages.info(request, _("We have not received the payment yet."))
    return redirect("buyer:cashier", number)


@page(AUTHENTICATED)
def order_list(request: HttpRequest) -> HttpResponse:
    user = actor_of(request)
    status = request.GET.get("status", "")
    checkout_number = request.GET.get("checkout", "")
    if checkout_number.isdecimal():
        return render(
            request,
            "buyer/orders.html",
            {"orders": orders.orders_for_buyer_checkout(user, checkout_number), "statuses": OrderStatus.choices},
        )
    status = status if status in OrderStatus.values else ""
    result = paginate(orders.order_list_for_buyer(user, status=status or None), page=page_number(request), page_size=10)
    return render(
        request,
        "buyer/orders.html",
        {"page": result, "orders": result.items, "status": status, "statuses": OrderStatus.choices},
    )


@page(AUTHENTICATED)
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    user = actor_of(request)
    order = orders.order_get_for_buyer(user, number)
    intent = (
        payments.intent_for_checkout(order.checkout_number) if order.status == OrderStatus.PENDING_PAYMENT else None
    )
    context = {
        "order": order,
        "intent": intent,
        "aftersales": aftersales.open_request_of_order(order),
        "money": payments.order_money(order),
        "aftersales_url": "buyer:aftersales",
        "returns": payments.returns_for_buyer(user, order.checkout_number)
        if order.status == OrderStatus.CANCELLED
        else [],
        "seat": groupbuy.member_of_order(order.pk) if order.kind == OrderKind.TEAM else None,
        "pickup": pickup_card(order),  # collected at a pickup point: the point, and its code once paid
        "pet_sales": pet_boxes(request, order),  # the pets it bought: delivery, journey, arrival, claims
        "to_review": waiting_on_order(user, order),  # received lines not reviewed yet: a 评价 button each
        "shop_rating": shop_rating_box(user, order),  # 店铺评分 once completed: the form, or the scores given
        "tracking": tracking_of_order(order),  # the courier's events, newest first, once shipped
    }
    return render(request, "buyer/order.html", context)


@require_POST
@page(AUTHENTICATED)
def order_leave_group(request: HttpRequest, number: str) -> HttpResponse:
    """Leave a 拼团 group before it fills: refunded in full, the way the buyer paid."""
    groupbuy_services.team_leave(actor=actor_of(request), order_number=number)
    messages.success(request, _("You left the group. The refund goes back the way you paid."))
    return redirect("buyer:order", number)


@require_POST
@page(AUTHENTICATED)
def order_cancel(request: HttpRequest, number: str) -> HttpResponse:
    cancelled = checkout.checkout_cancel(actor=actor_of(request), order_number=number)
    if len(cancelled) > 1:
        messages.success(request, _("The order and the other orders paid with it were cancelled."))
    else:
        messages.success(request, _("The order was cancelled."))
    return redirect("buyer:order", number)


@require_POST
@page(AUTHENTICATED)
def order_confirm(request: HttpRequest, number: str) -> HttpResponse:
    order_services.order_confirm_receipt(actor=actor_of(request), order_number=number)
    messages.success(request, _("Receipt confirmed. Enjoy!"))
    return redirect("buyer:order", number)
