"""Errors of the payments domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import Conflict, InvalidInput, NotFound, ServiceBusy


class PaymentNotFound(NotFound):
    default_code = "payments.not_found"
    default_message = _("Payment not found.")


class PaymentClosed(Conflict):
    default_code = "payments.closed"
    default_message = _("This payment is already paid or cancelled.")


class UnknownGateway(InvalidInput):
    default_code = "payments.unknown_gateway"
    default_message = _("This payment method is not available.")


class PaymentMethodDisabled(InvalidInput):
    default_code = "payments.method_disabled"
    default_message = _("This payment method is not offered at the moment. Choose another.")


class InvalidNotification(Exception):
    """A gateway notification we must not trust. ``reason`` is a short code for the notification log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RefundRefused(Conflict):
    default_code = "payments.refund_refused"
    default_message = _("The gateway refused the refund.")


class GatewayUnavailable(ServiceBusy):
    default_code = "payments.gateway_unavailable"
    default_message = _("The payment provider cannot be reached. Please try again shortly.")


class RefundNotAllowed(Conflict):
    default_code = "payments.refund_not_allowed"
    default_message = _("Only a paid order can be refunded.")


class RefundReferenceReused(Conflict):
    default_code = "payments.refund_reference_reused"
    default_message = _("This refund was already requested with a different order or amount.")


class IssueNotFound(NotFound):
    default_code = "payments.issue_not_found"
    default_message = _("Reconciliation issue not found.")


class IssueNotOpen(Conflict):
    default_code = "payments.issue_not_fixable"
    default_message = _("This issue is closed already, or needs a person to resolve it with a note.")


class InvalidTransition(Conflict):
    default_code = "payments.invalid_transition"
    default_message = _("The payment cannot move to that status from where it is.")
