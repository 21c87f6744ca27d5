"""The marketplace over HTTP: apply, approve, withdraw, approve the payout, read the inbox."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from jishi.ledger import services as ledger
from tests import factories
from tests.factories import PASSWORD
from tests.ledger.conftest import funded

pytestmark = pytest.mark.django_db


def _png():
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (0, 120, 60)).save(out, "PNG")
    return SimpleUploadedFile("licence.png", out.getvalue(), content_type="image/png")


def _apply(api, user, **fields):
    form = {
        "shop_name": "汪汪宠物店",
        "kind": "pet_shop",
        "subject_type": "company",
        "company_name": "成都汪汪宠物有限公司",
        "credit_code": "91350100M000100Y43",
        "legal_representative": "李四",
        "permit_kind": "animal_business_permit",
        "permit_number": "川动防合字第510107001号",
        "permit_authority": "成都市武侯区农业农村局",
        "permit_expires_on": str(timezone.localdate() + dt.timedelta(days=200)),
        "licence_image": _png(),
    } | fields
    return api("post", "/merchant-applications", user=user, data=form)


def test_apply_approve_and_the_applicant_sees_the_decision(api, buyer, reviewer):
    response = _apply(api, buyer)
    assert response.status_code == 201, response.content
    application = response.json()
    assert application["qualifications"][0]["kind"] == "animal_business_permit"
    queue = api("get", "/operator/merchant-applications", user=reviewer).json()
    assert [a["id"] for a in queue] == [application["id"]]
    approved = api("post", f"/operator/merchant-applications/{application['id']}/approve", user=reviewer)
    assert approved.json()["status"] == "approved"
    assert api("get", "/merchant-applications", user=buyer).json()[0]["merchant_id"] is not None
    inbox = api("get", "/notifications", user=buyer).json()
    assert inbox["unread"] == 1
    assert api("post", "/notifications/read", user=buyer, json={}).json() == {"marked": 1}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"credit_code": "91350100M000100Y44"}, "credit_code"),
        ({"permit_number": "1"}, "qualifications.0.number"),
        ({"permit_expires_on": "2020-01-01"}, "qualifications.0.expires_on"),
        ({"permit_kind": ""}, "qualifications"),
        ({"licence_image": SimpleUploadedFile("x.png", b"not an image", content_type="image/png")}, "licence_image"),
    ],
)
def test_bad_applications_name_the_field(api, buyer, fields, field):
    response = _apply(api, buyer, **fields)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert not buyer.applications.exists()


def test_withdraw_over_http_and_finance_approves_once(api, merchant_staff, leaf_category, finance):
    funded(merchant_staff, leaf_category, "800.00")
    bank = {"password": PASSWORD, "holder": "一号店", "bank": "工商银行", "number": "6222020200112233445"}
    assert api("put", "/merchant/finance/bank-account", user=merchant_staff, json=bank).json()["status"] == "verified"
    assert api("post", "/merchant/payouts", user=merchant_staff, json={"amount": "800.01"}).status_code == 409
    response = api("post", "/merchant/payouts", user=merchant_staff, json={"amount": "500.00"})
    assert response.status_code == 201
    number = response.json()["number"]
    balances = api("get", "/merchant/finance", user=merchant_staff).json()
    assert (balances["available"]["amount"], balances["in_transit"]["amount"]) == ("300.00", "500.00")
    assert api("post", f"/operator/payouts/{number}/approve", user=finance).status_code == 200
    second = api("post", f"/operator/payouts/{number}/approve", user=finance)  # a repeat: the same answer
    assert (second.status_code, second.json()["status"]) == (200, "approved")
    refused = api("post", f"/operator/payouts/{number}/reject", user=finance, json={"reason": "重复"})
    assert (refused.status_code, refused.json()["code"]) == (409, "ledger.payout_not_pending")
    ledger.payout_execute(payout_id=ledger.Payout.objects.get(number=number).pk)
    lines = api("get", "/merchant/finance/entries", user=merchant_staff).json()
    assert {line["kind"] for line in lines} >= {"payment", "settlement", "payout_request", "payout_paid"}


def test_an_admin_makes_a_category_need_a_permit_and_listing_there_is_refused(api, admin_operator, merchant_staff):
    category = factories.category_path("宠物", "活体宠物", "猫咪")
    body = {"category_id": category.parent_id, "kind": "animal_business_permit"}
    response = api("post", "/operator/category-requirements", user=admin_operator, json=body)
    assert response.status_code == 200
    assert response.json() == [
        {"category_id": category.parent_id, "category": "活体宠物", "kind": "animal_business_permit"}
    ]
    product = factories.product(merchant_staff, category, publish=False)
    refused = api("post", f"/merchant/products/{product.pk}/submit", user=merchant_staff)
    assert refused.status_code == 409
    assert refused.json()["code"] == "catalog.qualification_required"
    lifted = api("post", "/operator/category-requirements", user=admin_operator, json={**body, "required": False})
    assert lifted.json() == []
    missing = api(
        "post", "/operator/category-requirements", user=admin_operator, json={**body, "category_id": 99999999}
    )
    assert missing.status_code == 404
