"""Operator console: 积分与会员设置 — every points and tier rule in one form (administrators), with how many
members each tier has. The service checks the rules (ranges, tiers rising, a platform coupon for birthdays) and
its errors land on the fields."""

from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jishi.accounts.auth import actor_of
from jishi.core.actors import Actor
from jishi.core.errors import DomainError
from jishi.loyalty import selectors as loyalty
from jishi.loyalty import services as loyalty_services
from jishi.loyalty.models import Tier
from jishi.loyalty.permissions import LOYALTY_SETTINGS
from jishi.promotions import selectors as promotions
from jishi.promotions.models import TemplateStatus
from jishi.promotions.permissions import PLATFORM_PROMOTIONS
from jishi.web.forms import AmountField, DomainErrorsMixin
from jishi.web.pages import page

RANGES = loyalty_services.RANGES
PAID_TIERS = (Tier.SILVER, Tier.GOLD, Tier.DIAMOND)
POINTS_RULES = (
    "earn_per_yuan",
    "points_per_yuan",
    "max_share_percent",
    "check_in_points",
    "streak_days",
    "streak_bonus",
    "review_points",
)
INVITATION_RULES = ("inviter_points", "invitee_points")


def _number(name: str, label: Any, help_text: Any = "") -> forms.IntegerField:
    """A whole number in the service's range, with the browser's number keyboard."""
    low, high = RANGES[name]
    widget = forms.NumberInput(attrs={"min": low, "max": high, "step": 1, "inputmode": "numeric"})
    return forms.IntegerField(label=label, min_value=low, max_value=high, widget=widget, help_text=help_text)


class LoyaltySettingsForm(DomainErrorsMixin, forms.Form):
    """Every rule of ``loyalty.models.DEFAULTS``; amounts in yuan here, in fen for the service."""

    earn_per_yuan = _number(
        "earn_per_yuan", gettext_lazy("Points per ¥1 paid"), gettext_lazy("What a regular member earns.")
    )
    points_per_yuan = _number(
        "points_per_yuan",
        gettext_lazy("Points worth ¥1 at checkout"),
        gettext_lazy("100 means 100 points take ¥1 off."),
    )
    max_share_percent = _number(
        "max_share_percent",
        gettext_lazy("Points pay at most (%)"),
        gettext_lazy("Of an order's goods after discounts."),
    )
    check_in_points = _number("check_in_points", gettext_lazy("Daily check-in points"))
    streak_days = _number(
        "streak_days", gettext_lazy("Streak length (days)"), gettext_lazy("Every so many days in a row earn a bonus.")
    )
    streak_bonus = _number("streak_bonus", gettext_lazy("Streak bonus points"))
    review_points = _number(
        "review_points",
        gettext_lazy("Points for a review with photos"),
        gettext_lazy("A buyer's first on an order line."),
    )
    inviter_points = _number(
        "inviter_points", gettext_lazy("Inviter's points"), gettext_lazy("When the invitee's first order completes.")
    )
    invitee_points = _number("invitee_points", gettext_lazy("Invitee's points"), gettext_lazy("At the same time."))
    invite_template = forms.ChoiceField(label=gettext_lazy("Invitation coupon, for both"), required=False)
    birthday_template = forms.ChoiceField(label=gettext_lazy("Birthday coupon"), required=False)
    birthday_tier_rank = forms.TypedChoiceField(
        label=gettext_lazy("Given from"),
        coerce=int,
        choices=[(rank, tier.label) for rank, tier in enumerate(loyalty.TIERS)],
    )

    error_fields: ClassVar[dict[str, str]] = {
        **{f"{tier}_minor": f"{tier}_spend" for tier in PAID_TIERS},
        **{f"{tier}_free_shipping_minor": f"{tier}_free_shipping" for tier in PAID_TIERS},
        "birthday_template_id": "birthday_template",
        "invite_template_id": "invite_template",
    }

    def __init__(self, *args: Any, templates: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for tier in PAID_TIERS:
            self.fields[f"{tier}_spend"] = AmountField(label=gettext_lazy("12-month spend from (¥)"))
            low, high = RANGES[f"{tier}_multiplier"]
            self.fields[f"{tier}_multiplier"] = forms.IntegerField(
                label=gettext_lazy("Points multiplier (%)"),
                min_value=low,
                max_value=high,
                widget=forms.NumberInput(attrs={"min": low, "max": high, "step": 1, "inputmode": "numeric"}),
            )
            self.fields[f"{tier}_free_shipping"] = AmountField(
                label=gettext_lazy("Free shipping from (¥)"), required=False
            )
        for name in ("invite_template", "birthday_template"):
            self.fields[name].choices = [("", _("None")), *templates]  # type: ignore[attr-defined]

    def tier_rows(self) -> list[tuple[Tier, list[forms.BoundField]]]:
        """Per tier above regular: its spend, multiplier and free shipping inputs, a row of the tier table."""
        return [
            (tier, [self[f"{tier}_spend"], self[f"{tier}_multiplier"], self[f"{tier}_free_shipping"]])
            for tier in PAID_TIERS
        ]

    def points_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in POINTS_RULES]

    def invitation_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in INVITATION_RULES]

    def values(self) -> dict[str, int | None]:
        """The service's values: every rule of DEFAULTS."""
        data = self.cleaned_data
        values: dict[str, int | None] = {name: data[name] for name in (*POINTS_RULES, *INVITATION_RULES)}
        for tier in PAID_TIERS:
            free = data[f"{tier}_free_shipping"]
            values[f"{tier}_minor"] = data[f"{tier}_spend"].minor
            values[f"{tier}_multiplier"] = data[f"{tier}_multiplier"]
            values[f"{tier}_free_shipping_minor"] = free.minor if free is not None else None
        for name in ("invite_template", "birthday_template"):
            values[f"{name}_id"] = int(data[name]) if data[name] else None
        values["birthday_tier_rank"] = data["birthday_tier_rank"]
        return values


