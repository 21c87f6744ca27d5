"""The merchant centre's team page: roles, removal and the ownership transfer; and leaving a shop."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jishi.core.models import AuditEntry
from jishi.merchants import services as merchants
from jishi.merchants.models import Membership
from tests import factories
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TEAM = "/merchant/team/"


@pytest.fixture(autouse=True)
def _tasks_recorded(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def join(owner, role, **fields):
    user = factories.user(**fields)
    invitation = merchants.invitation_create(actor=owner, contact=user.email, role=role)
    merchants.invitation_accept(actor=user, invitation_id=invitation.pk)
    return user


def roles(owner):
    return dict(Membership.objects.filter(merchant_id=owner.membership.merchant_id).values_list("user_id", "role"))


def test_the_owner_sees_each_member_with_a_role_select_a_remove_button_and_the_transfer_form(english, merchant_staff):
    # given
    staff = join(merchant_staff, "staff", display_name="店员小李")
    manager = join(merchant_staff, "manager", display_name="店长老张")
    english.force_login(merchant_staff)
    # when
    text = english.get(TEAM).content.decode()
    # then
    assert "店员小李" in text
    assert "店长老张" in text
    assert f'action="/merchant/team/members/{staff.pk}/role/"' in text
    assert f'action="/merchant/team/members/{staff.pk}/remove/"' in text
    assert f'action="/merchant/team/members/{merchant_staff.pk}/remove/"' not in text  # never the owner
    assert 'action="/merchant/team/transfer/"' in text
    assert f'<option value="{manager.pk}">店长老张</option>' in text
    assert f'<option value="{staff.pk}">店员小李</option>' not in text  # only managers take over
    assert 'type="password"' in text
    assert text.count("data-confirm=") == 3  # two remove buttons and the transfer
    assert "style=" not in text


def test_the_team_page_reads_a_fixed_number_of_queries_however_many_members(english, merchant_staff):
    english.force_login(merchant_staff)
    join(merchant_staff, "staff")
    english.get(TEAM)
    with CaptureQueriesContext(connection) as few:
        english.get(TEAM)
    for role in ("staff", "manager", "staff", "manager"):
        join(merchant_staff, role)
    with CaptureQueriesContext(connection) as many:
        assert english.get(TEAM).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_without_a_manager_the_page_says_how_to_hand_over(english, merchant_staff):
    join(merchant_staff, "staff")
    english.force_login(merchant_staff)
    text = english.get(TEAM).content.decode()
    assert 'action="/merchant/team/transfer/"' not in text
    assert "Ownership passes only to a manager: make a member a manager first." in text


def test_the_owner_changes_a_role_and_removes_a_member(english, merchant_staff):
    # given
    member = join(merchant_staff, "staff")
    english.force_login(merchant_staff)
    # when
    promoted = english.post(f"/merchant/team/members/{member.pk}/role/", {"role": "manager"})
    # then
    assert (promoted.status_code, promoted["Location"]) == (302, TEAM)
    assert roles(merchant_staff)[member.pk] == "manager"
    # when
    removed = english.post(f"/merchant/team/members/{member.pk}/remove/")
    # then
    assert removed.status_code == 302
    assert roles(merchant_staff) == {merchant_staff.pk: "owner"}
    assert "Removed from the team." in english.get(TEAM).content.decode()


def test_a_removed_member_loses_the_merchant_centre_on_their_next_click(client, merchant_staff, shop):
    # given
    member = join(merchant_staff, "staff")
    client.force_login(member)
    assert client.get("/merchant/orders/").status_code == 200
    assert client.get("/merchant/").status_code == 200
    # when
    merchants.member_remove(actor=merchant_staff, user_id=member.pk)
    # then
    assert client.get("/merchant/orders/").status_code == 403
    assert client.get("/merchant/").status_code == 403


def test_the_owner_hands_over_with_their_password(english, merchant_staff):
    # given
    manager = join(merchant_staff, "manager")
    english.force_login(merchant_staff)
    # when
    answer = english.post("/merchant/team/transfer/", {"user_id": str(manager.pk), "password": PASSWORD})
    # then
    assert (answer.status_code, answer["Location"]) == (302, "/merchant/orders/")
    assert roles(merchant_staff) == {merchant_staff.pk: "manager", manager.pk: "owner"}
    assert english.get(TEAM).status_code == 403  # the former owner no longer manages the team
    assert AuditEntry.objects.filter(action="merchant.ownership_transfer").count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"password": "wrong"}, "The password is wrong."),
        ({"user_id": "", "password": PASSWORD}, "Choose the manager who takes over."),
        ({"user_id": "staff", "password": PASSWORD}, "Ownership passes only to a manager of the shop."),
    ],
)
def test_a_refused_transfer_shows_the_team_page_again_and_changes_nothing(english, merchant_staff, fields, message):
    # given
    manager = join(merchant_staff, "manager")
    staff = join(merchant_staff, "staff")
    english.force_login(merchant_staff)
    before = roles(merchant_staff)
    data = {"user_id": str(manager.pk), "_form": "transfer", **fields}
    if data["user_id"] == "staff":
        data["user_id"] = str(staff.pk)
    # when
    answer = english.post("/merchant/team/transfer/", data, HTTP_REFERER=f"http://testserver{TEAM}")
    # then
    assert answer.status_code == 422
    text = answer.content.decode()
    assert message in text
    assert 'value="wrong"' not in text  # a password is never typed back into the page
    assert roles(merchant_staff) == before


def test_changing_the_owners_role_is_refused_in_place(english, merchant_staff):
    english.force_login(merchant_staff)
    answer = english.post(
        f"/merchant/team/members/{merchant_staff.pk}/remove/", HTTP_REFERER=f"http://testserver{TEAM}"
    )
    assert answer.status_code == 422
    assert "The owner cannot be removed" in answer.content.decode()
    assert roles(merchant_staff) == {merchant_staff.pk: "owner"}


@pytest.mark.parametrize("who", ["staff", "manager", "buyer", "other_owner"])
def test_only_the_owner_posts_team_changes(client, merchant_staff, other_merchant_staff, buyer, who):
    # given
    member = join(merchant_staff, "staff")
    actor = {
        "staff": member,
        "manager": join(merchant_staff, "manager"),
        "buyer": buyer,
        "other_owner": other_merchant_staff,
    }[who]
    client.force_login(actor)
    before = roles(merchant_staff)
    # when
    answers = [
        client.get(TEAM),
        client.post(f"/merchant/team/members/{member.pk}/role/", {"role": "manager"}),
        client.post(f"/merchant/team/members/{member.pk}/remove/"),
        client.post("/merchant/team/transfer/", {"user_id": str(member.pk), "password": PASSWORD}),
    ]
    # then
    expected = [200, 404, 404, 404] if who == "other_owner" else [403, 403, 403, 403]
    assert [a.status_code for a in answers] == expected
    assert roles(merchant_staff) == before


def test_a_member_leaves_from_the_leave_page(english, merchant_staff):
    # given
    member = join(merchant_staff, "staff")
    english.force_login(member)
    # when
    page = english.get("/merchant/team/leave/")
    left = english.post("/merchant/team/leave/")
    # then
    assert page.status_code == 200
    assert 'action="/merchant/team/leave/"' in page.content.decode()
    assert (left.status_code, left["Location"]) == (302, "/")
    assert member.pk not in roles(merchant_staff)
    assert english.get("/merchant/team/leave/").status_code == 403


def test_the_owner_is_told_to_hand_over_before_leaving(english, merchant_staff):
    english.force_login(merchant_staff)
    page = english.get("/merchant/team/leave/").content.decode()
    assert "transfer the ownership to a manager first" in page
    assert 'action="/merchant/team/leave/"' not in page
    english.post("/merchant/team/leave/")
    assert roles(merchant_staff) == {merchant_staff.pk: "owner"}
