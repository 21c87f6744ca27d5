"""Who may call the marketplace's operator, merchant and finance routes: a matrix over every kind of actor.

Anonymous callers get 401; signed-in callers without the permission 403;
nothing changes on a denial (the audit log, the ledger and the merchants
are compared before and after).
"""

import pytest

from jishi.accounts.models import User
from jishi.core.models import AuditEntry
from jishi.ledger.models import CommissionRule, JournalEntry, Payout
from jishi.merchants.models import CategoryRequirement, Merchant, MerchantApplication
from jishi.payments.models import ReconciliationRun
from tests import factories

pytestmark = pytest.mark.django_db

ACTORS = [
    "anonymous",
    "buyer",
    "other_buyer",
    "merchant_staff",
    "other_merchant_staff",
    *(f"op_{role}" for role in ("reviewer", "finance", "support", "admin")),
]


def _routes(merchant_id, application_id, payout_number, user_id, category_id):
    """(method, path, body, actors allowed)."""
    operators = {"op_reviewer", "op_finance", "op_support", "op_admin"}
    support = {"op_support", "op_admin"}
    return [
        ("get", "/operator/users", None, support),
        ("get", "/operator/category-requirements", None, operators),
        (
            "post",
            "/operator/category-requirements",
            {"category_id": category_id, "kind": "animal_business_permit"},
            {"op_admin"},
        ),
        ("get", f"/operator/users/{user_id}", None, support),
        ("post", f"/operator/users/{user_id}/status", {"active": False, "reason": "x"}, support),
        ("post", f"/operator/users/{user_id}/sign-out", {"reason": "x"}, support),
        ("get", "/operator/audit", None, {"op_support", "op_finance", "op_admin"}),
        ("get", "/operator/orders", None, {"op_support", "op_finance", "op_admin"}),
        ("get", "/operator/dashboard", None, operators),
        ("get", "/merchant/dashboard", None, {"merchant_staff", "other_merchant_staff"}),
        ("get", "/operator/merchant-applications", None, {"op_reviewer", "op_admin"}),
        (
            "post",
            f"/operator/merchant-applications/{application_id}/reject",
            {"reason": "x"},
            {"op_reviewer", "op_admin"},
        ),
        ("get", "/operator/merchants", None, operators),
        (
            "post",
            f"/operator/merchants/{merchant_id}/status",
            {"status": "suspended", "reason": "x"},
            {"op_support", "op_admin"},
        ),
        ("get", "/operator/payouts", None, {"op_finance", "op_support", "op_admin"}),
        ("post", f"/operator/payouts/{payout_number}/reject", {"reason": "x"}, {"op_finance", "op_admin"}),
        (
            "post",
            "/operator/commission-rules",
            {"merchant_id": merchant_id, "rate": "3", "starts_on": "2026-01-01"},
            {"op_finance", "op_admin"},
        ),
        ("get", f"/operator/merchants/{merchant_id}/balances", None, {"op_finance", "op_support", "op_admin"}),
        ("get", "/merchant/finance", None, {"merchant_staff", "other_merchant_staff"}),
        ("post", "/merchant/payouts", {"amount": "1.00"}, {"merchant_staff", "other_merchant_staff"}),
        (
            "post",
            "/merchant/invitations",
            {"contact": "13911112222", "role": "staff"},
            {"merchant_staff", "other_merchant_staff"},
        ),
        ("get", "/notifications", None, set(ACTORS) - {"anonymous"}),
        ("get", "/aftersales", None, set(ACTORS) - {"anonymous"}),
        ("get", "/merchant/aftersales", None, {"merchant_staff", "other_merchant_staff"}),
        ("get", "/operator/aftersales", None, support),
        ("get", "/operator/reconciliation/issues", None, {"op_finance", "op_support", "op_admin"}),
        (
            "post",
            "/operator/reconciliation/runs",
            {"gateway": "sandbox", "day": "2026-11-30"},
            {"op_finance", "op_admin"},
        ),
    ]


