"""Storefront pages: home, search and category results, product detail."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import segno
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from jishi.accounts import selectors as accounts
from jishi.catalog import selectors as catalog
from jishi.catalog.models import Category, Product
from jishi.core.errors import InvalidInput, NotFound
from jishi.core.money import CURRENCY, Money
from jishi.core.pagination import Page
from jishi.core.permissions import PUBLIC
from jishi.groupbuy import selectors as groupbuy
from jishi.groupbuy.models import TeamStatus
from jishi.merchants import selectors as merchants
from jishi.promotions import selectors as promotions
from jishi.search.selectors import (
    QUERY_MAX_LENGTH,
    SearchParams,
    SearchResult,
    parse_attribute_filters,
)
from jishi.search.services import product_search, search_log
from jishi.search.suggest import did_you_mean, hot_searches, recent_searches, suggestions
from jishi.shipping.selectors import Parcel, fee_templates_for, shipping_price
from jishi.web.forms import SORT_CHOICES, SearchForm
from jishi.web.pages import is_htmx, page
from jishi.web.storefront import interests
from jishi.web.storefront.pets import pet_panel
from jishi.web.storefront.product_reviews import reviews_context
from jishi.web.templatetags.jishi import display_locale
from jishi.web.visits import counted


def category_tree() -> list[dict[str, Any]]:
    """Roots with their children, for navigation."""
    categories = catalog.category_list()
    return [
        {"category": root, "children": [c for c in categories if c.parent_id == root.pk]}
        for root in categories
        if root.parent_id is None
    ]


@page(PUBLIC)
def categories(request: HttpRequest) -> HttpResponse:
    """分类: the top categories down the left, the chosen one's subcategories and theirs on the right."""
    tree = category_tree()
    chosen = request.GET.get("c", "")
    root = next((node for node in tree if node["category"].slug == chosen), tree[0] if tree else None)
    everything = catalog.category_list()
    sections = [
        {"category": child, "children": [c for c in everything if c.parent_id == child.pk]}
        for child in (root["children"] if root else [])
    ]
    return render(request, "storefront/categories.html", {"tree": tree, "root": root, "sections": sections})


@page(PUBLIC)
def home(request: HttpRequest) -> HttpResponse:
    newest = product_search(SearchParams(sort="newest", page_size=10), with_facets=False)
    best = product_search(SearchParams(sort="sales", page_size=10), with_facets=False)
    now = timezone.now()
    running = [s for s in promotions.flash_sessions_for_shoppers(now=now) if s.starts_at <= now and s.items.all()]
    response = render(
        request,
        "storefront/home.html",
        {
            "tree": category_tree(),
            "newest": newest.page.items,
            "best": best.page.items,
            "badges": promotions.live_badges(now=now),
            "group_prices": groupbuy.live_group_products(now=now),
            "flash": running[0] if running else None,
            "recommended": interests.home_recommendations(request),
        },
    )
    return counted(request, response)


def _price(form: SearchForm, name: str) -> int | None:
    value = form.value(name)
    return Money.parse(value, CURRENCY).minor if value else None


@page(PUBLIC)
def search(request: HttpRequest, slug: str = "") -> HttpResponse:
    form = SearchForm(request.GET)
    category: Category | None = catalog.category_get_by_slug(slug) if slug else None
    try:
        attributes = parse_attribute_filters(request.GET.getlist("attr"))
    except InvalidInput:  # a malformed attr filter is ignored on pages (the API refuses it)
        attributes = {}
    query_error = "q" in form.errors  # too long: said as the API says it, never a silent "everything"
    if query_error:
        result = SearchResult(
            page=Page(items=[], count=0, page=1, page_size=24), categories=[], attributes=[], words=[], sort="newest"
        )
    else:
        result = product_search(
            SearchParams(
                q=form.value("q", ""),
                category=category,
                price_min=_price(form, "price_min"),
                price_max=_price(form, "price_max"),
                attributes=attributes,
                merchant_id=form.value("merchant"),
                in_stock=bool(form.value("in_stock", False)),
                sort=form.value("sort", "relevance"),
                page=form.value("page", 1),
                page_size=24,
            )
        )
    query = "" if query_error else form.value("q", "")
    if query.strip() and result.page.page == 1 and not is_htmx(request):
        search_log(actor=request.user, query=query, found=result.page.count)
    trail = catalog.category_ancestors(category) if category else []
    context = {
        "did_you_mean": did_you_mean(query) if query.strip() and not result.page.count else "",
        "form": form,
        "category": category,
        "trail": trail,
        "active_root": trail[0].slug if trail else "",
        "result": result,
        "sorts": SORT_CHOICES,
        "merchant": _merchant(form.value("merchant")),
        "badges": promotions.live_badges(now=timezone.now()),
        "group_prices": groupbuy.live_group_products(now=timezone.now()),
        "shop_coupons": (
            list(promotions.claimable_templates(merchant_id=form.value("merchant"), now=timezone.now())[:6])
            if form.value("merchant") and not is_htmx(request)
            else []
        ),
        "selected_attrs": request.GET.getlist("attr"),
        "query_error": _("Enter at most %(max_length)s characters.") % {"max_length": QUERY_MAX_LENGTH}
        if query_error
        else "",
    }
    template = "storefront/search.html#results" if is_htmx(request) else "storefront/search.html"
    return counted(request, render(request, template, context))


