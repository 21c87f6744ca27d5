"""The self-service API: password change and reset, contact change, profile and avatar."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jishi.accounts import services
from jishi.accounts.models import User, VerificationCode
from jishi.notifications.models import SandboxSms
from tests import factories
from tests.conftest import image_bytes
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another fine passphrase"
PHONE = "13812345678"


@pytest.fixture
def sending(django_capture_on_commit_callbacks):
    """Run a call as if its request's transaction committed, so the code it sends goes out."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def last_code() -> str:
    return re.search(r"\b(\d{6})\b", SandboxSms.objects.order_by("-id").first().text).group(1)


def bearer(user):
    _, secret = services.token_create(user=user)
    return {"Authorization": f"Bearer {secret}"}, secret


def test_a_reset_is_answered_alike_for_an_account_and_for_nobody(api, sending):
    # given
    factories.user(email=None, phone=PHONE)
    # when
    known = sending(api, "post", "/auth/password-reset", json={"identifier": PHONE})
    unknown = sending(api, "post", "/auth/password-reset", json={"identifier": "13900001111"})
    # then
    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json() == {"expires_in": 900}
    assert SandboxSms.objects.count() == 1


def test_a_reset_confirmed_by_code_sets_the_password_and_ends_every_token(api, sending):
    # given
    user = factories.user(email=None, phone=PHONE)
    headers, _ = bearer(user)
    sending(api, "post", "/auth/password-reset", json={"identifier": PHONE})
    # when a wrong code comes first
    body = {"identifier": PHONE, "code": f"{(int(last_code()) + 1) % 10**6:06d}", "new_password": NEW_PASSWORD}
    wrong = api("post", "/auth/password-reset/confirm", json=body)
    # then it is a field error and nothing changed
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "accounts.code_invalid"
    assert wrong.json()["field"] == "code"
    assert wrong.json()["message"]
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
    # when the right one comes
    response = api("post", "/auth/password-reset/confirm", json=body | {"code": last_code()})
    # then
    assert response.status_code == 204
    assert api("get", "/me", headers=headers).status_code == 401
    login = api("post", "/auth/login", json={"identifier": PHONE, "password": NEW_PASSWORD})
    assert login.status_code == 200
    assert VerificationCode.objects.get().attempts == 2  # every guess is counted before it is compared


def test_a_second_reset_request_within_the_minute_is_429_with_retry_after(api, sending):
    sending(api, "post", "/auth/password-reset", json={"identifier": "nobody@example.com"})
    response = api("post", "/auth/password-reset", json={"identifier": "nobody@example.com"})
    assert response.status_code == 429
    assert response.json()["code"] == "accounts.too_many_codes"
    assert 0 < int(response["Retry-After"]) <= 60


def test_changing_the_password_keeps_the_calling_token_only(api, buyer):
    # given
    headers, _ = bearer(buyer)
    other, _ = bearer(buyer)
    # when
    response = api(
        "post", "/me/password", headers=dict(headers), json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    # then
    assert response.status_code == 204
    assert api("get", "/me", headers=dict(headers)).status_code == 200
    assert api("get", "/me", headers=dict(other)).status_code == 401
    assert User.objects.get(pk=buyer.pk).check_password(NEW_PASSWORD)


def test_a_wrong_current_password_is_a_field_error(api, buyer):
    response = api("post", "/me/password", user=buyer, json={"current_password": "nope", "new_password": NEW_PASSWORD})
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == ("accounts.wrong_password", "current_password")
    assert User.objects.get(pk=buyer.pk).check_password(PASSWORD)


def test_changing_the_password_from_the_browser_keeps_that_session_and_ends_the_others(buyer):
    # given two browsers signed in
    this, other = Client(), Client()
    this.force_login(buyer)
    other.force_login(buyer)
    # when
    response = this.post(
        "/api/v1/me/password",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        content_type="application/json",
    )
    # then
    assert response.status_code == 204
    assert this.get("/api/v1/me").status_code == 200
    assert other.get("/api/v1/me").status_code == 401


def test_a_contact_change_needs_the_password_and_the_code_sent_to_the_new_number(api, buyer, sending):
    headers, _ = bearer(buyer)
    # when the password is wrong
    refused = api(
        "post", "/me/contact/code", headers=dict(headers), json={"channel": "phone", "value": PHONE, "password": "x"}
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "password"
    # when it is right
    sent = sending(
        api,
        "post",
        "/me/contact/code",
        headers=dict(headers),
        json={"channel": "phone", "value": PHONE, "password": PASSWORD},
    )
    assert sent.status_code == 200
    changed = api(
        "post", "/me/contact", headers=dict(headers), json={"channel": "phone", "value": PHONE, "code": last_code()}
    )
    # then
    assert changed.status_code == 200
    assert changed.json()["phone"] == PHONE
    assert User.objects.get(pk=buyer.pk).phone == PHONE


def test_a_phone_of_another_account_is_409(api, buyer):
    factories.user(email=None, phone=PHONE)
    response = api(
        "post", "/me/contact/code", user=buyer, json={"channel": "phone", "value": PHONE, "password": PASSWORD}
    )
    assert response.status_code == 409
    assert response.json() == {
        "code": "accounts.identifier_taken",
        "message": response.json()["message"],
        "field": "value",
    }
    assert SandboxSms.objects.count() == 0


def test_an_unknown_channel_is_refused(api, buyer):
    response = api(
        "post", "/me/contact/code", user=buyer, json={"channel": "fax", "value": PHONE, "password": PASSWORD}
    )
    assert response.status_code == 422


def test_profile_read_and_nickname_update(api, buyer):
    headers, _ = bearer(buyer)
    assert api("get", "/me/profile", headers=dict(headers)).json() == {
        "display_name": buyer.display_name,
        "avatar_url": None,
        "masked_phone": "",
        "masked_email": buyer.masked_email,
    }
    response = api("patch", "/me/profile", headers=dict(headers), json={"display_name": "小猫"})
    assert response.status_code == 200
    assert response.json()["display_name"] == "小猫"
    assert User.objects.get(pk=buyer.pk).display_name == "小猫"


def test_an_avatar_upload_is_re_encoded_and_a_bad_one_is_422(api, buyer):
    headers, _ = bearer(buyer)
    bad = api("post", "/me/avatar", headers=dict(headers), data={"avatar": SimpleUploadedFile("x.png", b"nope")})
    assert bad.status_code == 422
    assert (bad.json()["code"], bad.json()["field"]) == ("catalog.invalid_image", "avatar")
    good = api("post", "/me/avatar", headers=dict(headers), data={"avatar": SimpleUploadedFile("a.png", image_bytes())})
    assert good.status_code == 200
    assert good.json()["avatar_url"].startswith("/media/avatars/")
    assert good.json()["avatar_url"].endswith(".jpg")
    removed = api("delete", "/me/avatar", headers=dict(headers))
    assert removed.json()["avatar_url"] is None


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/me/profile"), ("patch", "/me/profile"), ("post", "/me/password"), ("post", "/me/contact/code")],
)
def test_the_account_routes_need_a_signed_in_user(api, method, path):
    assert api(method, path, json={}).status_code == 401
