"""Template helpers: money in the reader's locale, query-string editing, refused forms shown again."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.core.files.storage import default_storage
from django.http import QueryDict
from django.utils.translation import get_language, gettext, ngettext, to_locale

from jishi.core import regions
from jishi.core.errors import InvalidInput
from jishi.core.money import Money
from jishi.groupbuy.selectors import user_shown
from jishi.reviews.selectors import shown_name
from jishi.web.pages import posted

register = template.Library()


def display_locale() -> str:
    """The Babel locale of the active interface language (``zh_Hans_CN`` or ``en``)."""
    return to_locale(get_language() or "zh-hans").replace("zh_Hans", "zh_Hans_CN")


@register.filter
def money(value: Money | None) -> str:
    """``Money(1234550, "CNY")`` → ``¥12,345.50`` (grouped, whatever the interface language)."""
    if value is None:
        return ""
    return value.format(display_locale())


@register.simple_tag(takes_context=True)
def query(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (``None`` removes one); resets the page."""
    params: QueryDict = context["request"].GET.copy()
    if "page" not in changes:
        params.pop("page", None)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def toggle_attr(context: dict[str, Any], code: str, value: str) -> str:
    """The query string with the attribute filter ``code:value`` switched on or off."""
    params: QueryDict = context["request"].GET.copy()
    params.pop("page", None)
    item = f"{code}:{value}"
    current = params.getlist("attr")
    params.setlist("attr", [a for a in current if a != item] if item in current else [*current, item])
    return f"?{params.urlencode()}"


@register.filter
def media(name: str) -> str:
    """The URL of a stored file name (order lines keep the name of the image they were bought with)."""
    return default_storage.url(name) if name else ""


@register.filter
def percent(value: Decimal | None, places: int = 2) -> str:
    """A fraction as a percentage: ``Decimal("0.0312")`` → ``3.12 %``; nothing for None."""
    if value is None:
        return "—"
    return f"{(value * 100).quantize(Decimal(1).scaleb(-places))} %"


@register.simple_tag(takes_context=True)
def kept(context: dict[str, Any], name: str, default: Any = "", form: object = "") -> Any:
    """What the user typed into ``name`` before their post was refused; ``default`` otherwise.

    ``form`` tells apart forms on one page that share input names (their hidden ``_form`` input).
    """
    shown_again = posted(context["request"]) if "request" in context else None
    if shown_again is None or not shown_again.of(form):
        return default
    return shown_again.data.get(name, "")


@register.inclusion_tag("web/partials/field_error.html", takes_context=True)
def error_for(context: dict[str, Any], name: str, form: object = "") -> dict[str, str]:
    """The refused post's error when it concerns ``name`` (and ``form``), to show beside that input."""
    shown_again = posted(context["request"]) if "request" in context else None
    if shown_again is None or not shown_again.of(form) or shown_again.error.field != name:
        return {"message": ""}
    return {"message": shown_again.error.message}


@register.filter
def sold(count: int) -> str:
    """Units sold as a shopper reads them: exact below ten thousand, then a floor ("1.2万+", "12k+"), never more."""
    if count < 10_000:
        shown = f"{count:,}"
    elif get_language().startswith("zh"):
        shown = f"{count // 1000 / 10:g}万+"
    else:
        shown = f"{count // 1000:,}k+"
    return ngettext("%(n)s sold", "%(n)s sold", count) % {"n": shown}


@register.inclusion_tag("web/partials/region_picker.html")
def region_picker(form: Any) -> dict[str, Any]:
    """Province, city and district selects from the national list, each filled once the one above is chosen.

    JavaScript fills the next list as soon as one is chosen; without it, the
    form comes back with the next list to choose from.
    """
    values = [str(form[name].value() or "") for name in ("province", "city", "district")]
    try:
        chosen = regions.place(*values)
    except InvalidInput:
        chosen = None
    province = regions.province_named(values[0]) if values[0] else None
    cities = regions.cities(province.code) if province else []
    city = next((c for c in cities if values[1] in (c.code, c.name)), None) if values[1] else None
    return {
        "form": form,
        "provinces": regions.provinces(),
        "cities": cities,
        "districts": regions.districts(city.code) if city else [],
        "province": province.code if province else "",
        "city": city.code if city else "",
        "district": chosen.district.code if chosen and chosen.district else "",
    }


@register.filter
def coupon_value(template: Any) -> str:
    """What a coupon takes off, as its face shows it: ``¥10``, ``8.5折`` (``15% off``), ``包邮`` (free shipping)."""
    if template.kind == "free_shipping":
        return gettext("Free shipping")
    if template.kind == "percent":
        if get_language().startswith("zh"):
            return f"{Decimal(100 - template.percent_off) / 10:g}折"
        return gettext("%(percent)s%% off") % {"percent": template.percent_off}
    return money(template.amount)


@register.filter
def coupon_condition(template: Any) -> str:
    """When a coupon applies: ``满¥100可用`` (or ``No minimum``), and a percentage's cap."""
    parts = [
        gettext("On %(amount)s or more") % {"amount": money(template.min_spend)}
        if template.min_spend_minor
        else gettext("No minimum spend")
    ]
    if template.kind == "percent" and template.amount_minor:
        parts.append(gettext("up to %(amount)s off") % {"amount": money(template.amount)})
    return " · ".join(parts)


@register.filter
def share(part: int, whole: int) -> int:
    """``part`` of ``whole`` in whole per cent, rounded down (a flash sale's 已抢 bar): never more than true."""
    return part * 100 // whole if whole else 0


@register.filter
def at(mapping: dict[Any, Any] | None, key: Any) -> Any:
    """``mapping[key]``, or None: a page's figures by id (``promotions|at:group.merchant.pk``)."""
    return mapping.get(key) if mapping else None


@register.filter
def member_name(user: Any) -> str:
    """A group member's name as other shoppers see it: its first character and a star (张*)."""
    return user_shown(user)


@register.simple_tag
def review_stars(value: Any) -> str:
    """★★★★☆ for 4 (a 4.6 average shows five: stars round half up)."""
    whole = int(Decimal(str(value or 0)).quantize(Decimal(1), ROUND_HALF_UP))
    return "★" * whole + "☆" * (5 - whole)


@register.simple_tag
def review_name(review: Any) -> str:
    """How a review names its buyer (masked, or 匿名用户)."""
    return shown_name(review)


@register.filter
def follow_up_days(review: Any) -> int:
    """How many days after the review its follow-up came."""
    return max((review.follow_up_at - review.created_at).days, 0) if review.follow_up_at else 0
