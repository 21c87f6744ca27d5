import pytest

from jishi.accounts.models import ApiToken, User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_sign_up_by_mobile_stores_the_number_sealed_and_shows_it_to_its_owner(api):
    # when
    response = api("post", "/auth/signup", json={"identifier": "138 1234 1234", "password": PASSWORD})
    # then
    assert response.status_code == 201
    user = User.objects.get()
    assert user.phone == "13812341234"
    assert "13812341234" not in user.phone_sealed
    assert user.password.startswith("md5$") or user.password.startswith("argon2")
    assert response.json()["phone"] == "13812341234"


def test_passwords_are_hashed_with_argon2id(settings):
    from django.contrib.auth.hashers import make_password

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    assert make_password("correct horse battery").startswith("argon2$argon2id$")


def test_sign_up_twice_with_the_same_identifier_is_a_conflict(api):
    api("post", "/auth/signup", json={"identifier": "a@example.com", "password": PASSWORD})
    response = api("post", "/auth/signup", json={"identifier": "A@example.com", "password": PASSWORD})
    assert response.status_code == 409
    assert response.json()["code"] == "accounts.identifier_taken"
    assert User.objects.count() == 1


def test_weak_passwords_are_refused_with_the_field(api):
    response = api("post", "/auth/signup", json={"identifier": "a@example.com", "password": "12345678"})
    assert response.status_code == 422
    assert response.json()["field"] == "password"
    assert User.objects.count() == 0


def test_log_in_returns_a_token_that_authenticates_and_can_be_revoked(api, buyer):
    # given
    login = api("post", "/auth/login", json={"identifier": buyer.email, "password": PASSWORD})
    assert login.status_code == 200
    token = login.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    # then the token works and only its digest is stored
    assert api("get", "/me", headers=headers).json()["id"] == buyer.pk
    assert not ApiToken.objects.filter(digest=token).exists()
    # when revoked
    assert api("post", "/auth/logout", headers=dict(headers)).status_code == 204
    # then it no longer works, and the answer says why
    response = api("get", "/me", headers=dict(headers))
    assert response.status_code == 401
    assert response.json()["code"] == "auth.invalid_token"


def test_unknown_user_and_wrong_password_answer_the_same(api, buyer):
    unknown = api("post", "/auth/login", json={"identifier": "nobody@example.com", "password": PASSWORD})
    wrong = api("post", "/auth/login", json={"identifier": buyer.email, "password": "wrong password"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


def test_five_failures_lock_the_account_for_the_window_even_with_the_right_password(api, buyer):
    for _ in range(5):
        assert api("post", "/auth/login", json={"identifier": buyer.email, "password": "nope"}).status_code == 401
    response = api("post", "/auth/login", json={"identifier": buyer.email, "password": PASSWORD})
    assert response.status_code == 429
    assert response.json()["code"] == "auth.too_many_attempts"
    assert 0 < int(response["Retry-After"]) <= 15 * 60


def test_twenty_failures_from_one_address_block_that_address(api, buyer):
    for i in range(20):
        api("post", "/auth/login", json={"identifier": f"someone{i}@example.com", "password": "nope"})
    response = api("post", "/auth/login", json={"identifier": buyer.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Retry-After" in response


def test_me_needs_a_sign_in(api):
    response = api("get", "/me")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "field"}


@pytest.mark.parametrize(
    "spellings",
    [
        ["+86 138 0013 8000", "86 13800138000", "138 0013 8000", "138-0013-8000", "13800138000"],
        ["Phone@Example.com", "PHONE@example.com ", " phone@example.COM", "phone@example.com", "phone@EXAMPLE.com"],
    ],
)
def test_every_spelling_of_one_account_counts_against_the_same_five_tries(api, spellings):
    from tests.factories import UserFactory

    UserFactory(phone="13800138000", email="phone@example.com")
    for spelling in spellings:
        assert api("post", "/auth/login", json={"identifier": spelling, "password": "nope"}).status_code == 401
    # the phone and the e-mail address are one account: the sixth try is refused by either
    for identifier in ("13800138000", "phone@example.com"):
        response = api("post", "/auth/login", json={"identifier": identifier, "password": PASSWORD})
        assert response.status_code == 429
        assert response.json()["code"] == "auth.too_many_attempts"


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "auth.not_authenticated"),
        ({"Authorization": "Bearer jsk_not-a-token"}, "auth.invalid_token"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "auth.invalid_token"),
        ({"Authorization": "Bearer "}, "auth.invalid_token"),
    ],
)
def test_a_write_without_a_session_is_judged_by_its_token_first(client, headers, code):
    # no session cookie: nothing for a forged request to ride on, so the answer is 401, not 403 "page expired"
    for method, path in (
        ("post", "/api/v1/notifications/read"),
        ("post", "/api/v1/me/addresses"),
        ("delete", "/api/v1/me/tokens/1"),
    ):
        response = getattr(client, method)(path, data={}, content_type="application/json", headers=headers)
        assert response.status_code == 401, (path, response.content)
        assert response.json()["code"] == code


def test_a_session_without_its_csrf_token_is_still_refused(buyer):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(buyer)
    response = browser.post("/api/v1/me/addresses", data={}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "auth.csrf_failed"
