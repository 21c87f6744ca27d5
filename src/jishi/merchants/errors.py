"""Errors of the merchants domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import Conflict, NotFound


class MerchantNotFound(NotFound):
    default_code = "merchants.not_found"
    default_message = _("Merchant not found.")


class AlreadyStaff(Conflict):
    default_code = "merchants.already_staff"
    default_message = _("This user already works for a merchant.")
