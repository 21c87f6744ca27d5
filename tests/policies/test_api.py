"""The platform policies API: GET/PUT /operator/platform-settings, GET/POST /operator/legal/{kind} (administrators)
and the public GET /legal/{kind}."""

from typing import Any

import pytest

from jishi.core.models import AuditEntry
from jishi.policies.models import LegalDocument, PlatformSettings
from tests import factories
from tests.policies.conftest import GOOD

pytestmark = pytest.mark.django_db

BODY: dict[str, Any] = {**GOOD, "shipping_first_fee": "8.00", "shipping_extra_fee": "2", "shipping_free_above": "99"}


def test_an_administrator_reads_the_environments_values_then_saves(environment, api, admin_operator):
    # when read before any save, then the environment's values
    read = api("get", "/operator/platform-settings", user=admin_operator)
    assert read.status_code == 200
    assert read.json() == {
        "payment_minutes": 30,
        "flash_payment_minutes": 5,
        "auto_confirm_days": 10,
        "aftersales_days": 7,
        "aftersales_turn_days": 7,
        "payment_methods": ["alipay", "wechatpay", "unionpay", "sandbox"],
        "commission_rate": "5",
        "shipping_first_fee": {"amount": "0.00", "currency": "CNY"},
        "shipping_extra_fee": {"amount": "0.00", "currency": "CNY"},
        "shipping_free_above": None,
        "shipping_free": True,
        "updated_by_id": None,
        "updated_at": None,
    }
    # when saved, then the answer is what is in force
    saved = api("put", "/operator/platform-settings", user=admin_operator, json=BODY)
    assert saved.status_code == 200, saved.json()
    answer = saved.json()
    assert (answer["payment_minutes"], answer["commission_rate"], answer["payment_methods"]) == (
        45,
        "6.5",
        ["alipay", "wechatpay", "sandbox"],
    )
    assert (answer["shipping_first_fee"]["amount"], answer["shipping_free_above"]["amount"]) == ("8.00", "99.00")
    assert (answer["shipping_free"], answer["updated_by_id"]) == (False, admin_operator.pk)
    assert AuditEntry.objects.filter(action="policies.settings_set").count() == 1


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"payment_minutes": 2000}, "policies.setting_out_of_range", "payment_minutes"),
        ({"aftersales_turn_days": 0}, "policies.setting_out_of_range", "aftersales_turn_days"),
        ({"payment_methods": []}, "policies.payment_methods_invalid", "payment_methods"),
        ({"commission_rate": "51"}, "policies.setting_out_of_range", "commission_rate"),
        ({"shipping_extra_fee": "2000"}, "policies.setting_out_of_range", "shipping_extra_fee"),
    ],
)
def test_a_value_out_of_range_is_a_422_on_its_field_and_nothing_is_written(
    environment, api, admin_operator, change, code, field
):
    response = api("put", "/operator/platform-settings", user=admin_operator, json={**BODY, **change})
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == (code, field)
    assert not PlatformSettings.objects.exists()


def test_an_unknown_field_or_a_number_as_text_is_refused(environment, api, admin_operator):
    assert api("put", "/operator/platform-settings", user=admin_operator, json={**BODY, "id": 2}).status_code == 422
    assert (
        api(
            "put", "/operator/platform-settings", user=admin_operator, json={**BODY, "payment_minutes": "45"}
        ).status_code
        == 422
    )
    assert not PlatformSettings.objects.exists()


@pytest.mark.parametrize("role", ["anonymous", "buyer", "reviewer", "finance", "support"])
def test_only_administrators_reach_the_operator_routes(environment, api, buyer, role):
    user = None if role == "anonymous" else buyer if role == "buyer" else factories.user(operator_role=role)
    expected = 401 if role == "anonymous" else 403
    assert api("get", "/operator/platform-settings", user=user).status_code == expected
    assert api("put", "/operator/platform-settings", user=user, json=BODY).status_code == expected
    assert api("get", "/operator/legal/terms", user=user).status_code == expected
    assert api("post", "/operator/legal/terms", user=user, json={"body": "条款"}).status_code == expected
    assert not PlatformSettings.objects.exists()
    assert not LegalDocument.objects.exists()


def test_publishing_and_reading_the_legal_texts(api, admin_operator):
    # given nothing published: the public answer says so, with no version
    assert api("get", "/legal/privacy").json() == {"kind": "privacy", "version": None, "published_at": None, "body": ""}
    # when two versions are published
    first = api("post", "/operator/legal/privacy", user=admin_operator, json={"body": "第一版"})
    second = api("post", "/operator/legal/privacy", user=admin_operator, json={"body": "第二版"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert (first.json()["version"], second.json()["version"]) == (1, 2)
    assert second.json()["published_by_id"] == admin_operator.pk
    # then the operator lists both, newest first, and anyone reads the one in force
    listed = api("get", "/operator/legal/privacy", user=admin_operator).json()
    assert [(v["version"], v["body"]) for v in listed] == [(2, "第二版"), (1, "第一版")]
    public = api("get", "/legal/privacy").json()
    assert (public["version"], public["body"], public["published_at"]) == (2, "第二版", second.json()["published_at"])
    assert api("get", "/legal/terms").json()["version"] is None


def test_a_bad_text_or_kind_is_refused_with_the_error_shape(api, admin_operator):
    empty = api("post", "/operator/legal/terms", user=admin_operator, json={"body": "  "})
    assert (empty.status_code, empty.json()["code"], empty.json()["field"]) == (
        422,
        "policies.legal_body_invalid",
        "body",
    )
    too_long = api("post", "/operator/legal/terms", user=admin_operator, json={"body": "字" * 50_001})
    assert too_long.status_code == 422
    unknown = api("post", "/operator/legal/cookies", user=admin_operator, json={"body": "x"})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "policies.legal_kind_unknown")
    assert api("get", "/legal/cookies").status_code == 404
    assert not LegalDocument.objects.exists()
