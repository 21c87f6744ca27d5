"""Errors of the shipping domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import InvalidInput


class InvalidFeeTemplate(InvalidInput):
    default_code = "shipping.invalid_template"
    default_message = _("The fee template is not valid.")
