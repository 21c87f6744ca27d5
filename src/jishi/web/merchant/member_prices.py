"""Merchant centre: 会员价 — the shop's published products' SKUs with their price and member price, and a form per
SKU to set one (a price below the SKU's, for a tier and up) or take it away."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jishi.accounts.auth import actor_of
from jishi.catalog import selectors as catalog
from jishi.catalog.models import Sku
from jishi.catalog.states import ProductStatus
from jishi.core.errors import DomainError, NotFound
from jishi.core.money import CURRENCY, Money
from jishi.core.pagination import paginate
from jishi.loyalty import selectors as loyalty
from jishi.loyalty import services as loyalty_services
from jishi.loyalty.models import MemberPrice, Tier
from jishi.promotions.permissions import SHOP_PROMOTIONS
from jishi.web.forms import AmountField, DomainErrorsMixin
from jishi.web.pages import page, page_number

PRODUCTS_PER_PAGE = 20
MEMBER_TIERS = [(tier.value, tier.label) for tier in (Tier.SILVER, Tier.GOLD, Tier.DIAMOND)]


class MemberPriceForm(DomainErrorsMixin, forms.Form):
    sku_id = forms.IntegerField(min_value=1, max_value=2**53, widget=forms.HiddenInput)
    price = AmountField(label=gettext_lazy("Member price (¥)"))
    min_tier = forms.ChoiceField(label=gettext_lazy("For"), choices=MEMBER_TIERS, initial=Tier.SILVER)


@dataclass(frozen=True)
class SkuRow:
    """A SKU of a published product, its member price if set, and the form (bound when its post was refused)."""

    product: Any
    sku: Any
    member_price: MemberPrice | None
    form: MemberPriceForm

    @property
    def member_money(self) -> Money | None:
        return Money(self.member_price.price_minor, CURRENCY) if self.member_price is not None else None


def _rows(request: HttpRequest, refused: MemberPriceForm | None) -> tuple[Any, list[SkuRow]]:
    active = Prefetch("skus", queryset=Sku.objects.filter(is_active=True).order_by("pk"))
    products = (
        catalog.product_list_for_merchant(actor_of(request), status=ProductStatus.PUBLISHED)
        .prefetch_related(active)
        .order_by("title", "pk")
    )
    result = paginate(products, page=page_number(request), page_size=PRODUCTS_PER_PAGE)
    skus = [(product, sku) for product in result.items for sku in product.skus.all()]
    prices = loyalty.member_prices_of([sku.pk for _product, sku in skus])
    refused_sku = refused.data.get("sku_id") if refused is not None else None
    rows = []
    for product, sku in skus:
        price = prices.get(sku.pk)
        if refused is not None and refused_sku == str(sku.pk):
            form = refused
        else:
            initial = {"sku_id": sku.pk}
            if price is not None:
                initial |= {"price": Money(price.price_minor, CURRENCY).to_string(), "min_tier": price.min_tier}
            form = MemberPriceForm(initial=initial, auto_id=f"sku-{sku.pk}-%s")
        rows.append(SkuRow(product, sku, price, form))
    return result, rows


def _back(request: HttpRequest) -> HttpResponse:
    target = reverse("merchant:member_prices")
    page_wanted = request.GET.get("page", "")
    return redirect(f"{target}?page={page_wanted}" if page_wanted.isdecimal() else target)


@page(SHOP_PROMOTIONS)
def member_prices(request: HttpRequest) -> HttpResponse:
    """会员价: set (post ``sku_id``, ``price``, ``min_tier``) or remove (post ``sku_id`` and ``remove``)."""
    refused: MemberPriceForm | None = None
    if request.method == "POST":
        actor = actor_of(request)
        sku_id = request.POST.get("sku_id", "")
        if request.POST.get("remove") and sku_id.isdecimal() and len(sku_id) <= 16:
            loyalty_services.member_price_remove(actor=actor, sku_id=int(sku_id))
            messages.success(request, _("Member price removed."))
            return _back(request)
        refused = MemberPriceForm(request.POST, auto_id=f"sku-{sku_id[:16]}-%s")
        if refused.is_valid():
            try:
                loyalty_services.member_price_set(
                    actor=actor,
                    sku_id=refused.cleaned_data["sku_id"],
                    price=refused.cleaned_data["price"],
                    min_tier=Tier(refused.cleaned_data["min_tier"]),
                )
            except NotFound:
                raise  # another shop's SKU: a 404, as for one that does not exist
            except DomainError as exc:
                refused.add_domain_error(exc)
            else:
                messages.success(request, _("Member price saved."))
                return _back(request)
    result, rows = _rows(request, refused)
    context = {"page": result, "rows": rows}
    return render(request, "merchant/member_prices/list.html", context, status=422 if refused is not None else 200)
