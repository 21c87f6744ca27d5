"""Errors of the pet-trading domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied


class PetNotFound(NotFound):
    default_code = "pets.pet_not_found"
    default_message = _("Pet not found.")


class RecordNotFound(NotFound):
    default_code = "pets.record_not_found"
    default_message = _("Record not found.")


class InvalidRecord(InvalidInput):
    default_code = "pets.invalid_record"
    default_message = _("This record is not valid.")


class InvalidDocument(InvalidInput):
    default_code = "pets.invalid_document"
    default_message = _("Upload the document as a JPEG, PNG or WebP photo or a PDF, within the size limit.")


class AlreadySuperseded(Conflict):
    default_code = "pets.record_superseded"
    default_message = _("This record has been corrected already: correct the latest version.")


class InvalidTreeSize(InvalidInput):
    default_code = "pets.invalid_tree_size"
    default_message = _("The log has no checkpoint of this size.")


class InvalidPet(InvalidInput):
    default_code = "pets.invalid_pet"
    default_message = _("This value is not valid.")


class MicrochipTaken(Conflict):
    default_code = "pets.microchip_taken"
    default_message = _("An animal with this microchip number is already for sale.")


class NotAPetSeller(PermissionDenied):
    default_code = "pets.not_a_pet_seller"
    default_message = _("Only breeders, pet shops, rescues and private sellers list pets.")


class SaleNotFound(NotFound):
    default_code = "pets.sale_not_found"
    default_message = _("Pet order not found.")


class InvalidSale(InvalidInput):
    default_code = "pets.invalid_sale"
    default_message = _("This value is not valid.")


class QuarantineRequired(Conflict):
    default_code = "pets.quarantine_required"
    default_message = _(
        "A pet travels by courier or air only with its quarantine certificate: upload it before sending the order."
    )


class ArrivalNotConfirmed(Conflict):
    default_code = "pets.arrival_not_confirmed"
    default_message = _("Confirm how the pet arrived first.")


class ClaimTooLate(InvalidInput):
    default_code = "pets.claim_too_late"
    default_message = _("The guarantee for this claim has run out.")


class NotShipped(Conflict):
    default_code = "pets.not_shipped"
    default_message = _("The pet has not been sent yet.")


class InvalidRule(InvalidInput):
    default_code = "pets.invalid_rule"
    default_message = _("This value is not valid.")


class RuleNotFound(NotFound):
    default_code = "pets.rule_not_found"
    default_message = _("Not found.")
