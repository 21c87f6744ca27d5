"""Self-service: changing the password, resetting a forgotten one by code, changing phone or e-mail, the profile."""

import datetime as dt
import re
import threading

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase
from PIL import Image

from jishi.accounts import codes, services
from jishi.accounts.models import ApiToken, CodePurpose, User, VerificationCode
from jishi.core.errors import DomainError, RateLimited
from jishi.core.models import AuditEntry
from jishi.notifications.models import SandboxSms
from tests import factories
from tests.conftest import image_bytes
from tests.factories import PASSWORD
from tests.races import race

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another fine passphrase"
PHONE = "13812345678"
IP = "203.0.113.7"


@pytest.fixture
def phone_user(db):
    return factories.user(email=None, phone=PHONE)


def sent_code() -> str:
    """The code in the newest SMS of the sandbox, or else the newest e-mail."""
    sms = SandboxSms.objects.order_by("-id").first()
    text = sms.text if sms is not None else mail.outbox[-1].body
    return re.search(r"\b(\d{6})\b", text).group(1)


def travel(minutes: int) -> None:
    """Move every code's clock back, as if ``minutes`` had passed since it was sent."""
    for row in VerificationCode.objects.all():
        VerificationCode.objects.filter(pk=row.pk).update(
            created_at=row.created_at - dt.timedelta(minutes=minutes),
            expires_at=row.expires_at - dt.timedelta(minutes=minutes),
        )