@page(PUBLIC)
def search_suggest(request: HttpRequest) -> HttpResponse:
    """The box under the search input as one types (htmx, debounced): matching terms, or with nothing typed yet the
    shopper's recent searches and this week's hot ones."""
    typed = request.GET.get("q", "")[:100]
    context = {
        "typed": typed.strip(),
        "suggestions": suggestions(typed),
        "recent": [] if typed.strip() else recent_searches(request.user.pk if request.user.is_authenticated else None),
        "hot": [] if typed.strip() else hot_searches(),
    }
    return render(request, "storefront/_suggest.html", context)


def _merchant(merchant_id: int | None) -> Any:
    if merchant_id is None:
        return None
    try:
        return merchants.merchant_public_get(merchant_id)
    except NotFound:
        return None


def picker_data(product: Product, limited: dict[int, Any] | None = None) -> dict[str, Any]:
    """What the SKU picker needs (rendered with ``json_script``)."""
    locale = display_locale()
    skus = [s for s in product.skus.all() if s.is_active]
    range_text = product.min_price.format(locale)
    if product.max_price_minor != product.min_price_minor:
        range_text += f" – {product.max_price.format(locale)}"
    return {
        "options": [o.name for o in product.options.all()],
        "range": range_text,
        "labels": {"stock": _("%s in stock"), "soldout": _("Sold out"), "choose": _("Choose options")},
        "skus": [
            {
                "id": s.pk,
                "label": s.label,
                "options": s.options,
                "price": (limited[s.pk].price if limited and s.pk in limited else s.price).format(locale),
                "compare": (
                    s.price.format(locale)
                    if limited and s.pk in limited
                    else s.compare_at_price.format(locale)
                    if s.compare_at_price
                    else ""
                ),
                "available": max(0, s.stock.available) if hasattr(s, "stock") else 0,
            }
            for s in skus
        ],
    }


@page(PUBLIC)
def product_detail(request: HttpRequest, product_id: int) -> HttpResponse:
    product = catalog.product_public_get(product_id)
    skus = [s for s in product.skus.all() if s.is_active]
    single = skus[0] if len(skus) == 1 else None
    now = timezone.now()
    offers = promotions.product_promotions(product_id=product.pk, merchant_id=product.merchant_id, now=now)
    limited = min(offers.limited.values(), key=lambda price: price.price_minor, default=None)
    flash = offers.flash
    trail = catalog.category_ancestors(product.category)
    response = render(
        request,
        "storefront/product.html",
        {
            "product": product,
            "images": list(product.images.all()),
            "trail": trail,
            "pet": pet_panel(product, trail),  # None, without a query, for anything but a pet listing
            "picker": picker_data(product, offers.limited),
            "single": single,
            "delivery": _delivery(request, product, skus),
            "limited": limited,
            "flash": flash,
            "flash_running": flash is not None and flash.session.starts_at <= now,
            "thresholds": offers.thresholds,
            "coupons": offers.coupons,
            "group_buy": _group_buy(product.pk, now),
            **interests.product_extras(request, product, skus),
            **reviews_context(product.pk),
        },
    )
    interests.record_view(request, product.pk)  # after the page's reads: a member's 足迹
    return counted(request, response, merchant_id=product.merchant_id)


