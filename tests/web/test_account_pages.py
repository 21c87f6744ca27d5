"""账户与安全 and 忘记密码: the pages of account self-service."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from jishi.accounts.models import User
from jishi.notifications.models import SandboxSms
from tests import factories
from tests.conftest import image_bytes
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another fine passphrase"
PHONE = "13812345678"
ACCOUNT = "/account/"
RESET = "/password-reset/"


@pytest.fixture
def signed_in(english, buyer):
    english.force_login(buyer)
    return english


@pytest.fixture
def sending(django_capture_on_commit_callbacks):
    """Post as if the request's transaction committed, so the code it sends goes out."""

    def run(client, url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data, headers={"Referer": url if url == RESET else ACCOUNT})

    return run


def last_code() -> str:
    return re.search(r"\b(\d{6})\b", SandboxSms.objects.order_by("-id").first().text).group(1)


def post(client, url, data, referer=ACCOUNT):
    return client.post(url, data, headers={"Referer": referer})


def test_the_urls_are_where_the_tests_look(db):
    assert reverse("buyer:account") == ACCOUNT
    assert reverse("buyer:password_reset") == RESET


def test_the_account_page_has_every_form(signed_in, buyer):
    # when
    page = signed_in.get(ACCOUNT).content.decode()
    # then
    for text in ("Account and security", "Nickname", "New avatar", "Change password", "New mobile number"):
        assert text in page
    assert "New e-mail address" in page
    assert buyer.masked_email in page
    assert f'value="{buyer.display_name}"' in page


def test_the_account_page_needs_a_sign_in(client):
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("buyer:login"))
    assert client.post(reverse("buyer:password_change"), {}).status_code == 302


def test_the_nickname_is_saved_and_a_long_one_is_shown_again_with_its_error(signed_in, buyer):
    assert (
        post(signed_in, reverse("buyer:profile_save"), {"_form": "profile", "display_name": "小猫"}).status_code == 302
    )
    assert User.objects.get(pk=buyer.pk).display_name == "小猫"
    refused = post(signed_in, reverse("buyer:profile_save"), {"_form": "profile", "display_name": "猫" * 51})
    assert refused.status_code == 422
    assert "at most 50 characters" in refused.content.decode()
    assert User.objects.get(pk=buyer.pk).display_name == "小猫"


def test_an_avatar_upload_shows_on_the_me_page_and_a_bad_file_is_refused(signed_in, buyer):
    # when a file that is no image comes
    refused = post(
        signed_in, reverse("buyer:avatar_save"), {"_form": "avatar", "avatar": SimpleUploadedFile("x.png", b"no")}
    )
    assert refused.status_code == 422
    assert "Upload a JPEG, PNG or WebP image." in refused.content.decode()
    assert User.objects.get(pk=buyer.pk).avatar.name == ""
    # when an image comes
    saved = post(
        signed_in,
        reverse("buyer:avatar_save"),
        {"_form": "avatar", "avatar": SimpleUploadedFile("a.png", image_bytes("PNG", (800, 800)))},
    )
    # then
    assert saved.status_code == 302
    url = User.objects.get(pk=buyer.pk).avatar.url
    assert url in signed_in.get(reverse("buyer:me")).content.decode()
    assert url in signed_in.get(ACCOUNT).content.decode()
    # and it can be removed
    post(signed_in, reverse("buyer:avatar_save"), {"remove": "1"})
    assert User.objects.get(pk=buyer.pk).avatar.name == ""


