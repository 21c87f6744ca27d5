"""A pet's sale through the API: the quarantine gate, the journey, the arrival and a claim, and their 4xx."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jishi.pets import services
from jishi.pets.models import PetSale
from tests import factories
from tests.pets.conftest import PDF, logged, png

pytestmark = pytest.mark.django_db


@pytest.fixture
def sale(breeder, kitten, buyer):
    logged(breeder, kitten)
    services.checkpoint_sign()
    factories.pay(factories.place(buyer, (factories.sku_of(kitten.product), 1)))
    return PetSale.objects.select_related("order").get(pet=kitten)


def _file(name, data, kind):
    return SimpleUploadedFile(name, data, content_type=kind)


def test_a_pet_travels_arrives_and_is_claimed_through_the_api(api, breeder, buyer, sale):
    number = sale.order.number
    [shown] = api("get", f"/orders/{number}/pets", user=buyer).json()
    assert (shown["delivery"], shown["delivery_offered"]) == ("pet_courier", ["pet_courier", "collection"])
    assert (shown["checkpoint_size"], shown["quarantine_uploaded"]) == (1, False)
    assert shown["verify_path"] == f"/pets/{sale.pet_id}/verify/"

    ship = {"carrier": "宠物托运", "tracking_number": "PT2026001"}
    refused = api("post", f"/merchant/orders/{number}/ship", user=breeder, json=ship)
    assert (refused.status_code, refused.json()["code"]) == (409, "pets.quarantine_required")
    uploaded = api(
        "post",
        f"/merchant/pets/sales/{sale.pk}/quarantine",
        user=breeder,
        data={"number": "苏 3205001234", "document": _file("cert.pdf", PDF, "application/pdf")},
    )
    assert uploaded.json()["quarantine_uploaded"]
    assert api("post", f"/merchant/orders/{number}/ship", user=breeder, json=ship).status_code == 200
    now = timezone.now()
    for kind, hours, place in (("handed_over", 8, "苏州 托运站"), ("arrived", 0, "北京 提货点")):
        event = {"kind": kind, "at": (now - dt.timedelta(hours=hours)).isoformat(), "place": place}
        answer = api("post", f"/merchant/pets/sales/{sale.pk}/events", user=breeder, json=event)
        assert answer.status_code == 200, answer.content
    assert [e["kind"] for e in answer.json()["events"]] == ["handed_over", "arrived"]

    arrived = api(
        "post",
        f"/pets/sales/{sale.pk}/arrival",
        user=buyer,
        data={"condition": "unwell", "note": "精神萎靡", "photos": [_file("a.png", png(), "image/png")]},
    )
    assert arrived.status_code == 200, arrived.content
    assert (arrived.json()["condition"], arrived.json()["confirmed_at"] is not None) == ("unwell", True)
    claim = api(
        "post",
        f"/pets/sales/{sale.pk}/claims",
        user=buyer,
        data={
            "kind": "dead_on_arrival",
            "description": "到货当晚死亡，附宠物医院证明",
            "evidence": [_file("vet.pdf", PDF, "application/pdf"), _file("b.png", png(), "image/png")],
        },
    )
    assert claim.status_code == 201, claim.content
    request = api("get", f"/aftersales/{claim.json()['request_number']}", user=buyer).json()
    assert (request["kind"], request["amount"]["amount"]) == ("claim", "4800.00")
    assert len(request["evidence"]) == 2


def test_bad_sale_input_is_4xx_with_the_field(api, breeder, buyer, sale):
    path = f"/pets/sales/{sale.pk}"
    assert api("put", f"{path}/delivery", user=buyer, json={"delivery": "air_cargo"}).json()["field"] == "delivery"
    assert api("put", f"{path}/delivery", user=buyer, json={"delivery": "teleport"}).status_code == 422
    assert api("put", f"{path}/delivery", user=breeder, json={"delivery": "collection"}).status_code == 404
    stranger = factories.user()
    assert api("get", f"/orders/{sale.order.number}/pets", user=stranger).status_code == 404
    too_early = api(
        "post",
        f"{path}/claims",
        user=buyer,
        data={"kind": "illness", "description": "x", "evidence": [_file("v.pdf", PDF, "application/pdf")]},
    )
    assert (too_early.status_code, too_early.json()["code"]) == (409, "pets.arrival_not_confirmed")
    bad_cert = api(
        "post",
        f"/merchant/pets/sales/{sale.pk}/quarantine",
        user=breeder,
        data={"number": "1", "document": _file("x.gif", b"GIF89a", "image/gif")},
    )
    assert (bad_cert.status_code, bad_cert.json()["field"]) == (422, "document")
    not_sent = {"kind": "arrived", "at": timezone.now().isoformat(), "place": "北京"}
    answer = api("post", f"/merchant/pets/sales/{sale.pk}/events", user=breeder, json=not_sent)
    assert (answer.status_code, answer.json()["code"]) == (409, "pets.not_shipped")
    arrival = api("post", f"{path}/arrival", user=buyer, data={"condition": "healthy"})
    assert (arrival.status_code, arrival.json()["code"]) == (409, "pets.not_shipped")
    assert api("post", f"{path}/arrival", user=buyer, data={"condition": "fine"}).status_code == 422
    assert PetSale.objects.get(pk=sale.pk).confirmed_at is None
