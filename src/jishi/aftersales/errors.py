"""Errors of the after-sales domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import Conflict, InvalidInput, NotFound


class AftersalesNotFound(NotFound):
    default_code = "aftersales.not_found"
    default_message = _("After-sales request not found.")


class OrderLineNotFound(NotFound):
    default_code = "aftersales.order_line_not_found"
    default_message = _("That item is not on this order.")


class NotEligible(Conflict):
    default_code = "aftersales.not_eligible"
    default_message = _("This order cannot have that kind of after-sales request now.")


class AlreadyOpen(Conflict):
    default_code = "aftersales.already_open"
    default_message = _("This order already has an open after-sales request.")


class InvalidTransition(Conflict):
    default_code = "aftersales.invalid_transition"
    default_message = _("The request cannot move to that status from where it is.")


class InvalidRequest(InvalidInput):
    default_code = "aftersales.invalid_request"
    default_message = _("Check the request.")


class InvalidEvidence(InvalidInput):
    default_code = "aftersales.invalid_evidence"
    default_message = _("Evidence is a JPEG, PNG or WebP photo or a PDF of at most 5 MB, or a message.")


class NoReturnAddress(InvalidInput):
    default_code = "aftersales.no_return_address"
    default_message = _("There is no return address: give one (or set the shop's default return address).")

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, field="return_address")
