"""Merchant centre: 运费模板 — how the shop charges for delivery, by province, and where it does not deliver.

One form holds the whole template: the basis (per item or per kg), the
free-delivery threshold, the default rule, one row per group of provinces
with its own fees, and the areas not served. Rows are added and removed by
posting the form back (nothing is saved until "Save"). The preview box prices
a sample parcel against what is in the form, unsaved (htmx swaps the answer
in; without JavaScript the page comes back with it).
"""

import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.core import regions
from jishi.core.errors import DomainError, InvalidInput
from jishi.core.money import CURRENCY, Money
from jishi.merchants.selectors import merchant_for
from jishi.shipping import selectors, services
from jishi.shipping.errors import InvalidFeeTemplate
from jishi.shipping.fees import Parcel, Priced
from jishi.shipping.models import FeeBasis, FeeTemplate
from jishi.shipping.permissions import SHIPPING_MANAGE
from jishi.web.pages import is_htmx, page

PAGE = "merchant/shipping/page.html"
# A row names at least one province and a province is in one row at most: never more rows than provinces.
MAX_ROWS = 34
_AMOUNT = re.compile(r"^\d{1,8}(\.\d{1,2})?$")

# Provinces grouped as China's regions are usually named, in GB/T 2260 order (by the code's first two digits).
_REGIONS: tuple[tuple[Promise, tuple[str, ...]], ...] = (
    (gettext_lazy("North China"), ("11", "12", "13", "14", "15")),
    (gettext_lazy("Northeast"), ("21", "22", "23")),
    (gettext_lazy("East China"), ("31", "32", "33", "34", "35", "36", "37")),
    (gettext_lazy("Central China"), ("41", "42", "43")),
    (gettext_lazy("South China"), ("44", "45", "46")),
    (gettext_lazy("Southwest"), ("50", "51", "52", "53", "54")),
    (gettext_lazy("Northwest"), ("61", "62", "63", "64", "65")),
    (gettext_lazy("Hong Kong, Macao and Taiwan"), ("71", "81", "82")),
)


@dataclass(frozen=True)
class ProvinceChoice:
    code: str
    name: str  # the full name, 新疆维吾尔自治区

    @property
    def short(self) -> str:
        """The name on a parcel label: 新疆, 内蒙古."""
        return self.name[:3] if self.name.startswith(("黑龙江", "内蒙古")) else self.name[:2]


def province_groups() -> list[tuple[Promise, list[ProvinceChoice]]]:
    """Every province on the national list, in its region (a province no region names goes last, on its own)."""
    by_prefix = {province.code[:2]: ProvinceChoice(province.code, province.name) for province in regions.provinces()}
    groups = [(label, [by_prefix.pop(p) for p in prefixes if p in by_prefix]) for label, prefixes in _REGIONS]
    if by_prefix:
        groups.append((gettext_lazy("Other"), list(by_prefix.values())))
    return groups


@dataclass
class RowDraft:
    """A row of provinces as typed: the codes ticked, and the fees in yuan."""

    provinces: list[str] = field(default_factory=list)
    first: str = ""
    extra: str = ""


@dataclass
class Draft:
    """The whole form as typed, so that a refused post comes back as the merchant left it."""

    basis: str = FeeBasis.ITEM
    free_above: str = ""
    default_first: str = ""
    default_extra: str = ""
    rows: list[RowDraft] = field(default_factory=list)
    not_served: list[str] = field(default_factory=list)


@dataclass
class Sample:
    """The preview's sample parcel, as typed."""

    province: str = ""
    items: str = "1"
    grams: str = "1000"
    goods: str = ""


def _yuan(minor: int) -> str:
    return Money(minor, CURRENCY).to_string()


def draft_of(template: FeeTemplate | None) -> Draft:
    """The saved template as the form shows it (the default rule on its own, the others as rows)."""
    if template is None:
        return Draft()
    draft = Draft(
        basis=template.basis,
        free_above=_yuan(template.free_above_minor) if template.free_above_minor is not None else "",
        not_served=list(template.not_served),
    )
    for rule in template.rules.all():
        first, extra = _yuan(rule.first_fee_minor), _yuan(rule.extra_fee_minor)
        if rule.provinces:
            draft.rows.append(RowDraft(list(rule.provinces), first, extra))
        else:
            draft.default_first, draft.default_extra = first, extra
    return draft


