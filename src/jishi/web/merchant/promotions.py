"""Merchant centre: the shop's promotions (营销) — coupons, 满减 / 满折, limited prices and flash-sale applications.

One overview with a tab per kind, each row with what it has cost on paid
orders; a form page per kind to start one, and a Stop button per row.
Generated coupon codes are shown once, in the answer to the post that made
them, and kept nowhere else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
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
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy, npgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.catalog import selectors as catalog
from jishi.catalog.models import Sku
from jishi.core.actors import Actor
from jishi.core.errors import DomainError
from jishi.core.money import Money
from jishi.promotions import selectors, services
from jishi.promotions.models import CouponTemplate, TemplateStatus
from jishi.promotions.permissions import SHOP_PROMOTIONS
from jishi.promotions.pricing import CouponKind
from jishi.web.forms import AmountField, CodesForm, CouponTemplateForm, DateTimeLocalInput, DomainErrorsMixin
from jishi.web.pages import page
from jishi.web.templatetags.jishi import display_locale, money

TABS = (
    ("coupons", gettext_lazy("Coupons")),
    ("thresholds", gettext_lazy("Spend and save")),
    ("limited", gettext_lazy("Limited prices")),
    ("flash", gettext_lazy("Flash-sale applications")),
)
TIER_ROWS = 3

# Forms ---------------------------------------------------------------------------------------------


def _amount(label: Any, *, required: bool = True, help_text: Any = "") -> AmountField:
    return AmountField(label=label, required=required, help_text=help_text)


def _when(label: Any, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, widget=DateTimeLocalInput())


class PromotionForm(DomainErrorsMixin, forms.Form):
    """A form whose valid data becomes one service's input."""


class CouponForm(CouponTemplateForm, PromotionForm):
    pass


class ThresholdForm(PromotionForm):
    """满减: a name, up to three tiers of (spend, amount off), and a window."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=40)
    starts_at = _when(gettext_lazy("Starts"))
    ends_at = _when(gettext_lazy("Ends"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(1, TIER_ROWS + 1):
            self.fields[f"threshold_{i}"] = _amount(gettext_lazy("Spend (¥)"), required=False)
            self.fields[f"off_{i}"] = _amount(gettext_lazy("Amount off (¥)"), required=False)

    def tier_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"threshold_{i}"], self[f"off_{i}"]) for i in range(1, TIER_ROWS + 1)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        typed = [(i, self[f"threshold_{i}"].value(), self[f"off_{i}"].value()) for i in range(1, TIER_ROWS + 1)]
        for i, threshold, off in typed:
            if bool(threshold) != bool(off):
                self.add_error(f"off_{i}" if threshold else f"threshold_{i}", _("Fill in both, or neither."))
        if not any(threshold or off for _i, threshold, off in typed):
            raise forms.ValidationError(_("Give at least one tier."))
        return data

    def to_input(self) -> services.ThresholdPromotionInput:
        data = self.cleaned_data
        tiers = [
            services.TierInput(threshold=data[f"threshold_{i}"], off=data[f"off_{i}"])
            for i in range(1, TIER_ROWS + 1)
            if data[f"threshold_{i}"]
        ]
        return services.ThresholdPromotionInput(
            name=data["name"], tiers=tiers, starts_at=data["starts_at"], ends_at=data["ends_at"]
        )


class LimitedPriceForm(PromotionForm):
    sku_id = forms.TypedChoiceField(label=gettext_lazy("SKU"), coerce=int)
    price = _amount(gettext_lazy("Limited price (¥)"))
    starts_at = _when(gettext_lazy("Starts"))
    ends_at = _when(gettext_lazy("Ends"))
    per_user_limit = forms.IntegerField(
        label=gettext_lazy("Per buyer"),
        min_value=1,
        max_value=999,
        required=False,
        help_text=gettext_lazy("Leave empty for no limit."),
    )
    label = forms.CharField(label=gettext_lazy("Label"), max_length=20, initial="限时折扣")

    def __init__(self, *args: Any, skus: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sku_id"].choices = [("", "—"), *skus]  # type: ignore[attr-defined]

    def to_input(self) -> services.LimitedPriceInput:
        data = self.cleaned_data
        return services.LimitedPriceInput(
            sku_id=data["sku_id"],
            price=data["price"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            per_user_limit=data["per_user_limit"],
            label=data["label"],
        )


class FlashApplyForm(PromotionForm):
    session_id = forms.TypedChoiceField(label=gettext_lazy("Session"), coerce=int)
    sku_id = forms.TypedChoiceField(label=gettext_lazy("SKU"), coerce=int)
    price = _amount(gettext_lazy("Flash price (¥)"))
    quota = forms.IntegerField(
        label=gettext_lazy("Quota"),
        min_value=1,
        max_value=1_000_000,
        help_text=gettext_lazy("Units taken out of stock for the session once approved."),
    )
    per_user_limit = forms.IntegerField(label=gettext_lazy("Per buyer"), min_value=1, max_value=99, initial=1)

    def __init__(self, *args: Any, sessions: list[tuple[int, str]], skus: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["session_id"].choices = [("", "—"), *sessions]  # type: ignore[attr-defined]
        self.fields["sku_id"].choices = [("", "—"), *skus]  # type: ignore[attr-defined]

    def to_input(self) -> services.FlashApplication:
        data = self.cleaned_data
        return services.FlashApplication(
            session_id=data["session_id"],
            sku_id=data["sku_id"],
            price=data["price"],
            quota=data["quota"],
            per_user_limit=data["per_user_limit"],
        )


# How offers read: 满200减30, 满2件打9折, 9折 最高减¥20 -------------------------------------------------------


def _yuan(amount: Money) -> str:
    """¥200 for whole yuan, ¥19.90 otherwise: as 满200减30 is written."""
    return amount.format(display_locale(), whole=amount.minor % 100 == 0)


def _discount(percent: int) -> str:
    """So many per cent off; in Chinese as 折 (10 % off is 9折), as the coupon's face shows it."""
    if (get_language() or "").startswith("zh"):
        return f"{Decimal(100 - percent) / 10:g}折"
    return _("%(percent)s%% off") % {"percent": percent}


