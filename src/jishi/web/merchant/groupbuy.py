"""Merchant centre: the shop's 拼团 campaigns — the list with how their groups fared, a form to start one, Stop.

Starting one takes two steps without any script: choose the product (a GET,
so the page can ask for one price list per SKU of it), then give the group
sizes, each SKU's prices and the campaign's window. The rules (sizes 2 to 50,
prices falling as groups grow, below the SKU's own price) are the service's;
its errors land on the field they are about.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.catalog import selectors as catalog
from jishi.catalog.models import Product, Sku
from jishi.catalog.states import ProductStatus
from jishi.core.actors import Actor
from jishi.core.errors import DomainError
from jishi.core.money import CURRENCY, Money
from jishi.groupbuy import selectors, services
from jishi.groupbuy.models import CampaignStatus, TeamCampaign
from jishi.groupbuy.permissions import SHOP_GROUPBUY
from jishi.web.forms import DateTimeLocalInput, DomainErrorsMixin
from jishi.web.pages import page
from jishi.web.templatetags.jishi import money

# Lists as people type them: 2,5,10 or 2，5，10 or 2、5、10 or 2 5 10.
_SEPARATORS = re.compile(r"[\s,，、;；]+")
_SIZE = re.compile(r"^\d{1,3}$")
_AMOUNT = re.compile(r"^\d{1,8}(\.\d{1,2})?$")
# The service's codes about the group sizes: shared by every SKU here, so they belong on the sizes field.
_SIZE_CODES = frozenset({"groupbuy.sizes_out_of_range", "groupbuy.tiers_out_of_range", "groupbuy.sizes_differ"})


def _items(text: str) -> list[str]:
    return [item for item in _SEPARATORS.split(text.strip()) if item]


# Forms ---------------------------------------------------------------------------------------------


class ProductPickForm(forms.Form):
    """The first step: which of the shop's published products the group buy sells."""

    product = forms.TypedChoiceField(label=gettext_lazy("Product"), coerce=int)

    def __init__(self, *args: Any, products: list[Product], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", "—"), *((p.pk, p.title) for p in products)]  # type: ignore[attr-defined]


class CampaignForm(DomainErrorsMixin, forms.Form):
    """The second step: group sizes shared by every SKU, one price list per SKU (empty leaves it out), the window."""

    sizes = forms.CharField(
        label=gettext_lazy("Group sizes"),
        max_length=40,
        initial="2",
        help_text=gettext_lazy("Smallest first: 2 for a 2-person group; 2,5,10 for tiered group prices."),
    )
    window_hours = forms.IntegerField(
        label=gettext_lazy("Hours to fill"),
        min_value=1,
        max_value=services.MAX_WINDOW_HOURS,
        help_text=gettext_lazy("Groups not formed by then are dissolved and refunded."),
    )
    per_user_limit = forms.IntegerField(
        label=gettext_lazy("Limit per buyer"), min_value=1, max_value=services.MAX_PER_USER_UNITS, initial=1
    )
    starts_at = forms.DateTimeField(label=gettext_lazy("Starts"), widget=DateTimeLocalInput())
    ends_at = forms.DateTimeField(label=gettext_lazy("Ends"), widget=DateTimeLocalInput())

    def __init__(self, *args: Any, product: Product, skus: list[Sku], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.product, self.skus = product, skus
        self.priced_names: list[str] = []  # the price fields sent, in the order the service numbers them
        self.fields["window_hours"].initial = selectors.default_window_hours()
        for sku in skus:
            label = " · ".join(part for part in (sku.label, money(sku.price)) if part)
            self.fields[self.price_name(sku)] = forms.CharField(label=label, max_length=60, required=False)

    @staticmethod
    def price_name(sku: Sku) -> str:
        return f"price_{sku.pk}"

    def price_fields(self) -> list[forms.BoundField]:
        return [self[self.price_name(sku)] for sku in self.skus]

    def clean_sizes(self) -> list[int]:
        sizes = _items(self.cleaned_data["sizes"])
        if not sizes or not all(_SIZE.match(size) for size in sizes):
            raise forms.ValidationError(_("Group sizes such as 2 or 2,5,10."))
        return [int(size) for size in sizes]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        sizes = data.get("sizes")
        for sku in self.skus:
            name = self.price_name(sku)
            prices = _items(data.get(name) or "")
            if not prices:
                data[name] = None
            elif not all(_AMOUNT.match(price) for price in prices):
                self.add_error(name, _("Prices in yuan such as 99 or 99,89,79."))
            elif sizes is not None and len(prices) != len(sizes):
                self.add_error(name, _("Give one price per group size."))
            else:
                data[name] = [Money.parse(price, CURRENCY) for price in prices]
        if not any(data.get(self.price_name(sku)) for sku in self.skus) and not self.errors:
            raise forms.ValidationError(_("Give the group prices of at least one SKU."))
        return data

    def to_input(self) -> services.TeamCampaignInput:
        data = self.cleaned_data
        priced = [(sku, data[self.price_name(sku)]) for sku in self.skus if data[self.price_name(sku)]]
        self.priced_names = [self.price_name(sku) for sku, _prices in priced]
        return services.TeamCampaignInput(
            product_id=self.product.pk,
            skus=[
                services.SkuPricesInput(
                    sku_id=sku.pk,
                    tiers=[services.TierInput(size, price) for size, price in zip(data["sizes"], prices, strict=True)],
                )
                for sku, prices in priced
            ],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            window_hours=data["window_hours"],
            per_user_limit=data["per_user_limit"],
        )

    def add_domain_error(self, error: DomainError) -> None:
        """``skus.<i>...`` names the i-th SKU sent: its price field, or the sizes every SKU shares."""
        parts = (error.field or "").split(".")
        if parts[0] == "skus" and len(parts) > 1 and parts[1].isdecimal() and int(parts[1]) < len(self.priced_names):
            self.add_error("sizes" if error.code in _SIZE_CODES else self.priced_names[int(parts[1])], error.message)
            return
        super().add_domain_error(error)


# The list ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One campaign as the list shows it."""

    campaign: TeamCampaign
    tiers: list[tuple[str, str]]  # (SKU label, its prices by group size)
    state: str  # the badge's class
    state_label: str
    can_stop: bool
    fill_rate: Decimal | None  # formed out of closed groups; None while none has closed
    window_hours: int


def _state(campaign: TeamCampaign, now: dt.datetime) -> tuple[str, str, bool]:
    """(badge class, label, can stop): a stopped or past campaign opens no group any more."""
    if campaign.status == CampaignStatus.STOPPED:
        return "cancelled", _("Stopped"), False
    if campaign.ends_at <= now:
        return "closed", _("Ended"), False
    if now < campaign.starts_at:
        return "pending", _("Scheduled"), True
    return "active", _("Running"), True


def _tiers(campaign: TeamCampaign) -> list[tuple[str, str]]:
    """Each SKU's prices as a shop writes them: 2人团 ¥99.00 · 5人团 ¥89.00."""
    by_sku: dict[int, list[Any]] = {}
    for tier in campaign.tiers.all():  # prefetched, ordered by SKU then size
        by_sku.setdefault(tier.sku_id, []).append(tier)
    return [
        (
            tiers[0].sku.label,
            " · ".join(
                _("Group of %(size)s: %(price)s") % {"size": tier.size, "price": money(tier.price)} for tier in tiers
            ),
        )
        for tiers in by_sku.values()
    ]


def _row(campaign: Any, now: dt.datetime) -> Row:
    closed = campaign.teams_formed + campaign.teams_dissolved  # annotated by the selector
    rate = Decimal(campaign.teams_formed) / closed if closed else None
    hours = campaign.window_minutes // 60  # the service keeps whole hours
    return Row(campaign, _tiers(campaign), *_state(campaign, now), fill_rate=rate, window_hours=hours)


@page(SHOP_GROUPBUY)
def campaign_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = [_row(campaign, now) for campaign in selectors.campaigns_of_merchant(actor_of(request))]
    return render(request, "merchant/groupbuy/list.html", {"rows": rows})


# Starting one --------------------------------------------------------------------------------------


def _published(actor: Actor) -> list[Product]:
    """The shop's published products with their SKUs on sale: what a group buy can sell."""
    active = Prefetch("skus", queryset=Sku.objects.filter(is_active=True))
    products = catalog.product_list_for_merchant(actor, status=ProductStatus.PUBLISHED).prefetch_related(active)
    return [product for product in products.order_by("title", "pk")[:500] if product.skus.all()]


def _create(request: HttpRequest, form: CampaignForm) -> HttpResponse | None:
    """Start the campaign for a valid post; the redirect to the list, or None to show the form again."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        services.campaign_create(actor=actor_of(request), data=form.to_input())
    except DomainError as exc:
        if exc.status == 404 and exc.field is None:
            raise
        form.add_domain_error(exc)
        return None
    messages.success(request, _("Group buy created."))
    return redirect("merchant:groupbuy")


@page(SHOP_GROUPBUY)
def campaign_new(request: HttpRequest) -> HttpResponse:
    """Without a product chosen, the picker; with one (``?product=`` or the post), the campaign's form."""
    products = _published(actor_of(request))
    source = request.POST if request.method == "POST" else request.GET
    pick = ProductPickForm(source if "product" in source else None, products=products)
    form = None
    if pick.is_valid():
        product = next(p for p in products if p.pk == pick.cleaned_data["product"])
        starting = {"starts_at": timezone.now().replace(second=0, microsecond=0)}
        form = CampaignForm(request.POST or None, initial=starting, product=product, skus=list(product.skus.all()))
        if created := _create(request, form):
            return created
    context = {"pick": pick, "form": form, "products": products}
    return render(request, "merchant/groupbuy/form.html", context, status=422 if request.method == "POST" else 200)


@require_POST
@page(SHOP_GROUPBUY)
def campaign_stop(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """No new group opens; groups already open keep their window to fill."""
    services.campaign_stop(actor=actor_of(request), campaign_id=campaign_id)
    messages.success(request, _("Stopped."))
    return redirect("merchant:groupbuy")
