"""Errors of the accounts domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import Conflict, DomainError, InvalidInput, NotAuthenticated, NotFound


class InvalidCredentials(DomainError):
    status = 401
    default_code = "auth.invalid_credentials"
    default_message = _("The account or password is incorrect.")


class InvalidToken(NotAuthenticated):
    default_code = "auth.invalid_token"
    default_message = _("This token is wrong, expired or revoked. Sign in again.")


class IdentifierTaken(Conflict):
    default_code = "accounts.identifier_taken"
    default_message = _("An account with this e-mail address or mobile number already exists.")


class WeakPassword(InvalidInput):
    default_code = "accounts.weak_password"


class AddressNotFound(NotFound):
    default_code = "accounts.address_not_found"
    default_message = _("Address not found.")


class TokenNotFound(NotFound):
    default_code = "accounts.token_not_found"
    default_message = _("Token not found.")


class KycNotFound(NotFound):
    default_code = "accounts.kyc_not_found"
    default_message = _("Verification not found.")


class KycAlreadySubmitted(Conflict):
    default_code = "accounts.kyc_already_submitted"
    default_message = _("A verification is already pending or approved.")


class IdNumberInUse(Conflict):
    default_code = "accounts.id_number_in_use"
    default_message = _("This ID number is already verified on another account.")


class KycNotPending(Conflict):
    default_code = "accounts.kyc_not_pending"
    default_message = _("Only a pending verification can be decided.")


class TooManyAddresses(Conflict):
    default_code = "accounts.too_many_addresses"
    default_message = _("An address book holds at most 50 addresses.")


class UserNotFound(NotFound):
    default_code = "accounts.user_not_found"
    default_message = _("User not found.")


class UserProtected(Conflict):
    default_code = "accounts.user_protected"
    default_message = _("You cannot disable yourself, and only an administrator can disable an operator.")


class IdentifierUnknown(InvalidInput):
    default_code = "accounts.identifier_unknown"
    default_message = _("No account has this mobile number or e-mail address.")


class UserDisabled(Conflict):
    default_code = "accounts.user_disabled"
    default_message = _("This account is disabled: enable it before giving it an operator role.")


class LastAdministrator(Conflict):
    default_code = "accounts.last_admin"
    default_message = _("The platform needs at least one administrator: make someone else one first.")


# Self-service: passwords, one-time codes, contact details ---------------------------------------


class WrongPassword(InvalidInput):
    default_code = "accounts.wrong_password"
    default_message = _("The password is incorrect.")


class CodeInvalid(InvalidInput):
    default_code = "accounts.code_invalid"
    default_message = _("The code is not right. Check it and try again.")


class CodeExpired(InvalidInput):
    default_code = "accounts.code_expired"
    default_message = _("The code has expired or can no longer be used. Ask for a new one.")


class ContactUnchanged(InvalidInput):
    default_code = "accounts.contact_unchanged"
    default_message = _("This is already your current one.")