def _tier_text(tier: dict[str, int | None], currency: str) -> str:
    """One tier of a 满减 / 满折 as stored: 满¥200减¥30, 满2件打9折."""
    threshold, quantity, off, percent = (tier[k] for k in ("threshold_minor", "quantity", "off_minor", "percent_off"))
    if threshold is not None:
        reach = _yuan(Money(threshold, currency))
    else:
        reach = npgettext("tier", "%(n)s item", "%(n)s items", quantity or 0) % {"n": quantity}
    if off is not None:
        return _("%(reach)s+: %(off)s off") % {"reach": reach, "off": _yuan(Money(off, currency))}
    return _("%(reach)s+: %(discount)s") % {"reach": reach, "discount": _discount(percent or 0)}


def _coupon_terms(template: CouponTemplate) -> str:
    """What a coupon takes off, and from what spend: 满¥100减¥10, 9折 最高减¥20, 满¥99包邮."""
    reach = _yuan(template.min_spend) if template.min_spend_minor else ""
    if template.kind == CouponKind.FREE_SHIPPING:
        return _("Free shipping on %(reach)s+") % {"reach": reach} if reach else _("Free shipping, no minimum")
    if template.kind == CouponKind.AMOUNT:
        off = _yuan(template.amount) if template.amount is not None else ""
        if reach:
            return _("%(reach)s+: %(off)s off") % {"reach": reach, "off": off}
        return _("%(off)s off, no minimum") % {"off": off}
    discount = _discount(template.percent_off or 0)
    terms = _("%(reach)s+: %(discount)s") % {"reach": reach, "discount": discount} if reach else discount
    if template.amount is not None:
        terms += " " + _("up to %(amount)s off") % {"amount": _yuan(template.amount)}
    return terms


# The overview ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One offer as the overview lists it."""

    item: Any
    cost: selectors.Cost | None
    state: str  # the badge's class
    state_label: str
    can_stop: bool
    terms: str = ""


def _windowed(status: str, starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime) -> tuple[str, str, bool]:
    """(badge class, label, can stop) of an offer that runs from ``starts_at`` to ``ends_at``."""
    if status == TemplateStatus.STOPPED:
        return "cancelled", _("Stopped"), False
    if ends_at <= now:
        return "closed", _("Ended"), False
    if now < starts_at:
        return "pending", _("Scheduled"), True
    return "active", _("Running"), True


