"""Operator console: the platform's promotions — its coupons, flash-sale sessions and their review, and the costs.

Platform coupons cost the platform money, so every page here is for
administrators (PLATFORM_PROMOTIONS). Coupon codes are shown once, in the
answer to the post that made them, and kept nowhere the page could show
them again.
"""

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.core.errors import DomainError
from jishi.core.money import CURRENCY, Money
from jishi.ledger import selectors as ledger_selectors
from jishi.ledger.models import AccountKind
from jishi.merchants.errors import MerchantNotFound
from jishi.promotions import selectors, services
from jishi.promotions.models import CouponTemplate, FlashItemStatus, TemplateStatus
from jishi.promotions.permissions import PLATFORM_PROMOTIONS
from jishi.promotions.pricing import Step
from jishi.web.forms import CodesForm, CouponTemplateForm, DateTimeLocalInput, DomainErrorsMixin
from jishi.web.pages import decide, page

COST_PERIODS = (7, 30, 90)
STEP_LABELS: dict[str, Promise] = {  # the pricing pipeline's steps, as operators name them
    Step.UNIT_PRICE: gettext_lazy("Limited prices and flash sales"),
    Step.THRESHOLD: gettext_lazy("Spend-and-save discounts"),
    Step.MERCHANT_COUPON: gettext_lazy("Shop coupons"),
    Step.PLATFORM_COUPON: gettext_lazy("Platform coupons"),
    Step.SHIPPING: gettext_lazy("Shipping coupons"),
}

# Forms -------------------------------------------------------------------------------------------


class PlatformCouponForm(CouponTemplateForm):
    """A platform coupon: a shop's coupon's terms, and optionally one shop whose goods it covers."""

    shop = forms.IntegerField(
        label=gettext_lazy("Only one shop's goods (shop id)"),
        required=False,
        min_value=1,
        max_value=2**53,
        help_text=gettext_lazy("Empty: every shop."),
    )

    error_fields: ClassVar[dict[str, str]] = {"scope_merchant_id": "shop"}

    def platform_input(self) -> services.CouponTemplateInput:
        return self.to_input(scope_merchant_id=self.cleaned_data["shop"])


class FlashSessionForm(DomainErrorsMixin, forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=20)
    starts_at = forms.DateTimeField(label=gettext_lazy("Starts"), widget=DateTimeLocalInput())
    ends_at = forms.DateTimeField(
        label=gettext_lazy("Ends"), widget=DateTimeLocalInput(), help_text=gettext_lazy("At most 24 hours later.")
    )
    real_name_required = forms.BooleanField(
        label=gettext_lazy("Only real-name verified buyers"), required=False, initial=True
    )


# Platform coupons --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CouponRow:
    template: CouponTemplate
    cost: selectors.Cost
    state: str  # the badge's class
    state_label: str


def _coupon_row(template: CouponTemplate, costs: dict[int, selectors.Cost], now: dt.datetime) -> CouponRow:
    cost = costs.get(template.pk, selectors.NO_COST)
    if template.status == TemplateStatus.STOPPED:
        return CouponRow(template, cost, "cancelled", _("Stopped"))
    if template.valid_until is not None and template.valid_until <= now:
        return CouponRow(template, cost, "closed", _("Ended"))
    return CouponRow(template, cost, "active", _("Running"))


def _coupons_page(
    request: HttpRequest, form: PlatformCouponForm, *, codes: tuple[int, list[str]] | None = None
) -> HttpResponse:
    """The platform's coupons and the form to issue one; with ``codes``, those just made for one coupon."""
    templates = list(selectors.template_list_for_platform(actor_of(request)).select_related("scope_merchant"))
    costs = selectors.coupon_costs([t.pk for t in templates])
    now = timezone.now()
    context = {
        "rows": [_coupon_row(t, costs, now) for t in templates],
        "form": form,
        "codes_for": next((t for t in templates if codes and t.pk == codes[0]), None),
        "codes": "\n".join(codes[1]) if codes else "",
        "max_codes": services.MAX_CODES_PER_BATCH,
    }
    return render(request, "operator/promotions/coupons.html", context, status=422 if form.errors else 200)


@page(PLATFORM_PROMOTIONS)
def promotions(request: HttpRequest) -> HttpResponse:
    return _coupons_page(request, PlatformCouponForm())