def test_changing_the_password_keeps_this_browser_and_signs_out_the_others(signed_in, buyer):
    # given another browser signed in
    other = Client()
    other.force_login(buyer)
    # when
    response = post(
        signed_in,
        reverse("buyer:password_change"),
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
    )
    # then
    assert response.status_code == 302
    assert signed_in.get(ACCOUNT).status_code == 200
    assert other.get(ACCOUNT).status_code == 302
    assert User.objects.get(pk=buyer.pk).check_password(NEW_PASSWORD)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"current_password": "nope", "new_password": NEW_PASSWORD}, "The password is incorrect."),
        ({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "mismatch": True}, "are not the same"),
        ({"current_password": PASSWORD, "new_password": "12345678"}, "too common"),
    ],
)
def test_a_refused_password_change_is_shown_on_the_page_and_changes_nothing(signed_in, buyer, data, message):
    data = dict(data)
    again = "something else entirely" if data.pop("mismatch", False) else data["new_password"]
    response = post(
        signed_in, reverse("buyer:password_change"), {"_form": "password", **data, "new_password_again": again}
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert User.objects.get(pk=buyer.pk).check_password(PASSWORD)


def test_a_new_mobile_number_is_confirmed_with_the_code_sent_to_it(signed_in, buyer, sending):
    # when the code is asked for
    response = sending(
        signed_in,
        reverse("buyer:contact_code", args=["phone"]),
        {"_form": "phone", "value": PHONE, "password": PASSWORD},
    )
    assert response.status_code == 302
    page = signed_in.get(ACCOUNT).content.decode()
    assert "Enter the code we sent to 138****5678." in page
    # when a wrong code comes
    wrong = f"{(int(last_code()) + 1) % 10**6:06d}"
    refused = post(
        signed_in, reverse("buyer:contact_confirm", args=["phone"]), {"_form": "phone-confirm", "code": wrong}
    )
    assert refused.status_code == 422
    assert "The code is not right." in refused.content.decode()
    assert User.objects.get(pk=buyer.pk).phone == ""
    # when the right one comes
    done = post(signed_in, reverse("buyer:contact_confirm", args=["phone"]), {"code": last_code()})
    # then
    assert done.status_code == 302
    assert User.objects.get(pk=buyer.pk).phone == PHONE
    assert "Enter the code we sent" not in signed_in.get(ACCOUNT).content.decode()


def test_a_number_of_another_account_is_refused_beside_the_field(signed_in, buyer):
    factories.user(email=None, phone=PHONE)
    response = post(
        signed_in,
        reverse("buyer:contact_code", args=["phone"]),
        {"_form": "phone", "value": PHONE, "password": PASSWORD},
    )
    assert response.status_code == 422
    assert "already exists" in response.content.decode()
    assert SandboxSms.objects.count() == 0


def test_a_new_e_mail_address_is_confirmed_with_the_code_sent_to_it(english, sending):
    # given an account with a mobile number only
    user = factories.user(email=None, phone=PHONE)
    english.force_login(user)
    # when
    sending(
        english,
        reverse("buyer:contact_code", args=["email"]),
        {"_form": "email", "value": "new@example.com", "password": PASSWORD},
    )
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    post(english, reverse("buyer:contact_confirm", args=["email"]), {"code": code})
    # then
    assert User.objects.get(pk=user.pk).email == "new@example.com"


def test_an_unknown_channel_is_404(signed_in):
    assert signed_in.post(reverse("buyer:contact_code", args=["fax"]), {}).status_code == 404


def test_the_log_in_page_links_to_the_reset(english):
    assert f'href="{RESET}"' in english.get(reverse("buyer:login")).content.decode()


def test_a_forgotten_password_is_reset_by_code_and_every_session_ends(english, sending):
    # given an account signed in elsewhere
    user = factories.user(email=None, phone=PHONE)
    elsewhere = Client()
    elsewhere.force_login(user)
    # when a code is asked for
    response = sending(english, RESET, {"_form": "request", "identifier": PHONE})
    assert response.status_code == 302
    page = english.get(RESET).content.decode()
    assert "Enter the code sent to 138****5678" in page
    assert PHONE not in page
    # when it comes back with a new password
    done = post(
        english,
        RESET,
        {"_form": "confirm", "code": last_code(), "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
        referer=RESET,
    )
    # then
    assert done.status_code == 302
    assert done["Location"] == reverse("buyer:login")
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert elsewhere.get(ACCOUNT).status_code == 302


def test_an_unknown_account_sees_the_same_as_a_known_one(english, sending):
    factories.user(email=None, phone=PHONE)
    known = sending(english, RESET, {"_form": "request", "identifier": PHONE})
    known_page = english.get(RESET).content.decode()
    stranger = Client(HTTP_ACCEPT_LANGUAGE="en")
    unknown = sending(stranger, RESET, {"_form": "request", "identifier": "13900001111"})
    unknown_page = stranger.get(RESET).content.decode()
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    message = "If an account uses it, a code is on its way."
    assert message in known_page
    assert message in unknown_page


def test_a_wrong_code_on_the_reset_page_is_shown_beside_the_code(english, sending):
    factories.user(email=None, phone=PHONE)
    sending(english, RESET, {"_form": "request", "identifier": PHONE})
    wrong = f"{(int(last_code()) + 1) % 10**6:06d}"
    response = post(
        english,
        RESET,
        {"_form": "confirm", "code": wrong, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
        referer=RESET,
    )
    assert response.status_code == 422
    assert 'class="field-error"' in response.content.decode()
    assert "The code is not right." in response.content.decode()
    assert User.objects.get(email=None).check_password(PASSWORD)


def test_starting_the_reset_again_forgets_the_number(english, sending):
    factories.user(email=None, phone=PHONE)
    sending(english, RESET, {"_form": "request", "identifier": PHONE})
    post(english, RESET, {"_form": "restart"}, referer=RESET)
    assert 'name="identifier"' in english.get(RESET).content.decode()
