"""Operator roles: administrators grant, change and revoke them; the platform always keeps one administrator."""

import pytest

from jishi.accounts import selectors, services
from jishi.accounts.errors import IdentifierUnknown, LastAdministrator, UserDisabled, UserNotFound
from jishi.accounts.models import User
from jishi.core.errors import InvalidInput, NotAuthenticated, PermissionDenied
from jishi.core.models import AuditEntry
from tests import factories
from tests.races import race

pytestmark = pytest.mark.django_db


def _roles() -> dict[int, str]:
    return dict(User.objects.values_list("pk", "operator_role"))


# Services ---------------------------------------------------------------------------------------


def test_an_admin_grants_changes_and_revokes_a_role_and_each_change_is_audited(admin_operator, buyer):
    # when
    services.operator_role_set(actor=admin_operator, user_id=buyer.pk, role="support")
    services.operator_role_set(actor=admin_operator, user_id=buyer.pk, role="catalog")
    services.operator_role_set(actor=admin_operator, user_id=buyer.pk, role="")
    # then
    buyer.refresh_from_db()
    assert buyer.operator_role == ""
    entries = AuditEntry.objects.filter(action="accounts.operator_role", target_id=str(buyer.pk)).order_by("pk")
    assert [(e.actor_id, e.before, e.after) for e in entries] == [
        (admin_operator.pk, {"operator_role": ""}, {"operator_role": "support"}),
        (admin_operator.pk, {"operator_role": "support"}, {"operator_role": "catalog"}),
        (admin_operator.pk, {"operator_role": "catalog"}, {"operator_role": ""}),
    ]
    assert {e.target_type for e in entries} == {"accounts.user"}


def test_setting_the_role_a_user_already_has_changes_nothing(admin_operator, support):
    # when
    same = services.operator_role_set(actor=admin_operator, user_id=support.pk, role="support")
    # then
    assert same.operator_role == "support"
    assert not AuditEntry.objects.filter(action="accounts.operator_role").exists()


@pytest.mark.parametrize("role", ["reviewer", "finance", "support", "catalog", ""])
def test_only_an_admin_may_set_roles(role, buyer, other_buyer, merchant_staff):
    # given
    actor = factories.user(operator_role=role) if role else buyer
    before, audited = _roles(), AuditEntry.objects.count()
    # when / then
    with pytest.raises(PermissionDenied):
        services.operator_role_set(actor=actor, user_id=other_buyer.pk, role="admin")
    with pytest.raises(PermissionDenied):
        services.operator_role_set(actor=merchant_staff, user_id=other_buyer.pk, role="support")
    assert _roles() == before
    assert AuditEntry.objects.count() == audited


def test_an_anonymous_caller_is_not_authenticated(other_buyer):
    with pytest.raises(NotAuthenticated):
        services.operator_role_set(actor=None, user_id=other_buyer.pk, role="admin")


def test_a_disabled_admin_cannot_set_roles(admin_operator, buyer):
    # given
    other_admin = factories.user(operator_role="admin")
    User.objects.filter(pk=admin_operator.pk).update(is_active=False)
    admin_operator.refresh_from_db()
    # when / then
    with pytest.raises(PermissionDenied):
        services.operator_role_set(actor=admin_operator, user_id=buyer.pk, role="support")
    assert services.operator_role_set(actor=other_admin, user_id=buyer.pk, role="support").operator_role == "support"


def test_an_unknown_role_and_an_unknown_user_are_refused(admin_operator, buyer):
    with pytest.raises(InvalidInput) as caught:
        services.operator_role_set(actor=admin_operator, user_id=buyer.pk, role="superuser")
    assert (caught.value.code, caught.value.field) == ("accounts.invalid_role", "role")
    with pytest.raises(UserNotFound):
        services.operator_role_set(actor=admin_operator, user_id=buyer.pk + 1000, role="support")
    buyer.refresh_from_db()
    assert buyer.operator_role == ""


