"""Errors of the platform policies."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import Conflict, InvalidInput, NotFound


class SettingOutOfRange(InvalidInput):
    default_code = "policies.setting_out_of_range"
    default_message = _("This value is outside what the rules allow.")


class PaymentMethodsInvalid(InvalidInput):
    default_code = "policies.payment_methods_invalid"
    default_message = _("Offer at least one payment method, from the platform's list.")


class LegalKindUnknown(NotFound):
    default_code = "policies.legal_kind_unknown"
    default_message = _("There is no such document.")


class LegalBodyInvalid(InvalidInput):
    default_code = "policies.legal_body_invalid"
    default_message = _("Write the text, up to 50,000 characters.")


class LegalPublishConflict(Conflict):
    default_code = "policies.legal_publish_conflict"
    default_message = _("Someone else is publishing this document. Try again.")
