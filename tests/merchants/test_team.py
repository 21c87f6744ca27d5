"""A merchant's team: the owner sets roles, removes members and hands the shop over; members may leave."""

import pytest
from django.core.cache import cache

from jishi.accounts import services as accounts
from jishi.accounts.selectors import user_get_with_roles
from jishi.core.errors import InvalidInput, PermissionDenied, RateLimited
from jishi.core.models import AuditEntry
from jishi.merchants import selectors
from jishi.merchants import services as merchants
from jishi.merchants.errors import MemberNotFound, OwnerCannotLeave, OwnerProtected, TransferNeedsManager
from jishi.merchants.models import Membership
from jishi.notifications.models import Notification
from tests import factories
from tests.factories import PASSWORD
from tests.races import race

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tasks_recorded(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def join(owner, role):
    """A new user who accepted the owner's invitation with ``role``, loaded as a request would load them."""
    user = factories.user()
    invitation = merchants.invitation_create(actor=owner, contact=user.email, role=role)
    merchants.invitation_accept(actor=user, invitation_id=invitation.pk)
    return fresh(user)


def fresh(user):
    """The user as their next request sees them (the backend joins the membership)."""
    return user_get_with_roles(user.pk)


def roles(merchant_id):
    return dict(Membership.objects.filter(merchant_id=merchant_id).values_list("user_id", "role"))


# Roles ------------------------------------------------------------------------------------------


def test_the_owner_makes_staff_a_manager_and_back_and_each_change_is_audited(merchant_staff):
    # given
    member = join(merchant_staff, "staff")
    # when
    promoted = merchants.member_role_set(actor=merchant_staff, user_id=member.pk, role="manager")
    again = merchants.member_role_set(actor=merchant_staff, user_id=member.pk, role="manager")
    merchants.member_role_set(actor=merchant_staff, user_id=member.pk, role="staff")
    # then
    assert (promoted.role, again.role) == ("manager", "manager")
    assert roles(merchant_staff.membership.merchant_id)[member.pk] == "staff"
    entries = AuditEntry.objects.filter(action="merchant.staff_role").order_by("pk")
    assert [(e.before["role"], e.after["role"], e.after["user"]) for e in entries] == [
        ("staff", "manager", member.pk),
        ("manager", "staff", member.pk),
    ]


@pytest.mark.parametrize("role", ["owner", "admin", ""])
def test_a_role_other_than_manager_or_staff_is_refused(merchant_staff, role):
    member = join(merchant_staff, "staff")
    with pytest.raises(InvalidInput) as caught:
        merchants.member_role_set(actor=merchant_staff, user_id=member.pk, role=role)
    assert (caught.value.code, caught.value.field) == ("merchants.invalid_role", "role")
    assert roles(merchant_staff.membership.merchant_id)[member.pk] == "staff"


def test_the_owners_own_role_does_not_change_this_way(merchant_staff):
    with pytest.raises(OwnerProtected):
        merchants.member_role_set(actor=merchant_staff, user_id=merchant_staff.pk, role="manager")
    assert roles(merchant_staff.membership.merchant_id) == {merchant_staff.pk: "owner"}


def test_members_of_another_shop_are_not_found(merchant_staff, other_merchant_staff):
    # given
    theirs = join(other_merchant_staff, "staff")
    before = roles(other_merchant_staff.membership.merchant_id)
    # when / then
    with pytest.raises(MemberNotFound):
        merchants.member_role_set(actor=merchant_staff, user_id=theirs.pk, role="manager")
    with pytest.raises(MemberNotFound):
        merchants.member_remove(actor=merchant_staff, user_id=theirs.pk)
    with pytest.raises(MemberNotFound):
        merchants.ownership_transfer(actor=merchant_staff, user_id=theirs.pk, password=PASSWORD)
    assert roles(other_merchant_staff.membership.merchant_id) == before


@pytest.mark.parametrize("role", ["manager", "staff"])
def test_only_the_owner_manages_the_team(merchant_staff, role, buyer, admin_operator):
    # given
    member = join(merchant_staff, role)
    other = join(merchant_staff, "staff")
    before = roles(merchant_staff.membership.merchant_id)
    # when / then
    for actor in (member, buyer, admin_operator):
        with pytest.raises(PermissionDenied):
            merchants.member_role_set(actor=actor, user_id=other.pk, role="manager")
        with pytest.raises(PermissionDenied):
            merchants.member_remove(actor=actor, user_id=other.pk)
        with pytest.raises(PermissionDenied):
            merchants.ownership_transfer(actor=actor, user_id=other.pk, password=PASSWORD)
    assert roles(merchant_staff.membership.merchant_id) == before


# Removal and leaving ------------------------------------------------------------------------------


def test_the_owner_removes_a_member_who_is_told_and_loses_the_shop_at_once(merchant_staff):
    # given
    member = join(merchant_staff, "manager")
    merchant_id = merchant_staff.membership.merchant_id
    assert selectors.merchant_of(member).pk == merchant_id
    # when
    merchants.member_remove(actor=merchant_staff, user_id=member.pk)
    # then
    assert roles(merchant_id) == {merchant_staff.pk: "owner"}
    assert selectors.merchant_of(fresh(member)) is None
    entry = AuditEntry.objects.get(action="merchant.staff_remove")
    assert (entry.actor_id, entry.before) == (merchant_staff.pk, {"user": member.pk, "role": "manager"})
    assert Notification.objects.filter(user=member, kind="merchant_team").count() == 1
    with pytest.raises(MemberNotFound):  # removing again finds no one
        merchants.member_remove(actor=merchant_staff, user_id=member.pk)


def test_the_owner_cannot_be_removed(merchant_staff):
    with pytest.raises(OwnerProtected):
        merchants.member_remove(actor=merchant_staff, user_id=merchant_staff.pk)
    assert roles(merchant_staff.membership.merchant_id) == {merchant_staff.pk: "owner"}


def test_a_member_leaves_and_may_be_invited_again(merchant_staff):
    # given
    member = join(merchant_staff, "staff")
    merchant_id = merchant_staff.membership.merchant_id
    # when
    merchants.member_leave(actor=member)
    # then
    assert member.pk not in roles(merchant_id)
    entry = AuditEntry.objects.get(action="merchant.staff_leave")
    assert (entry.actor_id, entry.target_id, entry.before) == (
        member.pk,
        str(merchant_id),
        {"user": member.pk, "role": "staff"},
    )
    with pytest.raises(PermissionDenied):  # no longer works for a shop
        merchants.member_leave(actor=fresh(member))
    invitation = merchants.invitation_create(actor=merchant_staff, contact=member.email, role="manager")
    assert merchants.invitation_accept(actor=fresh(member), invitation_id=invitation.pk).role == "manager"


def test_the_owner_cannot_leave(merchant_staff):
    with pytest.raises(OwnerCannotLeave):
        merchants.member_leave(actor=merchant_staff)
    with pytest.raises(PermissionDenied):
        merchants.member_leave(actor=factories.user())
    assert roles(merchant_staff.membership.merchant_id) == {merchant_staff.pk: "owner"}


# Ownership ----------------------------------------------------------------------------------------


def test_the_owner_hands_the_shop_to_a_manager_and_becomes_a_manager(merchant_staff):
    # given
    manager = join(merchant_staff, "manager")
    merchant_id = merchant_staff.membership.merchant_id
    # when
    successor = merchants.ownership_transfer(actor=merchant_staff, user_id=manager.pk, password=PASSWORD)
    # then
    assert (successor.user_id, successor.role) == (manager.pk, "owner")
    assert roles(merchant_id) == {merchant_staff.pk: "manager", manager.pk: "owner"}
    assert selectors.merchant_owner_id(merchant_id) == manager.pk
    entry = AuditEntry.objects.get(action="merchant.ownership_transfer")
    assert (entry.before, entry.after) == ({"owner": merchant_staff.pk}, {"owner": manager.pk})
    assert Notification.objects.filter(user=manager, kind="merchant_team").count() == 1
    # the new owner manages the team; the old one no longer does
    merchants.member_role_set(actor=fresh(manager), user_id=merchant_staff.pk, role="staff")
    with pytest.raises(PermissionDenied):
        merchants.member_remove(actor=fresh(merchant_staff), user_id=manager.pk)


def test_ownership_passes_only_to_a_manager(merchant_staff):
    staff = join(merchant_staff, "staff")
    with pytest.raises(TransferNeedsManager):
        merchants.ownership_transfer(actor=merchant_staff, user_id=staff.pk, password=PASSWORD)
    with pytest.raises(TransferNeedsManager):
        merchants.ownership_transfer(actor=merchant_staff, user_id=merchant_staff.pk, password=PASSWORD)
    assert roles(merchant_staff.membership.merchant_id)[merchant_staff.pk] == "owner"
    assert not AuditEntry.objects.filter(action="merchant.ownership_transfer").exists()


def test_a_wrong_password_is_refused_and_repeated_failures_are_throttled(merchant_staff, settings):
    # given
    manager = join(merchant_staff, "manager")
    settings.JISHI_LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    cache.clear()
    # when / then
    for _ in range(3):
        with pytest.raises(InvalidInput) as caught:
            merchants.ownership_transfer(actor=merchant_staff, user_id=manager.pk, password="wrong")
        assert (caught.value.code, caught.value.field) == ("merchants.reauthentication_failed", "password")
    with pytest.raises(RateLimited):  # the right password too, until the window ends
        merchants.ownership_transfer(actor=merchant_staff, user_id=manager.pk, password=PASSWORD)
    assert roles(merchant_staff.membership.merchant_id)[merchant_staff.pk] == "owner"


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_transfers_at_once_leave_exactly_one_owner(settings):
    # given: an owner hands the shop to two managers at the same moment
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    owner = factories.merchant_owner(name="并发店")
    managers = [join(owner, "manager") for _ in range(2)]
    merchant_id = owner.membership.merchant_id
    # when
    results = race(
        managers, lambda manager: merchants.ownership_transfer(actor=owner, user_id=manager.pk, password=PASSWORD)
    )
    # then
    owners = [user for user, role in roles(merchant_id).items() if role == "owner"]
    assert len(owners) == 1
    assert owners[0] in {m.pk for m in managers}
    assert sum(isinstance(r, Membership) for r in results) == 1
    assert [type(r) for r in results if not isinstance(r, Membership)] == [PermissionDenied]
    assert AuditEntry.objects.filter(action="merchant.ownership_transfer").count() == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_a_transfer_racing_a_demotion_of_the_same_manager_leaves_one_owner(settings):
    # given
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    owner = factories.merchant_owner(name="并发店二")
    manager = join(owner, "manager")
    merchant_id = owner.membership.merchant_id
    # when
    race(
        ["transfer", "demote"],
        lambda step: (
            merchants.ownership_transfer(actor=owner, user_id=manager.pk, password=PASSWORD)
            if step == "transfer"
            else merchants.member_role_set(actor=owner, user_id=manager.pk, role="staff")
        ),
    )
    # then: whichever went first, one owner and the roles tell one consistent story
    final = roles(merchant_id)
    assert sorted(final.values()) in (["owner", "staff"], ["manager", "owner"])
    assert list(final.values()).count("owner") == 1


# API --------------------------------------------------------------------------------------------


def test_the_team_api_lists_members_with_their_ids(api, merchant_staff):
    member = join(merchant_staff, "staff")
    answer = api("get", "/merchant/team", user=merchant_staff)
    assert answer.status_code == 200
    assert [(row["user_id"], row["role"]) for row in answer.json()] == [
        (merchant_staff.pk, "owner"),
        (member.pk, "staff"),
    ]


def test_the_api_changes_a_role_removes_a_member_and_transfers_the_ownership(api, merchant_staff):
    # given
    member = join(merchant_staff, "staff")
    manager = join(merchant_staff, "manager")
    merchant_id = merchant_staff.membership.merchant_id
    # when
    role = api("post", f"/merchant/team/{member.pk}/role", user=merchant_staff, json={"role": "manager"})
    removed = api("delete", f"/merchant/team/{member.pk}", user=merchant_staff)
    transfer = api(
        "post", "/merchant/team/transfer", user=merchant_staff, json={"user_id": manager.pk, "password": PASSWORD}
    )
    # then
    assert (role.status_code, role.json()["role"]) == (200, "manager")
    assert removed.status_code == 204
    assert (transfer.status_code, transfer.json()["user_id"], transfer.json()["role"]) == (200, manager.pk, "owner")
    assert roles(merchant_id) == {merchant_staff.pk: "manager", manager.pk: "owner"}
    # the old owner's next call finds they no longer manage the team
    assert api("get", "/merchant/team", user=merchant_staff).status_code == 403


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("post", "/merchant/team/{owner}/role", {"role": "staff"}, 409, "merchants.owner_protected"),
        ("post", "/merchant/team/{member}/role", {"role": "owner"}, 422, "validation.literal_error"),
        ("delete", "/merchant/team/{owner}", None, 409, "merchants.owner_protected"),
        ("delete", "/merchant/team/{stranger}", None, 404, "merchants.member_not_found"),
        (
            "post",
            "/merchant/team/transfer",
            {"user_id": "{member}", "password": PASSWORD},
            409,
            "merchants.transfer_needs_manager",
        ),
        (
            "post",
            "/merchant/team/transfer",
            {"user_id": "{manager}", "password": "nope"},
            422,
            "merchants.reauthentication_failed",
        ),
        ("post", "/merchant/team/leave", None, 409, "merchants.owner_cannot_leave"),
    ],
)
def test_the_team_api_refuses_with_a_4xx_and_changes_nothing(api, merchant_staff, method, path, body, status, code):
    # given
    ids = {
        "owner": merchant_staff.pk,
        "member": join(merchant_staff, "staff").pk,
        "manager": join(merchant_staff, "manager").pk,
        "stranger": factories.user().pk,
    }
    path = path.format(**ids)
    if body and isinstance(body.get("user_id"), str):
        body = {**body, "user_id": ids[body["user_id"].strip("{}")]}
    before = roles(merchant_staff.membership.merchant_id)
    # when
    answer = api(method, path, user=merchant_staff, json=body)
    # then
    assert (answer.status_code, answer.json()["code"]) == (status, code)
    assert roles(merchant_staff.membership.merchant_id) == before