@require_POST
@page(PLATFORM_PROMOTIONS)
def platform_coupon_new(request: HttpRequest) -> HttpResponse:
    form = PlatformCouponForm(request.POST)
    if form.is_valid():
        try:
            services.coupon_template_create(actor=actor_of(request), data=form.platform_input(), platform=True)
        except MerchantNotFound as error:  # the shop named as the scope is not open
            form.add_error("shop", error.message)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Platform coupon issued."))
            return redirect("operator:promotions")
    return _coupons_page(request, form)


@require_POST
@page(PLATFORM_PROMOTIONS)
def platform_coupon_stop(request: HttpRequest, template_id: int) -> HttpResponse:
    """Claiming ends; coupons already held stay usable."""
    services.coupon_template_stop(actor=actor_of(request), template_id=template_id)
    messages.success(request, _("Coupon stopped. Coupons already claimed stay usable."))
    return redirect("operator:promotions")


@require_POST
@page(PLATFORM_PROMOTIONS)
def platform_coupon_codes(request: HttpRequest, template_id: int) -> HttpResponse:
    form = CodesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Make 1 to 10,000 codes at a time."))
        return redirect("operator:promotions")
    count = form.cleaned_data["count"]
    codes = services.coupon_codes_issue(actor=actor_of(request), template_id=template_id, count=count)
    response = _coupons_page(request, PlatformCouponForm(), codes=(template_id, codes))
    response["Cache-Control"] = "private, no-store"
    return response


# Flash sales -------------------------------------------------------------------------------------


def _next_hour() -> dict[str, dt.datetime]:
    start = timezone.localtime().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    return {"starts_at": start, "ends_at": start + dt.timedelta(hours=2)}


def _flash_page(request: HttpRequest, form: FlashSessionForm) -> HttpResponse:
    """The running and coming sessions with their items, the form to open one, and the applications."""
    status = request.GET.get("status", FlashItemStatus.APPLIED)
    status = status if status in FlashItemStatus.values else FlashItemStatus.APPLIED
    now = timezone.now()
    context = {
        "sessions": selectors.flash_sessions_for_shoppers(now=now),
        "now": now,
        "form": form,
        "items": selectors.flash_items_for_review(actor_of(request), status=status),
        "status": status,
        "statuses": FlashItemStatus.choices,
    }
    return render(request, "operator/promotions/flash.html", context, status=422 if form.errors else 200)


@page(PLATFORM_PROMOTIONS)
def flash(request: HttpRequest) -> HttpResponse:
    return _flash_page(request, FlashSessionForm(initial=_next_hour()))


@require_POST
@page(PLATFORM_PROMOTIONS)
def flash_session_new(request: HttpRequest) -> HttpResponse:
    form = FlashSessionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.flash_session_create(
                actor=actor_of(request),
                title=data["title"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                real_name_required=data["real_name_required"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Session opened: shops can apply to it now."))
            return redirect("operator:flash")
    return _flash_page(request, form)


@require_POST
@page(PLATFORM_PROMOTIONS)
def flash_decide(request: HttpRequest, item_id: int) -> HttpResponse:
    actor = actor_of(request)
    decide(
        request,
        approve=lambda: services.flash_item_approve(actor=actor, item_id=item_id),
        reject=lambda reason: services.flash_item_reject(actor=actor, item_id=item_id, reason=reason),
        messages_=(_("Approved: the quota is set aside for the session."), _("Application rejected.")),
    )
    return redirect("operator:flash")


# What promotions cost ----------------------------------------------------------------------------


@page(PLATFORM_PROMOTIONS)
def promotion_costs(request: HttpRequest) -> HttpResponse:
    """Per step and funder, what promotions took off orders paid in the last 7, 30 or 90 days."""
    chosen = request.GET.get("days", "")
    days = int(chosen) if chosen in {str(n) for n in COST_PERIODS} else 30
    rows = selectors.promotion_costs(actor_of(request), since=timezone.now() - dt.timedelta(days=days))
    context = {
        "days": days,
        "periods": COST_PERIODS,
        "rows": [(STEP_LABELS.get(row.step, row.step), row) for row in rows],
        "platform_paid": Money.total((row.amount for row in rows if row.funded_by_platform), CURRENCY),
        "shops_paid": Money.total((row.amount for row in rows if not row.funded_by_platform), CURRENCY),
        "subsidy_balance": ledger_selectors.platform_balance(AccountKind.PLATFORM_SUBSIDY),
    }
    return render(request, "operator/promotions/costs.html", context)
