"""Errors of the merchants domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import Conflict, InvalidInput, NotFound


class MerchantNotFound(NotFound):
    default_code = "merchants.not_found"
    default_message = _("Merchant not found.")


class AlreadyStaff(Conflict):
    default_code = "merchants.already_staff"
    default_message = _("This user already works for a merchant.")


class ApplicationNotFound(NotFound):
    default_code = "merchants.application_not_found"
    default_message = _("Application not found.")


class ApplicationPending(Conflict):
    default_code = "merchants.application_pending"
    default_message = _("You already have an application under review.")


class ApplicationDecided(Conflict):
    default_code = "merchants.application_decided"
    default_message = _("This application has already been decided.")


class KycRequired(Conflict):
    default_code = "merchants.kyc_required"
    default_message = _("Individuals need an approved real-name verification before applying.")


class QualificationMissing(InvalidInput):
    default_code = "merchants.qualification_missing"
    default_message = _("This kind of shop needs a valid permit.")


class ShopNameTaken(Conflict):
    default_code = "merchants.name_taken"
    default_message = _("This shop name is taken.")


class InvitationNotFound(NotFound):
    default_code = "merchants.invitation_not_found"
    default_message = _("Invitation not found.")


class InvitationPending(Conflict):
    default_code = "merchants.invitation_pending"
    default_message = _("This contact already has a pending invitation.")


class InvitationUsed(Conflict):
    default_code = "merchants.invitation_used"
    default_message = _("This invitation has already been used.")


class InvalidTransition(Conflict):
    default_code = "merchants.invalid_transition"
    default_message = _("The shop cannot move to that status from where it is.")


class MemberNotFound(NotFound):
    default_code = "merchants.member_not_found"
    default_message = _("This person is not a member of your shop.")


class OwnerProtected(Conflict):
    default_code = "merchants.owner_protected"
    default_message = _("The owner cannot be removed or given another role: transfer the ownership instead.")


class OwnerCannotLeave(Conflict):
    default_code = "merchants.owner_cannot_leave"
    default_message = _("The owner cannot leave the shop: transfer the ownership to a manager first.")


class TransferNeedsManager(Conflict):
    default_code = "merchants.transfer_needs_manager"
    default_message = _("Ownership passes only to a manager of the shop.")
