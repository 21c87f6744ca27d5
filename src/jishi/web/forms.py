"""Page forms. They validate shape; the services validate the rules and their errors land on the fields."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jishi.core.errors import DomainError

SORT_CHOICES = [
    ("relevance", _("Relevance")),
    ("sales", _("Best-selling")),
    ("newest", _("Newest")),
    ("price_asc", _("Price: low to high")),
    ("price_desc", _("Price: high to low")),
]


class DomainErrorsMixin:
    """Put a service's DomainError on the field it names (or on the form)."""

    def add_domain_error(self, error: DomainError) -> None:
        field = (error.field or "").split(".")[0]
        target = field if field in self.fields else None  # type: ignore[attr-defined]
        self.add_error(target, error.message)  # type: ignore[attr-defined]


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    price_min = forms.RegexField(required=False, regex=r"^\d{1,8}(\.\d{1,2})?$")
    price_max = forms.RegexField(required=False, regex=r"^\d{1,8}(\.\d{1,2})?$")
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)
    in_stock = forms.BooleanField(required=False)
    merchant = forms.IntegerField(required=False, min_value=1, max_value=2**53)

    def value(self, name: str, default: Any = None) -> Any:
        """The cleaned value, or the default when the field was missing or invalid."""
        if not self.is_bound:
            return default
        self.is_valid()
        if name in self.errors:
            return default
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value


class LogInForm(DomainErrorsMixin, forms.Form):
    identifier = forms.CharField(label=_("Mobile number or e-mail"), max_length=254)
    password = forms.CharField(label=_("Password"), max_length=128, widget=forms.PasswordInput)


class SignUpForm(DomainErrorsMixin, forms.Form):
    identifier = forms.CharField(label=_("Mobile number or e-mail"), max_length=254)
    display_name = forms.CharField(label=_("Display name"), max_length=50, required=False)
    password = forms.CharField(
        label=_("Password"), max_length=128, widget=forms.PasswordInput, help_text=_("At least 8 characters.")
    )


class AddressForm(DomainErrorsMixin, forms.Form):
    receiver = forms.CharField(label=_("Receiver"), max_length=40)
    phone = forms.CharField(label=_("Mobile number"), max_length=16)
    province = forms.CharField(label=_("Province"), max_length=30)
    city = forms.CharField(label=_("City"), max_length=30)
    district = forms.CharField(label=_("District"), max_length=30)
    detail = forms.CharField(label=_("Street address"), max_length=200)
    postal_code = forms.CharField(label=_("Postal code"), max_length=6, required=False)
    is_default = forms.BooleanField(label=_("Use as default address"), required=False)


class KycForm(DomainErrorsMixin, forms.Form):
    real_name = forms.CharField(label=_("Name as on the ID card"), max_length=30)
    id_number = forms.CharField(
        label=_("Resident ID number"), max_length=18, help_text=_("18 characters; stored encrypted and shown masked.")
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ShipForm(DomainErrorsMixin, forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=40)
    tracking_number = forms.RegexField(
        label=_("Tracking number"),
        max_length=40,
        regex=r"^[A-Za-z0-9-]+$",
        error_messages={"invalid": _("Letters, digits and dashes only.")},
    )
