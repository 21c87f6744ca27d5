"""Bank accounts, withdrawals, their approval and payment, and ten withdrawals at once."""

import pytest
from django.db import connection

from jishi.accounts import services as accounts
from jishi.core.errors import InvalidInput, PermissionDenied, RateLimited
from jishi.core.models import AuditEntry
from jishi.core.money import Money
from jishi.ledger import selectors
from jishi.ledger import services as ledger
from jishi.ledger.errors import (
    InsufficientBalance,
    InvalidAmount,
    PayoutAccountMissing,
    PayoutNotPending,
)
from jishi.ledger.models import Account, AccountKind, JournalEntry, Payout
from jishi.ledger.reconcile import reconcile
from jishi.ledger.states import PayoutStatus
from jishi.merchants.models import Membership
from jishi.merchants.roles import StaffRole
from jishi.notifications.models import Notification
from tests import factories
from tests.factories import PASSWORD
from tests.ledger.conftest import funded
from tests.races import race

ACCOUNT = {"holder": "一号店有限公司", "bank": "招商银行", "number": "6225 8801 2345 6789"}


def _available(staff):
    return selectors.balances_of(staff.membership.merchant_id)[AccountKind.MERCHANT_AVAILABLE].minor


def _withdraw(staff, amount):
    return ledger.payout_request(actor=staff, amount=Money.parse(amount, "CNY"))


@pytest.fixture
def ready(merchant_staff, leaf_category):
    """A merchant with 1,000.00 available and a verified bank account."""
    funded(merchant_staff, leaf_category, "1000.00")
    ledger.payout_account_set(actor=merchant_staff, password=PASSWORD, **ACCOUNT)
    return merchant_staff


@pytest.mark.django_db
def test_changing_the_bank_account_needs_the_password_and_tells_the_owner(merchant_staff):
    with pytest.raises(InvalidInput) as wrong:
        ledger.payout_account_set(actor=merchant_staff, password="guess", **ACCOUNT)
    assert wrong.value.code == "ledger.reauthentication_failed"
    account = ledger.payout_account_set(actor=merchant_staff, password=PASSWORD, **ACCOUNT)
    assert account.is_verified
    assert account.number == "6225880123456789"
    assert account.number_masked == "**** 6789"
    assert Notification.objects.get(user=merchant_staff, kind="payout_account_changed")
    entry = AuditEntry.objects.get(action="ledger.payout_account_set")
    assert "6225880123456789" not in str(entry.after)


@pytest.mark.django_db
def test_guessing_the_password_on_the_bank_account_form_is_throttled_like_logging_in(merchant_staff):
    for _ in range(5):
        with pytest.raises(InvalidInput):
            ledger.payout_account_set(actor=merchant_staff, password="guess", **ACCOUNT)
    with pytest.raises(RateLimited) as blocked:
        ledger.payout_account_set(actor=merchant_staff, password=PASSWORD, **ACCOUNT)
    assert blocked.value.code == "auth.too_many_attempts"
    # and the same account cannot go on guessing by logging in
    with pytest.raises(RateLimited):
        accounts.user_log_in(identifier=merchant_staff.email.upper(), password=PASSWORD, ip="192.0.2.1")


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["", "12345", "6225-8801-2345-ABCD", "1" * 31])
def test_a_malformed_account_number_is_refused(merchant_staff, number):
    with pytest.raises(InvalidInput):
        ledger.payout_account_set(actor=merchant_staff, password=PASSWORD, **(ACCOUNT | {"number": number}))


@pytest.mark.django_db
def test_a_withdrawal_needs_a_verified_account(merchant_staff, leaf_category):
    funded(merchant_staff, leaf_category, "100.00")
    with pytest.raises(PayoutAccountMissing):
        _withdraw(merchant_staff, "10.00")


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["0", "-1.00", "1000.01"])
def test_a_withdrawal_of_nothing_or_more_than_available_changes_nothing(ready, amount):
    with pytest.raises((InvalidAmount, InsufficientBalance)):
        _withdraw(ready, amount)
    assert _available(ready) == 100000
    assert not Payout.objects.exists()


