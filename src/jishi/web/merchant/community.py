"""Merchant centre: the shop's 社区团购 — its community campaigns (the list, a form to publish one), the batches
its pickup points receive after each cut-off (截团), and each batch's dispatch list (配货单) to print, pack and send.

Publishing one takes two steps without any script, as a 拼团 does: choose the
products (a GET, so the page can ask for one community price per SKU of
them), then give the prices, the window, the pickup date and whom it serves.
The rules (a cut-off in the future, prices below the SKU's own, a rate of 0
to 100 %, open points) are the service's; its errors land on their fields.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.catalog import selectors as catalog
from jishi.catalog.models import Product, Sku
from jishi.catalog.states import ProductStatus
from jishi.community import selectors, services
from jishi.community.models import BatchStatus, CampaignStatus, CommunityCampaign, PickupPoint
from jishi.community.permissions import SHOP_COMMUNITY
from jishi.core.actors import Actor
from jishi.core.errors import DomainError
from jishi.orders.permissions import ORDER_FULFIL
from jishi.web.forms import AmountField, DateField, DateTimeLocalInput, DomainErrorsMixin
from jishi.web.pages import page
from jishi.web.templatetags.jishi import money

BATCH_TABS = (
    (BatchStatus.PACKING, gettext_lazy("To send")),
    (BatchStatus.SENT, gettext_lazy("Sent")),
    (BatchStatus.ARRIVED, gettext_lazy("Arrived")),
)


def batch_number(batch_id: int) -> str:
    """As the API, the CSV and the orders' shipping record write it: B00000042."""
    return f"B{batch_id:08d}"


def _tabs(request: HttpRequest) -> list[dict[str, Any]]:
    """The community pages' own tabs, those the user may open: the campaigns, the batches."""
    name = request.resolver_match.view_name if request.resolver_match else ""
    tabs = (
        (
            gettext_lazy("Community group buys"),
            "merchant:community",
            SHOP_COMMUNITY,
            name in ("merchant:community", "merchant:community_new"),
        ),
        (gettext_lazy("Batches"), "merchant:community_batches", ORDER_FULFIL, "batch" in name),
    )
    return [
        {"label": label, "url": reverse(url_name), "active": active}
        for label, url_name, permission, active in tabs
        if permission.allows(request.user)
    ]


# Forms ---------------------------------------------------------------------------------------------


class ProductsPickForm(forms.Form):
    """The first step: which of the shop's published products the community group buy sells."""

    products = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Products"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, products: list[Product], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["products"].choices = [(p.pk, p.title) for p in products]  # type: ignore[attr-defined]