def test_a_disabled_account_cannot_be_given_a_role_but_can_lose_one(admin_operator):
    # given
    disabled = factories.user(is_active=False)
    disabled_support = factories.user(is_active=False, operator_role="support")
    # when / then
    with pytest.raises(UserDisabled) as caught:
        services.operator_role_set(actor=admin_operator, user_id=disabled.pk, role="support")
    assert caught.value.code == "accounts.user_disabled"
    assert User.objects.get(pk=disabled.pk).operator_role == ""
    services.operator_role_set(actor=admin_operator, user_id=disabled_support.pk, role="")
    assert User.objects.get(pk=disabled_support.pk).operator_role == ""


@pytest.mark.parametrize("role", ["", "support", "reviewer"])
def test_the_last_admin_cannot_be_demoted_not_even_by_themselves(admin_operator, role):
    # when / then
    with pytest.raises(LastAdministrator) as caught:
        services.operator_role_set(actor=admin_operator, user_id=admin_operator.pk, role=role)
    assert caught.value.code == "accounts.last_admin"
    assert User.objects.get(pk=admin_operator.pk).operator_role == "admin"
    assert not AuditEntry.objects.exists()


def test_a_disabled_admin_does_not_count_as_the_remaining_admin(admin_operator):
    # given
    factories.user(operator_role="admin", is_active=False)
    # when / then
    with pytest.raises(LastAdministrator):
        services.operator_role_set(actor=admin_operator, user_id=admin_operator.pk, role="")


def test_with_two_admins_one_may_step_down_and_then_the_other_is_the_last(admin_operator):
    # given
    second = factories.user(operator_role="admin")
    # when
    services.operator_role_set(actor=admin_operator, user_id=admin_operator.pk, role="finance")
    # then
    assert User.objects.get(pk=admin_operator.pk).operator_role == "finance"
    with pytest.raises(LastAdministrator):
        services.operator_role_set(actor=second, user_id=second.pk, role="")
    with pytest.raises(PermissionDenied):  # the one who stepped down is no longer an admin
        services.operator_role_set(actor=User.objects.get(pk=admin_operator.pk), user_id=second.pk, role="")


# Finding the user -------------------------------------------------------------------------------


def test_a_user_is_found_by_exact_phone_in_any_spelling_or_by_exact_email(admin_operator):
    # given
    by_phone = factories.user(phone="13912345678", email=None)
    by_email = factories.user(email="shopkeeper@example.com")
    # then
    assert selectors.user_find_for_role(admin_operator, "+86 139 1234 5678").pk == by_phone.pk
    assert selectors.user_find_for_role(admin_operator, "13912345678").pk == by_phone.pk
    assert selectors.user_find_for_role(admin_operator, " Shopkeeper@Example.com ").pk == by_email.pk
    with pytest.raises(IdentifierUnknown):
        selectors.user_find_for_role(admin_operator, "shopkeeper@example")
    with pytest.raises(IdentifierUnknown):
        selectors.user_find_for_role(admin_operator, "13912345679")
    with pytest.raises(InvalidInput) as caught:
        selectors.user_find_for_role(admin_operator, "1391234")
    assert caught.value.field == "identifier"


def test_only_admins_find_users_or_list_operators(support, buyer):
    with pytest.raises(PermissionDenied):
        selectors.user_find_for_role(support, buyer.email)
    with pytest.raises(PermissionDenied):
        selectors.operators_for(support)


def test_the_operator_list_holds_everyone_with_a_role_by_role(admin_operator, support, finance, buyer):
    # given
    disabled = factories.user(operator_role="reviewer", is_active=False)
    # then
    listed = [(u.pk, u.operator_role) for u in selectors.operators_for(admin_operator)]
    assert listed == [
        (admin_operator.pk, "admin"),
        (finance.pk, "finance"),
        (disabled.pk, "reviewer"),
        (support.pk, "support"),
    ]