@pytest.mark.django_db
def test_an_approved_withdrawal_is_paid_and_booked(ready, finance):
    payout = _withdraw(ready, "300.00")
    assert _available(ready) == 70000
    ledger.payout_approve(actor=finance, number=payout.number)
    # approving again is a repeat (CONVENTIONS §5): unchanged, nothing written; rejecting it now is refused
    assert ledger.payout_approve(actor=finance, number=payout.number).status == PayoutStatus.APPROVED
    assert AuditEntry.objects.filter(action="ledger.payout_approved").count() == 1
    with pytest.raises(PayoutNotPending):
        ledger.payout_reject(actor=finance, number=payout.number, reason="重复")
    paid = ledger.payout_execute(payout_id=payout.pk)
    assert paid.status == PayoutStatus.PAID
    assert paid.adapter_reference.startswith("SBXP")
    assert ledger.payout_execute(payout_id=payout.pk) is None  # paying again does nothing
    balances = selectors.balances_of(ready.membership.merchant_id)
    assert balances[AccountKind.PAYOUTS_IN_TRANSIT].minor == 0
    assert balances[AccountKind.MERCHANT_AVAILABLE].minor == 70000
    assert Notification.objects.filter(user=ready, kind="payout_decided").count() == 1
    assert reconcile().ok


@pytest.mark.django_db
def test_a_rejected_withdrawal_returns_the_money(ready, finance):
    payout = _withdraw(ready, "300.00")
    with pytest.raises(InvalidInput):
        ledger.payout_reject(actor=finance, number=payout.number, reason="  ")
    ledger.payout_reject(actor=finance, number=payout.number, reason="账户名与营业执照不符")
    with pytest.raises(PayoutNotPending):
        ledger.payout_approve(actor=finance, number=payout.number)
    assert _available(ready) == 100000
    assert JournalEntry.objects.filter(reverses__payout=payout).count() == 1
    assert reconcile().ok


@pytest.mark.django_db
def test_a_payout_the_bank_refuses_returns_the_money(merchant_staff, leaf_category, finance):
    funded(merchant_staff, leaf_category, "500.00")
    ledger.payout_account_set(actor=merchant_staff, password=PASSWORD, **(ACCOUNT | {"number": "6225880123450000"}))
    payout = _withdraw(merchant_staff, "500.00")
    ledger.payout_approve(actor=finance, number=payout.number)
    assert ledger.payout_execute(payout_id=payout.pk).status == PayoutStatus.FAILED
    assert _available(merchant_staff) == 50000
    assert reconcile().ok


@pytest.mark.django_db
def test_only_finance_staff_withdraw_and_only_finance_operators_approve(ready, support, leaf_category):
    clerk = Membership.objects.create(
        merchant=ready.membership.merchant, user=factories.user(), role=StaffRole.STAFF
    ).user
    with pytest.raises(PermissionDenied):
        _withdraw(clerk, "1.00")
    payout = _withdraw(ready, "1.00")
    with pytest.raises(PermissionDenied):
        ledger.payout_approve(actor=support, number=payout.number)
    with pytest.raises(PermissionDenied):
        ledger.payout_approve(actor=ready, number=payout.number)


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_withdrawals_of_200_against_1000_succeed_exactly_five_times(ready):
    results = race([ready] * 10, lambda staff: _withdraw(staff, "200.00"))
    succeeded = [r for r in results if isinstance(r, Payout)]
    refused = [r for r in results if isinstance(r, InsufficientBalance)]
    assert (len(succeeded), len(refused)) == (5, 5), results
    available = Account.objects.get(merchant=ready.membership.merchant, kind=AccountKind.MERCHANT_AVAILABLE)
    assert available.balance_minor == 0
    assert Payout.objects.count() == 5
    assert reconcile().ok
    connection.close()