def _initial(rules: loyalty.Rules) -> dict[str, Any]:
    initial: dict[str, Any] = {name: getattr(rules, name) for name in (*POINTS_RULES, *INVITATION_RULES)}
    for tier in PAID_TIERS:
        free = rules.free_shipping(tier)
        initial[f"{tier}_spend"] = rules.threshold(tier).to_string()
        initial[f"{tier}_multiplier"] = rules.multiplier(tier)
        initial[f"{tier}_free_shipping"] = free.to_string() if free is not None else ""
    initial["birthday_template"] = str(rules.birthday_template_id or "")
    initial["invite_template"] = str(rules.invite_template_id or "")
    initial["birthday_tier_rank"] = rules.birthday_tier_rank
    return initial


def _platform_templates(actor: Actor, *chosen: int | None) -> list[tuple[int, str]]:
    """The platform's active coupon templates to give for invitations and birthdays (and those chosen now, even if
    they stopped)."""
    if not PLATFORM_PROMOTIONS.allows(actor):
        return []
    return [
        (template.pk, template.name)
        for template in promotions.template_list_for_platform(actor)
        if template.status == TemplateStatus.ACTIVE or template.pk in chosen
    ]


@page(LOYALTY_SETTINGS)
def loyalty_settings(request: HttpRequest) -> HttpResponse:
    """积分与会员设置: the rules in force and the form to change them, with each tier's members."""
    actor = actor_of(request)
    rules = loyalty.rules()
    templates = _platform_templates(actor, rules.birthday_template_id, rules.invite_template_id)
    if request.method == "POST":
        form = LoyaltySettingsForm(request.POST, templates=templates)
        if form.is_valid():
            try:
                loyalty_services.loyalty_settings_set(actor=actor, values=form.values())
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("Points and tier settings saved. They apply from now on."))
                return redirect("operator:loyalty_settings")
    else:
        form = LoyaltySettingsForm(initial=_initial(rules), templates=templates)
    counts = loyalty.tier_counts()
    context = {
        "form": form,
        "rules": rules,
        "tier_counts": {tier.value: counts.get(tier.value, 0) for tier in loyalty.TIERS},
        "members": sum(counts.values()),
        "regular": Tier.REGULAR,
    }
    return render(request, "operator/loyalty/settings.html", context, status=422 if form.errors else 200)