def _coupon_rows(actor: Actor, now: dt.datetime) -> list[Row]:
    templates = list(selectors.template_list_for_merchant(actor))
    costs = selectors.coupon_costs([t.pk for t in templates])
    rows = []
    for t in templates:
        if t.status == TemplateStatus.STOPPED:
            state = ("cancelled", _("Stopped"), False)
        elif t.valid_until is not None and t.valid_until <= now:
            state = ("closed", _("Ended"), False)
        else:
            state = ("active", _("Running"), True)
        rows.append(Row(t, costs.get(t.pk), *state, terms=_coupon_terms(t)))
    return rows


def _threshold_rows(actor: Actor, now: dt.datetime) -> list[Row]:
    promotions = list(selectors.thresholds_of_merchant(actor))
    costs = selectors.costs_of("threshold", [p.pk for p in promotions])
    return [
        Row(
            p,
            costs.get(p.pk),
            *_windowed(p.status, p.starts_at, p.ends_at, now),
            terms=" · ".join(_tier_text(tier, p.currency) for tier in p.tiers),
        )
        for p in promotions
    ]


def _limited_rows(actor: Actor, now: dt.datetime) -> list[Row]:
    prices = list(selectors.limited_prices_of_merchant(actor))
    costs = selectors.costs_of("limited_price", [p.pk for p in prices])
    return [Row(p, costs.get(p.pk), *_windowed(p.status, p.starts_at, p.ends_at, now)) for p in prices]


def _flash_rows(actor: Actor, now: dt.datetime) -> list[Row]:
    items = list(selectors.flash_items_of_merchant(actor))
    costs = selectors.costs_of("flash", [item.pk for item in items])
    badges = {"applied": "pending"}  # the others have their own colour: approved, rejected, closed
    return [
        Row(item, costs.get(item.pk), badges.get(item.status, item.status), item.get_status_display(), False)
        for item in items
    ]


ROWS: dict[str, Callable[[Actor, dt.datetime], list[Row]]] = {
    "coupons": _coupon_rows,
    "thresholds": _threshold_rows,
    "limited": _limited_rows,
    "flash": _flash_rows,
}


def _overview(request: HttpRequest, tab: str, *, codes: tuple[int, list[str]] | None = None) -> HttpResponse:
    """The tab's rows; with ``codes``, the codes just made for that coupon above them."""
    rows = ROWS[tab](actor_of(request), timezone.now())
    context = {
        "promotion_tabs": TABS,
        "tab": tab,
        "rows": rows,
        "codes_for": next((row.item for row in rows if codes and row.item.pk == codes[0]), None),
        "codes": "\n".join(codes[1]) if codes else "",
    }
    return render(request, "merchant/promotions/overview.html", context)


def _to_tab(tab: str) -> HttpResponse:
    return redirect(f"{reverse('merchant:promotions')}?tab={tab}")


@page(SHOP_PROMOTIONS)
def overview(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "")
    return _overview(request, tab if tab in ROWS else "coupons")


# Starting one -------------------------------------------------------------------------------------