@pytest.fixture
def world(buyer, other_buyer, merchant_staff, other_merchant_staff):
    actors = {
        "anonymous": None,
        "buyer": buyer,
        "other_buyer": other_buyer,
        "merchant_staff": merchant_staff,
        "other_merchant_staff": other_merchant_staff,
    }
    for role in ("reviewer", "finance", "support", "admin"):
        actors[f"op_{role}"] = factories.user(operator_role=role)
    return actors


def _state():
    return (
        AuditEntry.objects.count(),
        JournalEntry.objects.count(),
        list(Merchant.objects.values_list("status", flat=True)),
        list(MerchantApplication.objects.values_list("status", flat=True)),
        list(Payout.objects.values_list("status", flat=True)),
        CommissionRule.objects.count(),
        list(User.objects.order_by("pk").values_list("is_active", "session_generation")),
        CategoryRequirement.objects.count(),
        ReconciliationRun.objects.count(),
    )


@pytest.mark.parametrize("actor_name", ACTORS)
def test_every_actor_is_refused_where_it_has_no_permission_and_nothing_changes(api, world, actor_name, leaf_category):
    merchant = world["merchant_staff"].membership.merchant
    application = MerchantApplication.objects.create(
        applicant=world["buyer"], shop_name="待审小店", kind="shop", subject_type="company"
    )
    payout = Payout.objects.create(
        number="261124000000000001",
        merchant=merchant,
        amount_minor=100,
        bank="招商银行",
        account_masked="**** 1234",
        requested_by=world["merchant_staff"],
    )
    actor = world[actor_name]
    routes = _routes(merchant.pk, application.pk, payout.number, world["other_buyer"].pk, leaf_category.pk)
    for method, path, body, allowed in routes:
        if actor_name in allowed:
            continue
        before = _state()
        response = api(method, path, user=actor, json=body)
        expected = 401 if actor is None else 403
        assert response.status_code == expected, (actor_name, method, path, response.content)
        assert set(response.json()) == {"code", "message", "field"}
        assert _state() == before, (actor_name, path)


def test_staff_of_one_merchant_cannot_see_or_touch_another_merchants_payouts(api, world, leaf_category):
    response = api("get", "/merchant/payouts", user=world["other_merchant_staff"])
    assert response.status_code == 200
    Payout.objects.create(
        number="261124000000000002",
        merchant=world["merchant_staff"].membership.merchant,
        amount_minor=100,
        bank="招商银行",
        account_masked="**** 1234",
        requested_by=world["merchant_staff"],
    )
    assert api("get", "/merchant/payouts", user=world["other_merchant_staff"]).json() == []


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/merchant/payouts", {"amount": "1.00", "merchant_id": 2}),
        ("/merchant/payouts", {"amount": "1.00", "status": "paid"}),
        ("/merchant/payouts", {"amount": "1.00", "balance": "99999.00"}),
        ("/merchant/invitations", {"contact": "13911112222", "role": "staff", "merchant_id": 2}),
        ("/merchant/invitations", {"contact": "13911112222", "role": "owner"}),
        (
            "/merchant/finance/bank-account",
            {"password": "x", "holder": "a", "bank": "b", "number": "1", "status": "verified"},
        ),
    ],
)
def test_mass_assignment_is_refused_with_the_error_shape(api, merchant_staff, path, body):
    method = "put" if path.endswith("bank-account") else "post"
    before = _state()
    response = api(method, path, user=merchant_staff, json=body)
    assert response.status_code == 422, response.content
    code = response.json()["code"]
    assert code == "request.unknown_field" or code.startswith("validation."), code
    assert _state() == before


def test_commission_rate_cannot_be_mass_assigned_by_an_operator(api, world):
    merchant = world["merchant_staff"].membership.merchant
    response = api(
        "post",
        f"/operator/merchants/{merchant.pk}/status",
        user=world["op_admin"],
        json={"status": "suspended", "reason": "x", "commission_rate": "0"},
    )
    assert response.status_code == 422
    assert Merchant.objects.get(pk=merchant.pk).status == "active"
