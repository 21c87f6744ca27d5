import pytest

from jishi.accounts.models import RealNameVerification
from jishi.core.models import AuditEntry
from tests.accounts.test_validators import valid_id

pytestmark = pytest.mark.django_db

NUMBER = valid_id("11010119900307123")


def test_submission_is_sealed_and_only_ever_shown_masked(api, buyer):
    # when
    response = api("post", "/me/kyc", user=buyer, json={"real_name": "张三丰", "id_number": NUMBER})
    # then
    assert response.status_code == 201
    body = response.json()
    assert body["id_number"] == f"110101********{NUMBER[-4:]}"
    assert body["real_name"] == "张**"
    stored = RealNameVerification.objects.get()
    assert NUMBER not in stored.id_number_sealed
    assert stored.id_number == NUMBER
    assert NUMBER not in api("get", "/me/kyc", user=buyer).content.decode()


def test_an_invalid_number_is_refused_and_nothing_is_written(api, buyer):
    response = api("post", "/me/kyc", user=buyer, json={"real_name": "张三", "id_number": NUMBER[:-1] + "0"})
    if NUMBER[-1] == "0":
        response = api("post", "/me/kyc", user=buyer, json={"real_name": "张三", "id_number": NUMBER[:-1] + "1"})
    assert response.status_code == 422
    assert response.json() == {
        "code": "accounts.invalid_id_number",
        "message": response.json()["message"],
        "field": "id_number",
    }
    assert RealNameVerification.objects.count() == 0


def test_one_id_number_verifies_one_account(api, buyer, other_buyer):
    api("post", "/me/kyc", user=buyer, json={"real_name": "张三", "id_number": NUMBER})
    response = api("post", "/me/kyc", user=other_buyer, json={"real_name": "张三", "id_number": NUMBER})
    assert response.status_code == 409
    assert response.json()["code"] == "accounts.id_number_in_use"


def test_operator_review_approves_and_rejects_with_an_audit_entry(api, buyer, other_buyer, reviewer):
    # given
    first = api("post", "/me/kyc", user=buyer, json={"real_name": "张三", "id_number": NUMBER}).json()
    second_number = valid_id("31010119850101456")
    second = api("post", "/me/kyc", user=other_buyer, json={"real_name": "李四", "id_number": second_number}).json()
    # when
    queue = api("get", "/operator/kyc", user=reviewer).json()
    approved = api("post", f"/operator/kyc/{first['id']}/approve", user=reviewer)
    rejected = api("post", f"/operator/kyc/{second['id']}/reject", user=reviewer, json={"reason": "照片模糊"})
    # then
    assert queue["count"] == 2
    assert NUMBER not in str(queue)
    assert approved.json()["status"] == "approved"
    assert rejected.json()["status"] == "rejected"
    assert api("get", "/me/kyc", user=other_buyer).json()["rejection_reason"] == "照片模糊"
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"kyc.approved", "kyc.rejected"} <= actions


def test_buyers_cannot_review_or_read_the_queue(api, buyer, merchant_staff):
    kyc = api("post", "/me/kyc", user=buyer, json={"real_name": "张三", "id_number": NUMBER}).json()
    for user in (buyer, merchant_staff):
        assert api("get", "/operator/kyc", user=user).status_code == 403
        assert api("post", f"/operator/kyc/{kyc['id']}/approve", user=user).status_code == 403
    assert api("post", f"/operator/kyc/{kyc['id']}/approve").status_code == 401
    assert RealNameVerification.objects.get().status == "pending"