def _create(
    request: HttpRequest, form: PromotionForm, create: Callable[[], object], *, done: str, tab: str
) -> HttpResponse | None:
    """Run ``create`` for a valid post; the redirect to the tab, or None to show the form again with its errors."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        create()
    except DomainError as exc:
        if exc.status == 404 and exc.field is None:
            raise
        form.add_domain_error(exc)
        return None
    messages.success(request, done)
    return _to_tab(tab)


def _form_page(request: HttpRequest, form: forms.Form, *, tab: str, heading: str, template: str) -> HttpResponse:
    context = {"promotion_tabs": TABS, "tab": tab, "form": form, "heading": heading}
    return render(request, template, context, status=422 if form.is_bound else 200)


def _skus(actor: Actor) -> list[tuple[int, str]]:
    """The shop's SKUs on sale or not, labelled with the product's title, the SKU and its price."""
    active = Prefetch("skus", queryset=Sku.objects.filter(is_active=True))
    products = catalog.product_list_for_merchant(actor).prefetch_related(active).order_by("title", "pk")[:500]
    return [
        (sku.pk, " · ".join(part for part in (product.title, sku.label, money(sku.price)) if part))
        for product in products
        for sku in product.skus.all()
    ]


def _sessions(now: dt.datetime) -> list[tuple[int, str]]:
    def when(moment: dt.datetime) -> str:
        return date_format(timezone.localtime(moment), "m-d H:i")

    return [
        (s.pk, f"{s.title} · {when(s.starts_at)} – {when(s.ends_at)}")
        for s in selectors.flash_sessions_for_shoppers(now=now)
    ]


def _starting_now() -> dict[str, dt.datetime]:
    return {"starts_at": timezone.now().replace(second=0, microsecond=0)}


@page(SHOP_PROMOTIONS)
def coupon_new(request: HttpRequest) -> HttpResponse:
    form = CouponForm(request.POST or None)
    created = _create(
        request,
        form,
        lambda: services.coupon_template_create(actor=actor_of(request), data=form.to_input()),
        done=_("Coupon issued."),
        tab="coupons",
    )
    return created or _form_page(
        request, form, tab="coupons", heading=_("New coupon"), template="merchant/promotions/coupon_form.html"
    )


@page(SHOP_PROMOTIONS)
def threshold_new(request: HttpRequest) -> HttpResponse:
    form = ThresholdForm(request.POST or None, initial=_starting_now())
    created = _create(
        request,
        form,
        lambda: services.threshold_promotion_create(actor=actor_of(request), data=form.to_input()),
        done=_("Spend-and-save promotion started."),
        tab="thresholds",
    )
    return created or _form_page(
        request,
        form,
        tab="thresholds",
        heading=_("New spend-and-save promotion"),
        template="merchant/promotions/threshold_form.html",
    )


@page(SHOP_PROMOTIONS)
def limited_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = LimitedPriceForm(request.POST or None, initial=_starting_now(), skus=_skus(actor))
    created = _create(
        request,
        form,
        lambda: services.limited_price_create(actor=actor, data=form.to_input()),
        done=_("Limited price set."),
        tab="limited",
    )
    return created or _form_page(
        request, form, tab="limited", heading=_("New limited price"), template="merchant/promotions/limited_form.html"
    )


@page(SHOP_PROMOTIONS)
def flash_apply(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = FlashApplyForm(request.POST or None, sessions=_sessions(timezone.now()), skus=_skus(actor))
    created = _create(
        request,
        form,
        lambda: services.flash_item_apply(actor=actor, data=form.to_input()),
        done=_("Applied. The platform reviews applications before the session starts."),
        tab="flash",
    )
    return created or _form_page(
        request, form, tab="flash", heading=_("Apply to a flash sale"), template="merchant/promotions/flash_form.html"
    )


# Stopping one, and coupon codes -------------------------------------------------------------------


def _stop(request: HttpRequest, stop: Callable[[], object], *, tab: str) -> HttpResponse:
    stop()
    messages.success(request, _("Stopped."))
    return _to_tab(tab)


@require_POST
@page(SHOP_PROMOTIONS)
def coupon_stop(request: HttpRequest, template_id: int) -> HttpResponse:
    """Claiming ends; coupons already held stay usable."""
    actor = actor_of(request)
    return _stop(request, lambda: services.coupon_template_stop(actor=actor, template_id=template_id), tab="coupons")


@require_POST
@page(SHOP_PROMOTIONS)
def threshold_stop(request: HttpRequest, promotion_id: int) -> HttpResponse:
    actor = actor_of(request)
    return _stop(
        request, lambda: services.threshold_promotion_stop(actor=actor, promotion_id=promotion_id), tab="thresholds"
    )


@require_POST
@page(SHOP_PROMOTIONS)
def limited_stop(request: HttpRequest, promotion_id: int) -> HttpResponse:
    actor = actor_of(request)
    return _stop(request, lambda: services.limited_price_stop(actor=actor, promotion_id=promotion_id), tab="limited")


@require_POST
@page(SHOP_PROMOTIONS)
def coupon_codes(request: HttpRequest, template_id: int) -> HttpResponse:
    """Make codes and show them in this answer only: they are not kept anywhere the page could show them again."""
    form = CodesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Make 1 to 10,000 codes at a time."))
        return _to_tab("coupons")
    actor = actor_of(request)
    codes = services.coupon_codes_issue(actor=actor, template_id=template_id, count=form.cleaned_data["count"])
    response = _overview(request, "coupons", codes=(template_id, codes))
    response["Cache-Control"] = "private, no-store"
    return response
