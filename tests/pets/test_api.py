"""The pet API: a breeder lists and records, anyone finds, reads and proves, bad input is a 4xx with the field."""

import base64
import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jishi.catalog import services as catalog
from jishi.merchants import services as merchants
from jishi.pets import services
from jishi.pets.verifier import VerifierKey, open_checkpoint, verify_consistency, verify_record
from tests import factories
from tests.pets.conftest import PDF, breed, logged, pet_of, vaccination

pytestmark = pytest.mark.django_db


def _listing(**fields):
    return {
        "breed_id": breed().pk,
        "sex": "female",
        "birth_date": (timezone.localdate() - dt.timedelta(weeks=20)).isoformat(),
        "price": "5200.00",
        "title": "布偶猫 海双色 妹妹",
        "city": "苏州市",
        "latitude": 31.2989,
        "longitude": 120.5853,
        "microchip": "156100000054321",
        "by_pet_courier": True,
        "illnesses_covered": "猫瘟、猫传腹",
    } | fields


def test_a_breeder_lists_a_kitten_and_anyone_reads_it_with_the_permit(api, breeder):
    merchants.qualification_add(
        actor=breeder,
        data=merchants.QualificationInput(
            kind="animal_business_permit",
            number="苏农动经字2026-0117",
            authority="苏州市农业农村局",
            expires_on=timezone.localdate() + dt.timedelta(days=365),
        ),
    )
    created = api("post", "/merchant/pets", user=breeder, json=_listing())
    assert created.status_code == 201, created.content
    pet = created.json()
    assert (pet["status"], pet["flags"], pet["microchip"]) == ("draft", [], "156********4321")
    submitted = api("post", f"/merchant/pets/{pet['id']}/submit", user=breeder).json()
    assert submitted["status"] == "pending_review"
    assert api("get", f"/pets/{pet['id']}").status_code == 404  # not before review
    catalog.product_approve(actor=factories.user(operator_role="reviewer"), product_id=pet["product_id"])

    shown = api("get", f"/pets/{pet['id']}").json()
    assert shown["seller"] == {
        "merchant_id": breeder.membership.merchant_id,
        "name": "布偶小筑",
        "label": "breeder",
        "permit_number": "苏农动经字2026-0117",
        "permit_authority": "苏州市农业农村局",
    }
    assert (shown["age_weeks"], shown["age_months"], shown["price"]["amount"]) == (20, 4, "5200.00")
    assert shown["delivery"] == ["collection", "pet_courier"]
    assert shown["guarantee"] == {"transit_hours": 24, "illness_days": 7, "illnesses": "猫瘟、猫传腹"}
    assert shown["verify_path"] == f"/pets/{pet['id']}/verify/"

    found = api("get", "/pets", data={"lat": "31.30", "lng": "120.60", "within_km": "50", "sort": "nearest"}).json()
    assert [item["id"] for item in found["items"]] == [pet["id"]]
    assert found["items"][0]["km"] == 1.4
    assert found["breeds"] == [{"id": breed().pk, "name": "布偶猫", "count": 1}]


def test_records_are_added_proven_and_checked_with_the_verifier(api, breeder, kitten):
    upload = SimpleUploadedFile("booklet.pdf", PDF, content_type="application/pdf")
    added = api(
        "post",
        f"/merchant/pets/{kitten.pk}/records",
        user=breeder,
        data={
            "kind": "vaccination",
            "fields": json.dumps(vaccination(batch="A1")),
            "document": upload,
        },
    )
    assert added.status_code == 201, added.content
    assert api("get", "/pets/log/checkpoint").status_code == 404
    signed = api("post", "/operator/pets/log/checkpoints", user=factories.user(operator_role="support")).json()
    key = VerifierKey.parse(signed["verifier_key"])
    checkpoint = open_checkpoint(signed["note"], key)
    assert checkpoint.size == 1

    page = api("get", f"/pets/{kitten.pk}/records").json()
    [record] = page["records"]
    assert (record["kind"], record["proven"], record["problem"]) == ("vaccination", True, "")
    assert "fields, document and entry logged" in verify_record(record["proof"], checkpoint)
    proof = api("get", "/pets/log/inclusion", data={"record": record["id"]}).json()
    assert proof == record["proof"]

    logged(breeder, kitten, 4)
    later = services.checkpoint_sign()
    consistency = api("get", "/pets/log/consistency", data={"first": 1, "second": 5}).json()
    new_root = bytes(later.root_hash)
    hashes = [bytes.fromhex(h) for h in consistency["hashes"]]
    assert verify_consistency(1, 5, hashes, checkpoint.root, new_root)
    assert api("get", "/pets/log/consistency", data={"first": 5, "second": 9}).status_code == 422
    assert api("get", "/pets/log/inclusion", data={"record": record["id"], "tree_size": 3}).status_code == 422
    assert base64.b64decode(api("get", "/pets/log/checkpoint").json()["root_hash"]) == new_root