def _text(data: QueryDict, name: str) -> str:
    return data.get(name, "").strip()[:40]


def draft_from(data: QueryDict) -> Draft:
    """The posted form (at most ``MAX_ROWS`` rows, each as many as ``rows`` says)."""
    count = _text(data, "rows")
    rows = min(int(count), MAX_ROWS) if count.isascii() and count.isdecimal() and len(count) <= 3 else 0
    return Draft(
        basis=_text(data, "basis"),
        free_above=_text(data, "free_above"),
        default_first=_text(data, "default_first"),
        default_extra=_text(data, "default_extra"),
        rows=[
            RowDraft(
                provinces=[code[:6] for code in data.getlist(f"rule-{index}-provinces")[:40]],
                first=_text(data, f"rule-{index}-first"),
                extra=_text(data, f"rule-{index}-extra"),
            )
            for index in range(rows)
        ],
        not_served=[code[:6] for code in data.getlist("not_served")[:40]],
    )


def sample_from(data: QueryDict) -> Sample:
    return Sample(
        province=_text(data, "preview_province"),
        items=_text(data, "preview_items"),
        grams=_text(data, "preview_grams"),
        goods=_text(data, "preview_goods"),
    )


def _amount(text: str, field_name: str) -> Money:
    if not _AMOUNT.match(text):
        raise InvalidFeeTemplate(_("An amount such as 200 or 200.50."), field=field_name)
    return Money.parse(text, CURRENCY)


def template_input(draft: Draft) -> services.TemplateInput:
    """The form as the service takes it: the default rule first (``rules.0``), then the rows (``rules.<n>``).

    Raises InvalidFeeTemplate on the field of an amount that does not read,
    or of a row without provinces (which would be a second default).
    """
    rules = [
        services.RuleInput(
            provinces=[],
            first_fee=_amount(draft.default_first, "rules.0.first_fee"),
            extra_fee=_amount(draft.default_extra or "0", "rules.0.extra_fee"),
        )
    ]
    for number, row in enumerate(draft.rows, start=1):
        if not row.provinces:
            raise InvalidFeeTemplate(
                _("Tick at least one province for this row, or remove the row."), field=f"rules.{number}.provinces"
            )
        rules.append(
            services.RuleInput(
                provinces=row.provinces,
                first_fee=_amount(row.first, f"rules.{number}.first_fee"),
                extra_fee=_amount(row.extra or "0", f"rules.{number}.extra_fee"),
            )
        )
    return services.TemplateInput(
        basis=draft.basis,
        free_above=_amount(draft.free_above, "free_above") if draft.free_above else None,
        rules=rules,
        not_served=draft.not_served,
    )


def _count(text: str, field_name: str, *, least: int, most: int) -> int:
    if not (text.isascii() and text.isdecimal()) or len(text) > 8 or not least <= int(text) <= most:
        raise InvalidInput(
            _("A whole number from %(least)s to %(most)s.") % {"least": least, "most": most},
            code="shipping.invalid_sample",
            field=field_name,
        )
    return int(text)


def parcel_of(sample: Sample) -> Parcel:
    """The sample parcel; InvalidInput on ``items``, ``grams`` or ``goods_total`` when one does not read."""
    goods = sample.goods or "0"
    if not _AMOUNT.match(goods):
        raise InvalidInput(_("An amount such as 200 or 200.50."), code="shipping.invalid_sample", field="goods_total")
    return Parcel(
        items=_count(sample.items, "items", least=1, most=9999),
        grams=_count(sample.grams or "0", "grams", least=0, most=1_000_000),
        goods_total=Money.parse(goods, CURRENCY),
    )


def _slot(error_field: str | None, rows: int) -> str:
    """Where on the page an error shows: ``basis``, ``free_above``, ``default``, ``row-<i>``, ``not_served``,
    ``preview`` or ``top``."""
    path = (error_field or "").split(".")
    if path[0] in {"basis", "free_above", "not_served"}:
        return path[0]
    if path[0] in {"province", "items", "grams", "goods_total"}:
        return "preview"
    if path[0] == "rules" and len(path) > 1 and path[1].isdecimal():
        number = int(path[1])
        if number == 0:
            return "default"
        if number <= rows:
            return f"row-{number - 1}"
    return "top"


