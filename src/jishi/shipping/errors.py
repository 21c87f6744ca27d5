"""Errors of the shipping domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import DomainError, InvalidInput, NotFound


class InvalidFeeTemplate(InvalidInput):
    default_code = "shipping.invalid_template"
    default_message = _("The fee template is not valid.")


class NotDelivered(InvalidInput):
    """A shop in the checkout does not deliver to the address's province (an area not served)."""

    default_code = "shipping.not_delivered"
    default_message = _("A shop does not deliver to this address.")


class BadCallback(DomainError):
    """A tracking callback that is not one: unreadable, or missing what the aggregator always sends."""

    status = 400
    default_code = "shipping.bad_callback"
    default_message = _("The tracking callback could not be read.")


class BadSignature(DomainError):
    """A tracking callback whose signature does not verify: it is not from the aggregator."""

    status = 403
    default_code = "shipping.bad_signature"
    default_message = _("The tracking callback's signature is not valid.")


class UnknownTrackingAdapter(NotFound):
    default_code = "shipping.unknown_adapter"
    default_message = _("No such tracking service.")


class SubscriptionNotFound(NotFound):
    default_code = "shipping.subscription_not_found"
    default_message = _("No parcel with this tracking number is being followed.")


class TrackingUnavailable(DomainError):
    """The aggregator could not be reached, or failed on its side: try again later."""

    status = 503
    default_code = "shipping.tracking_unavailable"
    default_message = _("The tracking service cannot be reached. Please try again later.")