# Two administrators at once -----------------------------------------------------------------------


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin():
    # given
    first = factories.user(operator_role="admin")
    second = factories.user(operator_role="admin")
    # when
    results = race(
        [(first, second), (second, first)],
        lambda pair: services.operator_role_set(actor=pair[0], user_id=pair[1].pk, role=""),
    )
    # then
    admins = list(User.objects.filter(operator_role="admin").values_list("pk", flat=True))
    assert len(admins) == 1
    winners = [r for r in results if isinstance(r, User)]
    losers = [r for r in results if not isinstance(r, User)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert isinstance(losers[0], PermissionDenied | LastAdministrator), losers
    assert AuditEntry.objects.filter(action="accounts.operator_role").count() == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_three_admins_each_stepping_down_at_once_leave_exactly_one():
    # given
    admins = [factories.user(operator_role="admin") for _ in range(3)]
    # when
    results = race(admins, lambda admin: services.operator_role_set(actor=admin, user_id=admin.pk, role="support"))
    # then
    assert User.objects.filter(operator_role="admin").count() == 1
    assert sum(isinstance(r, User) for r in results) == 2
    assert [type(r) for r in results if not isinstance(r, User)] == [LastAdministrator]


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_eight_admins_in_a_ring_each_demoting_the_next_at_once_never_leave_none():
    # given
    admins = [factories.user(operator_role="admin") for _ in range(8)]
    pairs = [(admins[i], admins[(i + 1) % 8]) for i in range(8)]
    # when
    results = race(pairs, lambda pair: services.operator_role_set(actor=pair[0], user_id=pair[1].pk, role=""))
    # then: every demotion was made by someone still an admin at the time, and someone is left
    remaining = User.objects.filter(operator_role="admin").count()
    demoted = sum(isinstance(r, User) for r in results)
    assert remaining >= 1
    assert remaining + demoted == 8
    assert AuditEntry.objects.filter(action="accounts.operator_role").count() == demoted


# API --------------------------------------------------------------------------------------------


def test_the_api_lists_operators_masked_in_a_fixed_number_of_queries(
    client, admin_operator, support, buyer, django_assert_num_queries
):
    # given
    factories.user(operator_role="reviewer", phone="13912345678", email=None)
    factories.user(operator_role="finance")
    _token, secret = services.token_create(user=admin_operator)
    # when: the token, its last use, the count and the page, however many operators there are
    with django_assert_num_queries(4):
        answer = client.get("/api/v1/operator/operators", headers={"Authorization": f"Bearer {secret}"})
    # then
    assert answer.status_code == 200
    rows = answer.json()
    assert [row["operator_role"] for row in rows] == ["admin", "finance", "reviewer", "support"]
    assert rows[0]["id"] == admin_operator.pk
    assert rows[2]["phone"] == "139****5678"
    assert buyer.pk not in {row["id"] for row in rows}


def test_the_api_grants_by_phone_changes_by_id_and_revokes(api, admin_operator):
    # given
    user = factories.user(phone="13912345678", email=None)
    # when
    granted = api(
        "post", "/operator/operators", user=admin_operator, json={"identifier": "139 1234 5678", "role": "finance"}
    )
    changed = api("post", f"/operator/operators/{user.pk}/role", user=admin_operator, json={"role": "catalog"})
    revoked = api("post", "/operator/operators", user=admin_operator, json={"identifier": "13912345678", "role": ""})
    # then
    assert (granted.status_code, granted.json()["operator_role"], granted.json()["id"]) == (200, "finance", user.pk)
    assert (changed.status_code, changed.json()["operator_role"]) == (200, "catalog")
    assert (revoked.status_code, revoked.json()["operator_role"]) == (200, "")
    assert User.objects.get(pk=user.pk).operator_role == ""
    assert AuditEntry.objects.filter(action="accounts.operator_role").count() == 3


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"identifier": "nobody@example.com", "role": "support"}, 422, "accounts.identifier_unknown", "identifier"),
        ({"identifier": "12345", "role": "support"}, 422, "accounts.invalid_phone", "identifier"),
        ({"identifier": "admin@example.com", "role": ""}, 409, "accounts.last_admin", "role"),
        ({"identifier": "admin@example.com", "role": "root"}, 422, "validation.literal_error", "role"),
        (
            {"identifier": "admin@example.com", "role": "admin", "is_staff": True},
            422,
            "request.unknown_field",
            "is_staff",
        ),
    ],
)
def test_the_api_refuses_bad_grants_with_a_4xx_and_changes_nothing(api, admin_operator, body, status, code, field):
    # given
    before = _roles()
    # when
    answer = api("post", "/operator/operators", user=admin_operator, json=body)
    # then
    assert answer.status_code == status, answer.content
    assert (answer.json()["code"], answer.json()["field"]) == (code, field)
    assert _roles() == before


