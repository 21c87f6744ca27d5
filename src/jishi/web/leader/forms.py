"""The leader centre's forms. They check shape; the community services check the rules, and their errors land
on the fields they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jishi.community.models import PointKind
from jishi.community.services import PointInput
from jishi.core import regions
from jishi.web import forms as web_forms
from jishi.web.forms import AmountField, DomainErrorsMixin


class CoordinateInput(forms.NumberInput):
    """Degrees to six decimals (about 0.1 m), typed or filled by the phone's location."""

    def __init__(self) -> None:
        super().__init__(attrs={"step": "0.000001", "inputmode": "decimal"})


class LeaderApplyForm(DomainErrorsMixin, forms.Form):
    """The application to run a pickup point (申请成为团长): the point, where it is and when it is open."""

    name = forms.CharField(
        label=_("Pickup point name"), max_length=40, help_text=_("As residents will see it, such as 阳光花园自提点.")
    )
    kind = forms.ChoiceField(label=_("Kind of place"), choices=PointKind.choices)
    # Codes (or names) from the national list, chosen in the cascading picker (web/partials/region_picker.html).
    province = forms.CharField(label=_("Province"), max_length=30)
    city = forms.CharField(label=_("City"), max_length=30, required=False)
    district = forms.CharField(label=_("District"), max_length=30, required=False)
    detail = forms.CharField(label=_("Street address"), max_length=200, help_text=_("Estate, building and unit."))
    latitude = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90, widget=CoordinateInput())
    longitude = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180, widget=CoordinateInput())
    hours = forms.CharField(
        label=_("Opening hours"), max_length=60, help_text=_("As residents will read them, such as 每天 9:00-21:00.")
    )
    capacity = forms.IntegerField(
        label=_("Capacity (orders)"),
        min_value=1,
        max_value=10_000,
        initial=50,
        help_text=_("How many orders the point can keep at once."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def to_input(self) -> PointInput:
        """The point as the service takes it, the region's codes turned into its names (深圳市, not 440300).

        Raises InvalidInput ``core.invalid_region`` naming the part that is not on the list."""
        data = self.cleaned_data
        place = regions.place(data["province"], data["city"], data["district"])
        city = place.city.name if place.city else place.province.name
        return PointInput(
            name=data["name"],
            kind=data["kind"],
            province=place.province.name,
            city=city,
            district=place.district.name if place.district else city,
            detail=data["detail"],
            latitude=data["latitude"],
            longitude=data["longitude"],
            hours=data["hours"],
            capacity=data["capacity"],
        )


class ArrivalForm(forms.Form):
    """Confirm a batch arrived (确认到货): per order line, the units that came short or damaged (缺货/破损)."""

    def __init__(self, *args: Any, lines: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            left = line.quantity - line.refunded_quantity
            self.fields[self.name_of(line)] = forms.IntegerField(
                label=_("Short or damaged"),
                min_value=0,
                max_value=left,
                initial=0,
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "short-input"}),
            )

    @staticmethod
    def name_of(line: Any) -> str:
        return f"short_{line.pk}"

    def shortages(self) -> list[tuple[int, int]]:
        """(order line id, units) for each line reported short, in the lines' order."""
        found = ((line.pk, self.cleaned_data.get(self.name_of(line)) or 0) for line in self.lines)
        return [(line_id, units) for line_id, units in found if units]


class CodeForm(forms.Form):
    """The 6-digit pickup code (提货码) a resident shows."""

    code = forms.RegexField(
        label=_("Pickup code"),
        regex=r"^\d{6}$",
        max_length=6,
        error_messages={"invalid": _("A pickup code has 6 digits.")},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "maxlength": "6",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]{6}",
                "class": "code-input",
                "autofocus": True,
            }
        ),
    )


class BankAccountForm(web_forms.BankAccountForm):
    """The bank account commission is withdrawn to, as a shop's (开户名, 银行, 卡号) with the password again; typed
    on a phone: digits for the number, the password never remembered by the form."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["number"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class WithdrawForm(DomainErrorsMixin, forms.Form):
    """An amount of the available commission to withdraw, in yuan (200 or 200.50)."""

    amount = AmountField(label=_("Amount (yuan)"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))