def test_a_correction_and_an_erasure_through_the_api(api, breeder, kitten):
    [record] = logged(breeder, kitten)
    fixed = api(
        "post",
        f"/merchant/pets/records/{record.pk}/correction",
        user=breeder,
        data={"fields": json.dumps(vaccination(batch="A2"))},
    )
    assert fixed.status_code == 201, fixed.content
    assert fixed.json()["supersedes"] == record.pk
    services.checkpoint_sign()
    records = api("get", f"/pets/{kitten.pk}/records").json()["records"]
    assert [(r["superseded"], r["proven"]) for r in records] == [(True, True), (False, True)]
    erase = f"/operator/pets/records/{record.pk}/erase"
    assert api("post", erase, user=breeder, json={"reason": "x"}).status_code == 403
    support = factories.user(operator_role="support")
    erased = api("post", erase, user=support, json={"reason": "本人申请删除"})
    assert erased.json()["fields"] is None
    assert api("get", f"/pets/{kitten.pk}/records").json()["records"][0]["proven"]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"microchip": "12345"}, 422, "microchip"),
        ({"birth_date": "2999-01-01"}, 422, "birth_date"),
        ({"birth_date": (dt.date.today() - dt.timedelta(weeks=6)).isoformat()}, 422, "birth_date"),
        ({"price": "12.345"}, 422, "price"),
        ({"latitude": "31.2"}, 422, "latitude"),
        ({"colour": "蓝" * 31}, 422, "colour"),
        ({"owner": 3}, 422, "owner"),
    ],
)
def test_bad_listings_are_4xx_with_the_field(api, breeder, change, status, field):
    answer = api("post", "/merchant/pets", user=breeder, json=_listing(**change))
    assert answer.status_code == status, answer.content
    assert answer.json()["field"] == field
    assert answer.json()["code"]


def test_bad_records_and_searches_are_4xx(api, breeder, kitten):
    pet_of(breeder, microchip="156100000054321")
    taken = api("post", "/merchant/pets", user=breeder, json=_listing())
    assert (taken.status_code, taken.json()["field"]) == (409, "microchip")
    path = f"/merchant/pets/{kitten.pk}/records"
    gif = SimpleUploadedFile("x.gif", b"GIF89a....", content_type="image/gif")
    cases = [
        ({"kind": "vaccination", "fields": "not json", "document": gif}, "fields"),
        ({"kind": "vaccination", "fields": "[1]", "document": gif}, "fields"),
        ({"kind": "vaccination", "fields": '{"vaccine": "x"}', "document": gif}, "batch"),
        ({"kind": "vaccination", "fields": json.dumps(vaccination()), "document": gif}, "document"),
    ]  # fmt: skip
    for data, field in cases:
        gif.seek(0)
        answer = api("post", path, user=breeder, data=data)
        assert (answer.status_code, answer.json()["field"]) == (422, field), answer.content
    other = factories.merchant_owner(kind="breeder")
    assert (
        api("post", path, user=other, data={"kind": "vaccination", "fields": "{}", "document": gif}).status_code == 404
    )
    assert api("get", "/pets", data={"lat": "31.3"}).status_code == 422
    assert api("get", "/pets", data={"within_km": "900"}).status_code == 422
    assert api("get", "/pets", data={"sort": "random"}).status_code == 422
    assert api("get", "/pets", data={"bred": "3"}).status_code == 422
