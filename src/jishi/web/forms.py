"""Page forms. They validate shape; the services validate the rules and their errors land on the fields."""

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from jishi.core import dates
from jishi.core.errors import DomainError
from jishi.core.money import CURRENCY, Money
from jishi.merchants.models import MerchantKind, QualificationKind, SubjectType
from jishi.merchants.roles import StaffRole
from jishi.promotions.pricing import CouponKind
from jishi.promotions.services import MAX_CODES_PER_BATCH, CouponTemplateInput
from jishi.search.selectors import QUERY_MAX_LENGTH

SORT_CHOICES = [
    ("relevance", _("Relevance")),
    ("sales", _("Best-selling")),
    ("newest", _("Newest")),
    ("price_asc", _("Price: low to high")),
    ("price_desc", _("Price: high to low")),
]


class DomainErrorsMixin:
    """Put a service's DomainError on the field it names (or on the form).

    ``error_fields`` maps a service's field path to a form field where the
    names differ; otherwise the path's first, then last, part is tried.
    """

    error_fields: ClassVar[dict[str, str]] = {}

    def add_domain_error(self, error: DomainError) -> None:
        path = error.field or ""
        candidates = [self.error_fields.get(path, ""), path.split(".")[0], path.split(".")[-1]]
        target = next((name for name in candidates if name in self.fields), None)  # type: ignore[attr-defined]
        self.add_error(target, error.message)  # type: ignore[attr-defined]


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=QUERY_MAX_LENGTH)
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
    # Codes from the national list, chosen in the cascading picker (web/partials/region_picker.html).
    province = forms.CharField(label=_("Province"), max_length=30)
    city = forms.CharField(label=_("City"), max_length=30, required=False)
    district = forms.CharField(label=_("District"), max_length=30, required=False)
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
    # Empty: the courier the number looks like (shipping.carriers), filled in by the service or, as the number is
    # typed, by web/tracking.js from the carrier-detect API.
    carrier = forms.CharField(label=_("Carrier"), max_length=40, required=False)
    tracking_number = forms.RegexField(
        label=_("Tracking number"),
        max_length=40,
        regex=r"^[A-Za-z0-9-]+$",
        error_messages={"invalid": _("Letters, digits and dashes only.")},
        widget=forms.TextInput(
            attrs={"data-carrier-guess": "id_carrier", "data-guess-url": reverse_lazy("api:carrier_detect")}
        ),
    )


class DateInput(forms.DateInput):
    """The browser's date picker, which needs ISO dates whatever the interface language."""

    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class DateField(forms.DateField):
    """A date a person picks, in the browser's date picker: 2000-01-01 to a year from today (``core.dates``)."""

    def __init__(self, *, until: Callable[[], dt.date] | dt.date = dates.latest, **kwargs: Any) -> None:
        super().__init__(widget=DateInput(), **kwargs)
        self.validators += [MinValueValidator(dates.EARLIEST), MaxValueValidator(until)]