@dataclass(frozen=True)
class GroupBuy:
    """A product's running 拼团 as its page shows it: the price ladder (each size's lowest price over the SKUs,
    the first one what a member pays) and the open groups nearest to filling."""

    campaign: Any
    ladder: list[tuple[int, Money]]
    groups: list[Any]

    @property
    def price(self) -> Money:
        return self.ladder[0][1]


def _group_buy(product_id: int, now: dt.datetime) -> GroupBuy | None:
    if product_id not in groupbuy.live_group_products(now=now):  # the shared cache: no query for most products
        return None
    campaign = groupbuy.campaign_for_product(product_id, now=now)
    if campaign is None:
        return None
    lowest: dict[int, Money] = {}
    for tier in campaign.tiers.all():
        if tier.size not in lowest or tier.price < lowest[tier.size]:
            lowest[tier.size] = tier.price
    return GroupBuy(campaign, sorted(lowest.items()), groupbuy.teams_filling(product_id, now=now, limit=3))


@page(PUBLIC)
def group_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    """A group's share page (拼团详情): its real members, places left, the countdown and a QR code to pass on."""
    team = groupbuy.team_get(team_id)
    campaign = team.campaign
    skus = [tier.sku for tier in campaign.tiers.all() if tier.size == campaign.min_size and tier.sku.is_active]
    seated = team.seated  # type: ignore[attr-defined]  # prefetched: the paid members
    member = request.user.is_authenticated and any(seat.buyer_id == request.user.pk for seat in seated)
    link = request.build_absolute_uri()
    response = render(
        request,
        "storefront/group.html",
        {
            "team": team,
            "campaign": campaign,
            "product": campaign.product,
            "image": next(iter(campaign.product.images.all()), None),
            "price": min(tier.price for tier in campaign.tiers.all() if tier.size == campaign.min_size),
            "list_price": min(sku.price for sku in skus) if skus else None,
            "single": skus[0] if len(skus) == 1 else None,
            "to_form": max(campaign.min_size - team.members, 0),
            "empty": range(max(campaign.min_size - team.members, 0)),
            "open": team.status == TeamStatus.OPEN and team.expires_at > timezone.now(),
            "member": member,
            "link": link,
            "qr": mark_safe(segno.make(link, error="m").svg_inline(scale=4, dark="#1f2329")),  # noqa: S308 - segno's paths
        },
    )
    response["Cache-Control"] = "no-store"  # places and the countdown change by the second
    return response


def _delivery(request: HttpRequest, product: Product, skus: list[Any]) -> dict[str, Any] | None:
    """The fee for one unit to the signed-in buyer's default address (three queries; none for a guest)."""
    if not request.user.is_authenticated or not skus:
        return None
    address = accounts.address_list_for(request.user).filter(is_default=True).first()
    if address is None:
        return None
    sku = min(skus, key=lambda s: s.price_minor)
    template = fee_templates_for([product.merchant_id]).get(product.merchant_id)
    parcel = Parcel(items=1, grams=sku.weight_grams, goods_total=sku.price)
    priced = shipping_price(template, province=address.region_code or address.province, parcel=parcel)
    return {
        "place": address.province if address.city in ("", address.province) else f"{address.province}{address.city}",
        "delivers": priced.delivers,
        "fee": priced.fee,
    }


@page(PUBLIC)
def flash_sales(request: HttpRequest) -> HttpResponse:
    """秒杀: today's and tomorrow's sessions as tabs; the chosen one's SKUs with what is left and a countdown."""
    now = timezone.now()
    sessions = promotions.flash_sessions_for_shoppers(now=now)
    wanted = request.GET.get("s", "")
    chosen = next((s for s in sessions if str(s.pk) == wanted), None) or next(
        (s for s in sessions if s.starts_at <= now), sessions[0] if sessions else None
    )
    return render(request, "storefront/flash.html", {"sessions": sessions, "chosen": chosen, "now": now})


@page(PUBLIC)
def coupon_centre(request: HttpRequest) -> HttpResponse:
    """领券中心: the platform's coupons and the shops' that anyone may claim now, and which ones the buyer holds."""
    templates = promotions.coupon_centre(now=timezone.now())
    held = promotions.templates_held(request.user) if request.user.is_authenticated else set()
    return render(request, "storefront/coupons.html", {"templates": templates, "held": held})
