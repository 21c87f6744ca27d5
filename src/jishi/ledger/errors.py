"""Errors of the ledger domain."""

from django.utils.translation import gettext_lazy as _

from jishi.core.errors import Conflict, InvalidInput, NotFound


class UnbalancedEntry(ValueError):
    """A programming error: the lines of a journal entry must sum to zero."""


class InvalidAmount(InvalidInput):
    default_code = "ledger.invalid_amount"
    default_message = _("Enter an amount greater than zero.")


class InsufficientBalance(Conflict):
    default_code = "ledger.insufficient_balance"
    default_message = _("The amount is more than the available balance.")


class PayoutAccountMissing(Conflict):
    default_code = "ledger.payout_account_missing"
    default_message = _("Add and verify a bank account before withdrawing.")


class InvalidBankAccount(InvalidInput):
    default_code = "ledger.invalid_bank_account"
    default_message = _("Enter the bank account number: 12 to 30 digits.")


class PayoutNotFound(NotFound):
    default_code = "ledger.payout_not_found"
    default_message = _("Withdrawal not found.")


class PayoutNotPending(Conflict):
    default_code = "ledger.payout_not_pending"
    default_message = _("This withdrawal has already been decided.")


class RefundTooLarge(Conflict):
    default_code = "ledger.refund_too_large"
    default_message = _("The refund is more than what is left of the payment.")


class OrderSettled(Conflict):
    default_code = "ledger.order_settled"
    default_message = _("This order has been settled; its money has gone to the merchant.")


class InvalidRate(InvalidInput):
    default_code = "ledger.invalid_rate"
    default_message = _("A commission rate is a percentage from 0 to 50 with at most two decimals.")
