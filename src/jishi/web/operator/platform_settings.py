"""Operator console: the platform settings (平台设置) — order time-outs, after-sales windows, payment methods, the
default commission and shipping fee — and the terms and privacy policy, published as numbered versions.

Administrators only (PLATFORM_SETTINGS); both writes are audited by their services.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.core.errors import DomainError
from jishi.core.money import basis_points_to_percent
from jishi.payments import gateways
from jishi.payments.gateways.alipay import AlipayGateway
from jishi.payments.gateways.sandbox import SandboxGateway
from jishi.payments.gateways.unionpay import UnionPayGateway
from jishi.payments.gateways.wechatpay import WechatPayGateway
from jishi.policies import selectors, services
from jishi.policies.models import (
    AFTERSALES_DAYS_RANGE,
    AFTERSALES_TURN_DAYS_RANGE,
    AUTO_CONFIRM_DAYS_RANGE,
    FLASH_PAYMENT_MINUTES_RANGE,
    LEGAL_BODY_MAX_LENGTH,
    PAYMENT_METHODS,
    PAYMENT_MINUTES_RANGE,
    LegalKind,
)
from jishi.policies.permissions import PLATFORM_SETTINGS
from jishi.policies.selectors import PlatformRules
from jishi.web.forms import DomainErrorsMixin
from jishi.web.pages import page

_LABELS = {
    gateway.code: gateway.label for gateway in (AlipayGateway, WechatPayGateway, UnionPayGateway, SandboxGateway)
}


def _bounded(low: int, high: int) -> forms.NumberInput:
    """A number input with the service's range for the browser's keyboard and spinner; the service checks it."""
    return forms.NumberInput(attrs={"min": low, "max": high, "step": 1, "inputmode": "numeric"})


def _yuan() -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


class PlatformSettingsForm(DomainErrorsMixin, forms.Form):
    """Every setting; the ranges are the service's, whose errors land on these fields."""

    payment_minutes = forms.IntegerField(
        label=gettext_lazy("Minutes to pay an order"),
        widget=_bounded(*PAYMENT_MINUTES_RANGE),
        help_text=gettext_lazy("An unpaid order is cancelled after this. 5 to 1,440."),
    )
    flash_payment_minutes = forms.IntegerField(
        label=gettext_lazy("Minutes to pay a flash-sale order"),
        widget=_bounded(*FLASH_PAYMENT_MINUTES_RANGE),
        help_text=gettext_lazy("Its units go back to the sale after this. 1 to 60."),
    )
    auto_confirm_days = forms.IntegerField(
        label=gettext_lazy("Days until receipt is confirmed"),
        widget=_bounded(*AUTO_CONFIRM_DAYS_RANGE),
        help_text=gettext_lazy("After shipping, for a buyer who does not confirm. 1 to 30."),
    )
    aftersales_days = forms.IntegerField(
        label=gettext_lazy("After-sales window (days)"),
        widget=_bounded(*AFTERSALES_DAYS_RANGE),
        help_text=gettext_lazy("After delivery; then the order completes and the shop is paid. 0 to 30."),
    )
    aftersales_turn_days = forms.IntegerField(
        label=gettext_lazy("Days for each turn in a request"),
        widget=_bounded(*AFTERSALES_TURN_DAYS_RANGE),
        help_text=gettext_lazy("To send goods back, confirm them received or escalate a rejection. 1 to 30."),
    )
    payment_methods = forms.MultipleChoiceField(
        label=gettext_lazy("Payment methods offered"),
        choices=[(code, _LABELS.get(code, code)) for code in PAYMENT_METHODS],
        widget=forms.CheckboxSelectMultiple,
        required=False,  # the service refuses none, on this field
        help_text=gettext_lazy("The cashier offers those ticked that this server is set up for."),
    )
    commission_rate = forms.CharField(
        label=gettext_lazy("Default commission (%)"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=gettext_lazy("Where no commission rule applies. 0 to 50, for example 5 or 5.5."),
    )
    shipping_first_fee = forms.CharField(
        label=gettext_lazy("First item (¥)"),
        max_length=16,
        widget=_yuan(),
        help_text=gettext_lazy("0 for both items: delivered free."),
    )
    shipping_extra_fee = forms.CharField(label=gettext_lazy("Each other item (¥)"), max_length=16, widget=_yuan())
    shipping_free_above = forms.CharField(
        label=gettext_lazy("Free delivery from (¥)"),
        max_length=16,
        required=False,
        widget=_yuan(),
        help_text=gettext_lazy("Goods reaching this ship free. Leave empty for never."),
    )

    SECTIONS = (
        (gettext_lazy("Orders"), ("payment_minutes", "flash_payment_minutes", "auto_confirm_days")),
        (gettext_lazy("After-sales"), ("aftersales_days", "aftersales_turn_days")),
        (gettext_lazy("Payments and commission"), ("payment_methods", "commission_rate")),
        (
            gettext_lazy("Delivery fee of a shop without a fee template"),
            ("shipping_first_fee", "shipping_extra_fee", "shipping_free_above"),
        ),
    )

    def sections(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]


def _initial(rules: PlatformRules) -> dict[str, Any]:
    return {
        "payment_minutes": rules.payment_minutes,
        "flash_payment_minutes": rules.flash_payment_minutes,
        "auto_confirm_days": rules.auto_confirm_days,
        "aftersales_days": rules.aftersales_days,
        "aftersales_turn_days": rules.aftersales_turn_days,
        "payment_methods": list(rules.payment_methods),
        "commission_rate": basis_points_to_percent(rules.commission_bp),
        "shipping_first_fee": rules.shipping_first_fee.to_string(),
        "shipping_extra_fee": rules.shipping_extra_fee.to_string(),
        "shipping_free_above": rules.shipping_free_above.to_string() if rules.shipping_free_above else "",
    }


def _configured() -> set[str]:
    """The gateway codes this server has settings for (a misconfigured one shows as not set up)."""
    try:
        return set(gateways.available())
    except ImproperlyConfigured:
        return set()


def _legal(request: HttpRequest, drafts: dict[str, str], errors: dict[str, str]) -> list[dict[str, Any]]:
    actor = actor_of(request)
    documents = []
    for kind in LegalKind:
        versions = selectors.legal_versions_for(actor, kind)
        documents.append(
            {
                "kind": kind.value,
                "label": kind.label,
                "in_force": versions[0] if versions else None,
                "versions": versions,
                "draft": drafts.get(kind.value, versions[0].body if versions else ""),
                "error": errors.get(kind.value, ""),
            }
        )
    return documents


def _render(
    request: HttpRequest,
    form: PlatformSettingsForm,
    *,
    rules: PlatformRules,
    drafts: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "rules": rules,
        "configured": _configured(),
        "method_labels": _LABELS,
        "legal": _legal(request, drafts or {}, errors or {}),
        "body_limit": LEGAL_BODY_MAX_LENGTH,
    }
    return render(request, "operator/settings/page.html", context, status=status)


@page(PLATFORM_SETTINGS)
def platform_settings(request: HttpRequest) -> HttpResponse:
    """The platform settings in force and the form to change them, then the terms and privacy policy (admins)."""
    rules = selectors.platform_settings()
    if request.method == "POST":
        form = PlatformSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.platform_settings_set(actor=actor_of(request), **form.cleaned_data)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("Platform settings saved. They apply from now on."))
                return redirect("operator:platform_settings")
    else:
        form = PlatformSettingsForm(initial=_initial(rules))
    return _render(request, form, rules=rules, status=422 if form.errors else 200)


@require_POST
@page(PLATFORM_SETTINGS)
def legal_publish(request: HttpRequest, kind: str) -> HttpResponse:
    """Publish the posted text as the next version of the terms or privacy policy; a refused text comes back in
    its textarea with the error beside it (422)."""
    body = request.POST.get("body", "")
    try:
        document = services.legal_publish(actor=actor_of(request), kind=kind, body=body)
    except DomainError as error:
        if error.status in (401, 403, 404):
            raise
        rules = selectors.platform_settings()
        form = PlatformSettingsForm(initial=_initial(rules))
        return _render(request, form, rules=rules, drafts={kind: body}, errors={kind: error.message}, status=422)
    messages.success(
        request,
        _("%(document)s version %(version)s is in force.")
        % {"document": LegalKind(document.kind).label, "version": document.version},
    )
    return redirect(f"{reverse('operator:platform_settings')}#legal-{document.kind}")