def test_the_api_refuses_a_disabled_account(api, admin_operator):
    disabled = factories.user(email="gone@example.com", is_active=False)
    answer = api(
        "post", "/operator/operators", user=admin_operator, json={"identifier": "gone@example.com", "role": "support"}
    )
    assert (answer.status_code, answer.json()["code"]) == (409, "accounts.user_disabled")
    assert User.objects.get(pk=disabled.pk).operator_role == ""


@pytest.mark.parametrize("role", ["", "reviewer", "finance", "support", "catalog"])
def test_the_operators_api_is_for_admins_only(api, buyer, other_buyer, role):
    # given
    actor = factories.user(operator_role=role) if role else buyer
    # when
    listing = api("get", "/operator/operators", user=actor)
    grant = api("post", "/operator/operators", user=actor, json={"identifier": other_buyer.email, "role": "admin"})
    change = api("post", f"/operator/operators/{other_buyer.pk}/role", user=actor, json={"role": "admin"})
    # then
    assert [listing.status_code, grant.status_code, change.status_code] == [403, 403, 403]
    assert api("get", "/operator/operators").status_code == 401
    assert User.objects.get(pk=other_buyer.pk).operator_role == ""


def test_a_demoted_operator_loses_the_console_on_their_very_next_request(client, api, admin_operator):
    # given: a support operator signed in to the console, and with an API token
    user = factories.user(operator_role="support")
    client.force_login(user)
    assert client.get("/operator/users/").status_code == 200
    _token, secret = services.token_create(user=user)
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/operator/users", headers=bearer).status_code == 200
    # when
    api("post", f"/operator/operators/{user.pk}/role", user=admin_operator, json={"role": ""})
    # then: the same session and the same token
    assert client.get("/operator/users/").status_code == 403
    assert client.get("/api/v1/operator/users", headers=bearer).status_code == 403


def test_a_promoted_user_gets_the_console_on_their_very_next_request(client, admin_operator, buyer):
    # given
    client.force_login(buyer)
    assert client.get("/operator/users/").status_code == 403
    # when
    services.operator_role_set(actor=admin_operator, user_id=buyer.pk, role="support")
    # then
    assert client.get("/operator/users/").status_code == 200


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_admins_disabling_each_other_at_once_leave_one_active():
    # given
    first = factories.user(operator_role="admin")
    second = factories.user(operator_role="admin")
    # when
    results = race(
        [(first, second), (second, first)],
        lambda pair: services.user_set_active(actor=pair[0], user_id=pair[1].pk, active=False, reason="互相停用"),
    )
    # then
    assert User.objects.filter(operator_role="admin", is_active=True).count() == 1
    assert sorted(type(r).__name__ for r in results) == ["PermissionDenied", "User"]


def test_an_administrator_demoted_loses_the_raw_data_admin_too():
    # given the superuser of `createsuperuser` and a second administrator
    root = User.objects.create_superuser("root@example.com", "a long passphrase")
    other = factories.user(operator_role="admin")
    # when the other one makes root a reviewer
    services.operator_role_set(actor=other, user_id=root.pk, role="reviewer")
    # then
    root.refresh_from_db()
    assert (root.operator_role, root.is_staff, root.is_superuser) == ("reviewer", False, False)
    entry = AuditEntry.objects.get(action="accounts.operator_role")
    assert entry.after == {"operator_role": "reviewer", "is_staff": False, "is_superuser": False}