class CommunityCampaignForm(DomainErrorsMixin, forms.Form):
    """The second step: one community price per SKU of the chosen products (empty leaves it out), the window, the
    pickup date, and whom it serves."""

    title = forms.CharField(
        label=gettext_lazy("Title"), max_length=40, help_text=gettext_lazy("For example 周末鲜果团.")
    )
    starts_at = forms.DateTimeField(label=gettext_lazy("Starts"), widget=DateTimeLocalInput())
    cutoff_at = forms.DateTimeField(
        label=gettext_lazy("Cut-off"),
        widget=DateTimeLocalInput(),
        help_text=gettext_lazy("Orders close then; each pickup point's paid orders become one batch to send."),
    )
    pickup_on = DateField(
        label=gettext_lazy("Pickup date"),
        help_text=gettext_lazy("When residents can collect: the cut-off's day or later."),
    )
    city = forms.CharField(
        label=gettext_lazy("City"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("Only points in this city, such as 深圳市. Leave empty for anywhere."),
    )
    leader_rate = forms.RegexField(
        label=gettext_lazy("Leader commission (%)"),
        regex=r"^\d{1,3}(\.\d{1,2})?$",
        required=False,
        error_messages={"invalid": gettext_lazy("A percentage such as 10 or 8.5.")},
        help_text=gettext_lazy(
            "What the group leaders earn on this group buy. Leave empty for the platform's default."
        ),
    )
    point_ids = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Pickup points"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Tick some to serve only them; tick none to serve every open point."),
    )

    def __init__(self, *args: Any, products: list[Product], points: list[PickupPoint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.products = products
        self.skus: list[Sku] = [sku for product in products for sku in product.skus.all()]
        self.priced_names: list[str] = []  # the price fields sent, in the order the service numbers the items
        for sku in self.skus:
            label = " · ".join(part for part in (sku.label, money(sku.price)) if part)
            self.fields[self.price_name(sku)] = AmountField(label=label, required=False)
        self.fields["point_ids"].choices = [  # type: ignore[attr-defined]
            (p.pk, f"{p.name} · {p.city}{p.district}{p.detail}") for p in points
        ]

    @staticmethod
    def price_name(sku: Sku) -> str:
        return f"price_{sku.pk}"

    def price_groups(self) -> list[tuple[Product, list[forms.BoundField]]]:
        """Each chosen product with its SKUs' price fields."""
        return [(p, [self[self.price_name(sku)] for sku in p.skus.all()]) for p in self.products]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(self.price_name(sku)) for sku in self.skus) and not self.errors:
            raise forms.ValidationError(_("Give the community price of at least one SKU."))
        return data

    def to_input(self) -> services.CommunityCampaignInput:
        data = self.cleaned_data
        priced = [(sku, data[self.price_name(sku)]) for sku in self.skus if data[self.price_name(sku)]]
        self.priced_names = [self.price_name(sku) for sku, _price in priced]
        rate = data["leader_rate"]
        return services.CommunityCampaignInput(
            title=data["title"],
            items=[services.ItemInput(sku_id=sku.pk, price=price) for sku, price in priced],
            starts_at=data["starts_at"],
            cutoff_at=data["cutoff_at"],
            pickup_on=data["pickup_on"],
            point_ids=data["point_ids"] or None,
            city=data["city"],
            leader_rate_bp=int(Decimal(rate) * 100) if rate else None,  # the pattern allows two decimals at most
        )

    def add_domain_error(self, error: DomainError) -> None:
        """``items.<i>...`` names the i-th SKU sent: its price field; ``items`` the form as a whole."""
        parts = (error.field or "").split(".")
        if parts[0] == "items":
            index = int(parts[1]) if len(parts) > 1 and parts[1].isdecimal() else -1
            self.add_error(self.priced_names[index] if 0 <= index < len(self.priced_names) else None, error.message)
            return
        super().add_domain_error(error)


# The campaigns -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    title: str
    sku_label: str
    price: str
    list_price: str


@dataclass(frozen=True)
class Row:
    """One campaign as the list shows it."""

    campaign: CommunityCampaign
    items: list[Item]
    served: str
    point_names: str
    rate: str
    state: str  # the badge's class
    state_label: str
    taking_orders: bool


def _state(campaign: CommunityCampaign, now: dt.datetime) -> tuple[str, str]:
    """(badge class, label): stopped, cut off (截团), not started yet, or taking orders."""
    if campaign.status == CampaignStatus.STOPPED:
        return "cancelled", _("Stopped")
    if campaign.cutoff_at <= now:
        return "closed", _("Cut off")
    if now < campaign.starts_at:
        return "pending", _("Scheduled")
    return "active", _("Taking orders")


def _served(campaign: CommunityCampaign) -> tuple[str, str]:
    """Whom it serves, and the names of its points (for the tooltip): 3 pickup points; all points in 深圳市."""
    points = list(campaign.points.all())  # prefetched
    names = "、".join(point.name for point in points)
    if points:
        served = ngettext("%(n)s pickup point", "%(n)s pickup points", len(points)) % {"n": len(points)}
        return (f"{served} · {campaign.city}" if campaign.city else served), names
    if campaign.city:
        return _("All points in %(city)s") % {"city": campaign.city}, names
    return _("All points"), names


def _row(campaign: CommunityCampaign, now: dt.datetime) -> Row:
    items = [
        Item(item.sku.product.title, item.sku.label, money(item.price), money(item.sku.price))
        for item in campaign.items.all()  # prefetched with their SKUs and products
    ]
    rate_bp = campaign.leader_rate_bp
    rate = f"{Decimal(rate_bp) / 100:g} %" if rate_bp is not None else _("Platform default")
    badge, label = _state(campaign, now)
    return Row(campaign, items, *_served(campaign), rate, badge, label, taking_orders=badge == "active")


@page(SHOP_COMMUNITY)
def community_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    campaigns = selectors.community_campaigns_of_merchant(actor_of(request))[:200]
    rows = [_row(campaign, now) for campaign in campaigns]
    return render(request, "merchant/community/list.html", {"rows": rows, "community_tabs": _tabs(request)})


@require_POST
@page(SHOP_COMMUNITY)
def community_stop(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Stop taking orders now; what was paid is still batched at the cut-off."""
    campaign = services.community_campaign_stop(actor=actor_of(request), campaign_id=campaign_id)
    messages.success(request, _("%(title)s takes no more orders.") % {"title": campaign.title})
    return redirect("merchant:community")


# Publishing one ------------------------------------------------------------------------------------


def _published(actor: Actor) -> list[Product]:
    """The shop's published products with their SKUs on sale: what a community group buy can sell."""
    active = Prefetch("skus", queryset=Sku.objects.filter(is_active=True).order_by("pk"))
    products = catalog.product_list_for_merchant(actor, status=ProductStatus.PUBLISHED).prefetch_related(active)
    return [product for product in products.order_by("title", "pk")[:500] if product.skus.all()]


def _create(request: HttpRequest, form: CommunityCampaignForm) -> HttpResponse | None:
    """Publish the campaign for a valid post; the redirect to the list, or None to show the form again."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        services.community_campaign_create(actor=actor_of(request), data=form.to_input())
    except DomainError as exc:
        if exc.status == 404 and exc.field is None:
            raise
        form.add_domain_error(exc)
        return None
    messages.success(request, _("Community group buy published."))
    return redirect("merchant:community")


@page(SHOP_COMMUNITY)
def community_new(request: HttpRequest) -> HttpResponse:
    """Without products chosen, the picker; with them (``?products=`` or the post), the campaign's form."""
    products = _published(actor_of(request))
    source = request.POST if request.method == "POST" else request.GET
    pick = ProductsPickForm(source if "products" in source or "pick" in source else None, products=products)
    form = None
    if pick.is_valid():
        chosen = set(pick.cleaned_data["products"])
        starting = {"starts_at": timezone.now().replace(second=0, microsecond=0)}
        form = CommunityCampaignForm(
            request.POST or None,
            initial=starting,
            products=[p for p in products if p.pk in chosen],
            points=selectors.points_open(),
        )
        if created := _create(request, form):
            return created
    context = {"pick": pick, "form": form, "products": products, "community_tabs": _tabs(request)}
    return render(request, "merchant/community/form.html", context, status=422 if request.method == "POST" else 200)


# Batches and their dispatch lists ------------------------------------------------------------------


@page(ORDER_FULFIL)
def community_batches(request: HttpRequest) -> HttpResponse:
    """The shop's batches in one status (to send by default), newest first, each with its orders counted."""
    status = request.GET.get("status", "")
    status = status if status in BatchStatus.values else BatchStatus.PACKING
    batches = list(selectors.batches_of_merchant(actor_of(request), status=status))
    counts = selectors.batch_order_counts([batch.pk for batch in batches])
    rows = [(batch, batch_number(batch.pk), counts.get(batch.pk, 0)) for batch in batches]
    context = {"rows": rows, "status": status, "batch_tabs": BATCH_TABS, "community_tabs": _tabs(request)}
    return render(request, "merchant/community/batches.html", context)


@page(ORDER_FULFIL)
def community_batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The batch's dispatch list (配货单): its point, and the units per SKU to pack; printable."""
    batch = selectors.batch_dispatch_of_merchant(actor_of(request), batch_id)
    lines = selectors.dispatch_list(batch)
    context = {
        "batch": batch,
        "number": batch_number(batch.pk),
        "lines": lines,
        "units": sum(line.units for line in lines),
        "orders": selectors.batch_order_counts([batch.pk]).get(batch.pk, 0),
        "packing": batch.status == BatchStatus.PACKING,
        "csv_url": f"/api/v1/merchant/community/batches/{batch.pk}/dispatch.csv",
        "community_tabs": _tabs(request),
    }
    return render(request, "merchant/community/batch.html", context)


@require_POST
@page(ORDER_FULFIL)
def community_batch_send(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Mark the batch sent to its point: its orders ship (one an after-sales request holds waits for a later batch)."""
    batch = services.batch_send(actor=actor_of(request), batch_id=batch_id)
    messages.success(
        request,
        _("Batch %(number)s is on its way: its orders are marked shipped.") % {"number": batch_number(batch.pk)},
    )
    return redirect("merchant:community_batch", batch.pk)