class ExpiryDateField(DateField):
    """The day a document stops being valid: 2000-01-01 to 2099-12-31."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(until=dates.LATEST_EXPIRY, **kwargs)


class RangeForm(forms.Form):
    start = DateField(label=_("From"), required=False)
    end = DateField(label=_("To"), required=False)


class ApplicationForm(DomainErrorsMixin, forms.Form):
    shop_name = forms.CharField(label=_("Shop name"), max_length=60)
    kind = forms.ChoiceField(label=_("What you sell as"), choices=MerchantKind.choices)
    subject_type = forms.ChoiceField(
        label=_("Applying as"), choices=SubjectType.choices, widget=forms.RadioSelect, initial=SubjectType.INDIVIDUAL
    )
    city = forms.CharField(label=_("City"), max_length=30, required=False)
    description = forms.CharField(label=_("About the shop"), max_length=2000, required=False, widget=forms.Textarea)
    company_name = forms.CharField(label=_("Company name"), max_length=100, required=False)
    credit_code = forms.CharField(
        label=_("Unified social credit code"), max_length=18, required=False, help_text=_("18 characters.")
    )
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=40, required=False)
    licence_image = forms.FileField(label=_("Business licence (photo)"), required=False)
    permit_number = forms.CharField(label=_("Animal business permit number"), max_length=40, required=False)
    permit_authority = forms.CharField(label=_("Issuing authority"), max_length=100, required=False)
    permit_expires_on = ExpiryDateField(label=_("Valid until"), required=False)
    permit_image = forms.FileField(label=_("Permit (photo)"), required=False)

    error_fields: ClassVar[dict[str, str]] = {
        "qualifications": "permit_number",
        "qualifications.0.kind": "permit_number",
        "qualifications.0.number": "permit_number",
        "qualifications.0.authority": "permit_authority",
        "qualifications.0.expires_on": "permit_expires_on",
        "qualifications.0.image": "permit_image",
    }


class QualificationForm(DomainErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Qualification"), choices=QualificationKind.choices)
    number = forms.CharField(label=_("Permit number"), max_length=40)
    authority = forms.CharField(label=_("Issuing authority"), max_length=100)
    expires_on = ExpiryDateField(label=_("Valid until"))
    image = forms.FileField(label=_("Scan (photo)"), required=False)


class InviteForm(DomainErrorsMixin, forms.Form):
    contact = forms.CharField(label=_("Mobile number or e-mail"), max_length=254)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(StaffRole.MANAGER, StaffRole.MANAGER.label), (StaffRole.STAFF, StaffRole.STAFF.label)],
    )


class BankAccountForm(DomainErrorsMixin, forms.Form):
    holder = forms.CharField(label=_("Account holder"), max_length=100)
    bank = forms.CharField(label=_("Bank"), max_length=60)
    number = forms.CharField(label=_("Account number"), max_length=30)
    password = forms.CharField(
        label=_("Your password"),
        max_length=128,
        widget=forms.PasswordInput,
        help_text=_("Changing where money goes needs your password again."),
    )


class WithdrawForm(DomainErrorsMixin, forms.Form):
    amount = forms.RegexField(
        label=_("Amount (yuan)"),
        regex=r"^\d{1,8}(\.\d{1,2})?$",
        error_messages={"invalid": _("An amount such as 200 or 200.50.")},
    )


class CommissionRuleForm(DomainErrorsMixin, forms.Form):
    merchant = forms.IntegerField(label=_("Merchant id"), required=False, min_value=1, max_value=2**53)
    category = forms.IntegerField(label=_("Category id"), required=False, min_value=1, max_value=2**53)
    rate = forms.CharField(label=_("Rate (%)"), max_length=8, help_text=_("For example 5 or 3.5."))
    starts_on = DateField(label=_("From"))
    ends_on = DateField(label=_("Until"), required=False)


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action"), max_length=80, required=False)
    target_type = forms.CharField(label=_("Object"), max_length=80, required=False)
    target_id = forms.CharField(label=_("Object id"), max_length=64, required=False)
    actor = forms.CharField(label=_("By (phone or e-mail)"), max_length=254, required=False)
    actor_id = forms.IntegerField(required=False, min_value=1, max_value=2**53, widget=forms.HiddenInput)
    since = DateField(label=_("From"), required=False)
    until = DateField(label=_("To"), required=False)


class AmountField(forms.RegexField):
    """An amount in yuan such as 100 or 9.90, cleaned to Money (never through a float)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            regex=r"^\d{1,8}(\.\d{1,2})?$",
            error_messages={"invalid": _("An amount such as 200 or 200.50.")},
            **kwargs,
        )

    def clean(self, value: Any) -> Money | None:
        text = super().clean(value)
        return Money.parse(text, CURRENCY) if text else None


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-and-time picker; it sends no zone, so the field reads it in TIME_ZONE (Asia/Shanghai)."""

    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class CouponTemplateForm(DomainErrorsMixin, forms.Form):
    """A coupon's terms, as a shop or the platform issues it; its rules (ranges, amount below the minimum spend)
    are the service's."""

    name = forms.CharField(label=_("Name"), max_length=40)
    kind = forms.ChoiceField(label=_("Kind"), choices=CouponKind.choices)
    amount = AmountField(
        label=_("Amount off (¥)"),
        required=False,
        help_text=_("For a percentage, the most it takes off (optional)."),
    )
    percent_off = forms.IntegerField(
        label=_("Percentage off (%)"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("For a percentage coupon: 10 takes a tenth off."),
    )
    min_spend = AmountField(label=_("Minimum spend (¥)"), required=False, help_text=_("Leave empty for no minimum."))
    valid_until = forms.DateTimeField(label=_("Usable until"), required=False, widget=DateTimeLocalInput())
    valid_days = forms.IntegerField(
        label=_("Or usable for days after claiming"), min_value=1, max_value=366, required=False
    )
    total_quantity = forms.IntegerField(label=_("Total quantity"), min_value=1, max_value=10_000_000)
    per_user_limit = forms.IntegerField(label=_("Per buyer"), min_value=1, max_value=100, initial=1)
    exclusive = forms.BooleanField(label=_("Not with other coupons"), required=False)
    claimable = forms.BooleanField(
        label=_("Buyers can claim it"),
        required=False,
        initial=True,
        help_text=_("Otherwise it is handed out by code only."),
    )

    def to_input(self, *, scope_merchant_id: int | None = None) -> CouponTemplateInput:
        data = self.cleaned_data
        return CouponTemplateInput(
            name=data["name"],
            kind=data["kind"],
            amount=data["amount"],
            percent_off=data["percent_off"],
            min_spend=data["min_spend"] or Money.zero(CURRENCY),
            scope_merchant_id=scope_merchant_id,
            valid_until=data["valid_until"],
            valid_days=data["valid_days"],
            total_quantity=data["total_quantity"],
            per_user_limit=data["per_user_limit"],
            exclusive=data["exclusive"],
            claimable=data["claimable"],
        )


class CodesForm(forms.Form):
    """How many single-use codes to make for a coupon."""

    count = forms.IntegerField(min_value=1, max_value=MAX_CODES_PER_BATCH)