@dataclass(frozen=True)
class RowView:
    index: int
    draft: RowDraft
    error: str

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def provinces_name(self) -> str:
        """The name of the row's province checkboxes."""
        return f"rule-{self.index}-provinces"


@dataclass(frozen=True)
class PreviewView:
    """The preview's answer: the fee and why, or the reason there is none."""

    priced: Priced | None = None
    error: str = ""
    rule_provinces: list[str] = field(default_factory=list)  # the names in the rule that set the fee


def _preview_view(priced: Priced, draft: Draft) -> PreviewView:
    names: list[str] = []
    if priced.rule:  # a row's rule, not the default (0)
        names = [regions.name_of(code) for code in draft.rows[priced.rule - 1].provinces]
    return PreviewView(priced=priced, rule_provinces=names)


def _context(
    draft: Draft,
    *,
    error: DomainError | None = None,
    sample: Sample | None = None,
    preview: PreviewView | None = None,
    saved: bool = True,
) -> dict[str, Any]:
    slot = _slot(error.field, len(draft.rows)) if error is not None else ""
    message = error.message if error is not None else ""
    return {
        "draft": draft,
        "rows": [
            RowView(index, row, message if slot == f"row-{index}" else "") for index, row in enumerate(draft.rows)
        ],
        "row_count": len(draft.rows),
        "can_add_row": len(draft.rows) < MAX_ROWS,
        "groups": province_groups(),
        "provinces": regions.provinces(),
        "bases": FeeBasis.choices,
        "error": message,
        "error_slot": slot,
        "sample": sample or Sample(),
        "preview": preview,
        "saved": saved,
        "platform_default": None if saved else selectors.default_table(),
    }


@page(SHIPPING_MANAGE)
def shipping(request: HttpRequest) -> HttpResponse:
    """运费模板: the form; posting ``add_row`` or ``remove_row`` (a row's index) edits it, any other post saves it."""
    actor = actor_of(request)
    if request.method != "POST":
        template = selectors.fee_template_for_merchant(merchant_for(actor).pk)
        return render(request, PAGE, _context(draft_of(template), saved=template is not None))
    draft = draft_from(request.POST)
    sample = sample_from(request.POST)
    if request.POST.get("add_row") and len(draft.rows) < MAX_ROWS:
        draft.rows.append(RowDraft())
        return render(request, PAGE, _context(draft, sample=sample))
    remove = request.POST.get("remove_row", "")
    if remove.isascii() and remove.isdecimal() and int(remove[:3]) < len(draft.rows):
        del draft.rows[int(remove[:3])]
        return render(request, PAGE, _context(draft, sample=sample))
    try:
        services.fee_template_set(actor=actor, data=template_input(draft))
    except InvalidInput as exc:
        return render(request, PAGE, _context(draft, error=exc, sample=sample), status=422)
    messages.success(request, _("Delivery fees saved."))
    return redirect("merchant:shipping")


@require_POST
@page(SHIPPING_MANAGE)
def shipping_preview(request: HttpRequest) -> HttpResponse:
    """The fee of the sample parcel under the template as it is in the form, unsaved.

    htmx gets the preview box alone (200, the reason in it when the form or the
    sample does not read); a plain post gets the whole page back with it.
    """
    draft, sample = draft_from(request.POST), sample_from(request.POST)
    error: InvalidInput | None = None
    try:
        priced = selectors.shipping_preview(
            actor=actor_of(request),
            data=template_input(draft),
            province=sample.province,
            parcel=parcel_of(sample),
        )
    except InvalidInput as exc:
        error, preview = exc, PreviewView(error=exc.message)
    else:
        preview = _preview_view(priced, draft)
    if is_htmx(request):
        return render(request, f"{PAGE}#preview", {"preview": preview})
    context = _context(draft, error=error, sample=sample, preview=preview)
    return render(request, PAGE, context, status=422 if error is not None else 200)