def test_a_member_leaves_through_the_api_and_their_next_call_has_no_shop(api, merchant_staff):
    # given
    member = join(merchant_staff, "manager")
    _token, secret = accounts.token_create(user=member)
    bearer = {"Authorization": f"Bearer {secret}"}
    # when
    left = api("post", "/merchant/team/leave", headers=bearer)
    # then
    assert left.status_code == 204
    assert api("get", "/merchant/orders", headers=bearer).status_code == 403
    assert api("post", "/merchant/team/leave", headers=bearer).status_code == 403


def test_a_removed_member_loses_the_shop_on_their_very_next_request(client, api, merchant_staff, shop):
    # given: a member signed in to the merchant centre, and with a token
    member = join(merchant_staff, "staff")
    client.force_login(member)
    assert client.get("/merchant/orders/").status_code == 200
    _token, secret = accounts.token_create(user=member)
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/merchant/orders", headers=bearer).status_code == 200
    # when
    api("delete", f"/merchant/team/{member.pk}", user=merchant_staff)
    # then: the same session and the same token
    assert client.get("/merchant/orders/").status_code == 403
    assert client.get("/api/v1/merchant/orders", headers=bearer).status_code == 403


@pytest.mark.parametrize("who", ["anonymous", "buyer", "staff", "manager", "other_owner", "admin"])
def test_only_the_owner_reaches_the_team_routes(api, merchant_staff, other_merchant_staff, buyer, admin_operator, who):
    # given
    member = join(merchant_staff, "staff")
    actor = {
        "anonymous": None,
        "buyer": buyer,
        "staff": member,
        "manager": join(merchant_staff, "manager"),
        "other_owner": other_merchant_staff,
        "admin": admin_operator,
    }[who]
    before = roles(merchant_staff.membership.merchant_id)
    expected = 401 if actor is None else 403
    # when
    answers = [
        api("post", f"/merchant/team/{member.pk}/role", user=actor, json={"role": "manager"}),
        api("delete", f"/merchant/team/{member.pk}", user=actor),
        api("post", "/merchant/team/transfer", user=actor, json={"user_id": member.pk, "password": PASSWORD}),
    ]
    # then
    if who == "other_owner":  # the owner of another shop: the member is not in their team
        assert [a.status_code for a in answers] == [404, 404, 404]
    else:
        assert [a.status_code for a in answers] == [expected] * 3
    assert roles(merchant_staff.membership.merchant_id) == before
