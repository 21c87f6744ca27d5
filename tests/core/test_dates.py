"""Every date the API or a page accepts lies in a sane window; none can make date arithmetic overflow into a 500."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from jishi.ledger.models import CommissionRule
from tests import factories

TOO_EARLY, TOO_LATE = "1999-12-31", "9999-12-31"


def _too_far() -> str:
    return str(timezone.localdate() + dt.timedelta(days=367))


@pytest.fixture
def admin(db):
    return factories.user(email="admin@example.com", operator_role="admin")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("end=0001-01-05", "end"),
        ("start=9999-12-30&end=9999-12-31", "start"),
        (f"start={TOO_EARLY}", "start"),
        ("end=NEXT_YEAR", "end"),
    ],
)
@pytest.mark.parametrize("who", ["operator", "merchant"])
def test_a_dashboard_date_outside_the_window_is_a_422(api, admin, merchant_staff, query, field, who):
    path, user = ("/operator/dashboard", admin) if who == "operator" else ("/merchant/dashboard", merchant_staff)
    response = api("get", f"{path}?{query.replace('NEXT_YEAR', _too_far())}", user=user)
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == ("validation.date_out_of_range", field)


def test_the_window_s_own_ends_are_accepted(api, admin):
    response = api("get", f"/operator/dashboard?start=2000-01-01&end={timezone.localdate()}", user=admin)
    # a range of more than a year is a business rule: refused with its own code, and still no 500
    assert (response.status_code, response.json()["code"]) == (422, "analytics.bad_range")
    last = timezone.localdate() + dt.timedelta(days=366)
    response = api("get", f"/operator/dashboard?start={last - dt.timedelta(days=3)}&end={last}", user=admin)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "query",
    ["since=0001-01-01T00:00:00Z", "until=9999-12-31T23:59:59%2B14:00", f"since={TOO_EARLY}T23:00:00%2B08:00"],
)
def test_an_audit_filter_outside_the_window_is_a_422(api, admin, query):
    response = api("get", f"/operator/audit?{query}", user=admin)
    assert (response.status_code, response.json()["code"]) == (422, "validation.date_out_of_range")


@pytest.mark.parametrize("day", [TOO_EARLY, TOO_LATE, "0001-01-01"])
def test_a_reconciliation_day_outside_the_window_is_a_422(api, admin, day):
    response = api("post", "/operator/reconciliation/runs", user=admin, json={"gateway": "sandbox", "day": day})
    assert (response.status_code, response.json()["field"]) == (422, "day")


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "field"), [(TOO_EARLY, None, "starts_on"), ("2026-01-01", TOO_LATE, "ends_on")]
)
def test_a_commission_rule_outside_the_window_is_a_422_and_writes_nothing(
    api, admin, merchant_staff, starts_on, ends_on, field
):
    merchant = merchant_staff.membership.merchant
    body = {"merchant_id": merchant.pk, "rate": "5", "starts_on": starts_on, "ends_on": ends_on}
    response = api("post", "/operator/commission-rules", user=admin, json=body)
    assert (response.status_code, response.json()["field"]) == (422, field)
    assert not CommissionRule.objects.exists()


def test_a_permit_may_run_for_years_but_not_past_2099(api, buyer):
    from tests.merchants.test_marketplace_api import _apply

    assert _apply(api, buyer, permit_expires_on="2100-01-01").status_code == 422
    assert not buyer.applications.exists()
    assert _apply(api, buyer, permit_expires_on="2045-06-30").status_code == 201


@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("/operator/dashboard/?end=0001-01-05", "operator"),
        ("/operator/dashboard/?start=9999-12-30&end=9999-12-31", "operator"),
        ("/merchant/dashboard/?end=0001-01-05", "merchant"),
        ("/operator/audit/?since=0001-01-01&until=9999-12-31", "operator"),
    ],
)
def test_a_page_given_a_date_outside_the_window_shows_the_form_error(admin, merchant_staff, path, who):
    client = Client()
    client.force_login(admin if who == "operator" else merchant_staff)
    response = client.get(path)
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()


def test_a_commission_rule_page_refuses_a_date_outside_the_window(admin, merchant_staff):
    client = Client()
    client.force_login(admin)
    merchant = merchant_staff.membership.merchant
    response = client.post(
        "/operator/commission/add/", {"merchant": merchant.pk, "rate": "5", "starts_on": "0001-01-01"}
    )
    assert response.status_code in (200, 302)
    assert not CommissionRule.objects.exists()
