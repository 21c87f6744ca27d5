"""The console's operator-roles page: administrators list, grant, change and revoke roles; nobody else sees it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jishi.accounts.models import User
from jishi.core.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db

PAGE = "/operator/operators/"


def _roles():
    return dict(User.objects.values_list("pk", "operator_role"))


@pytest.mark.parametrize("role", ["", "reviewer", "finance", "support", "catalog"])
def test_only_administrators_open_the_page_or_post_to_it(client, buyer, role):
    # given
    client.force_login(factories.user(operator_role=role) if role else buyer)
    before = _roles()
    # when / then
    assert client.get(PAGE).status_code == 403
    assert client.post(f"{PAGE}grant/", {"identifier": buyer.email, "role": "admin"}).status_code == 403
    assert client.post(f"{PAGE}{buyer.pk}/role/", {"role": "admin"}).status_code == 403
    assert _roles() == before


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    answer = client.get(PAGE)
    assert answer.status_code == 302
    assert "/login" in answer["Location"] or "/accounts/" in answer["Location"]


def test_the_page_lists_operators_with_their_roles_in_a_fixed_number_of_queries(
    english, admin_operator, support, buyer, django_assert_max_num_queries
):
    # given
    factories.user(operator_role="catalog", phone="13912345678", email=None, display_name="目录小王")
    factories.user(operator_role="finance", is_active=False, display_name="离职财务")
    english.force_login(admin_operator)
    # when
    with django_assert_max_num_queries(12):
        answer = english.get(PAGE)
    # then
    assert answer.status_code == 200
    text = answer.content.decode()
    assert "目录小王" in text
    assert "139****5678" in text
    assert "Catalog manager" in text
    assert "离职财务" in text
    assert buyer.display_name not in text
    assert 'action="/operator/operators/grant/"' in text
    assert f'action="/operator/operators/{support.pk}/role/"' in text
    assert "data-confirm=" in text
    assert "style=" not in text


def test_the_query_count_does_not_grow_with_the_number_of_operators(english, admin_operator):
    # given
    english.force_login(admin_operator)
    english.get(PAGE)
    with CaptureQueriesContext(connection) as one:
        english.get(PAGE)
    for _ in range(5):
        factories.user(operator_role="reviewer")
    # when
    with CaptureQueriesContext(connection) as six:
        english.get(PAGE)
    # then
    assert len(six.captured_queries) == len(one.captured_queries)


def test_an_admin_grants_a_role_by_phone_then_changes_and_revokes_it(english, admin_operator):
    # given
    user = factories.user(phone="13912345678", email=None)
    english.force_login(admin_operator)
    # when
    granted = english.post(f"{PAGE}grant/", {"identifier": "139-1234-5678", "role": "reviewer", "_form": "grant"})
    # then
    assert granted.status_code == 302
    assert User.objects.get(pk=user.pk).operator_role == "reviewer"
    assert "139****5678 is now: Reviewer." in english.get(PAGE).content.decode()
    # when
    english.post(f"{PAGE}{user.pk}/role/", {"role": "finance"})
    assert User.objects.get(pk=user.pk).operator_role == "finance"
    english.post(f"{PAGE}{user.pk}/role/", {"role": ""})
    # then
    assert User.objects.get(pk=user.pk).operator_role == ""
    assert list(
        AuditEntry.objects.filter(action="accounts.operator_role").order_by("pk").values_list("after", flat=True)
    ) == [{"operator_role": "reviewer"}, {"operator_role": "finance"}, {"operator_role": ""}]


@pytest.mark.parametrize(
    ("identifier", "role", "message"),
    [
        ("nobody@example.com", "support", "No account has this mobile number or e-mail address."),
        ("12345", "support", "Enter a valid mainland mobile number."),
        ("admin@example.com", "", "Choose one of the operator roles."),
        ("admin@example.com", "support", "The platform needs at least one administrator"),
    ],
)
def test_a_refused_grant_shows_the_page_again_with_what_was_typed(english, admin_operator, identifier, role, message):
    # given
    english.force_login(admin_operator)
    before = _roles()
    # when
    answer = english.post(
        f"{PAGE}grant/",
        {"identifier": identifier, "role": role, "_form": "grant"},
        HTTP_REFERER=f"http://testserver{PAGE}",
    )
    # then
    assert answer.status_code == 422
    text = answer.content.decode()
    assert message in text
    assert f'value="{identifier}"' in text
    assert _roles() == before


def test_revoking_the_last_admin_from_the_list_is_refused_in_place(english, admin_operator):
    english.force_login(admin_operator)
    answer = english.post(
        f"{PAGE}{admin_operator.pk}/role/",
        {"role": "", "_form": str(admin_operator.pk)},
        HTTP_REFERER=f"http://testserver{PAGE}",
    )
    assert answer.status_code == 422
    assert "The platform needs at least one administrator" in answer.content.decode()
    assert User.objects.get(pk=admin_operator.pk).operator_role == "admin"


def test_a_disabled_account_cannot_be_granted_from_the_page(english, admin_operator):
    disabled = factories.user(email="left@example.com", is_active=False)
    english.force_login(admin_operator)
    answer = english.post(
        f"{PAGE}grant/",
        {"identifier": "left@example.com", "role": "support", "_form": "grant"},
        HTTP_REFERER=f"http://testserver{PAGE}",
    )
    assert answer.status_code == 422
    assert "This account is disabled" in answer.content.decode()
    assert User.objects.get(pk=disabled.pk).operator_role == ""


def test_the_user_detail_page_shows_the_operator_role_and_the_shop_role(english, support, merchant_staff):
    english.force_login(support)
    operator_page = english.get(f"/operator/users/{support.pk}/").content.decode()
    assert "Operator role" in operator_page
    assert "Support" in operator_page
    staff_page = english.get(f"/operator/users/{merchant_staff.pk}/").content.decode()
    assert merchant_staff.membership.merchant.name in staff_page
    assert "Owner" in staff_page