def raises_code(expected, call, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == expected
    assert caught.value.status < 500
    return caught.value


def reset_request(identifier, ip=IP):
    """Ask for a reset code as if the request's transaction committed: the code is sent after commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.password_reset_request(identifier=identifier, ip=ip)


def confirm_reset(code, password=NEW_PASSWORD, identifier=PHONE):
    return services.password_reset_confirm(identifier=identifier, code=code, new_password=password, ip=IP)


# Changing the password ------------------------------------------------------------------------------


def test_a_wrong_current_password_changes_nothing(buyer):
    # given
    _, secret = services.token_create(user=buyer)
    # when
    error = raises_code(
        "accounts.wrong_password",
        services.password_change,
        actor=buyer,
        current_password="not my password",
        new_password=NEW_PASSWORD,
    )
    # then
    assert error.field == "current_password"
    buyer.refresh_from_db()
    assert buyer.check_password(PASSWORD)
    assert buyer.session_generation == 0
    assert services.token_authenticate(secret) == buyer
    assert not AuditEntry.objects.filter(action="accounts.password_changed").exists()


def test_wrong_current_passwords_are_throttled_with_the_log_in_window(buyer):
    for _ in range(5):
        raises_code(
            "accounts.wrong_password",
            services.password_change,
            actor=buyer,
            current_password="nope",
            new_password=NEW_PASSWORD,
        )
    with pytest.raises(RateLimited):
        services.password_change(actor=buyer, current_password=PASSWORD, new_password=NEW_PASSWORD)
    buyer.refresh_from_db()
    assert buyer.check_password(PASSWORD)


def test_a_weak_new_password_is_refused(buyer):
    error = raises_code(
        "accounts.weak_password", services.password_change, actor=buyer, current_password=PASSWORD, new_password="1234"
    )
    assert error.field == "new_password"
    buyer.refresh_from_db()
    assert buyer.check_password(PASSWORD)


def test_changing_the_password_ends_other_sessions_and_tokens_but_the_kept_one(buyer):
    # given two tokens, one of them the caller's
    _, kept = services.token_create(user=buyer)
    _, other = services.token_create(user=buyer)
    # when
    user = services.password_change(actor=buyer, current_password=PASSWORD, new_password=NEW_PASSWORD, keep_token=kept)
    # then
    assert user.check_password(NEW_PASSWORD)
    assert User.objects.get(pk=buyer.pk).session_generation == user.session_generation == 1
    assert services.token_authenticate(kept) == buyer
    assert services.token_authenticate(other) is None
    entry = AuditEntry.objects.get(action="accounts.password_changed")
    assert (entry.actor_id, entry.target_id, entry.after) == (buyer.pk, str(buyer.pk), {"tokens_revoked": 1})


# Forgotten password --------------------------------------------------------------------------------


def test_a_reset_code_goes_by_sms_and_only_its_keyed_hash_is_stored(phone_user):
    # when
    reset_request(identifier="+86 138 1234 5678", ip=IP)
    # then
    code = sent_code()
    sms = SandboxSms.objects.get()
    assert sms.phone_masked != PHONE
    assert PHONE not in sms.text
    row = VerificationCode.objects.get()
    assert row.user == phone_user
    assert (row.purpose, row.channel, row.attempts, row.used_at) == ("password_reset", "phone", 0, None)
    assert code not in row.code_hash
    assert PHONE not in row.target_index
    assert dt.timedelta(minutes=14) < row.expires_at - row.created_at <= dt.timedelta(minutes=15)


def test_a_reset_code_goes_by_e_mail_to_an_e_mail_account(buyer):
    reset_request(identifier="Buyer-A@Example.com", ip=IP)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["buyer-a@example.com"]
    user = confirm_reset(sent_code(), identifier="buyer-a@example.com")
    assert user == buyer
    assert User.objects.get(pk=buyer.pk).check_password(NEW_PASSWORD)


def test_an_unknown_account_gets_the_same_answer_and_the_same_writes_but_nothing_is_sent(phone_user):
    # when
    known = reset_request(identifier=PHONE, ip=IP)
    unknown = reset_request(identifier="13900001111", ip=IP)
    unknown_mail = reset_request(identifier="nobody@example.com", ip=IP)
    # then
    assert known is unknown is unknown_mail is None
    assert SandboxSms.objects.count() == 1
    assert mail.outbox == []
    assert VerificationCode.objects.count() == 3
    assert VerificationCode.objects.filter(user__isnull=True).count() == 2
    # and no code opens the unknown one: it answers like a wrong code
    raises_code("accounts.code_invalid", confirm_reset, code=sent_code(), identifier="13900001111")


def test_confirming_sets_the_password_and_ends_every_session_and_token(phone_user):
    # given
    _, secret = services.token_create(user=phone_user)
    reset_request(identifier=PHONE, ip=IP)
    # when
    user = confirm_reset(sent_code())
    # then
    stored = User.objects.get(pk=phone_user.pk)
    assert stored.check_password(NEW_PASSWORD)
    assert stored.session_generation == user.session_generation == 1
    assert services.token_authenticate(secret) is None
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()
    assert VerificationCode.objects.get().used_at is not None
    entry = AuditEntry.objects.get(action="accounts.password_reset")
    assert entry.after == {"channel": "phone", "tokens_revoked": 1}


def test_a_code_works_once(phone_user):
    # given a reset done with the code
    reset_request(identifier=PHONE, ip=IP)
    code = sent_code()
    confirm_reset(code)
    # when the same code comes again
    raises_code("accounts.code_expired", confirm_reset, code=code, password="yet another passphrase")
    # then the second password was not set
    assert User.objects.get(pk=phone_user.pk).check_password(NEW_PASSWORD)


def test_of_two_confirmations_that_both_passed_the_check_only_one_consumes_the_code(phone_user):
    # given two confirmations that both checked the right code
    reset_request(identifier=PHONE, ip=IP)
    target, code = codes.target_of(PHONE), sent_code()
    first = codes.check(purpose=CodePurpose.PASSWORD_RESET, target=target, code=code, ip=IP)
    second = codes.check(purpose=CodePurpose.PASSWORD_RESET, target=target, code=code, ip=IP)
    # when both try to consume it
    codes.consume(first)
    # then the guard in the UPDATE refuses the second
    raises_code("accounts.code_expired", codes.consume, row=second)


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_confirmations_with_one_code_make_one_winner():
    factories.user(email=None, phone=PHONE)
    reset_request(identifier=PHONE, ip=IP)
    code = sent_code()
    barrier, outcomes = threading.Barrier(2), []

    def run(password):
        try:
            barrier.wait()
            confirm_reset(code, password=password)
            outcomes.append(("ok", password))
        except DomainError as error:
            outcomes.append(("error", error.code))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(p,)) for p in (NEW_PASSWORD, "yet another passphrase")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"]
    assert ("error", "accounts.code_expired") in outcomes
    winner = next(password for kind, password in outcomes if kind == "ok")
    assert User.objects.get().check_password(winner)
    assert AuditEntry.objects.filter(action="accounts.password_reset").count() == 1


def test_five_wrong_guesses_burn_the_code(phone_user):
    # given
    reset_request(identifier=PHONE, ip=IP)
    code = sent_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    # when
    for _ in range(5):
        error = raises_code("accounts.code_invalid", confirm_reset, code=wrong)
        assert error.field == "code"
        assert User.objects.get(pk=phone_user.pk).check_password(PASSWORD)
    # then even the right code is refused
    raises_code("accounts.code_expired", confirm_reset, code=code)
    assert VerificationCode.objects.get().attempts == 5
    assert User.objects.get(pk=phone_user.pk).check_password(PASSWORD)


def test_a_code_expires_after_fifteen_minutes(phone_user):
    # given
    reset_request(identifier=PHONE, ip=IP)
    code = sent_code()
    # when 14 minutes pass it still works (checked without consuming it) ...
    travel(14)
    codes.check(purpose=CodePurpose.PASSWORD_RESET, target=codes.target_of(PHONE), code=code, ip=IP)
    # ... and after 15 it does not
    travel(1)
    raises_code("accounts.code_expired", confirm_reset, code=code)
    assert User.objects.get(pk=phone_user.pk).check_password(PASSWORD)


def test_a_new_code_replaces_the_earlier_one(phone_user):
    reset_request(identifier=PHONE, ip=IP)
    first = sent_code()
    cache.clear()  # past the minute between two codes to one number
    reset_request(identifier=PHONE, ip=IP)
    second = sent_code()
    if first != second:
        raises_code("accounts.code_invalid", confirm_reset, code=first)
    confirm_reset(second)
    assert User.objects.get(pk=phone_user.pk).check_password(NEW_PASSWORD)


def test_a_weak_new_password_keeps_the_code_for_another_try(phone_user):
    reset_request(identifier=PHONE, ip=IP)
    code = sent_code()
    raises_code("accounts.weak_password", confirm_reset, code=code, password="12345678")
    confirm_reset(code)
    assert User.objects.get(pk=phone_user.pk).check_password(NEW_PASSWORD)


@pytest.mark.parametrize("identifier", [PHONE, "13900001111"])
def test_requests_are_throttled_per_target_alike_for_known_and_unknown(phone_user, identifier):
    reset_request(identifier=identifier, ip=IP)
    with pytest.raises(RateLimited) as caught:
        reset_request(identifier=identifier, ip="198.51.100.1")
    assert caught.value.code == "accounts.too_many_codes"
    assert 0 < caught.value.retry_after <= 60
    assert VerificationCode.objects.count() == 1


def test_requests_are_throttled_per_client_address(phone_user):
    for n in range(20):
        reset_request(identifier=f"1390000{n:04d}", ip=IP)
    with pytest.raises(RateLimited):
        reset_request(identifier=PHONE, ip=IP)
    assert SandboxSms.objects.count() == 0
    reset_request(identifier=PHONE, ip="198.51.100.1")
    assert SandboxSms.objects.count() == 1


def test_a_malformed_identifier_is_a_field_error(db):
    error = raises_code("accounts.invalid_phone", reset_request, identifier="12345", ip=IP)
    assert error.field == "identifier"
    raises_code("accounts.invalid_email", reset_request, identifier="a@b", ip=IP)


# Changing phone or e-mail --------------------------------------------------------------------------


def request_contact(user, value, channel="phone", password=PASSWORD):
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.contact_change_request(actor=user, channel=channel, value=value, password=password, ip=IP)


def test_a_new_phone_is_confirmed_with_the_code_sent_to_it(buyer):
    # when
    request_contact(buyer, PHONE)
    user = services.contact_change_confirm(actor=buyer, channel="phone", value=PHONE, code=sent_code(), ip=IP)
    # then
    assert User.objects.get(pk=buyer.pk).phone == PHONE == user.phone == buyer.phone
    entry = AuditEntry.objects.get(action="accounts.phone_changed")
    assert entry.before == {"phone": ""}
    assert entry.after["phone"].startswith("138")
    assert PHONE not in entry.after["phone"]


def test_a_new_e_mail_is_confirmed_with_the_code_sent_to_it(phone_user):
    request_contact(phone_user, "New@Example.com", channel="email")
    assert mail.outbox[0].to == ["new@example.com"]
    services.contact_change_confirm(actor=phone_user, channel="email", value="new@example.com", code=sent_code(), ip=IP)
    assert User.objects.get(pk=phone_user.pk).email == "new@example.com"
    assert AuditEntry.objects.filter(action="accounts.email_changed", target_id=str(phone_user.pk)).exists()


def test_a_contact_change_needs_the_current_password(buyer):
    error = raises_code("accounts.wrong_password", request_contact, user=buyer, value=PHONE, password="nope")
    assert error.field == "password"
    assert SandboxSms.objects.count() == 0
    assert VerificationCode.objects.count() == 0


def test_a_phone_another_account_holds_is_refused(buyer, phone_user):
    error = raises_code("accounts.identifier_taken", request_contact, user=buyer, value=PHONE)
    assert error.status == 409
    assert SandboxSms.objects.count() == 0


def test_a_phone_another_account_took_meanwhile_is_refused_at_confirmation(buyer):
    # given a code sent to a free number
    request_contact(buyer, PHONE)
    code = sent_code()
    # when another account signs up with it before the code comes back
    services.user_sign_up(identifier=PHONE, password=PASSWORD)
    # then
    raises_code(
        "accounts.identifier_taken",
        services.contact_change_confirm,
        actor=buyer,
        channel="phone",
        value=PHONE,
        code=code,
        ip=IP,
    )
    assert User.objects.get(pk=buyer.pk).phone == ""
    assert not AuditEntry.objects.filter(action="accounts.phone_changed").exists()


def test_one_users_code_does_not_change_another_users_contact(buyer, other_buyer):
    request_contact(buyer, PHONE)
    raises_code(
        "accounts.code_expired",
        services.contact_change_confirm,
        actor=other_buyer,
        channel="phone",
        value=PHONE,
        code=sent_code(),
        ip=IP,
    )
    assert User.objects.get(pk=other_buyer.pk).phone == ""


def test_the_current_contact_is_not_a_change(buyer):
    raises_code("accounts.contact_unchanged", request_contact, user=buyer, value="buyer-a@example.com", channel="email")


# Profile --------------------------------------------------------------------------------------------


def test_the_nickname_is_trimmed_and_limited(buyer):
    assert services.profile_update(actor=buyer, display_name="  小  猫 ").display_name == "小 猫"
    assert User.objects.get(pk=buyer.pk).display_name == "小 猫"
    error = raises_code("accounts.display_name_too_long", services.profile_update, actor=buyer, display_name="猫" * 51)
    assert error.field == "display_name"
    assert User.objects.get(pk=buyer.pk).display_name == "小 猫"


def test_an_avatar_is_re_encoded_small_and_replaces_the_old_file(buyer):
    # given
    first = services.avatar_set(actor=buyer, upload=SimpleUploadedFile("a.png", image_bytes("PNG", (900, 600))))
    old_name = first.avatar.name
    storage = first.avatar.storage
    # when
    with TestCase.captureOnCommitCallbacks(execute=True):  # the old file goes once the change commits
        services.avatar_set(actor=buyer, upload=SimpleUploadedFile("b.webp", image_bytes("WEBP", (50, 50))))
    # then
    stored = User.objects.get(pk=buyer.pk)
    assert stored.avatar.name.startswith("avatars/")
    assert stored.avatar.name.endswith(".jpg")
    with stored.avatar.open("rb") as handle:
        image = Image.open(handle)
        assert image.format == "JPEG"
        assert max(image.size) <= 400
    assert old_name != stored.avatar.name
    assert not storage.exists(old_name)


def test_a_bad_avatar_is_a_field_error_and_writes_nothing(buyer, settings):
    error = raises_code(
        "catalog.invalid_image",
        services.avatar_set,
        actor=buyer,
        upload=SimpleUploadedFile("x.png", b"GIF89a not really"),
    )
    assert (error.status, error.field) == (422, "avatar")
    big = SimpleUploadedFile("big.png", b"0" * (2 * 1024 * 1024 + 1))
    raises_code("accounts.avatar_too_large", services.avatar_set, actor=buyer, upload=big)
    assert User.objects.get(pk=buyer.pk).avatar.name == ""


def test_removing_the_avatar_is_idempotent(buyer):
    services.avatar_set(actor=buyer, upload=SimpleUploadedFile("a.png", image_bytes()))
    services.avatar_remove(actor=buyer)
    services.avatar_remove(actor=buyer)
    assert User.objects.get(pk=buyer.pk).avatar.name == ""


def test_a_reset_code_is_dead_once_the_number_is_no_longer_the_accounts(phone_user):
    reset_request(identifier=PHONE)
    code = sent_code()
    # the owner moves the account to another number before the code is used
    User.objects.filter(pk=phone_user.pk).update(phone_index=None)
    raises_code("accounts.code_expired", confirm_reset, code=code)
    phone_user.refresh_from_db()
    assert phone_user.check_password(PASSWORD)


def test_a_reset_code_resets_nothing_on_an_account_disabled_since(phone_user):
    reset_request(identifier=PHONE)
    code = sent_code()
    User.objects.filter(pk=phone_user.pk).update(is_active=False)
    raises_code("accounts.code_expired", confirm_reset, code=code)


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_twenty_wrong_guesses_at_once_are_compared_at_most_five_times():
    factories.user(email=None, phone=PHONE)
    reset_request(identifier=PHONE, ip=IP)
    right = sent_code()
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    outcomes = race(
        list(range(20)),
        lambda n: _outcome(
            lambda: services.password_reset_confirm(
                identifier=PHONE, code=wrong, new_password=NEW_PASSWORD, ip=f"203.0.113.{n + 10}"
            )
        ),
    )
    # every guess was counted before it was compared: five were wrong, the others found the code burnt
    assert outcomes.count("accounts.code_invalid") == 5
    assert outcomes.count("accounts.code_expired") == 15
    assert VerificationCode.objects.get().attempts == 5
    raises_code("accounts.code_expired", confirm_reset, code=right)


def _outcome(call):
    try:
        call()
    except DomainError as error:
        return error.code
    finally:
        connection.close()
    return "ok"
